// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { ApiClient, refresher } from './client';
import { FakeXhr, type FakeAnswer } from './fake-xhr';
import { deleteFile, filesPath, getFile, listFiles, storageUsage, uploadFile, uploadType, type StoredFile } from './files';
import { ApiError } from './problem';
import { addComment } from './support';
import { TokenStore } from './tokens';

function memStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, v),
  };
}

const json = (status: number, body: unknown) =>
  new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });

/** A client whose fetch answers with `handler` and whose XMLHttpRequest with `respond`. */
function setup(handler: (url: string, init: RequestInit) => Response, respond: (x: FakeXhr) => FakeAnswer | 'network-error' = () => ({ status: 500 })) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchImpl = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    calls.push({ url: String(input), init });
    return handler(String(input), init);
  }) as unknown as typeof fetch;
  const tokens = new TokenStore('acme', refresher('acme', fetchImpl), memStorage());
  tokens.set({ access_token: 'a1', refresh_token: 'r1', token_type: 'Bearer', expires_in: 900 });
  const api = new ApiClient('acme', tokens, {}, fetchImpl);
  api.makeXhr = () => new FakeXhr(respond) as unknown as XMLHttpRequest;
  FakeXhr.sent = [];
  return { api, calls };
}

const file = (id: string, extra: Partial<StoredFile> = {}): StoredFile => ({
  id, record_kind: 'contact', record_id: 'c1', comment_id: null, name: `${id}.pdf`, content_type: 'application/pdf', size: 1234,
  sha256: 'ab'.repeat(32), internal: true, created_by: 'u1', created_by_name: 'Ada Agent', created_at: '2026-12-06T10:00:00Z',
  download_url: `/t/acme/api/v1/files/${id}/content?expires=1&signature=ff`, download_expires_at: '2026-12-06T10:05:00Z', ...extra,
});

describe('a record’s files', () => {
  it('lists them under the record’s own path, every page', async () => {
    const { api, calls } = setup((url) =>
      url.includes('cursor=p2') ? json(200, { items: [file('f2')], next_cursor: null }) : json(200, { items: [file('f1')], next_cursor: 'p2' }),
    );
    const items = await listFiles(api, 'contact', 'c1');
    expect(items.map((f) => f.id)).toEqual(['f1', 'f2']);
    expect(calls.map((c) => c.url)).toEqual(['/t/acme/api/v1/contacts/c1/files', '/t/acme/api/v1/contacts/c1/files?cursor=p2']);
    expect((calls[0]!.init.headers as Record<string, string>).authorization).toBe('Bearer a1');
    expect([filesPath('company', 'x'), filesPath('deal', 'x'), filesPath('ticket', 'x')]).toEqual(['/companies/x/files', '/deals/x/files', '/tickets/x/files']);
  });

  it('uploads the raw bytes with the file’s type, its name in the query', async () => {
    const { api, calls } = setup(() => json(201, file('f9', { name: 'Angebot März.pdf' })));
    const pdf = new Blob(['%PDF-1.7 …'], { type: 'application/pdf' });
    const f = await uploadFile(api, 'deal', 'd1', pdf, 'Angebot März.pdf');
    expect(f.id).toBe('f9');
    const { url, init } = calls[0]!;
    expect(init.method).toBe('POST');
    expect(url).toBe('/t/acme/api/v1/deals/d1/files?name=Angebot+M%C3%A4rz.pdf');
    expect((init.headers as Record<string, string>)['content-type']).toBe('application/pdf');
    // Not multipart, not JSON: the file itself.
    expect(init.body).toBe(pdf);
  });

  it('sends plain bytes as application/octet-stream, and a ticket’s internality only when told', async () => {
    const { api, calls } = setup(() => json(201, file('f1', { record_kind: 'ticket' })));
    await uploadFile(api, 'ticket', 't1', new Blob(['x']), 'notes', { internal: false });
    await uploadFile(api, 'ticket', 't1', new Blob(['x']), 'notes');
    expect(calls.map((c) => c.url)).toEqual(['/t/acme/api/v1/tickets/t1/files?name=notes&internal=false', '/t/acme/api/v1/tickets/t1/files?name=notes']);
    expect((calls[0]!.init.headers as Record<string, string>)['content-type']).toBe('application/octet-stream');
    expect(uploadType(new Blob(['x'], { type: 'image/png' }))).toBe('image/png');
  });

  it('tells the bytes sent when asked (over XMLHttpRequest)', async () => {
    const { api, calls } = setup(() => json(500, {}), () => ({ status: 201, body: JSON.stringify(file('f1')), headers: { 'content-type': 'application/json' } }));
    const seen: [number, number][] = [];
    const f = await uploadFile(api, 'contact', 'c1', new Blob(['0123456789']), 'ten.bin', { onProgress: (sent, total) => seen.push([sent, total]) });
    expect(f.id).toBe('f1');
    expect(calls).toEqual([]);
    expect(seen).toEqual([[3, 10], [7, 10], [10, 10]]);
    const x = FakeXhr.sent[0]!;
    expect([x.method, x.url, x.headers['content-type'], x.headers.authorization]).toEqual(['POST', '/t/acme/api/v1/contacts/c1/files?name=ten.bin', 'application/octet-stream', 'Bearer a1']);
  });

  it('throws the server’s refusal with its code and words', async () => {
    const refusals: [number, string, string][] = [
      [413, 'payload_too_large', 'The file is larger than 25 MiB.'],
      [403, 'quota_exceeded', 'The workspace has used its 100 MiB of storage.'],
      [415, 'unsupported_media_type', 'The content is not what its type claims.'],
      [422, 'upload_infected', 'The virus scanner found Eicar-Signature.'],
    ];
    for (const [status, code, detail] of refusals) {
      const { api } = setup(() => json(status, { status, code, title: 'Refused', detail }));
      const e = await uploadFile(api, 'contact', 'c1', new Blob(['x']), 'x').catch((err: unknown) => err);
      expect(e).toBeInstanceOf(ApiError);
      expect([(e as ApiError).status, (e as ApiError).code, (e as ApiError).detail]).toEqual([status, code, detail]);
    }
  });
});

describe('one file', () => {
  it('reads it for a fresh link, and deletes it', async () => {
    const { api, calls } = setup((_url, init) => (init.method === 'DELETE' ? json(204, null) : json(200, file('f1'))));
    expect((await getFile(api, 'f1')).download_url).toBe('/t/acme/api/v1/files/f1/content?expires=1&signature=ff');
    await deleteFile(api, 'f1');
    expect(calls.map((c) => `${c.init.method ?? 'GET'} ${c.url}`)).toEqual(['GET /t/acme/api/v1/files/f1', 'DELETE /t/acme/api/v1/files/f1']);
  });
});

it('reads the workspace’s storage', async () => {
  const usage = { used_bytes: 123, quota_bytes: 104857600, files: 3, max_upload_bytes: 26214400 };
  const { api, calls } = setup(() => json(200, usage));
  expect(await storageUsage(api)).toEqual(usage);
  expect(calls[0]!.url).toBe('/t/acme/api/v1/storage/usage');
});

it('names a comment’s attachments, and leaves them out when there are none', async () => {
  const { api, calls } = setup(() => json(201, { id: 'k1' }));
  await addComment(api, 't1', 'See the photo.', false, ['f1', 'f2']);
  await addComment(api, 't1', 'No files.', true);
  expect(calls.map((c) => JSON.parse(String(c.init.body)))).toEqual([
    { body: 'See the photo.', internal: false, attachments: ['f1', 'f2'] },
    { body: 'No files.', internal: true },
  ]);
});

// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { ApiClient, refresher } from './client';
import { FakeXhr } from './fake-xhr';
import { ApiError, NetworkError } from './problem';
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

function client(respond: (x: FakeXhr) => ReturnType<ConstructorParameters<typeof FakeXhr>[0]>) {
  const fetchImpl = vi.fn(async () =>
    new Response(JSON.stringify({ access_token: 'a2', refresh_token: 'r2', token_type: 'Bearer', expires_in: 900 }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    }),
  ) as unknown as typeof fetch;
  const tokens = new TokenStore('acme', refresher('acme', fetchImpl), memStorage());
  tokens.set({ access_token: 'a1', refresh_token: 'r1', token_type: 'Bearer', expires_in: 900 });
  const api = new ApiClient('acme', tokens, {}, fetchImpl);
  api.makeXhr = () => new FakeXhr(respond) as unknown as XMLHttpRequest;
  return api;
}

const problem = (status: number, body: object) => ({
  status,
  body: JSON.stringify({ status, ...body }),
  headers: { 'content-type': 'application/problem+json' },
});

describe('uploads with progress (XMLHttpRequest)', () => {
  it('reports the bytes sent and reads the answer like any call', async () => {
    FakeXhr.sent = [];
    const api = client(() => ({ status: 200, body: '{"imported":2}', headers: { 'content-type': 'application/json' } }));
    const seen: number[] = [];
    const r = await api.request<{ imported: number }>('POST', '/contacts/import', {
      raw: { data: new Blob(['last_name\nA\nB\n']), type: 'text/csv' },
      query: { skip_invalid: 'true' },
      onUploadProgress: (sent) => seen.push(sent),
    });
    expect(r.data).toEqual({ imported: 2 });
    expect(seen).toEqual([5, 9, 14]);
    const x = FakeXhr.sent[0]!;
    expect(x.method).toBe('POST');
    expect(x.url).toBe('/t/acme/api/v1/contacts/import?skip_invalid=true');
    expect(x.headers.authorization).toBe('Bearer a1');
    expect(x.headers['content-type']).toBe('text/csv');
  });

  it('turns an error answer into an ApiError with its extra members, and refreshes an expired token once', async () => {
    FakeXhr.sent = [];
    const api = client((x) =>
      x.headers.authorization === 'Bearer a1'
        ? problem(401, { code: 'unauthorized', detail: 'expired' })
        : problem(422, { code: 'validation_failed', detail: 'rows', rows: [{ line: 2, field: 'email', message: 'bad' }], error_count: 1 }),
    );
    const e = await api.request('POST', '/contacts/import', { raw: { data: new Blob(['x']), type: 'text/csv' }, onUploadProgress: () => undefined }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(422);
    expect((e as ApiError).problem.rows).toEqual([{ line: 2, field: 'email', message: 'bad' }]);
    expect(FakeXhr.sent.map((x) => x.headers.authorization)).toEqual(['Bearer a1', 'Bearer a2']);
  });

  it('says NetworkError when no answer came', async () => {
    const api = client(() => 'network-error');
    await expect(api.request('POST', '/contacts/import', { raw: { data: new Blob(['x']), type: 'text/csv' }, onUploadProgress: () => undefined })).rejects.toBeInstanceOf(NetworkError);
  });
});

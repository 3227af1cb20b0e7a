import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { FakeXhr, type FakeAnswer } from '../../api/fake-xhr';
import type { StoredFile } from '../../api/files';
import type { Me } from '../../api/types';
import { FakeSocket } from '../../realtime/fake-socket';
import { json, renderApp, type Handler } from '../../test/render';
import { AttachmentsPanel } from './AttachmentsPanel';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const me: Me = {
  user: { id: 'u1', email: 'ada@x.example', name: 'Ada Agent', kind: 'staff', mfa_enabled: false },
  tenant: { id: 't', slug: 'acme', name: 'Acme' },
  roles: ['admin'],
  teams: [],
  permissions: ['contacts:read', 'contacts:write'].map((permission) => ({ permission, scope: 'all', hidden_fields: [] })),
  mfa_enrollment_required: false,
};

const file = (id: string, name: string, extra: Partial<StoredFile> = {}): StoredFile => ({
  id, record_kind: 'contact', record_id: 'c1', comment_id: null, name, content_type: 'application/pdf', size: 5786,
  sha256: '00', internal: true, created_by: 'u1', created_by_name: 'Ada Agent', created_at: '2026-12-06T10:00:00Z',
  download_url: `/t/acme/api/v1/files/${id}/content?expires=1&signature=${id}`, download_expires_at: '2026-12-06T10:05:00Z', ...extra,
});
const event = (seq: number, name: string, data: object) => ({ type: 'event' as const, topic: 'record:contact:c1', seq, event: name, data: data as Record<string, unknown> });

function panel(files: StoredFile[], more: Handler = () => undefined, maxUpload = 26_214_400) {
  FakeSocket.all = [];
  history.replaceState(null, '', '/t/acme/contacts/c1');
  return renderApp(
    <AttachmentsPanel kind="contact" recordId="c1" canWrite />,
    (method, path, body, headers) => {
      const answer = more(method, path, body, headers);
      if (answer) return answer;
      if (path === '/me') return json(200, me);
      if (path === '/storage/usage') return json(200, { used_bytes: 0, quota_bytes: null, files: files.length, max_upload_bytes: maxUpload });
      if (method === 'GET' && path === '/contacts/c1/files') return json(200, { items: files, next_cursor: null });
      return undefined;
    },
    { signedIn: true },
  );
}

async function openSocket() {
  await waitFor(() => expect(FakeSocket.all.length).toBeGreaterThan(0));
  const ws = FakeSocket.last();
  act(() => ws.open());
  await waitFor(() => expect(ws.frames('subscribe').map((f) => f.topic)).toContain('record:contact:c1'));
  act(() => ws.ackSubscribes(100));
  return ws;
}

const rows = () => within(screen.getByTestId('file-list')).getAllByRole('listitem');

it('lists the files with size, type, who and when, and follows them live', async () => {
  panel([file('f1', 'Angebot.pdf')]);
  const row = (await screen.findByRole('button', { name: 'Download Angebot.pdf' })).closest('li')!;
  expect(row.textContent).toContain('5.7 KB');
  expect(row.textContent).toContain('PDF');
  expect(row.textContent).toContain('added by Ada Agent');
  expect(screen.getByRole('heading', { name: 'Attachments (1)' })).toBeTruthy();
  const ws = await openSocket();

  // Someone else adds one, then deletes the first: no download link in events.
  const { download_url: _u, download_expires_at: _e, ...added } = file('f2', 'Lageplan.png', { content_type: 'image/png', size: 812, created_at: '2026-12-06T11:00:00Z', created_by_name: 'Bea' });
  act(() => ws.receive(event(101, 'file.added', added)));
  await waitFor(() => expect(rows().map((r) => r.getAttribute('data-name'))).toEqual(['Lageplan.png', 'Angebot.pdf']));
  expect(rows()[0]!.textContent).toContain('812 B');
  act(() => ws.receive(event(102, 'file.removed', { id: 'f1', record_kind: 'contact', record_id: 'c1' })));
  await waitFor(() => expect(rows().map((r) => r.getAttribute('data-name'))).toEqual(['Lageplan.png']));
  // Another record's file is not this one's.
  act(() => ws.receive(event(103, 'file.added', { ...added, id: 'f3', record_id: 'c2' })));
  expect(rows()).toHaveLength(1);
});

it('uploads several files, each on its own; a refusal is said at its file in the server’s words', async () => {
  const { services, calls } = panel([]);
  await screen.findByText('No files yet. Add some, or drop them here.');
  services.api.makeXhr = () =>
    new FakeXhr((x): FakeAnswer => {
      const name = new URL(x.url, 'http://localhost').searchParams.get('name');
      if (name === 'virus.exe') {
        return { status: 422, body: JSON.stringify({ status: 422, code: 'upload_infected', title: 'Unprocessable', detail: 'The virus scanner found Eicar-Test-Signature.' }), headers: { 'content-type': 'application/problem+json' } };
      }
      return { status: 201, body: JSON.stringify(file('f9', name ?? '?', { size: 4 })), headers: { 'content-type': 'application/json' } };
    }) as unknown as XMLHttpRequest;
  FakeXhr.sent = [];
  await waitFor(() => expect(calls.some((c) => c.path === '/storage/usage')).toBe(true));

  const good = new File(['%PDF'], 'Vertrag.pdf', { type: 'application/pdf' });
  const bad = new File(['MZ..'], 'virus.exe', { type: '' });
  fireEvent.change(screen.getByLabelText('Add files'), { target: { files: [good, bad] } });

  await screen.findByRole('button', { name: 'Download Vertrag.pdf' });
  const refused = await screen.findByText('virus.exe was not added: The virus scanner found Eicar-Test-Signature.');
  expect(refused.closest('li')!.getAttribute('data-status')).toBe('failed');
  // One after the other, each as its raw bytes with its own type.
  expect(FakeXhr.sent.map((x) => [x.url, x.headers['content-type']])).toEqual([
    ['/t/acme/api/v1/contacts/c1/files?name=Vertrag.pdf', 'application/pdf'],
    ['/t/acme/api/v1/contacts/c1/files?name=virus.exe', 'application/octet-stream'],
  ]);
  expect(FakeXhr.sent[0]!.body).toBe(good);
  // The refusal goes away when dismissed.
  fireEvent.click(screen.getByRole('button', { name: 'Remove virus.exe' }));
  expect(screen.queryByText(/virus\.exe was not added/)).toBeNull();
});

it('says a file is too large before sending it', async () => {
  const { services, calls } = panel([], undefined, 10);
  await screen.findByText('No files yet. Add some, or drop them here.');
  await waitFor(() => expect(calls.some((c) => c.path === '/storage/usage')).toBe(true));
  await screen.findByText(/up to 10 B each/);
  const send = vi.fn();
  services.api.makeXhr = () => {
    send();
    return new FakeXhr(() => ({ status: 500 })) as unknown as XMLHttpRequest;
  };
  fireEvent.change(screen.getByLabelText('Add files'), { target: { files: [new File(['01234567890123456789'], 'big.bin')] } });
  await screen.findByText('big.bin was not added: It is larger than the 10 B a file may have.');
  expect(send).not.toHaveBeenCalled();
});

it('takes files dropped on the panel', async () => {
  const { services } = panel([]);
  await screen.findByText('No files yet. Add some, or drop them here.');
  services.api.makeXhr = () => new FakeXhr(() => ({ status: 201, body: JSON.stringify(file('f5', 'Foto.jpg')), headers: { 'content-type': 'application/json' } })) as unknown as XMLHttpRequest;
  const zone = screen.getByTestId('file-drop');
  const dataTransfer = { types: ['Files'], files: [new File(['jpg'], 'Foto.jpg', { type: 'image/jpeg' })], dropEffect: 'none' };
  fireEvent.dragEnter(zone, { dataTransfer });
  expect(zone.className).toContain('file-drop--over');
  fireEvent.drop(zone, { dataTransfer });
  await screen.findByRole('button', { name: 'Download Foto.jpg' });
  expect(zone.className).not.toContain('file-drop--over');
});

it('downloads through a fresh signed link, and deletes after asking', async () => {
  const fresh = file('f1', 'Angebot.pdf', { download_url: '/t/acme/api/v1/files/f1/content?expires=2&signature=fresh' });
  const { calls } = panel([file('f1', 'Angebot.pdf')], (method, path) => {
    if (method === 'GET' && path === '/files/f1') return json(200, fresh);
    if (method === 'DELETE' && path === '/files/f1') return new Response(null, { status: 204 });
    return undefined;
  });
  const followed: { href: string; download: string }[] = [];
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    followed.push({ href: this.getAttribute('href') ?? '', download: this.download });
  });
  fireEvent.click(await screen.findByRole('button', { name: 'Download Angebot.pdf' }));
  await waitFor(() => expect(followed).toEqual([{ href: '/t/acme/api/v1/files/f1/content?expires=2&signature=fresh', download: 'Angebot.pdf' }]));
  expect(calls.filter((c) => c.path === '/files/f1').map((c) => c.method)).toEqual(['GET']);

  fireEvent.click(screen.getByRole('button', { name: 'Delete Angebot.pdf' }));
  const dialog = screen.getByRole('alertdialog');
  expect(dialog.textContent).toContain('Delete Angebot.pdf? This cannot be undone.');
  fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
  await screen.findByText('Angebot.pdf was deleted.');
  expect(screen.queryByRole('button', { name: 'Download Angebot.pdf' })).toBeNull();
  expect(calls.filter((c) => c.path === '/files/f1').map((c) => c.method)).toEqual(['GET', 'DELETE']);
});

it('says a file deleted meanwhile is gone when it is opened', async () => {
  panel([file('f1', 'Angebot.pdf')], (method, path) => (method === 'GET' && path === '/files/f1' ? json(404, { status: 404, code: 'not_found', detail: 'No such file.' }) : undefined));
  fireEvent.click(await screen.findByRole('button', { name: 'Download Angebot.pdf' }));
  expect((await screen.findByRole('alert')).textContent).toBe('This file no longer exists.');
});

it('shows no panel on a server without attachments', async () => {
  const { calls } = panel([], (_m, path) => (path === '/contacts/c1/files' ? json(404, { status: 404, code: 'not_found', detail: 'no route' }) : undefined));
  await waitFor(() => expect(calls.some((c) => c.path === '/contacts/c1/files')).toBe(true));
  await waitFor(() => expect(screen.queryByTestId('attachments')).toBeNull());
});

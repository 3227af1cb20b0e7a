import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { PersonExport } from '../../api/exports';
import type { Me } from '../../api/types';
import { FakeSocket } from '../../realtime/fake-socket';
import { json, renderApp, type Handler } from '../../test/render';
import { CONTACTS } from '../crm/kinds';
import { RecordDetail } from '../crm/RecordDetail';
import { POLL_MS } from './useExports';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const me = (permissions: string[]): Me => ({
  user: { id: 'u1', email: 'owner@x.example', name: 'Owner', kind: 'staff', mfa_enabled: false },
  tenant: { id: 't', slug: 'acme', name: 'Acme' },
  roles: ['owner'],
  teams: [],
  permissions: permissions.map((permission) => ({ permission, scope: 'all', hidden_fields: [] })),
  mfa_enrollment_required: false,
});
const OWNER = ['contacts:read', 'contacts:write', 'privacy:export'];

const exp = (extra: Partial<PersonExport> = {}): PersonExport => ({
  id: 'e1', subject_kind: 'contact', subject_id: 'c1', requested_by: 'u1', status: 'running', done: 0, total: 7,
  error: null, size: null, created_at: '2026-12-06T10:00:00Z', finished_at: null, expires_at: null, ...extra,
});
const READY = { status: 'ready' as const, done: 7, size: 5786, finished_at: '2026-12-06T10:00:01Z', expires_at: '2026-12-13T10:00:01Z' };

function page(perms: string[], more: Handler = () => undefined) {
  FakeSocket.all = [];
  history.replaceState(null, '', '/t/acme/contacts/c1');
  const record = { id: 'c1', version: 1, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', first_name: 'Erika', last_name: 'Muster' };
  return renderApp(
    <RecordDetail meta={CONTACTS} tenant="acme" id="c1" />,
    (method, path, body, headers) => {
      const answer = more(method, path, body, headers);
      if (answer) return answer;
      if (path === '/me') return json(200, me(perms));
      if (method === 'GET' && path === '/contacts/c1') return json(200, record, { etag: '"1"' });
      if (path.startsWith('/activities') || path.startsWith('/companies') || path.startsWith('/custom-fields')) return json(200, { items: [], next_cursor: null });
      return undefined;
    },
    { signedIn: true },
  );
}

async function openSocket() {
  await waitFor(() => expect(FakeSocket.all.length).toBeGreaterThan(0));
  const ws = FakeSocket.last();
  act(() => {
    ws.open();
    ws.ackSubscribes(100);
  });
  return ws;
}

const progress = (seq: number, event: string, data: Partial<PersonExport>) => {
  const { requested_by: _r, created_at: _c, finished_at: _f, ...frame } = exp(data);
  return { type: 'event' as const, topic: 'exports', seq, event, data: frame as unknown as Record<string, unknown> };
};

it('exports a person: the steps live as a bar and in words, then the archive saved under the server’s name', async () => {
  let server = exp();
  const zip = new Uint8Array([0x50, 0x4b, 3, 4]);
  const { calls } = page(OWNER, (method, path) => {
    if (method === 'POST' && path === '/contacts/c1/export') return json(202, server);
    if (method === 'GET' && path === '/exports/e1') return json(200, server);
    if (method === 'GET' && path === '/exports/e1/archive') {
      return new Response(zip, { status: 200, headers: { 'content-type': 'application/zip', 'content-disposition': 'attachment; filename="personal-data-c1-2026-12-06.zip"' } });
    }
    return undefined;
  });
  const saved: { href: string; download: string }[] = [];
  // jsdom has no object URLs.
  vi.stubGlobal('URL', class extends URL {
    static createObjectURL = () => 'blob:zip';
    static revokeObjectURL = () => undefined;
  });
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    saved.push({ href: this.href, download: this.download });
  });
  const ws = await openSocket();

  fireEvent.click(await screen.findByRole('button', { name: 'Export personal data' }));
  const panel = await screen.findByTestId('person-export');
  expect(within(panel).getByText('Preparing the export: 0 of 7 steps done')).toBeTruthy();
  expect((screen.getByRole('button', { name: 'Export personal data' }) as HTMLButtonElement).disabled).toBe(true);
  await waitFor(() => expect(ws.frames('subscribe').map((f) => f.topic)).toContain('exports'));
  act(() => ws.ackSubscribes(100));

  act(() => ws.receive(progress(101, 'export.progress', { done: 3 })));
  const bar = within(panel).getByLabelText('Preparing the export: 3 of 7 steps done') as HTMLProgressElement;
  expect([bar.value, bar.max]).toEqual([3, 7]);

  server = exp(READY);
  act(() => ws.receive(progress(102, 'export.ready', READY)));
  await within(panel).findByText('The export is ready. It can be downloaded until 13 Dec 2026, 10:00.', { exact: false });
  expect(panel.getAttribute('data-status')).toBe('ready');
  fireEvent.click(within(panel).getByRole('button', { name: 'Download (ZIP, 5.7 KB)' }));
  await waitFor(() => expect(saved).toEqual([{ href: 'blob:zip', download: 'personal-data-c1-2026-12-06.zip' }]));
  const fetched = calls.find((c) => c.path === '/exports/e1/archive');
  expect(fetched?.headers.authorization).toMatch(/^Bearer /);
  // Done: the page no longer listens, and the export can be made again.
  await waitFor(() => expect(ws.frames('unsubscribe').map((f) => f.topic)).toContain('exports'));
  expect((screen.getByRole('button', { name: 'Export personal data' }) as HTMLButtonElement).disabled).toBe(false);
});

it('reads the export every 2 s while the socket is away, until it is ready', async () => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  const answers = [exp({ done: 2 }), exp(READY)];
  const { calls } = page(OWNER, (method, path) => {
    if (method === 'POST' && path === '/contacts/c1/export') return json(202, exp());
    if (method === 'GET' && path === '/exports/e1') return json(200, answers.length > 1 ? answers.shift() : answers[0]);
    return undefined;
  });
  // The socket never opens.
  const intervals = vi.spyOn(globalThis, 'setInterval');
  fireEvent.click(await screen.findByRole('button', { name: 'Export personal data' }));
  const panel = await screen.findByTestId('person-export');
  // The panel can be painted before React runs the effect that starts the
  // poll; moving the clock before then would move it past nothing. Waited
  // for on the real clock: waitFor checks again on a (faked) interval or a
  // DOM change, and the effect may start after the last change, which on
  // a loaded machine left it waiting for nothing (seen in CI).
  const started = () => intervals.mock.calls.some(([, ms]) => ms === POLL_MS);
  for (let i = 0; i < 200 && !started(); i++) {
    await act(() => new Promise((r) => setTimeout(r, 10)));
  }
  expect(intervals.mock.calls.map(([, ms]) => ms)).toContain(POLL_MS);
  const reads = () => calls.filter((c) => c.path === '/exports/e1').length;
  expect(reads()).toBe(0);

  act(() => vi.advanceTimersByTime(POLL_MS));
  await within(panel).findByText('Preparing the export: 2 of 7 steps done');
  act(() => vi.advanceTimersByTime(POLL_MS));
  await within(panel).findByRole('button', { name: 'Download (ZIP, 5.7 KB)' });
  expect(reads()).toBe(2);
  // Ready: no more reading.
  act(() => vi.advanceTimersByTime(POLL_MS * 3));
  expect(reads()).toBe(2);
});

it('says why an export failed in words, and tries again', async () => {
  let posts = 0;
  page(OWNER, (method, path) => {
    if (method === 'POST' && path === '/contacts/c1/export') return json(202, exp({ id: `e${++posts}` }));
    if (method === 'GET' && path.startsWith('/exports/')) return json(200, exp({ id: path.split('/')[2] }));
    return undefined;
  });
  const ws = await openSocket();
  fireEvent.click(await screen.findByRole('button', { name: 'Export personal data' }));
  await screen.findByTestId('person-export');
  act(() => ws.receive(progress(101, 'export.failed', { status: 'failed', done: 2, error: 'The export could not be built; request it again.' })));
  const alert = await screen.findByRole('alert');
  expect(alert.textContent).toContain('The export could not be made.');
  fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
  await waitFor(() => expect(posts).toBe(2));
  expect((await screen.findByTestId('person-export')).getAttribute('data-status')).toBe('running');
  expect(screen.queryByRole('alert')).toBeNull();
});

it('offers no export to a role without privacy:export, nor before /me says so', async () => {
  // Before /me has answered, not even the owner's page has it.
  let answerMe: (r: Response) => void = () => undefined;
  page(OWNER, (_m, path) => (path === '/me' ? (new Promise<Response>((r) => (answerMe = r)) as unknown as Response) : undefined));
  await screen.findByText('Erika');
  expect(screen.queryByRole('button', { name: 'Export personal data' })).toBeNull();
  answerMe(json(200, me(OWNER)));
  expect(await screen.findByRole('button', { name: 'Export personal data' })).toBeTruthy();
  cleanup();

  page(['contacts:read', 'contacts:write', 'contacts:delete']);
  expect(await screen.findByRole('button', { name: 'Delete' })).toBeTruthy();
  expect(screen.queryByRole('button', { name: 'Export personal data' })).toBeNull();
});

import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { PersonExport } from '../../api/exports';
import type { Me } from '../../api/types';
import { useSession } from '../../app/session';
import { FakeSocket } from '../../realtime/fake-socket';
import { json, renderApp, type Handler } from '../../test/render';
import type { UserSummary } from '../support/hooks';
import { Users } from './Users';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const me = (permissions: string[]): Me => ({
  user: { id: 'u1', email: 'owner@x.example', name: 'Olga Owner', kind: 'staff', mfa_enabled: false },
  tenant: { id: 't', slug: 'acme', name: 'Acme' },
  roles: ['owner'],
  teams: [],
  permissions: permissions.map((permission) => ({ permission, scope: 'all', hidden_fields: [] })),
  mfa_enrollment_required: false,
});
const ADMIN = ['users:read', 'admin:users'];
const OWNER = [...ADMIN, 'privacy:export', 'privacy:erase'];

const user = (id: string, name: string, email: string, extra: Partial<UserSummary> = {}): UserSummary => ({
  id, name, email, kind: 'staff', roles: ['agent'], teams: ['t1'], status: 'active', ...extra,
});
const OLGA = user('u1', 'Olga Owner', 'owner@x.example', { roles: ['owner'], teams: [] });
const LEA = user('u2', 'Lea Leaver', 'lea@x.example');
const ERASED = user('u2', 'Erased person', 'erased-u2@erased.invalid', { status: 'disabled', teams: [] });

const exp = (extra: Partial<PersonExport> = {}): PersonExport => ({
  id: 'e1', subject_kind: 'user', subject_id: 'u2', requested_by: 'u1', status: 'running', done: 0, total: 4,
  error: null, size: null, created_at: '2026-12-06T10:00:00Z', finished_at: null, expires_at: null, ...extra,
});

/** Says when `/me` has arrived: an action left out must be left out for good, not only until then. */
function MeKnown() {
  const { me } = useSession();
  return me ? <p>Signed in as {me.user.name}</p> : null;
}

/** Admin > Users with `people` listed (read again after an erasure: the second list). */
function page(perms: string[], people: UserSummary[][], more: Handler = () => undefined) {
  FakeSocket.all = [];
  history.replaceState(null, '', '/t/acme/admin/users');
  let reads = 0;
  const ui = (
    <>
      <Users tenant="acme" />
      <MeKnown />
    </>
  );
  return renderApp(ui, (method, path, body, headers) => {
    const answer = more(method, path, body, headers);
    if (answer) return answer;
    if (path === '/me') return json(200, me(perms));
    if (method === 'GET' && path.startsWith('/users')) {
      const items = people[Math.min(reads++, people.length - 1)];
      return json(200, { items, next_cursor: null });
    }
    if (path.startsWith('/teams')) return json(200, { items: [{ id: 't1', name: 'Support' }], next_cursor: null });
    if (path.startsWith('/roles')) return json(200, { items: [{ name: 'owner' }, { name: 'agent' }], next_cursor: null });
    return undefined;
  }, { signedIn: true });
}

const row = (id: string) => document.querySelector<HTMLElement>(`tr[data-user="${id}"]`)!;

it('exports a user’s data from their row: followed live beneath it, then the archive', async () => {
  let server = exp();
  const { calls } = page(OWNER, [[OLGA, LEA]], (method, path) => {
    if (method === 'POST' && path === '/users/u2/export') return json(202, server);
    if (method === 'GET' && path === '/exports/e1') return json(200, server);
    if (method === 'GET' && path === '/exports/e1/archive') {
      return new Response(new Uint8Array([0x50, 0x4b, 3, 4]), {
        status: 200,
        headers: { 'content-type': 'application/zip', 'content-disposition': 'attachment; filename="personal-data-u2-2026-12-06.zip"' },
      });
    }
    return undefined;
  });
  const saved: string[] = [];
  vi.stubGlobal('URL', class extends URL {
    static createObjectURL = () => 'blob:zip';
    static revokeObjectURL = () => undefined;
  });
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    saved.push(this.download);
  });
  await waitFor(() => expect(FakeSocket.all.length).toBeGreaterThan(0));
  const ws = FakeSocket.last();
  act(() => ws.open());

  const start = await screen.findByRole('button', { name: 'Export data of Lea Leaver' });
  expect(start.textContent).toBe('Export data');
  fireEvent.click(start);
  const panel = await screen.findByRole('region', { name: 'Data export of Lea Leaver' });
  expect(calls.filter((c) => c.method === 'POST' && c.path.startsWith('/users')).map((c) => c.path)).toEqual(['/users/u2/export']);
  // Beneath her row, not anyone else's.
  expect(row('u2').nextElementSibling?.contains(panel)).toBe(true);
  expect(within(panel).getByText('Preparing the export: 0 of 4 steps done')).toBeTruthy();
  expect((screen.getByRole('button', { name: 'Export data of Lea Leaver' }) as HTMLButtonElement).disabled).toBe(true);
  await waitFor(() => expect(ws.frames('subscribe').map((f) => f.topic)).toContain('exports'));
  act(() => ws.ackSubscribes(100));

  const frame = (seq: number, event: string, e: PersonExport) => {
    const { requested_by: _r, created_at: _c, finished_at: _f, ...data } = e;
    act(() => ws.receive({ type: 'event', topic: 'exports', seq, event, data: data as unknown as Record<string, unknown> }));
  };
  // Another person's export on the same topic changes nothing here.
  frame(101, 'export.progress', exp({ id: 'e9', subject_id: 'u3', done: 3 }));
  frame(102, 'export.progress', exp({ done: 2 }));
  expect(within(panel).getByText('Preparing the export: 2 of 4 steps done')).toBeTruthy();
  server = exp({ status: 'ready', done: 4, size: 1103, finished_at: '2026-12-06T10:00:01Z', expires_at: '2026-12-13T10:00:01Z' });
  frame(103, 'export.ready', server);
  fireEvent.click(await within(panel).findByRole('button', { name: 'Download (ZIP, 1.1 KB)' }));
  await waitFor(() => expect(saved).toEqual(['personal-data-u2-2026-12-06.zip']));
  expect(within(panel).getByRole('link', { name: 'Data requests' }).getAttribute('href')).toBe('/t/acme/admin/data-requests');
  // Olga's row has its own export, untouched.
  expect((within(row('u1')).getByRole('button', { name: 'Export data of Olga Owner' }) as HTMLButtonElement).disabled).toBe(false);
});

it('erases a user once their name or e-mail is typed, saying what goes; the row then shows “Erased person”, disabled', async () => {
  const { calls } = page(OWNER, [[OLGA, LEA], [OLGA, ERASED]], (method, path) =>
    method === 'POST' && path === '/users/u2/erase' ? json(200, { id: 'u2', sessions_ended: 2, sign_ins_forgotten: 5 }) : undefined,
  );
  fireEvent.click(await screen.findByRole('button', { name: 'Erase Lea Leaver…' }));
  const dialog = await screen.findByRole('alertdialog', { name: 'Erase Lea Leaver' });
  const text = dialog.textContent ?? '';
  for (const said of [
    'their name and e-mail address: the account is called “Erased person” from now on,',
    'their password, second factor and team memberships,',
    'They are signed out on every device at once',
    'Records they own and comments they wrote stay, with “Erased person” as their owner or author.',
    'This cannot be undone.',
  ]) expect(text).toContain(said);

  const confirm = within(dialog).getByRole('button', { name: 'Erase for good' }) as HTMLButtonElement;
  const typed = within(dialog).getByLabelText('Type Lea Leaver or lea@x.example to confirm');
  expect(confirm.disabled).toBe(true);
  fireEvent.change(typed, { target: { value: 'Lea' } });
  expect(confirm.disabled).toBe(true);
  fireEvent.change(typed, { target: { value: 'lea leaver' } });
  expect(confirm.disabled).toBe(true);
  // The e-mail address, in any case, will do as well as the name.
  fireEvent.change(typed, { target: { value: ' LEA@x.example ' } });
  expect(confirm.disabled).toBe(false);
  fireEvent.change(typed, { target: { value: 'Lea Leaver' } });
  expect(confirm.disabled).toBe(false);
  fireEvent.click(confirm);

  await waitFor(() => expect(row('u2').querySelector('td')?.textContent).toBe('Erased person'));
  expect(calls.filter((c) => c.method === 'POST' && c.path.startsWith('/users')).map((c) => c.path)).toEqual(['/users/u2/erase']);
  expect(screen.queryByRole('alertdialog')).toBeNull();
  expect(within(row('u2')).getByText('Disabled')).toBeTruthy();
  expect(row('u2').textContent).toContain('erased-u2@erased.invalid');
  expect(screen.getByRole('status').textContent).toBe('Erased: the account is now “Erased person” and disabled; 2 sessions ended.');
  // Nothing of the person is left to export or erase.
  expect(within(row('u2')).queryByRole('button', { name: /^Export data/ })).toBeNull();
  expect(within(row('u2')).queryByRole('button', { name: /^Erase/ })).toBeNull();
  expect(within(row('u2')).getByRole('button', { name: 'Edit Erased person' })).toBeTruthy();
});

it('says the server’s refusal in words, and keeps the dialog open', async () => {
  let answer = json(409, {
    status: 409, code: 'conflict',
    detail: 'This portal account is contact 01a24d10-868a-7445-afda-52500bae0516; erase the contact, which takes the account and what it wrote along.',
  });
  page(OWNER, [[OLGA, LEA]], (method, path) => (method === 'POST' && path === '/users/u2/erase' ? answer : undefined));
  fireEvent.click(await screen.findByRole('button', { name: 'Erase Lea Leaver…' }));
  const dialog = await screen.findByRole('alertdialog', { name: 'Erase Lea Leaver' });
  fireEvent.change(within(dialog).getByLabelText(/^Type Lea Leaver/), { target: { value: 'Lea Leaver' } });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Erase for good' }));

  const alert = await within(dialog).findByRole('alert');
  expect(alert.textContent).toContain('Not erased: this portal account belongs to a contact. Erase the contact on their page instead');
  expect(within(alert).getByRole('link', { name: 'Open the contact' }).getAttribute('href')).toBe('/t/acme/contacts/01a24d10-868a-7445-afda-52500bae0516');
  expect((within(dialog).getByRole('button', { name: 'Erase for good' }) as HTMLButtonElement).disabled).toBe(false);

  // Someone who holds more: the server words it as granting roles.
  answer = json(403, { status: 403, code: 'forbidden', detail: 'roles: you cannot grant permissions you do not hold yourself' });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Erase for good' }));
  await waitFor(() =>
    expect(within(dialog).getByRole('alert').textContent).toBe('Not erased: they hold permissions you do not hold. Only someone who holds them may erase them.'),
  );
  answer = json(409, { status: 409, code: 'conflict', detail: 'The tenant’s last active owner cannot be erased.' });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Erase for good' }));
  await waitFor(() => expect(within(dialog).getByRole('alert').textContent).toBe('Not erased: they are the workspace’s last active owner. Make someone else an owner first.'));
  // One the app does not know: as the server wrote it.
  answer = json(409, { status: 409, code: 'conflict', detail: 'Something new.' });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Erase for good' }));
  await waitFor(() => expect(within(dialog).getByRole('alert').textContent).toBe('Not erased: Something new.'));
  expect(row('u2').textContent).toContain('Lea Leaver');

  fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
  await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
});

it('offers neither action without the privacy permissions, nor before /me says so; no erasing oneself', async () => {
  let answerMe: (r: Response) => void = () => undefined;
  page(OWNER, [[OLGA, LEA]], (_m, path) => (path === '/me' ? (new Promise<Response>((r) => (answerMe = r)) as unknown as Response) : undefined));
  await screen.findByRole('button', { name: 'Edit Lea Leaver' });
  expect(screen.queryByRole('button', { name: /^Export data/ })).toBeNull();
  expect(screen.queryByRole('button', { name: /^Erase/ })).toBeNull();
  answerMe(json(200, me(OWNER)));
  await screen.findByRole('button', { name: 'Erase Lea Leaver…' });
  expect(within(row('u2')).getByRole('button', { name: 'Export data of Lea Leaver' })).toBeTruthy();
  // Her own data she may export; herself she may not erase.
  expect(within(row('u1')).getByRole('button', { name: 'Export data of Olga Owner' })).toBeTruthy();
  expect(within(row('u1')).queryByRole('button', { name: /^Erase/ })).toBeNull();
  cleanup();

  page(ADMIN, [[OLGA, LEA]]);
  await screen.findByRole('button', { name: 'Edit Lea Leaver' });
  await screen.findByText('Signed in as Olga Owner');
  expect(screen.queryByRole('button', { name: /^Export data/ })).toBeNull();
  expect(screen.queryByRole('button', { name: /^Erase/ })).toBeNull();
  cleanup();

  // Each permission brings its own action only.
  page([...ADMIN, 'privacy:export'], [[OLGA, LEA]]);
  await screen.findByRole('button', { name: 'Export data of Lea Leaver' });
  expect(screen.queryByRole('button', { name: /^Erase/ })).toBeNull();
  cleanup();
  page([...ADMIN, 'privacy:erase'], [[OLGA, LEA]]);
  await screen.findByRole('button', { name: 'Erase Lea Leaver…' });
  expect(screen.queryByRole('button', { name: /^Export data/ })).toBeNull();
});

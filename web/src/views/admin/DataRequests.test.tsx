import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { PersonExport } from '../../api/exports';
import type { ErasureEntry } from '../../api/privacy';
import type { Me } from '../../api/types';
import { FakeSocket } from '../../realtime/fake-socket';
import { json, renderApp, type Handler } from '../../test/render';
import { DataRequests } from './DataRequests';

afterEach(() => {
  cleanup();
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
const OWNER = ['privacy:export', 'contacts:read', 'users:read', 'admin:audit'];

const exp = (id: string, subject: string, extra: Partial<PersonExport> = {}): PersonExport => ({
  id, subject_kind: 'contact', subject_id: subject, requested_by: 'u1', status: 'running', done: 0, total: 7,
  error: null, size: null, created_at: '2026-12-06T10:00:00Z', finished_at: null, expires_at: null, ...extra,
});
const CONTACTS: Record<string, { first_name: string; last_name: string }> = {
  c1: { first_name: 'Erika', last_name: 'Muster' },
  c2: { first_name: 'Max', last_name: 'Mustermann' },
};

function page(perms: string[], exports: PersonExport[], more: Handler = () => undefined) {
  FakeSocket.all = [];
  history.replaceState(null, '', '/t/acme/admin/data-requests');
  return renderApp(<DataRequests tenant="acme" />, (method, path, body, headers) => {
    const answer = more(method, path, body, headers);
    if (answer) return answer;
    if (path === '/me') return json(200, me(perms));
    if (path === '/exports') return json(200, { items: exports });
    if (path.startsWith('/users')) return json(200, { items: [{ id: 'u1', name: 'Olga Owner' }, { id: 'u2', name: 'Ada Admin' }], next_cursor: null });
    const contact = /^\/contacts\/(\w+)$/.exec(path);
    if (contact) {
      const c = CONTACTS[contact[1] ?? ''];
      return c ? json(200, { id: contact[1], version: 1, ...c }) : json(404, { status: 404, code: 'not_found', detail: 'Not found' });
    }
    return undefined;
  }, { signedIn: true });
}

const row = (id: string) => document.querySelector<HTMLElement>(`tr[data-export="${id}"]`)!;

it('lists the exports with whose data, where each stands, who asked, and the archive; live from the topic', async () => {
  const { calls } = page(OWNER, [
    exp('e2', 'c1', { done: 2 }),
    exp('e1', 'c2', { status: 'ready', done: 7, size: 5786, expires_at: '2026-12-13T10:00:01Z' }),
    exp('e0', 'gone', { status: 'failed', done: 1, error: 'The export could not be built; request it again.' }),
  ], (method, path) => (method === 'GET' && path === '/exports/e3' ? json(200, exp('e3', 'c1', { requested_by: 'u2', created_at: '2026-12-06T11:30:00Z' })) : undefined));

  const erika = await screen.findByRole('link', { name: 'Erika Muster' });
  expect(erika.getAttribute('href')).toBe('/t/acme/contacts/c1');
  expect(within(row('e2')).getByText('Being prepared')).toBeTruthy();
  expect(within(row('e2')).getByLabelText('2 of 7 steps')).toBeTruthy();
  expect(within(row('e1')).getByText('Ready')).toBeTruthy();
  expect(row('e1').textContent).toContain('13 Dec 2026');
  await waitFor(() => expect(row('e1').textContent).toContain('Olga Owner'));
  expect(within(row('e1')).getByRole('button', { name: 'Download (ZIP, 5.7 KB), the export of Max Mustermann' })).toBeTruthy();
  expect(within(row('e0')).getByText('The export could not be made.')).toBeTruthy();
  expect(await within(row('e0')).findByText('Contact no longer exists')).toBeTruthy();
  // Each person read once.
  expect(calls.filter((c) => c.path === '/contacts/c1')).toHaveLength(1);

  await waitFor(() => expect(FakeSocket.all.length).toBeGreaterThan(0));
  const ws = FakeSocket.last();
  act(() => {
    ws.open();
    ws.ackSubscribes(100);
  });
  expect(ws.frames('subscribe').map((f) => f.topic)).toEqual(['exports']);
  const event = (seq: number, event: string, e: PersonExport) => {
    const { requested_by: _r, created_at: _c, finished_at: _f, ...data } = e;
    act(() => ws.receive({ type: 'event', topic: 'exports', seq, event, data: data as unknown as Record<string, unknown> }));
  };
  event(101, 'export.progress', exp('e2', 'c1', { done: 5 }));
  expect(within(row('e2')).getByLabelText('5 of 7 steps')).toBeTruthy();
  event(102, 'export.ready', exp('e2', 'c1', { status: 'ready', done: 7, size: 900, expires_at: '2026-12-13T10:00:05Z' }));
  expect(within(row('e2')).getByText('Ready')).toBeTruthy();
  expect(within(row('e2')).getByRole('button', { name: 'Download (ZIP, 900 B), the export of Erika Muster' })).toBeTruthy();

  // A new one from elsewhere goes on top, and is read once for who asked and when.
  event(103, 'export.requested', exp('e3', 'c1'));
  await waitFor(() => expect(row('e3').textContent).toContain('Ada Admin'));
  expect(row('e3').textContent).toContain('6 Dec 2026');
  expect([...document.querySelectorAll('tr[data-export]')].map((r) => r.getAttribute('data-export'))).toEqual(['e3', 'e2', 'e1', 'e0']);
});

it('shows a user’s export as such beside contacts’ exports: by name, or by id once no longer known', async () => {
  const { calls } = page(OWNER, [
    exp('e3', 'u2', { subject_kind: 'user', status: 'ready', done: 4, total: 4, size: 1103, expires_at: '2026-12-13T10:00:01Z' }),
    exp('e2', 'u9', { subject_kind: 'user', done: 1, total: 4 }),
    exp('e1', 'c1', { status: 'ready', done: 7, size: 5786, expires_at: '2026-12-13T10:00:01Z' }),
  ]);
  await screen.findByRole('link', { name: 'Erika Muster' });
  await waitFor(() => expect(row('e3').querySelector('td')?.textContent).toBe('User: Ada Admin'));
  expect(row('e3').getAttribute('data-subject')).toBe('user');
  expect(within(row('e3')).queryByRole('link')).toBeNull();
  expect(within(row('e3')).getByRole('button', { name: 'Download (ZIP, 1.1 KB), the export of Ada Admin' })).toBeTruthy();
  expect(row('e2').querySelector('td')?.textContent).toBe('User: u9');
  expect(within(row('e2')).getByLabelText('1 of 4 steps')).toBeTruthy();
  // A user is not looked for among the contacts.
  expect(calls.filter((c) => c.path.startsWith('/contacts/')).map((c) => c.path)).toEqual(['/contacts/c1']);
});

it('says a download that is gone in words', async () => {
  page(['privacy:export', 'contacts:read'], [exp('e1', 'c1', { status: 'ready', done: 7, size: 100, expires_at: '2026-12-13T10:00:01Z' })], (_m, path) =>
    path === '/exports/e1/archive' ? json(404, { status: 404, code: 'not_found', detail: 'Not found' }) : undefined,
  );
  fireEvent.click(await screen.findByRole('button', { name: /^Download \(ZIP, 100 B\), the export of Erika Muster$/ }));
  expect((await screen.findByRole('alert')).textContent).toMatch(/^This export is no longer available/);
});

it('shows the erasures from the audit trail to those who may read it, naming no one erased', async () => {
  const erasures: ErasureEntry[] = [
    { seq: 9, at: '2026-12-05T09:00:00Z', actor: { type: 'user', id: 'u2' }, detail: { gone: { contact: 1, ticket: 2 }, cleared: { deal: 1 }, portal_user: 'p1' } },
    { seq: 7, at: '2026-12-01T03:00:00Z', actor: { type: 'retention', rule: 'Inactive contacts' }, detail: { gone: { contact: 1 }, cleared: {}, portal_user: null } },
  ];
  const { calls } = page(OWNER, [], (_m, path) => (path.startsWith('/audit/events') ? json(200, { items: erasures, next_cursor: null }) : undefined));
  expect(await screen.findByText('No exports are kept at the moment. Start one with “Export personal data” on a contact’s page, or with “Export data” in Users and teams.')).toBeTruthy();
  const table = await screen.findByTestId('erasures');
  await waitFor(() => expect(table.textContent).toContain('Ada Admin'));
  expect(table.textContent).toContain('Erased: 1 contact, 2 tickets; 1 deal kept without them. Their portal account was made anonymous.');
  expect(table.textContent).toContain('Retention rule “Inactive contacts”');
  expect(calls.find((c) => c.path.startsWith('/audit/events'))?.path).toBe('/audit/events?action=person.erased&limit=50');
});

it('asks nothing of the audit trail without admin:audit', async () => {
  const { calls } = page(['privacy:export', 'contacts:read'], []);
  await screen.findByText(/^No exports are kept/);
  expect(screen.queryByRole('heading', { name: 'Erasures' })).toBeNull();
  expect(calls.some((c) => c.path.startsWith('/audit'))).toBe(false);
});

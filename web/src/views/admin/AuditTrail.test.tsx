import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { AuditEntry } from '../../api/audit';
import type { Me } from '../../api/types';
import { json, renderApp, type Handler } from '../../test/render';
import { Admin } from './Admin';

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
const OWNER = ['admin:audit', 'users:read', 'contacts:read', 'deals:read', 'tickets:read', 'pipelines:read', 'admin:api_keys'];

const U1 = '01a24cfc-57e3-7652-a197-0149b6c72205';
const U2 = '01a24cfc-b8cd-76de-8791-ed656b3d0fc4';
const CONTACT = '01a24cfc-582e-73b1-a118-5ab80323209b';
const DEAL = '01a24cfc-5835-7598-8b0c-95f282285b06';
const GONE = '01a24cfc-582f-7310-86a2-bfd3a9fcac48';
const KEY = '01a24cfc-c18e-75a2-b455-6272c0184d94';

let seq = 100;
const entry = (e: Partial<AuditEntry>): AuditEntry => ({
  seq: seq--,
  at: '2026-12-06T10:00:00Z',
  action: 'contact.updated',
  actor: { type: 'user', id: U1, kind: 'staff' },
  actor_type: 'user',
  actor_id: U1,
  kind: null,
  record_id: null,
  ip: '203.0.113.9',
  request_id: 'req-1',
  detail: {},
  prev_hash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
  ...e,
});

// The shapes of real answers (GET /audit/events of a demo tenant).
const ENTRIES: AuditEntry[] = [
  entry({
    action: 'contact.updated', kind: 'contact', record_id: CONTACT, request_id: '69879fb0152d417e',
    detail: { changes: { email: { changed: true }, title: { changed: true } }, version: { from: 1, to: 2 } },
  }),
  entry({
    action: 'deal.updated', kind: 'deal', record_id: DEAL, at: '2026-12-06T09:30:00Z',
    actor: { type: 'api_key', id: KEY, user_id: U2 }, actor_type: 'api_key', actor_id: KEY,
    detail: { changes: { amount: { changed: true }, stage_id: { from: 'lead', to: 'qualified' }, owner_id: { from: U1, to: U2 } } },
  }),
  entry({ action: 'login.success', kind: 'auth', actor: { type: 'user', id: U1 }, detail: { mfa: true, session_id: 's1' } }),
  entry({ action: 'login.failure', kind: 'auth', actor: { type: 'anonymous' }, actor_type: 'anonymous', actor_id: null, detail: { reason: 'invalid_credentials' } }),
  entry({
    action: 'role.changed', kind: 'auth', actor: { type: 'user', id: U1 },
    detail: {
      role: 'auditor', parent: null,
      before: [{ permission: 'admin:audit', scope: 'all', hidden_fields: [] }],
      after: [{ permission: 'admin:audit', scope: 'all', hidden_fields: [] }, { permission: 'contacts:read', scope: 'team', hidden_fields: [] }],
    },
  }),
  entry({ action: 'user.roles_changed', kind: 'auth', actor: { type: 'user', id: U1 }, detail: { target: U2, before: ['agent'], after: ['agent', 'sales'] } }),
  entry({
    action: 'contact.erased', kind: 'contact', record_id: GONE, actor: { type: 'retention', rule: 'Inactive contacts' }, actor_type: 'retention', actor_id: null, ip: null,
    detail: { changes: { email: { changed: true }, owner_id: { from: U1, to: null } } },
  }),
  entry({ action: 'contact.created', kind: 'contact', record_id: GONE, detail: { changes: { last_name: { changed: true } } } }),
  entry({ action: 'ticket.sla_warning', kind: 'ticket', record_id: 'tk1', actor: { type: 'engine' }, actor_type: 'engine', actor_id: null, ip: null }),
  entry({ action: 'widget.frobbed', kind: 'widget', actor: { type: 'platform' }, actor_type: 'platform', actor_id: null, ip: null }),
];

const USERS = [
  { id: U1, name: 'Olga Owner', email: 'owner@x.example', kind: 'staff' },
  { id: U2, name: 'Nina New', email: 'nina@x.example', kind: 'staff' },
];

function page(perms: string[], more: Handler = () => undefined, { at = '/t/acme/admin/audit', section = 'audit' } = {}) {
  history.replaceState(null, '', at);
  return renderApp(<Admin tenant="acme" section={section} />, (method, path, body, headers) => {
    const answer = more(method, path, body, headers);
    if (answer) return answer;
    if (path === '/me') return json(200, me(perms));
    if (path.startsWith('/users')) return json(200, { items: USERS, next_cursor: null });
    if (path === '/api-keys') return json(200, { items: [{ id: KEY, name: 'Zapier' }], next_cursor: null });
    if (path.startsWith('/pipelines')) {
      return json(200, { items: [{ id: 'p1', name: 'Sales', version: 1, stages: [{ id: 'lead', name: 'Lead' }, { id: 'qualified', name: 'Qualified' }] }], next_cursor: null });
    }
    return undefined;
  }, { signedIn: true });
}

const auditCalls = (calls: { path: string }[]) =>
  calls.filter((c) => c.path.startsWith('/audit/events')).map((c) => Object.fromEntries(new URLSearchParams(c.path.split('?')[1] ?? '')));
const rowOf = (action: string) => document.querySelector<HTMLElement>(`tr[data-action="${action}"]`)!;
const open = (r: HTMLElement) => {
  fireEvent.click(within(r).getByRole('button', { name: /^Details of/ }));
  return r.nextElementSibling as HTMLElement;
};

it('shows entries of every sort in words: who, what they did, to what, from where; a row opens to its changes and hashes', async () => {
  page(OWNER, (_m, path) => (path.startsWith('/audit/events') ? json(200, { items: ENTRIES, next_cursor: null }) : undefined));
  const table = await screen.findByRole('table', { name: 'Audit trail' });
  expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['When', 'Who', 'Action', 'What', 'From where', 'Details']);

  // A record changed by a person: their name, the record linked.
  const update = rowOf('contact.updated');
  await waitFor(() => expect(update.textContent).toContain('Olga Owner'));
  expect(update.textContent).toContain('Contact changed');
  expect(update.textContent).toContain('203.0.113.9');
  expect(within(update).getByRole('link', { name: 'Contact 01a24cfc' }).getAttribute('href')).toBe(`/t/acme/contacts/${CONTACT}`);
  const time = update.querySelector('time')!;
  expect(time.textContent).toBe('6 Dec 2026, 10:00');
  expect(time.getAttribute('title')).toBe('Sunday, 6 December 2026 at 10:00:00 UTC');

  const button = within(update).getByRole('button', { name: 'Details of “Contact changed”, 6 Dec 2026, 10:00' });
  expect(button.getAttribute('aria-expanded')).toBe('false');
  const more = open(update);
  expect(button.getAttribute('aria-expanded')).toBe('true');
  expect(button.getAttribute('aria-controls')).toBe(more.querySelector('td')!.id);
  expect(within(more).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['E-mail changed', 'Job title changed', 'Version 1 → 2']);
  expect(more.textContent).toContain('69879fb0152d417e');
  expect(more.textContent).toContain('b'.repeat(64));
  expect(more.textContent).toContain('a'.repeat(64));
  fireEvent.click(button);
  expect(button.getAttribute('aria-expanded')).toBe('false');
  expect(update.nextElementSibling?.getAttribute('data-seq')).not.toBeNull();

  // Through an API key: the key's name and whose it is; stages and people by name.
  const deal = rowOf('deal.updated');
  await waitFor(() => expect(deal.textContent).toContain('API key “Zapier”, for Nina New'));
  await waitFor(() => expect(open(deal).textContent).toContain('Stage: Lead → Qualified'));
  expect(within(deal.nextElementSibling as HTMLElement).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
    'Amount changed', 'Stage: Lead → Qualified', 'Owner: Olga Owner → Nina New',
  ]);

  // A sign-in, a failed one, a role changed, a user's roles changed.
  expect(rowOf('login.success').textContent).toContain('Signed in');
  expect(open(rowOf('login.success')).textContent).toContain('With two-step verification');
  expect(rowOf('login.failure').textContent).toContain('Not signed in');
  expect(open(rowOf('login.failure')).textContent).toContain('Reason: invalid_credentials');
  const role = rowOf('role.changed');
  expect(role.textContent).toContain('Changed a role');
  expect(role.textContent).toContain('Role “auditor”');
  expect(open(role).textContent).toContain('Granted: contacts:read (team)');
  expect(rowOf('user.roles_changed').textContent).toContain('User Nina New');
  expect(open(rowOf('user.roles_changed')).textContent).toContain('Roles: agent → agent, sales');

  // A retention rule erased a contact: no link to what is gone, not even from older entries.
  const erased = rowOf('contact.erased');
  expect(erased.textContent).toContain('Retention rule “Inactive contacts”');
  expect(erased.textContent).toContain('Contact erased');
  expect(within(erased).queryByRole('link')).toBeNull();
  expect(within(rowOf('contact.created')).queryByRole('link')).toBeNull();
  expect(within(rowOf('contact.created')).getByText('Contact 01a24cfc').getAttribute('title')).toBe(GONE);
  expect(open(erased).textContent).toContain('Owner: Olga Owner → none');

  // The support engine, the platform; an action without words stays as recorded.
  expect(rowOf('ticket.sla_warning').textContent).toContain('Automation');
  expect(rowOf('ticket.sla_warning').textContent).toContain('Ticket SLA warning');
  expect(within(rowOf('ticket.sla_warning')).getByRole('link', { name: 'Ticket tk1' }).getAttribute('href')).toBe('/t/acme/console/tk1');
  expect(rowOf('widget.frobbed').textContent).toContain('Platform operator');
  expect(rowOf('widget.frobbed').textContent).toContain('widget.frobbed');
  expect(screen.getByRole('status').textContent).toBe('10 entries shown');
});

it('puts the filters in the address and asks the server with them, dates as whole local days', async () => {
  const { calls } = page(OWNER, (_m, path) => (path.startsWith('/audit/events') ? json(200, { items: ENTRIES.slice(0, 1), next_cursor: null }) : undefined));
  await screen.findByRole('table', { name: 'Audit trail' });
  expect(auditCalls(calls)).toEqual([{ limit: '50' }]);

  const form = screen.getByRole('form', { name: 'Filter the trail' });
  const who = within(form).getByLabelText('Who') as HTMLSelectElement;
  await waitFor(() => expect(within(who).getAllByRole('option').map((o) => o.textContent)).toEqual(['Anyone', 'Nina New', 'Olga Owner']));
  fireEvent.change(who, { target: { value: U2 } });
  fireEvent.change(within(form).getByLabelText('Kind'), { target: { value: 'contact' } });
  fireEvent.change(within(form).getByLabelText('Action'), { target: { value: 'contact.updated' } });
  fireEvent.change(within(form).getByLabelText('Record ID'), { target: { value: ` ${CONTACT} ` } });
  fireEvent.change(within(form).getByLabelText('From'), { target: { value: '2026-12-01' } });
  fireEvent.change(within(form).getByLabelText('To (including)'), { target: { value: '2026-12-06' } });
  // Nothing is asked until the filters are applied.
  expect(auditCalls(calls)).toHaveLength(1);
  fireEvent.click(within(form).getByRole('button', { name: 'Apply filters' }));

  const filtered = { actor: U2, kind: 'contact', action: 'contact.updated', record: CONTACT, from: '2026-12-01', to: '2026-12-06' };
  expect(Object.fromEntries(new URLSearchParams(location.search))).toEqual(filtered);
  await waitFor(() => expect(auditCalls(calls)).toHaveLength(2));
  // The tests run in UTC: local midnight is 00:00Z; "to" includes its day.
  expect(auditCalls(calls)[1]).toEqual({
    actor: U2, kind: 'contact', action: 'contact.updated', record: CONTACT,
    from: '2026-12-01T00:00:00.000Z', to: '2026-12-07T00:00:00.000Z', limit: '50',
  });

  fireEvent.click(within(form).getByRole('button', { name: 'Clear filters' }));
  expect(location.search).toBe('');
  await waitFor(() => expect(auditCalls(calls)).toHaveLength(3));
  expect(auditCalls(calls)[2]).toEqual({ limit: '50' });
  expect((within(form).getByLabelText('Record ID') as HTMLInputElement).value).toBe('');
});

it('opens filtered from a link, and loads more with the cursor the last page gave', async () => {
  const first = ENTRIES.slice(0, 2);
  const second = ENTRIES.slice(2, 3);
  const { calls } = page(OWNER, (_m, path) => {
    if (!path.startsWith('/audit/events')) return undefined;
    return json(200, path.includes('cursor=99') ? { items: second, next_cursor: null } : { items: first, next_cursor: '99' });
  }, { at: `/t/acme/admin/audit?record=${CONTACT}&kind=contact` });
  await screen.findByRole('table', { name: 'Audit trail' });
  expect((screen.getByLabelText('Record ID') as HTMLInputElement).value).toBe(CONTACT);
  expect((screen.getByLabelText('Kind') as HTMLSelectElement).value).toBe('contact');
  expect(screen.getByRole('status').textContent).toBe('2 entries shown');

  fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
  await waitFor(() => expect(screen.getByRole('status').textContent).toBe('3 entries shown'));
  expect(auditCalls(calls)).toEqual([
    { kind: 'contact', record: CONTACT, limit: '50' },
    { kind: 'contact', record: CONTACT, cursor: '99', limit: '50' },
  ]);
  expect([...document.querySelectorAll('tr[data-seq]')].map((r) => Number(r.getAttribute('data-seq')))).toEqual([...first, ...second].map((e) => e.seq));
  // The last page: nothing more to load.
  expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
});

it('downloads the current filter as one CSV under the server’s name, page after page by the cursor in x-next-cursor', async () => {
  const header = 'seq,at,action,actor_type,actor_id,kind,record_id,ip,request_id,detail,prev_hash,hash\n';
  const csv = (rows: string[], next?: string) =>
    new Response(header + rows.map((r) => `${r}\n`).join(''), {
      status: 200,
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="audit.csv"', ...(next ? { 'x-next-cursor': next } : {}) },
    });
  const { calls } = page(OWNER, (_m, path) => {
    if (!path.startsWith('/audit/events')) return undefined;
    if (!path.includes('format=csv')) return json(200, { items: ENTRIES.slice(0, 1), next_cursor: null });
    return path.includes('cursor=7') ? csv(['6,b', '5,c']) : csv(['8,a'], '7');
  }, { at: '/t/acme/admin/audit?action=contact.updated' });
  const blobs: Blob[] = [];
  vi.stubGlobal('URL', class extends URL {
    static createObjectURL = (b: Blob) => {
      blobs.push(b);
      return 'blob:csv';
    };
    static revokeObjectURL = () => undefined;
  });
  const saved: string[] = [];
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    saved.push(this.download);
  });
  await screen.findByRole('table', { name: 'Audit trail' });
  fireEvent.click(screen.getByRole('button', { name: 'Download CSV' }));
  await waitFor(() => expect(saved).toEqual(['audit.csv']));
  expect(await blobs[0]!.text()).toBe(`${header}8,a\n6,b\n5,c\n`);
  const asked = calls.filter((c) => c.path.includes('format=csv'));
  expect(asked.map((c) => Object.fromEntries(new URLSearchParams(c.path.split('?')[1])))).toEqual([
    { action: 'contact.updated', limit: '200', format: 'csv' },
    { action: 'contact.updated', cursor: '7', limit: '200', format: 'csv' },
  ]);
  expect(asked[0]!.headers.authorization).toMatch(/^Bearer /);
  expect(asked[0]!.headers.accept).toBe('text/csv');
  expect((screen.getByRole('button', { name: 'Download CSV' }) as HTMLButtonElement).disabled).toBe(false);
});

it('says a filter the server refused in words, at the field', async () => {
  page(OWNER, (_m, path) => {
    if (!path.startsWith('/audit/events')) return undefined;
    if (path.includes('record=')) {
      return json(422, {
        status: 422, code: 'validation_failed', title: 'Validation failed', detail: '2 fields are invalid.',
        errors: [{ field: 'record', message: 'must be a UUID' }, { field: 'from', message: 'must be an RFC 3339 instant' }],
      });
    }
    return json(200, { items: ENTRIES.slice(0, 1), next_cursor: null });
  }, { at: '/t/acme/admin/audit?from=yesterday' });
  await screen.findByRole('table', { name: 'Audit trail' });
  fireEvent.change(screen.getByLabelText('Record ID'), { target: { value: 'C-1234' } });
  fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }));

  const alert = await screen.findByRole('alert');
  expect(alert.textContent).toBe('The trail could not be filtered like this: Record ID, From.');
  const record = screen.getByLabelText('Record ID');
  expect(record.getAttribute('aria-invalid')).toBe('true');
  expect(document.getElementById(record.getAttribute('aria-describedby')!)?.textContent).toBe(
    'This is not an ID (they look like 01a24cfc-57e3-7652-a197-0149b6c72205).',
  );
  const from = screen.getByLabelText('From');
  expect(document.getElementById(from.getAttribute('aria-describedby')!)?.textContent).toBe('This is not a date.');
  // What the earlier filter showed is not passed off as this one's.
  expect(screen.queryByRole('table')).toBeNull();
});

it('is no section for those without admin:audit, and asks nothing of the trail', async () => {
  const { calls } = page(['users:read', 'contacts:read', 'admin:settings']);
  expect(await screen.findByText('This page does not exist.')).toBeTruthy();
  cleanup();
  const home = page(['users:read', 'contacts:read', 'admin:settings'], undefined, { at: '/t/acme/admin', section: '' });
  await screen.findByRole('link', { name: 'Data retention' });
  // Every section is listed until `/me` says what this person may do.
  await waitFor(() => expect(screen.queryByRole('link', { name: 'Audit trail' })).toBeNull());
  expect(screen.getByRole('link', { name: 'Data retention' })).toBeTruthy();
  expect([...calls, ...home.calls].some((c) => c.path.startsWith('/audit'))).toBe(false);
});

it('is listed on the admin overview for those with admin:audit', async () => {
  page(OWNER, undefined, { at: '/t/acme/admin', section: '' });
  const link = await screen.findByRole('link', { name: 'Audit trail' });
  expect(link.getAttribute('href')).toBe('/t/acme/admin/audit');
});

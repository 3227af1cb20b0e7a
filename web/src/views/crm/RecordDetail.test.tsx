import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { Me } from '../../api/types';
import { peekNotice } from '../../app/notice';
import { FakeSocket } from '../../realtime/fake-socket';
import { json, renderApp, type Handler } from '../../test/render';
import { CONTACTS } from './kinds';
import { RecordDetail } from './RecordDetail';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const HOLD = { reason: 'Litigation 4711', by: 'u1', at: '2026-03-02T10:00:00Z' };

const contact = (version: number, extra = {}) => ({
  id: 'c1', version, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
  first_name: 'Erika', last_name: 'Muster', email: 'erika@x.example', ...extra,
});

const me = (permissions: string[]): Me => ({
  user: { id: 'u1', email: 'admin@x.example', name: 'Admin', kind: 'staff', mfa_enabled: false },
  tenant: { id: 't', slug: 'acme', name: 'Acme' },
  roles: ['admin'],
  teams: [],
  permissions: permissions.map((permission) => ({ permission, scope: 'all', hidden_fields: [] })),
  mfa_enrollment_required: false,
});
const ADMIN = ['contacts:read', 'contacts:write', 'contacts:delete', 'privacy:hold', 'privacy:erase'];

/** The contact page against a scripted server; `more` answers what it does not. */
function page(perms: string[], more: Handler = () => undefined, record = contact(3)) {
  FakeSocket.all = [];
  history.replaceState(null, '', '/t/acme/contacts/c1');
  return renderApp(
    <RecordDetail meta={CONTACTS} tenant="acme" id="c1" />,
    (method, path, body, headers) => {
      const answer = more(method, path, body, headers);
      if (answer) return answer;
      if (path === '/me') return json(200, me(perms));
      if (method === 'GET' && path === '/contacts/c1') return json(200, record, { etag: `"${record.version}"` });
      if (path.startsWith('/activities') || path.startsWith('/companies') || path.startsWith('/custom-fields')) {
        return json(200, { items: [], next_cursor: null });
      }
      return undefined;
    },
    { signedIn: true },
  );
}

async function socket() {
  await waitFor(() => expect(FakeSocket.all.length).toBeGreaterThan(0));
  const ws = FakeSocket.last();
  act(() => {
    ws.open();
    ws.ackSubscribes(100);
  });
  return ws;
}

it('erases a person only once their name is typed, then leaves the summary for the contacts list', async () => {
  const { calls } = page(ADMIN, (method, path) =>
    method === 'POST' && path === '/contacts/c1/erase'
      ? json(200, { id: 'c1', gone: { contact: 1, ticket: 2, comment: 3, activity: 1 }, cleared: { deal: 1 }, events_erased: 9, portal_user: 'u9', sign_ins_forgotten: 2 })
      : undefined,
  );
  fireEvent.click(await screen.findByRole('button', { name: 'Erase person…' }));
  const dialog = screen.getByRole('alertdialog', { name: 'Erase Erika Muster' });
  expect(within(dialog).getByText(/the tickets they asked for/)).toBeTruthy();
  expect(within(dialog).getByText('Deals stay, without them.')).toBeTruthy();
  expect(within(dialog).getByText('This cannot be undone.')).toBeTruthy();
  const confirm = within(dialog).getByRole('button', { name: 'Erase for good' }) as HTMLButtonElement;
  expect(confirm.disabled).toBe(true);
  const name = within(dialog).getByLabelText('Type Erika Muster to confirm');
  fireEvent.change(name, { target: { value: 'Erika' } });
  expect(confirm.disabled).toBe(true);
  fireEvent.change(name, { target: { value: 'Erika Muster' } });
  expect(confirm.disabled).toBe(false);
  fireEvent.click(confirm);

  await waitFor(() => expect(location.pathname).toBe('/t/acme/contacts'));
  expect(calls.filter((c) => c.path === '/contacts/c1/erase').map((c) => c.method)).toEqual(['POST']);
  expect(peekNotice('/t/acme/contacts')).toBe(
    'Erased: 1 contact, 2 tickets, 3 comments, 1 activity; 1 deal kept without them. Their portal account was made anonymous.',
  );
});

it('shows why an erasure was refused, with the hold’s reason', async () => {
  page(ADMIN, (method, path) =>
    method === 'POST' && path === '/contacts/c1/erase'
      ? json(409, { status: 409, code: 'legal_hold', detail: 'The ticket t7 is under legal hold (Audit 2026); it cannot be deleted or erased until the hold is lifted.' })
      : undefined,
  );
  fireEvent.click(await screen.findByRole('button', { name: 'Erase person…' }));
  const dialog = screen.getByRole('alertdialog', { name: 'Erase Erika Muster' });
  fireEvent.change(within(dialog).getByLabelText('Type Erika Muster to confirm'), { target: { value: 'Erika Muster' } });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Erase for good' }));
  expect(await within(dialog).findByText('Not erased: it would take along 1 ticket under legal hold (Audit 2026).')).toBeTruthy();
  expect(location.pathname).toBe('/t/acme/contacts/c1');
});

it('offers no privacy actions to a role without them (a manager)', async () => {
  page(['contacts:read', 'contacts:write', 'contacts:delete']);
  expect(await screen.findByRole('button', { name: 'Delete' })).toBeTruthy();
  await waitFor(() => expect(screen.getByText('Erika')).toBeTruthy());
  expect(screen.queryByRole('button', { name: 'Erase person…' })).toBeNull();
  expect(screen.queryByRole('button', { name: 'Place legal hold…' })).toBeNull();
});

it('says a held record is held, refuses its delete with the reason in words, and lets it go once the hold is lifted', async () => {
  let held = true;
  const { calls } = page(
    ADMIN,
    (method, path) => {
      if (method === 'DELETE' && path === '/contacts/c1') {
        return held
          ? json(409, { status: 409, code: 'legal_hold', detail: 'The contact c1 is under legal hold (Litigation 4711); it cannot be deleted or erased until the hold is lifted.' })
          : new Response(null, { status: 204 });
      }
      if (method === 'DELETE' && path === '/contacts/c1/hold') {
        held = false;
        return json(200, { id: 'c1', version: 5, legal_hold: null }, { etag: '"5"' });
      }
      return undefined;
    },
    contact(4, { legal_hold: HOLD }),
  );
  const banner = await screen.findByTestId('legal-hold');
  expect(banner.textContent).toContain('Under legal hold: Litigation 4711 (since 2 Mar 2026)');
  // Held: no second hold to place, only lifting.
  expect(screen.queryByRole('button', { name: 'Place legal hold…' })).toBeNull();

  fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
  fireEvent.click(within(screen.getByRole('alertdialog', { name: 'Delete' })).getByRole('button', { name: 'Delete' }));
  expect((await screen.findByRole('alert')).textContent).toBe(
    'Not deleted: it is under legal hold (Litigation 4711). Lift the hold first.',
  );

  fireEvent.click(within(banner).getByRole('button', { name: 'Lift legal hold' }));
  expect(await screen.findByText('Legal hold lifted: the record may be deleted again.')).toBeTruthy();
  expect(screen.queryByTestId('legal-hold')).toBeNull();
  fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
  fireEvent.click(within(screen.getByRole('alertdialog', { name: 'Delete' })).getByRole('button', { name: 'Delete' }));
  await waitFor(() => expect(location.pathname).toBe('/t/acme/contacts'));
  // The delete after the lift carries the version the lift answered with.
  expect(calls.filter((c) => c.method === 'DELETE' && c.path === '/contacts/c1').map((c) => c.headers['if-match'])).toEqual(['"4"', '"5"']);
});

it('places a hold with a reason, and shows the server’s refusal of the reason at its field', async () => {
  let tries = 0;
  const { calls } = page(ADMIN, (method, path) => {
    if (method === 'PUT' && path === '/contacts/c1/hold') {
      tries++;
      return tries === 1
        ? json(422, { status: 422, code: 'validation_failed', detail: 'Validation failed', errors: [{ field: 'reason', message: 'must be one line of text' }] })
        : json(200, { id: 'c1', version: 4, legal_hold: HOLD }, { etag: '"4"' });
    }
    return undefined;
  });
  fireEvent.click(await screen.findByRole('button', { name: 'Place legal hold…' }));
  const dialog = screen.getByRole('dialog', { name: 'Place a legal hold on Erika Muster' });
  const confirm = within(dialog).getByRole('button', { name: 'Place legal hold' }) as HTMLButtonElement;
  expect(confirm.disabled).toBe(true);
  const reason = within(dialog).getByLabelText(/Reason/);
  fireEvent.change(reason, { target: { value: 'Litigation 4711' } });
  fireEvent.click(confirm);
  expect(await within(dialog).findByText('must be one line of text')).toBeTruthy();
  expect(reason.getAttribute('aria-invalid')).toBe('true');
  fireEvent.click(confirm);
  expect((await screen.findByTestId('legal-hold')).textContent).toContain('Under legal hold: Litigation 4711');
  expect(screen.getByText('Legal hold placed.')).toBeTruthy();
  expect(calls.filter((c) => c.method === 'PUT').map((c) => c.body)).toEqual([{ reason: 'Litigation 4711' }, { reason: 'Litigation 4711' }]);
});

it('says the record was erased, live, and shows none of it any more', async () => {
  page(ADMIN);
  expect(await screen.findByText('erika@x.example')).toBeTruthy();
  const ws = await socket();
  act(() => ws.receive({ type: 'event', topic: 'record:contact:c1', seq: 101, event: 'contact.erased', data: { id: 'c1', erased: true } }));
  expect(await screen.findByText('This record was erased.')).toBeTruthy();
  expect(screen.queryByText('erika@x.example')).toBeNull();
  expect(screen.queryByText(/Erika/)).toBeNull();
});

it('takes a replayed older event with no fields (an erased record’s) as the erasure, never as an update', async () => {
  page(ADMIN);
  expect(await screen.findByText('erika@x.example')).toBeTruthy();
  const ws = await socket();
  act(() => ws.receive({ type: 'event', topic: 'record:contact:c1', seq: 99, event: 'contact.updated', data: { id: 'c1', erased: true } }));
  expect(await screen.findByText('This record was erased.')).toBeTruthy();
  expect(screen.queryByText('This record was just changed by someone else.')).toBeNull();
});

it('drops a lifted hold that arrives live (the event has no legal_hold), and shows one placed elsewhere', async () => {
  page(['contacts:read'], undefined, contact(4, { legal_hold: HOLD }));
  expect(await screen.findByTestId('legal-hold')).toBeTruthy();
  // Not for this role: no lifting here.
  expect(screen.queryByRole('button', { name: 'Lift legal hold' })).toBeNull();
  const ws = await socket();
  act(() => ws.receive({ type: 'event', topic: 'record:contact:c1', seq: 101, event: 'contact.updated', data: contact(5) }));
  await waitFor(() => expect(screen.queryByTestId('legal-hold')).toBeNull());
  act(() => ws.receive({ type: 'event', topic: 'record:contact:c1', seq: 102, event: 'contact.updated', data: contact(6, { legal_hold: { ...HOLD, reason: 'Audit' } }) }));
  expect((await screen.findByTestId('legal-hold')).textContent).toContain('Under legal hold: Audit');
});

it('shows a sensitive field’s value in clear, with a lock by its name that says why search will not find it', async () => {
  const fields = [
    { id: 'f1', kind: 'contact', key: 'tax_id', label: 'Tax ID', type: 'text', options: {}, required: false, retired: false, sensitive: true, version: 1 },
    { id: 'f2', kind: 'contact', key: 'source', label: 'Lead source', type: 'text', options: {}, required: false, retired: false, sensitive: false, version: 1 },
  ];
  page(
    ['contacts:read'],
    (_m, path) => (path.startsWith('/custom-fields') ? json(200, { items: fields, next_cursor: null }) : undefined),
    contact(3, { custom: { tax_id: 'DE-4711', source: 'Fair' } }),
  );
  const row = (key: string) => screen.getByTestId('record-fields').querySelector(`[data-field="custom.${key}"]`)!;
  await waitFor(() => expect(row('tax_id')).toBeTruthy());
  expect(row('tax_id').querySelector('dd')?.textContent).toBe('DE-4711');
  const term = row('tax_id').querySelector('dt')!;
  expect(term.querySelector('.sensitive-mark svg')).toBeTruthy();
  expect(term.querySelector('[title]')?.getAttribute('title')).toBe('Encrypted at rest: search and filters do not find its values.');
  // Read out as words too: the term is the label and the note.
  expect(term.textContent).toBe('Tax ID (Encrypted at rest: search and filters do not find its values.)');
  expect(row('source').querySelector('dt')?.textContent).toBe('Lead source');
});

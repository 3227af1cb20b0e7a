import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { Comment, Ticket } from '../../api/support';
import type { Me } from '../../api/types';
import { FakeSocket } from '../../realtime/fake-socket';
import { json, renderApp } from '../../test/render';
import { TicketPanel } from './TicketPanel';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const ticket = (version: number, extra: Partial<Ticket> = {}): Ticket => ({
  id: 't1', version, subject: 'Printer on fire', status: 'open', priority: 'high', queue_id: null, requester_id: null,
  created_at: '2026-05-04T09:00:00Z', updated_at: '2026-05-04T09:00:00Z', ...extra,
});
const comment = (id: string, body: string): Comment => ({
  id, ticket_id: 't1', body, internal: false, author_id: 'u2', author_name: 'Erika Muster', created_at: `2026-05-04T09:0${id.length}:00Z`,
});
const me: Me = {
  user: { id: 'u1', email: 'a@x.example', name: 'Admin', kind: 'staff', mfa_enabled: false },
  tenant: { id: 't', slug: 'acme', name: 'Acme' },
  roles: ['admin'],
  teams: [],
  permissions: ['tickets:read', 'tickets:write', 'privacy:hold'].map((permission) => ({ permission, scope: 'all', hidden_fields: [] })),
  mfa_enrollment_required: false,
};

function panel(start: Ticket) {
  FakeSocket.all = [];
  return renderApp(
    <TicketPanel tenant="acme" id="t1" queues={[]} wf={null} names={new Map()} back="/t/acme/console" ticketHref={(id) => id} />,
    (method, path) => {
      if (path === '/me') return json(200, me);
      if (path === '/tickets/t1') return json(200, start, { etag: `"${start.version}"` });
      if (path === '/tickets/t1/comments') return json(200, { items: [comment('m1', 'Hello'), comment('m22', 'My address is Hauptstr. 1')], next_cursor: null });
      if (method === 'PUT' && path === '/tickets/t1/hold') return json(200, { id: 't1', version: start.version + 1, legal_hold: { reason: 'Audit 2026', by: 'u1', at: '2026-05-05T08:00:00Z' } });
      if (path.startsWith('/tickets?') || path === '/tickets/t1/files') return json(200, { items: [], next_cursor: null });
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

it('drops an erased comment from the conversation, and says so when the ticket itself is erased', async () => {
  panel(ticket(2));
  expect(await screen.findByText('My address is Hauptstr. 1')).toBeTruthy();
  const ws = await socket();
  act(() => ws.receive({ type: 'event', topic: 'ticket:t1', seq: 101, event: 'comment.erased', data: { id: 'm22', erased: true, ticket_id: 't1' } }));
  await waitFor(() => expect(screen.queryByText('My address is Hauptstr. 1')).toBeNull());
  expect(screen.getByText('Hello')).toBeTruthy();
  act(() => ws.receive({ type: 'event', topic: 'ticket:t1', seq: 102, event: 'ticket.erased', data: { id: 't1', erased: true } }));
  expect(await screen.findByText('This record was erased.')).toBeTruthy();
  expect(screen.queryByText('Printer on fire')).toBeNull();
  expect(screen.queryByText('Hello')).toBeNull();
});

it('never takes an erased ticket’s fieldless older event for the ticket', async () => {
  panel(ticket(2));
  expect(await screen.findByText('Printer on fire')).toBeTruthy();
  const ws = await socket();
  act(() => ws.receive({ type: 'event', topic: 'ticket:t1', seq: 99, event: 'ticket.updated', data: { id: 't1', erased: true } }));
  expect(await screen.findByText('This record was erased.')).toBeTruthy();
});

it('places a legal hold on the ticket and shows it with its reason', async () => {
  const { calls } = panel(ticket(2));
  fireEvent.click(await screen.findByRole('button', { name: 'Place legal hold…' }));
  const dialog = screen.getByRole('dialog', { name: 'Place a legal hold on Printer on fire' });
  fireEvent.change(within(dialog).getByLabelText(/Reason/), { target: { value: 'Audit 2026' } });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Place legal hold' }));
  expect((await screen.findByTestId('legal-hold')).textContent).toContain('Under legal hold: Audit 2026 (since 5 May 2026)');
  expect(within(screen.getByTestId('legal-hold')).getByRole('button', { name: 'Lift legal hold' })).toBeTruthy();
  expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ reason: 'Audit 2026' });
});

it('keeps the ticket through its overwritten older events, then takes the anonymised version that follows', async () => {
  panel(ticket(2));
  expect(await screen.findByText('Printer on fire')).toBeTruthy();
  const ws = await socket();
  // A replay from before the anonymisation: the older events are stubs.
  act(() => {
    ws.receive({ type: 'event', topic: 'ticket:t1', seq: 101, event: 'ticket.updated', data: { id: 't1', anonymised: true } });
    ws.receive({ type: 'event', topic: 'ticket:t1', seq: 102, event: 'comment.created', data: { id: 'm3', anonymised: true } });
  });
  expect(screen.getByText('Printer on fire')).toBeTruthy();
  expect(screen.getByText('Hello')).toBeTruthy();
  expect(screen.queryByText('This record was erased.')).toBeNull();
  expect(screen.queryByText(/was deleted/)).toBeNull();
  const mark = { at: '2026-12-06T10:00:00Z', rule: 'Old tickets' };
  act(() => ws.receive({ type: 'event', topic: 'ticket:t1', seq: 103, event: 'ticket.anonymised', data: { ...ticket(3, { subject: 'Anonymised ticket' }), anonymised: mark, change: { rule: 'Old tickets' } } }));
  expect(await screen.findByText('Anonymised ticket')).toBeTruthy();
  expect(screen.queryByText('Hello')).toBeNull();
  expect(screen.queryByText('This record was erased.')).toBeNull();
});

it('shows a live comment’s files, lists the ticket’s files beneath, and lets a deleted one go from both', async () => {
  const photo = { id: 'f1', name: 'Kratzer.png', size: 2048, content_type: 'image/png' };
  const file = {
    ...photo, record_kind: 'ticket', record_id: 't1', comment_id: null, sha256: '00', internal: false, created_by: 'u2',
    created_by_name: 'Erika Muster', created_at: '2026-05-04T09:10:00Z',
  };
  panel(ticket(2));
  expect(await screen.findByText('Printer on fire')).toBeTruthy();
  const ws = await socket();
  act(() => {
    ws.receive({ type: 'event', topic: 'ticket:t1', seq: 101, event: 'file.added', data: file });
    ws.receive({ type: 'event', topic: 'ticket:t1', seq: 102, event: 'comment.created', data: { ...comment('m333', 'A photo of it'), attachments: [photo] } });
  });
  const thread = screen.getByTestId('thread');
  await within(thread).findByRole('button', { name: 'Download Kratzer.png' });
  const files = screen.getByTestId('attachments');
  await within(files).findByRole('button', { name: 'Download Kratzer.png' });
  expect(within(files).getByText('Files added here are for colleagues only. To send one to the customer, attach it to a public reply.')).toBeTruthy();
  act(() => ws.receive({ type: 'event', topic: 'ticket:t1', seq: 103, event: 'file.removed', data: file }));
  await waitFor(() => expect(within(thread).queryByRole('button', { name: 'Download Kratzer.png' })).toBeNull());
  expect(within(files).queryByRole('button', { name: 'Download Kratzer.png' })).toBeNull();
  expect(within(thread).getByText('A photo of it')).toBeTruthy();
});

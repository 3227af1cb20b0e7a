import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { CannedReply } from '../../api/canned';
import type { Ticket } from '../../api/support';
import type { Me } from '../../api/types';
import { FakeSocket } from '../../realtime/fake-socket';
import { json, renderApp } from '../../test/render';
import { TicketPanel } from './TicketPanel';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const ticket: Ticket = {
  id: 't1', version: 2, subject: 'Printer on fire', status: 'open', priority: 'high', queue_id: null, requester_id: null,
  created_at: '2026-05-04T09:00:00Z', updated_at: '2026-05-04T09:00:00Z',
};
const agent = (permissions: string[]): Me => ({
  user: { id: 'u1', email: 'a@x.example', name: 'Agent', kind: 'staff', mfa_enabled: false },
  tenant: { id: 't', slug: 'acme', name: 'Acme' },
  roles: ['agent'],
  teams: [],
  permissions: permissions.map((permission) => ({ permission, scope: 'all', hidden_fields: [] })),
  mfa_enrollment_required: false,
});
const REPLIES: CannedReply[] = [
  { name: 'Greeting', body: 'Hello {{contact.first_name}},' },
  { name: 'Closing', body: 'Kind regards, {{agent.name}}' },
  { name: 'Printer tips', body: 'Try turning it off.' },
];

function panel(replies: CannedReply[], me = agent(['tickets:read', 'tickets:write'])) {
  FakeSocket.all = [];
  return renderApp(
    <TicketPanel tenant="acme" id="t1" queues={[]} wf={null} names={new Map()} back="/t/acme/console" ticketHref={(id) => id} />,
    (method, path, body) => {
      if (path === '/me') return json(200, me);
      if (path === '/tickets/t1') return json(200, ticket, { etag: '"2"' });
      if (method === 'GET' && path === '/tickets/t1/comments') return json(200, { items: [], next_cursor: null });
      if (path === '/canned-replies') return json(200, { replies });
      if (method === 'POST' && path === '/tickets/t1/canned-replies/render') {
        const name = (body as { name: string }).name;
        if (name === 'Closing') return json(200, { body: 'Kind regards, Agent' });
        if (name === 'Greeting') return json(200, { body: 'Hello Erika,' });
        return json(404, { status: 404, code: 'not_found', detail: 'The requested resource does not exist.' });
      }
      if (method === 'POST' && path === '/tickets/t1/comments') {
        return json(201, { id: 'm9', ticket_id: 't1', body: (body as { body: string }).body, internal: false, author_id: 'u1', created_at: '2026-05-04T10:00:00Z' });
      }
      if (path.startsWith('/tickets?')) return json(200, { items: [], next_cursor: null });
      return undefined;
    },
    { signedIn: true },
  );
}

it('filters by name as one types and puts the reply, filled in for the ticket, at the cursor', async () => {
  const { calls } = panel(REPLIES);
  const box = (await screen.findByPlaceholderText('Write a reply…')) as HTMLTextAreaElement;
  fireEvent.change(box, { target: { value: 'Dear customer\nSee you' } });
  // The cursor after the first line.
  box.setSelectionRange(13, 13);
  fireEvent.click(screen.getByRole('button', { name: 'Canned reply' }));
  const find = await screen.findByRole('combobox', { name: 'Find a canned reply by name' });
  const list = screen.getByRole('listbox', { name: 'Canned replies' });
  await waitFor(() => expect(within(list).getAllByRole('option')).toHaveLength(3));
  fireEvent.change(find, { target: { value: 'clo' } });
  expect(within(list).getAllByRole('option').map((o) => o.textContent)).toEqual(['ClosingKind regards, {{agent.name}}']);
  expect(within(list).getByRole('option').getAttribute('aria-selected')).toBe('true');
  fireEvent.keyDown(find, { key: 'Enter' });
  await waitFor(() => expect(box.value).toBe('Dear customer\nKind regards, Agent\nSee you'));
  expect(screen.queryByRole('combobox', { name: 'Find a canned reply by name' })).toBeNull();
  expect(document.activeElement).toBe(box);
  expect(calls.find((c) => c.path === '/tickets/t1/canned-replies/render')?.body).toEqual({ name: 'Closing' });

  // Sending it posts the reply as written.
  fireEvent.click(screen.getByRole('button', { name: 'Send reply' }));
  await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/tickets/t1/comments')).toBe(true));
  expect(calls.find((c) => c.method === 'POST' && c.path === '/tickets/t1/comments')?.body).toMatchObject({ body: 'Dear customer\nKind regards, Agent\nSee you' });
});

it('moves with the arrow keys, and Escape closes it and gives the focus back', async () => {
  panel(REPLIES);
  const button = await screen.findByRole('button', { name: 'Canned reply' });
  fireEvent.click(button);
  const find = await screen.findByRole('combobox', { name: 'Find a canned reply by name' });
  await waitFor(() => expect(within(screen.getByRole('listbox', { name: 'Canned replies' })).getAllByRole('option')).toHaveLength(3));
  fireEvent.keyDown(find, { key: 'ArrowDown' });
  expect(within(screen.getByRole('listbox', { name: 'Canned replies' })).getAllByRole('option')[1]!.getAttribute('aria-selected')).toBe('true');
  expect(find.getAttribute('aria-activedescendant')).toBe(within(screen.getByRole('listbox', { name: 'Canned replies' })).getAllByRole('option')[1]!.id);
  fireEvent.keyDown(find, { key: 'ArrowUp' });
  fireEvent.keyDown(find, { key: 'ArrowUp' });
  expect(within(screen.getByRole('listbox', { name: 'Canned replies' })).getAllByRole('option')[2]!.getAttribute('aria-selected')).toBe('true');
  fireEvent.keyDown(find, { key: 'Escape' });
  expect(screen.queryByRole('combobox', { name: 'Find a canned reply by name' })).toBeNull();
  expect(document.activeElement).toBe(button);
});

it('says where an administrator adds them when there are none', async () => {
  panel([]);
  fireEvent.click(await screen.findByRole('button', { name: 'Canned reply' }));
  expect((await screen.findByTestId('canned-none')).textContent).toBe(
    'There are no canned replies yet. An administrator adds them under Admin › Canned replies.',
  );
});

it('says so when a reply was removed since the list was read', async () => {
  panel([{ name: 'Old one', body: 'x' }]);
  fireEvent.click(await screen.findByRole('button', { name: 'Canned reply' }));
  fireEvent.click(await screen.findByRole('option', { name: /Old one/ }));
  expect((await screen.findByRole('alert')).textContent).toBe('“Old one” no longer exists; the list was read again.');
  act(() => undefined);
});

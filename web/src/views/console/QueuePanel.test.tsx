import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { Queue, Ticket } from '../../api/support';
import { FakeSocket } from '../../realtime/fake-socket';
import { json, renderApp } from '../../test/render';
import { QueuePanel } from './QueuePanel';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const queue: Queue = { id: 'q1', name: 'Support', version: 1, created_at: '', updated_at: '' };
const ticket = (id: string, extra: Partial<Ticket> = {}): Ticket => ({
  id, version: 1, subject: `Subject ${id}`, status: 'new', queue_id: 'q1', priority: 'normal',
  created_at: '2026-05-04T09:00:00Z', updated_at: '2026-05-04T09:00:00Z', ...extra,
});
const subjects = () => screen.queryAllByRole('link').map((a) => a.textContent);

async function socket() {
  await waitFor(() => expect(FakeSocket.all.length).toBeGreaterThan(0));
  const ws = FakeSocket.last();
  act(() => {
    ws.open();
    ws.ackSubscribes(100);
  });
  return ws;
}

it('keeps the queue live: entries, moves and departures from frames, claims with 409 shown', async () => {
  FakeSocket.all = [];
  const claimed = vi.fn();
  const { calls } = renderApp(
    <QueuePanel queue={queue} queues={[queue]} onPick={() => undefined} base="/t/acme/console" selfId="me" canAssign onClaimed={claimed} />,
    (method, path) => {
      if (path === '/queues/q1/tickets') {
        return json(200, { items: [ticket('a', { position: 0 }), ticket('b', { position: 1 })], size: 2, next_cursor: null });
      }
      if (method === 'POST' && path === '/tickets/b/claim') return json(409, { status: 409, code: 'already_claimed', detail: 'taken' });
      if (path === '/tickets/x') return json(200, ticket('x', { subject: 'Fetched x' }));
      return undefined;
    },
    { signedIn: true },
  );
  await waitFor(() => expect(subjects()).toEqual(['Subject a', 'Subject b']));
  const ws = await socket();

  // A new urgent ticket: its event, then its place at the top.
  act(() => {
    ws.receive({ type: 'event', topic: 'queue:q1', seq: 101, event: 'ticket.created', data: { ...ticket('n', { priority: 'urgent' }) } });
    ws.receive({ type: 'queue', topic: 'queue:q1', seq: 101, ticket_id: 'n', position: 0, size: 3 });
  });
  expect(subjects()).toEqual(['Subject n', 'Subject a', 'Subject b']);
  expect(screen.getByText('3 waiting')).toBeTruthy();

  // Someone claimed `a`: it leaves; a frame for a ticket we never saw fetches it.
  act(() => {
    ws.receive({ type: 'queue', topic: 'queue:q1', seq: 102, ticket_id: 'a', position: null, size: 2 });
    ws.receive({ type: 'queue', topic: 'queue:q1', seq: 103, ticket_id: 'x', position: 2, size: 3 });
  });
  expect(subjects()).toEqual(['Subject n', 'Subject b']);
  await waitFor(() => expect(calls.map((c) => c.path)).toContain('/tickets/x'));
  await waitFor(() => expect(subjects()).toEqual(['Subject n', 'Subject b', 'Fetched x']));

  // A lost race is said in words, and the list is read again.
  fireEvent.click(screen.getByRole('button', { name: 'Claim “Subject b”' }));
  expect(await screen.findByText('Someone else took this ticket first.')).toBeTruthy();
  expect(claimed).not.toHaveBeenCalled();
});

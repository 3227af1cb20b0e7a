import { act, cleanup, screen, waitFor } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { leaveNotice, peekNotice } from '../../app/notice';
import { FakeSocket } from '../../realtime/fake-socket';
import { json, renderApp } from '../../test/render';
import { CONTACTS } from './kinds';
import { RecordList } from './RecordList';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const contact = (id: string, last: string, version = 1) => ({
  id, version, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', first_name: 'Erika', last_name: last,
});
const names = () => screen.queryAllByRole('link').map((a) => a.textContent).filter((n) => n?.startsWith('Erika'));

it('drops a row live when its contact is erased, or when an older event about it comes back without fields', async () => {
  FakeSocket.all = [];
  history.replaceState(null, '', '/t/acme/contacts');
  renderApp(
    <RecordList meta={CONTACTS} tenant="acme" />,
    (_m, path) => {
      if (path.startsWith('/contacts?')) return json(200, { items: [contact('a', 'Alpha'), contact('b', 'Beta'), contact('c', 'Gamma')], next_cursor: null });
      if (path.startsWith('/custom-fields') || path.startsWith('/companies')) return json(200, { items: [], next_cursor: null });
      return undefined;
    },
    { signedIn: true },
  );
  await waitFor(() => expect(names()).toEqual(['Erika Alpha', 'Erika Beta', 'Erika Gamma']));
  await waitFor(() => expect(FakeSocket.all.length).toBeGreaterThan(0));
  const ws = FakeSocket.last();
  act(() => {
    ws.open();
    ws.ackSubscribes(100);
  });
  act(() => ws.receive({ type: 'event', topic: 'contacts', seq: 101, event: 'contact.erased', data: { id: 'a', erased: true } }));
  expect(names()).toEqual(['Erika Beta', 'Erika Gamma']);
  // A replay from before an erasure: `contact.updated`/`.created` with nothing but the id.
  act(() => {
    ws.receive({ type: 'event', topic: 'contacts', seq: 102, event: 'contact.updated', data: { id: 'b', erased: true } });
    ws.receive({ type: 'event', topic: 'contacts', seq: 103, event: 'contact.created', data: { id: 'c', erased: true } });
  });
  expect(names()).toEqual([]);
  // …and no "the list changed" for a record that is gone.
  expect(screen.queryByText('There are new records.')).toBeNull();
});

it('says once what the page before left for it (an erasure’s summary)', async () => {
  history.replaceState(null, '', '/t/acme/contacts');
  leaveNotice('/t/acme/contacts', 'Erased: 1 contact, 2 tickets.');
  renderApp(
    <RecordList meta={CONTACTS} tenant="acme" />,
    (_m, path) => (path.startsWith('/') ? json(200, { items: [], next_cursor: null }) : undefined),
    { signedIn: true },
  );
  expect(await screen.findByText('Erased: 1 contact, 2 tickets.')).toBeTruthy();
  expect(peekNotice('/t/acme/contacts')).toBeNull();
});

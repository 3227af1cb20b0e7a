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

const FIELDS = {
  items: [
    { id: 'f1', kind: 'contact', key: 'tax_id', label: 'Tax ID', type: 'text', options: {}, required: false, retired: false, sensitive: true, version: 1 },
    { id: 'f2', kind: 'contact', key: 'iban', label: 'IBAN', type: 'text', options: {}, required: false, retired: false, sensitive: true, version: 1 },
    { id: 'f3', kind: 'contact', key: 'source', label: 'Lead source', type: 'text', options: {}, required: false, retired: false, sensitive: false, version: 1 },
  ],
  next_cursor: null,
};
// As src/records/query.rs refuses a filter on a sensitive field.
const SEALED = 'is sensitive: its values are stored encrypted and cannot be filtered';

function filtered(url: string, list: (path: string) => Response) {
  history.replaceState(null, '', url);
  return renderApp(
    <RecordList meta={CONTACTS} tenant="acme" />,
    (_m, path) => {
      if (path.startsWith('/contacts?')) return list(path);
      if (path.startsWith('/custom-fields')) return json(200, FIELDS);
      if (path.startsWith('/companies')) return json(200, { items: [], next_cursor: null });
      return undefined;
    },
    { signedIn: true },
  );
}

it('offers no filter on a sensitive custom field, and one on any other', async () => {
  filtered('/t/acme/contacts', () => json(200, { items: [contact('a', 'Alpha')], next_cursor: null }));
  const field = screen.getByRole('combobox', { name: 'Field' });
  await waitFor(() => expect(screen.getByRole('option', { name: 'Lead source' })).toBeTruthy());
  const offered = [...field.querySelectorAll('option')].map((o) => o.value);
  expect(offered).toContain('custom.source');
  expect(offered).not.toContain('custom.tax_id');
  expect(offered).not.toContain('custom.iban');
});

it('says why the server refused a filter on a sensitive field, naming the field by its label', async () => {
  const { calls } = filtered('/t/acme/contacts?f.custom.tax_id=DE-1', () =>
    json(422, {
      status: 422, code: 'validation_failed', detail: `custom.tax_id ${SEALED}`,
      errors: [{ field: 'custom.tax_id', message: SEALED }],
    }),
  );
  const alert = await screen.findByRole('alert');
  await waitFor(() => expect(alert.textContent).toContain(`Tax ID ${SEALED}`));
  expect(calls.some((c) => c.path.startsWith('/contacts?') && c.path.includes('custom.tax_id=DE-1'))).toBe(true);
  // The filter stays removable as a chip.
  expect(screen.getByRole('button', { name: 'Remove filter Tax ID' })).toBeTruthy();
});

it('says each refused filter, where the server’s summary would only count them', async () => {
  filtered('/t/acme/contacts?f.custom.tax_id=DE-1&f.custom.iban=X', () =>
    json(422, {
      status: 422, code: 'validation_failed', detail: '2 fields are invalid.',
      errors: [{ field: 'custom.tax_id', message: SEALED }, { field: 'custom.iban', message: SEALED }],
    }),
  );
  const alert = await screen.findByRole('alert');
  await waitFor(() =>
    expect([...alert.querySelectorAll('li')].map((li) => li.textContent)).toEqual([`Tax ID ${SEALED}`, `IBAN ${SEALED}`]),
  );
  expect(alert.textContent).not.toContain('2 fields are invalid.');
});

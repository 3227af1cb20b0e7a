import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { Ticket } from '../../api/support';
import type { Contact } from '../../api/types';
import { json, renderApp } from '../../test/render';
import { CustomerSidebar } from './CustomerSidebar';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const ticket = (id: string, created: string, extra: Partial<Ticket> = {}): Ticket => ({
  id, version: 1, subject: `Ticket ${id}`, status: 'open', requester_id: 'c1',
  created_at: created, updated_at: created, ...extra,
});

it('shows the requester’s details and their other tickets, newest first, without the open one', async () => {
  const anna: Contact = { id: 'c1', version: 1, created_at: '', updated_at: '', first_name: 'Anna', last_name: 'Schmidt', email: 'anna@example.com', phone: '+49 30 100', company_id: 'co1' };
  const { calls } = renderApp(
    <CustomerSidebar tenant="acme" ticket={ticket('t2', '2026-05-02T00:00:00Z')} requester={anna} ticketHref={(id) => `/t/acme/console/${id}`} />,
    (_m, path) => {
      if (path === '/companies/co1') return json(200, { id: 'co1', version: 1, name: 'Müller GmbH', created_at: '', updated_at: '' });
      if (path.startsWith('/tickets?')) {
        return json(200, {
          items: [ticket('t3', '2026-05-03T00:00:00Z', { status: 'new' }), ticket('t2', '2026-05-02T00:00:00Z'), ticket('t1', '2026-05-01T00:00:00Z', { status: 'closed' })],
          next_cursor: null,
        });
      }
      return undefined;
    },
    { signedIn: true },
  );
  const card = await screen.findByTestId('customer');
  expect(within(card).getByRole('link', { name: 'Anna Schmidt' }).getAttribute('href')).toBe('/t/acme/contacts/c1');
  expect(within(card).getByRole('link', { name: 'anna@example.com' }).getAttribute('href')).toBe('mailto:anna@example.com');
  expect(within(card).getByRole('link', { name: '+49 30 100' }).getAttribute('href')).toBe('tel:+4930100');
  expect(await within(card).findByRole('link', { name: 'Müller GmbH' })).toBeTruthy();
  const list = await within(card).findByRole('list');
  await waitFor(() => expect(within(list).getAllByRole('link').map((a) => a.textContent)).toEqual(['Ticket t3', 'Ticket t1']));
  expect(within(list).getByText('Closed')).toBeTruthy();
  const asked = calls.find((c) => c.path.startsWith('/tickets?'))!.path;
  expect(new URLSearchParams(asked.split('?')[1]).get('requester_id')).toBe('c1');
  expect(new URLSearchParams(asked.split('?')[1]).get('sort')).toBe('-created_at');
});

it('leaves out what the role hides: no row for a field the server did not send', async () => {
  // The server dropped `email`, `phone` and `company_id` for this role.
  const hidden: Contact = { id: 'c1', version: 1, created_at: '', updated_at: '', first_name: 'Anna', last_name: 'Schmidt' };
  const { calls } = renderApp(
    <CustomerSidebar tenant="acme" ticket={ticket('t2', '2026-05-02T00:00:00Z')} requester={hidden} ticketHref={(id) => id} />,
    (_m, path) => (path.startsWith('/tickets?') ? json(200, { items: [ticket('t2', '2026-05-02T00:00:00Z')], next_cursor: null }) : undefined),
    { signedIn: true },
  );
  const card = await screen.findByTestId('customer');
  expect(within(card).getByText('Anna Schmidt')).toBeTruthy();
  expect(await within(card).findByText('No other tickets.')).toBeTruthy();
  expect(within(card).queryByText('E-mail')).toBeNull();
  expect(within(card).queryByText('Phone')).toBeNull();
  expect(within(card).queryByText('Company')).toBeNull();
  expect(calls.some((c) => c.path.startsWith('/companies'))).toBe(false);
});

it('says when no customer is linked, and asks for nothing', async () => {
  const { calls } = renderApp(
    <CustomerSidebar tenant="acme" ticket={ticket('t2', '2026-05-02T00:00:00Z', { requester_id: null })} requester={null} ticketHref={(id) => id} />,
    () => undefined,
    { signedIn: true },
  );
  expect(await screen.findByText('No customer is linked to this ticket.')).toBeTruthy();
  expect(calls.filter((c) => c.path.startsWith('/tickets') || c.path.startsWith('/companies'))).toEqual([]);
});

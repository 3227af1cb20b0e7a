// The supplier portal against the real server: a supplier sees what staff
// shared with them and nothing else, moves a shared ticket's status (the
// team sees it at once), and cannot change what belongs to the team.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, apiResponse, launch, newPage, signIn, waitLive } from './helpers';
import { ADMIN, ensureUser, newTicket, tag, type Ticket } from './support-data';

const SUPPLIER = 'supplier2@demo.example';
let browser: Browser;
let context: BrowserContext;
let page: Page;
let shared: Ticket;
let other: Ticket;

beforeAll(async () => {
  const id = await ensureUser(SUPPLIER, 'Sam Spares', 'supplier', ['supplier']);
  shared = await newTicket({ subject: `Deliver two gaskets ${tag()}`, shared_with: [id] });
  other = await newTicket({ subject: `Internal only ${tag()}` });
  browser = await launch();
  ({ context, page } = await newPage(browser));
  await signIn(page, 'demo', SUPPLIER);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

it('shows only what was shared, and a status change reaches the team', async () => {
  // Signed in, a supplier lands on their own portal.
  await page.waitForURL(/\/t\/demo\/supplier/);
  const list = page.getByTestId('portal-tickets');
  await list.getByText(shared.subject).waitFor();
  expect(await list.textContent()).not.toContain(other.subject);
  expect((await apiResponse('demo', SUPPLIER, 'GET', `/tickets/${other.id}`)).status).toBe(404);

  await list.getByRole('link', { name: shared.subject }).click();
  await page.getByRole('heading', { name: shared.subject }).waitFor();
  await waitLive(page);
  await page.getByLabel('Status').selectOption({ label: 'Pending' });
  await expect
    .poll(async () => (await api<Ticket>('demo', ADMIN, 'GET', `/tickets/${shared.id}`)).status, { timeout: 5000 })
    .toBe('pending');

  // The team's fields stay the team's, whatever the client sends.
  const r = await apiResponse('demo', SUPPLIER, 'PATCH', `/tickets/${shared.id}`, { priority: 'urgent' });
  expect(r.status).toBe(422);
  expect(((await r.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(['priority']);
});

// The customer portal against the real server, with two customers:
// - each sees only their own tickets, in the list and by address (another
//   customer's ticket looks exactly like one that does not exist);
// - a customer opens a ticket and replies; an agent's internal note on it
//   never reaches the customer, the public reply does, live.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, apiResponse, launch, newPage, password } from './helpers';
import { ADMIN, ensureUser, newTicket, tag, type Ticket } from './support-data';

const C1 = 'customer@demo.example';
const C2 = 'customer2@demo.example';
let browser: Browser;
let context: BrowserContext;
let page: Page;
let theirs: Ticket;

async function portalSignIn(p: Page, email: string) {
  await p.goto('/t/demo/portal');
  await p.getByRole('heading', { name: 'Customer portal · Demo GmbH' }).waitFor();
  await p.getByLabel('E-mail').fill(email);
  await p.getByLabel('Password').fill(password());
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'How can we help?' }).waitFor();
}

beforeAll(async () => {
  await ensureUser(C2, 'Casey Customer', 'customer', ['customer']);
  theirs = await newTicket({ subject: `Private matter of customer two ${tag()}`, description: 'Only Casey may read this.' }, C2);
  browser = await launch();
  ({ context, page } = await newPage(browser));
  await portalSignIn(page, C1);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

it("never shows another customer's ticket, in the list or by its address", async () => {
  const list = page.getByTestId('portal-tickets');
  await list.waitFor();
  const mine = await api<{ items: Ticket[] }>('demo', C1, 'GET', '/tickets?limit=200');
  expect(mine.items.length).toBeGreaterThan(0);
  await expect.poll(() => list.locator('[data-ticket]').count()).toBe(mine.items.length);
  expect(await list.textContent()).not.toContain('customer two');
  expect(await list.locator(`[data-ticket="${theirs.id}"]`).count()).toBe(0);

  // Typed in by hand: the same page as for a ticket that does not exist.
  const answered = page.waitForResponse((r) => r.url().endsWith(`/api/v1/tickets/${theirs.id}`));
  await page.goto(`/t/demo/portal/tickets/${theirs.id}`);
  expect((await answered).status()).toBe(404);
  await page.getByRole('heading', { name: 'This ticket does not exist.' }).waitFor();
  expect(await page.locator('body').textContent()).not.toContain('Only Casey may read this');
  // …and its live topic is refused too.
  expect((await apiResponse('demo', C1, 'GET', `/tickets/${theirs.id}/comments`)).status).toBe(404);
});

it('opens a ticket and replies; an internal note never reaches the customer, a public reply does, live', async () => {
  const subject = `Broken hinge on delivery ${tag()}`;
  await page.getByRole('link', { name: 'New ticket' }).click();
  await page.getByLabel(/Subject/).fill(subject);
  await page.getByLabel('Description').fill('The left hinge arrived bent.');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('heading', { name: subject }).waitFor();
  const id = page.url().split('/').pop()!;

  await page.getByPlaceholder('Write a reply…').fill('Photos are on the way.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await page.getByTestId('thread').getByText('Photos are on the way.').waitFor();
  // There is no way to write an internal note here.
  expect(await page.getByLabel('Internal note').count()).toBe(0);

  // Staff write on it: a note for colleagues, then an answer.
  await api('demo', ADMIN, 'POST', `/tickets/${id}/comments`, { body: 'Internal: replace under warranty.', internal: true });
  await api('demo', ADMIN, 'POST', `/tickets/${id}/comments`, { body: 'A new hinge ships today.', internal: false });
  await page.getByTestId('thread').getByText('A new hinge ships today.').waitFor({ timeout: 5000 });
  expect(await page.getByTestId('thread').textContent()).not.toContain('replace under warranty');
  expect(await page.getByTestId('thread').getByText('Support team').count()).toBeGreaterThan(0);

  // The other customer cannot reach it.
  expect((await apiResponse('demo', C2, 'GET', `/tickets/${id}`)).status).toBe(404);
  const others = await api<{ items: Ticket[] }>('demo', C2, 'GET', '/tickets?limit=200');
  expect(others.items.map((t) => t.id)).not.toContain(id);
});

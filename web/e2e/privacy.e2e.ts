// Privacy duties in the browser, against the real server:
// - an administrator erases a person (GDPR Art. 17) while a manager has
//   the contacts list and that person's page open in another browser: the
//   row leaves the list and the page says the record was erased, live,
//   without a reload; the dialog's button stays disabled until the name is
//   typed, and the summary says what went and what stayed;
// - a legal hold on a deal: the banner gives the reason, Delete is refused
//   with it, and once the hold is lifted Delete goes through.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, apiResponse, launch, newPage, signIn, waitLive } from './helpers';

const ADMIN = 'admin@demo.example';
const MANAGER = 'manager@demo.example';
const RUN = Date.now().toString(36);

interface Rec {
  id: string;
  version: number;
}

/** How many of the service worker's saved API answers name `id` (by address or in their body). */
function savedCopies(page: Page, id: string): Promise<number> {
  return page.evaluate(async (id) => {
    if (!(await caches.has('mandant-api-v1'))) return 0;
    const cache = await caches.open('mandant-api-v1');
    let n = 0;
    for (const req of await cache.keys()) {
      const body = (await (await cache.match(req))?.text()) ?? '';
      if (req.url.includes(id) || body.includes(id)) n++;
    }
    return n;
  }, id);
}

let browser: Browser;
let admin: { context: BrowserContext; page: Page };
let manager: BrowserContext;

beforeAll(async () => {
  browser = await launch();
  admin = await newPage(browser);
  await signIn(admin.page, 'demo', ADMIN);
});

afterAll(async () => {
  await admin?.context.close();
  await manager?.close();
  await browser?.close();
});

it('erases a person: the other browser’s list and page follow live, and the dialog wants the name first', async () => {
  const last = `Erasmus-${RUN}`;
  const name = `Erika ${last}`;
  const person = await api<Rec>('demo', ADMIN, 'POST', '/contacts', { first_name: 'Erika', last_name: last, email: `erika.${RUN}@example.com` });
  const ticket = await api<Rec>('demo', ADMIN, 'POST', '/tickets', { subject: `Printer on fire ${RUN}`, requester_id: person.id });
  await api('demo', ADMIN, 'POST', `/tickets/${ticket.id}/comments`, { body: 'My address is Hauptstraße 1', internal: false });
  await api('demo', ADMIN, 'POST', '/activities', { type: 'call', subject: `Called Erika ${RUN}`, related_kind: 'contact', related_id: person.id });
  const pipelines = await api<{ items: { id: string; name: string }[] }>('demo', ADMIN, 'GET', '/pipelines?sort=name');
  const deal = await api<Rec>('demo', ADMIN, 'POST', '/deals', {
    title: `Erika's deal ${RUN}`,
    pipeline_id: pipelines.items.find((p) => p.name === 'New business')!.id,
    stage_id: 'lead',
    contact_ids: [person.id],
  });

  // The manager: the list (searched for her) and her page, in one browser.
  const m = await newPage(browser);
  manager = m.context;
  const list = m.page;
  await signIn(list, 'demo', MANAGER, `/t/demo/contacts?q=${last}`);
  const rows = list.locator('table tbody tr');
  await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
  expect(await rows.first().textContent()).toContain(name);
  const detail = await manager.newPage();
  await detail.goto(`/t/demo/contacts/${person.id}`);
  await detail.getByRole('heading', { name }).waitFor();
  // Once the service worker runs, her page is read through it: a saved copy.
  await detail.evaluate(() => navigator.serviceWorker.ready);
  await detail.reload();
  await detail.getByRole('heading', { name }).waitFor();
  await expect.poll(() => savedCopies(detail, person.id), { timeout: 10_000 }).toBeGreaterThan(0);
  await Promise.all([waitLive(list), waitLive(detail)]);
  // Marks that would vanish with a reload.
  await list.evaluate(() => ((window as unknown as { __stay: boolean }).__stay = true));
  await detail.evaluate(() => ((window as unknown as { __stay: boolean }).__stay = true));

  // The administrator on the same page sees the manager there: both are subscribed.
  const a = admin.page;
  await a.goto(`/t/demo/contacts/${person.id}`);
  await a.getByRole('heading', { name }).waitFor();
  await a.getByText('Morgan Manager viewing').waitFor({ timeout: 15_000 });

  await a.getByRole('button', { name: 'Erase person…' }).click();
  const dialog = a.getByRole('alertdialog', { name: `Erase ${name}` });
  await dialog.waitFor();
  expect(await dialog.textContent()).toContain('This cannot be undone.');
  expect(await dialog.textContent()).toContain('Deals stay, without them.');
  const confirm = dialog.getByRole('button', { name: 'Erase for good' });
  expect(await confirm.isDisabled()).toBe(true);
  const typed = dialog.getByLabel(`Type ${name} to confirm`);
  await typed.fill('Erika');
  expect(await confirm.isDisabled()).toBe(true);
  await typed.fill(name.toLowerCase());
  expect(await confirm.isDisabled()).toBe(true);
  await typed.fill(name);
  expect(await confirm.isDisabled()).toBe(false);
  await confirm.click();

  // Back on the list, with what happened in words.
  await a.waitForURL('**/t/demo/contacts');
  await a.getByText('Erased: 1 contact, 1 ticket, 1 comment, 1 activity; 1 deal kept without them.').waitFor();

  // The manager's row leaves and the page says so, without a reload.
  await expect.poll(() => rows.count(), { timeout: 5000 }).toBe(0);
  await detail.getByText('This record was erased.').waitFor({ timeout: 5000 });
  expect(await detail.getByText(`erika.${RUN}@example.com`).count()).toBe(0);
  // Her saved copies went from the manager's browser too (heard from the socket).
  await expect.poll(() => savedCopies(detail, person.id), { timeout: 5000 }).toBe(0);
  expect(await list.evaluate(() => (window as unknown as { __stay?: boolean }).__stay)).toBe(true);
  expect(await detail.evaluate(() => (window as unknown as { __stay?: boolean }).__stay)).toBe(true);

  // What the server holds: she and her ticket are gone, the deal stays without her.
  expect((await apiResponse('demo', ADMIN, 'GET', `/contacts/${person.id}`)).status).toBe(404);
  expect((await apiResponse('demo', ADMIN, 'GET', `/tickets/${ticket.id}`)).status).toBe(404);
  const kept = await api<{ contact_ids?: string[] }>('demo', ADMIN, 'GET', `/deals/${deal.id}`);
  expect(kept.contact_ids ?? []).not.toContain(person.id);
});

it('holds a deal: the banner gives the reason, Delete is refused with it, and goes through once the hold is lifted', async () => {
  const pipelines = await api<{ items: { id: string; name: string }[] }>('demo', ADMIN, 'GET', '/pipelines?sort=name');
  const pipelineId = pipelines.items.find((p) => p.name === 'New business')!.id;
  const title = `Held deal ${RUN}`;
  const deal = await api<Rec>('demo', ADMIN, 'POST', '/deals', { title, pipeline_id: pipelineId, stage_id: 'lead', amount: 1000, currency: 'EUR' });
  const a = admin.page;
  await a.goto(`/t/demo/deals/${deal.id}`);
  await a.getByRole('heading', { name: title }).waitFor();

  await a.getByRole('button', { name: 'Place legal hold…' }).click();
  const dialog = a.getByRole('dialog', { name: `Place a legal hold on ${title}` });
  const place = dialog.getByRole('button', { name: 'Place legal hold' });
  expect(await place.isDisabled()).toBe(true);
  await dialog.getByLabel(/Reason/).fill('Litigation 4711');
  await place.click();
  const banner = a.getByTestId('legal-hold');
  await banner.waitFor();
  expect(await banner.textContent()).toMatch(/Under legal hold: Litigation 4711 \(since \d+ \w+ \d{4}\)/);
  expect((await api<{ legal_hold?: { reason: string } }>('demo', ADMIN, 'GET', `/deals/${deal.id}`)).legal_hold?.reason).toBe('Litigation 4711');

  // Delete is refused, in words, with the reason.
  await a.getByRole('button', { name: 'Delete', exact: true }).click();
  await a.getByRole('alertdialog', { name: 'Delete' }).getByRole('button', { name: 'Delete' }).click();
  const refusal = a.getByRole('alert').filter({ hasText: 'Not deleted' });
  await refusal.waitFor();
  expect(await refusal.textContent()).toContain('under legal hold (Litigation 4711)');
  expect(a.url()).toContain(`/deals/${deal.id}`);
  expect((await apiResponse('demo', ADMIN, 'GET', `/deals/${deal.id}`)).status).toBe(200);

  // Lifted: the banner goes, and Delete goes through.
  await banner.getByRole('button', { name: 'Lift legal hold' }).click();
  await a.getByText('Legal hold lifted: the record may be deleted again.').waitFor();
  expect(await a.getByTestId('legal-hold').count()).toBe(0);
  await a.getByRole('button', { name: 'Delete', exact: true }).click();
  await a.getByRole('alertdialog', { name: 'Delete' }).getByRole('button', { name: 'Delete' }).click();
  await a.waitForURL(`**/t/demo/pipeline/${pipelineId}`);
  expect((await apiResponse('demo', ADMIN, 'GET', `/deals/${deal.id}`)).status).toBe(404);
});

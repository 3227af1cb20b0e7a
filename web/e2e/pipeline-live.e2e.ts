// Two people on one tenant's pipeline board, in two browser contexts:
// a move by one shows up on the other's board within a second, by mouse
// (drag and drop) and by keyboard (the Move menu); and a move based on a
// stale version is refused by the server (412) and shown to the person,
// who decides, instead of overwriting the other move.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, launch, newPage, signIn, waitLive } from './helpers';

const A = 'admin@demo.example';
const B = 'manager@demo.example';

let browser: Browser;
let ctxA: BrowserContext;
let ctxB: BrowserContext;
let pageA: Page;
let pageB: Page;
/** While true, B's socket receives no `event` frames (B's board goes stale). */
let holdEventsForB = false;

interface Deal {
  id: string;
  version: number;
  stage_id: string;
  title: string;
}

const card = (page: Page, stage: string, id: string) => page.locator(`[data-stage="${stage}"] [data-deal="${id}"]`);

async function openBoard(page: Page, email: string) {
  await signIn(page, 'demo', email, '/t/demo/pipeline');
  await page.locator('[data-testid="board"][data-live="true"]').waitFor({ timeout: 15_000 });
  await waitLive(page);
}

beforeAll(async () => {
  browser = await launch();
  ({ context: ctxA, page: pageA } = await newPage(browser));
  ({ context: ctxB, page: pageB } = await newPage(browser));
  // B's socket passes through the test, which can hold back events.
  await ctxB.routeWebSocket(/\/t\/demo\/ws/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    server.onMessage((m) => {
      const text = typeof m === 'string' ? m : m.toString();
      if (holdEventsForB && text.includes('"type":"event"')) return;
      ws.send(m);
    });
  });
  await Promise.all([openBoard(pageA, A), openBoard(pageB, B)]);
});

afterAll(async () => {
  await ctxA?.close();
  await ctxB?.close();
  await browser?.close();
});

/** Resolves with the time the deal's card shows in `stage` on `page`. */
const seenAt = (page: Page, stage: string, id: string) =>
  card(page, stage, id)
    .waitFor({ timeout: 5000 })
    .then(() => Date.now());

it("shows one person's drag-and-drop move on the other's board within 1 s", async () => {
  const first = pageA.locator('[data-stage="lead"] [data-testid="deal-card"]').first();
  const id = (await first.getAttribute('data-deal'))!;
  expect(await card(pageB, 'lead', id).count()).toBe(1);

  const t0 = Date.now();
  const seen = seenAt(pageB, 'qualified', id);
  // Dropped on the column's head: a column of many cards is taller than
  // the window, and its middle may be off screen.
  await first.dragTo(pageA.locator('[data-stage="qualified"]'), { targetPosition: { x: 30, y: 20 } });
  const elapsed = (await seen) - t0;
  console.log(`drag and drop: the other board showed the move after ${elapsed} ms`);
  expect(elapsed).toBeLessThan(1000);

  await card(pageA, 'qualified', id).waitFor();
  await expect.poll(() => pageB.getByTestId('board-announce').textContent()).toContain('by someone else');
  const stored = await api<Deal>('demo', A, 'GET', `/deals/${id}`);
  expect(stored.stage_id).toBe('qualified');
});

it('moves a deal with the keyboard, and the other person sees it within 1 s', async () => {
  const first = pageB.locator('[data-stage="offer"] [data-testid="deal-card"]').first();
  const id = (await first.getAttribute('data-deal'))!;
  const title = (await first.getAttribute('aria-label'))!;

  await pageB.getByRole('button', { name: `Move “${title}” to another stage` }).focus();
  await pageB.keyboard.press('Enter');
  const menu = pageB.getByRole('menu');
  await menu.waitFor();
  // Focus is on the first stage; walk down to "Negotiation".
  await expect.poll(() => pageB.evaluate(() => document.activeElement?.textContent)).toBe('Move to Lead');
  await pageB.keyboard.press('ArrowDown'); // Qualified
  await pageB.keyboard.press('ArrowDown'); // Negotiation (Offer sent is where it is)
  expect(await pageB.evaluate(() => document.activeElement?.textContent)).toBe('Move to Negotiation');
  const t0 = Date.now();
  const seen = seenAt(pageA, 'negotiation', id);
  await pageB.keyboard.press('Enter');
  const elapsed = (await seen) - t0;
  console.log(`keyboard move: the other board showed it after ${elapsed} ms`);
  expect(elapsed).toBeLessThan(1000);
  await card(pageB, 'negotiation', id).waitFor();
  // Focus went back to the card's Move button, not lost to the page.
  expect(await pageB.evaluate(() => document.activeElement?.getAttribute('aria-haspopup'))).toBe('menu');
});

it('shows a conflict instead of overwriting a move made meanwhile, and lets the person decide', async () => {
  const first = pageB.locator('[data-stage="won"] [data-testid="deal-card"]').first();
  const id = (await first.getAttribute('data-deal'))!;
  const title = (await first.getAttribute('aria-label'))!;

  // A moves the deal while B's board does not hear about it.
  holdEventsForB = true;
  const moved = pageA.waitForResponse((r) => r.url().endsWith(`/deals/${id}`) && r.request().method() === 'PATCH');
  await pageA.getByRole('button', { name: `Move “${title}” to another stage` }).click();
  await pageA.getByRole('menuitem', { name: 'Move to Lost' }).click();
  expect((await moved).status()).toBe(200);
  await card(pageB, 'won', id).waitFor(); // B still shows the old stage

  // B moves it too, based on the version B saw: the server refuses it.
  const refused = pageB.waitForResponse((r) => r.url().endsWith(`/deals/${id}`) && r.request().method() === 'PATCH');
  await pageB.getByRole('button', { name: `Move “${title}” to another stage` }).click();
  await pageB.getByRole('menuitem', { name: 'Move to Negotiation' }).click();
  const res = await refused;
  expect(res.status()).toBe(412);
  expect(((await res.json()) as { code: string }).code).toBe('version_conflict');

  const dialog = pageB.getByRole('alertdialog', { name: 'This deal was changed by someone else' });
  await dialog.waitFor();
  expect(await dialog.textContent()).toContain('is now in Lost');
  // Nothing was overwritten: the server still has A's move, and B's board shows it.
  expect((await api<Deal>('demo', A, 'GET', `/deals/${id}`)).stage_id).toBe('lost');
  await card(pageB, 'lost', id).waitFor();

  // B decides to apply their move on top of A's.
  holdEventsForB = false;
  const retried = pageB.waitForResponse((r) => r.url().endsWith(`/deals/${id}`) && r.request().method() === 'PATCH');
  await dialog.getByRole('button', { name: 'Move it to Negotiation anyway' }).click();
  expect((await retried).status()).toBe(200);
  await card(pageB, 'negotiation', id).waitFor();
  await card(pageA, 'negotiation', id).waitFor({ timeout: 1000 });
  expect((await api<Deal>('demo', A, 'GET', `/deals/${id}`)).stage_id).toBe('negotiation');
});

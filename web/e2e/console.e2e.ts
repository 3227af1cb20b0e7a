// The agent console against the real support engine, two agents of one
// team in two browser contexts:
// - one claims a ticket, and it leaves the other's live queue at once;
// - a claim that lost the race is told so (409), not shown as success;
// - each sees the other on the ticket, viewing and then editing;
// - a queue that routes offers one to the available agent, who accepts it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, launch, newPage, signIn, waitLive } from './helpers';
import { ADMIN, ensureUser, newTicket, queueByName, supportTeam, tag, type Ticket } from './support-data';

const A = 'agent@demo.example';
const B = 'agent2@demo.example';
let browser: Browser;
let ctxA: BrowserContext;
let ctxB: BrowserContext;
let pageA: Page;
let pageB: Page;
let queue: { id: string; name: string };
let team: string;
/** While true, B's socket gets no frames at all (B's queue goes stale). */
let holdB = false;

const row = (page: Page, id: string) => page.locator(`[data-testid="queue"] [data-ticket="${id}"]`);

async function openConsole(page: Page, email: string) {
  await signIn(page, 'demo', email, `/t/demo/console?queue=${queue.id}`);
  await page.locator(`[data-testid="queue"][data-queue="${queue.id}"][data-live="true"]`).waitFor({ timeout: 15_000 });
  await waitLive(page);
}

beforeAll(async () => {
  team = await supportTeam();
  await ensureUser(B, 'Bea Backup', 'staff', ['agent'], [team]);
  queue = await queueByName('Support');
  browser = await launch();
  ({ context: ctxA, page: pageA } = await newPage(browser));
  ({ context: ctxB, page: pageB } = await newPage(browser));
  await ctxB.routeWebSocket(/\/t\/demo\/ws/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    server.onMessage((m) => {
      const text = typeof m === 'string' ? m : m.toString();
      if (holdB && /"type":"(event|queue)"/.test(text)) return;
      ws.send(m);
    });
  });
  await Promise.all([openConsole(pageA, A), openConsole(pageB, B)]);
});

afterAll(async () => {
  await ctxA?.close();
  await ctxB?.close();
  await browser?.close();
});

it("takes a claimed ticket out of the other agent's queue, live", async () => {
  const subject = `Scanner offline ${tag()}`;
  const normal = await newTicket({ subject: `Toner low ${tag()}`, queue_id: queue.id, priority: 'normal' });
  const t = await newTicket({ subject, queue_id: queue.id, priority: 'urgent' });
  // It arrives in both queues without a reload: urgent goes above the
  // normal ticket made before it (other tests' urgent tickets may wait in
  // the same queue, so "above", not "first").
  await row(pageA, t.id).waitFor({ timeout: 5000 });
  await row(pageB, t.id).waitFor({ timeout: 5000 });
  await row(pageA, normal.id).waitFor({ timeout: 5000 });
  const order = await pageA.locator('[data-testid="queue"] [data-ticket]').evaluateAll((rows) =>
    rows.map((r) => r.getAttribute('data-ticket')),
  );
  expect(order.indexOf(t.id)).toBeLessThan(order.indexOf(normal.id));

  const t0 = Date.now();
  const gone = row(pageB, t.id).waitFor({ state: 'detached', timeout: 5000 }).then(() => Date.now());
  await pageA.getByRole('button', { name: `Claim “${subject}”` }).click();
  const elapsed = (await gone) - t0;
  console.log(`claim: the other agent's queue dropped the ticket after ${elapsed} ms`);
  expect(elapsed).toBeLessThan(2000);

  // A now works it: the ticket is open on A's side, assigned to A.
  await pageA.locator(`[data-testid="ticket"][data-ticket="${t.id}"]`).waitFor();
  await expect.poll(() => pageA.getByTestId('assignee').textContent()).toBe('You');
  await pageA.locator(`[data-testid="mine"] [data-ticket="${t.id}"]`).waitFor();
  await row(pageA, t.id).waitFor({ state: 'detached' });
  const stored = await api<Ticket & { assignee_id: string }>('demo', ADMIN, 'GET', `/tickets/${t.id}`);
  const me = await api<{ user: { id: string } }>('demo', A, 'GET', '/me');
  expect(stored.assignee_id).toBe(me.user.id);
});

it('tells the agent who lost a race for a ticket, and drops it from their queue', async () => {
  const subject = `Label printer jams ${tag()}`;
  const t = await newTicket({ subject, queue_id: queue.id, priority: 'high' });
  await row(pageB, t.id).waitFor({ timeout: 5000 });
  holdB = true; // B will not hear that A took it
  const claimed = pageA.waitForResponse((r) => r.url().endsWith(`/tickets/${t.id}/claim`));
  await pageA.getByRole('button', { name: `Claim “${subject}”` }).click();
  expect((await claimed).status()).toBe(200);
  await row(pageB, t.id).waitFor(); // still shown on B's stale queue

  const refused = pageB.waitForResponse((r) => r.url().endsWith(`/tickets/${t.id}/claim`));
  await pageB.getByRole('button', { name: `Claim “${subject}”` }).click();
  const res = await refused;
  expect(res.status()).toBe(409);
  expect(((await res.json()) as { code: string }).code).toBe('already_claimed');
  await pageB.getByText('Someone else took this ticket first.').waitFor();
  holdB = false;
  // The queue reads itself again after a refusal: the ticket is gone.
  await row(pageB, t.id).waitFor({ state: 'detached', timeout: 5000 });
});

it('shows who else has the ticket open, and who is writing', async () => {
  const subject = `Two agents, one ticket ${tag()}`;
  const t = await newTicket({ subject, queue_id: queue.id });
  await pageA.goto(`/t/demo/console/${t.id}?queue=${queue.id}`);
  await pageB.goto(`/t/demo/console/${t.id}?queue=${queue.id}`);
  await pageA.locator('[data-testid="presence"] [data-state="viewing"]', { hasText: 'Bea Backup' }).waitFor({ timeout: 10_000 });
  await pageB.locator('[data-testid="presence"] [data-state="viewing"]', { hasText: 'Alex Agent' }).waitFor({ timeout: 10_000 });

  await pageB.getByPlaceholder('Write a reply…').fill('Looking into it now.');
  await pageA.locator('[data-testid="presence"] [data-state="editing"]', { hasText: 'Bea Backup' }).waitFor({ timeout: 5000 });

  // B's public reply and A's internal note reach each other's thread live.
  await pageB.getByRole('button', { name: 'Send reply' }).click();
  await pageA.getByTestId('thread').getByText('Looking into it now.').waitFor({ timeout: 5000 });
  await pageA.getByLabel('Internal note').first().check();
  await pageA.getByPlaceholder('Only your colleagues see this note.').fill('Customer is on the premium plan.');
  await pageA.getByRole('button', { name: 'Add note' }).click();
  const note = pageB.locator('[data-testid="thread"] [data-internal="true"]', { hasText: 'premium plan' });
  await note.waitFor({ timeout: 5000 });
  // B stopped writing when the reply went out.
  await pageA.locator('[data-testid="presence"] [data-state="viewing"]', { hasText: 'Bea Backup' }).waitFor({ timeout: 5000 });
});

it('offers a ticket to the available agent of a routing queue, who accepts it', async () => {
  const me = await api<{ user: { id: string } }>('demo', A, 'GET', '/me');
  // Routing respects capacity, and A already works the demo's tickets.
  await api('demo', ADMIN, 'PATCH', `/agents/${me.user.id}`, { capacity: 100 });
  const routed = await api<{ id: string }>('demo', ADMIN, 'POST', '/queues', {
    name: `Routed ${tag()}`, team_id: team, routing: 'round_robin', agent_ids: [me.user.id], offer_timeout_secs: 120,
  });
  // A is online with a live socket (this page's): the queue may offer to A.
  await pageA.goto(`/t/demo/console?queue=${routed.id}`);
  await pageA.locator('[data-testid="availability"][data-status="online"]').waitFor();
  await waitLive(pageA);
  const subject = `Routed to you ${tag()}`;
  const t = await newTicket({ subject, queue_id: routed.id, priority: 'normal' });

  const offer = pageA.locator(`[data-testid="offers"] [data-ticket="${t.id}"]`);
  await offer.waitFor({ timeout: 10_000 });
  expect(await offer.getByRole('timer').textContent()).toMatch(/to answer/);
  await offer.getByRole('button', { name: `Accept the offer of “${subject}”` }).click();
  await pageA.locator(`[data-testid="ticket"][data-ticket="${t.id}"]`).waitFor();
  await expect.poll(() => pageA.getByTestId('assignee').textContent()).toBe('You');
  await offer.waitFor({ state: 'detached' });
  expect((await api<Ticket>('demo', ADMIN, 'GET', `/tickets/${t.id}`)).assignee_id).toBe(me.user.id);
});

// The console's ticket views (issue 15): all open, my team, unassigned,
// closed, with search and filters, live; a ticket opened from the console;
// colleagues by name, not "Another agent"; and the console's first load
// asks for the queue list once, not twice.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, launch, newPage, signIn, waitLive } from './helpers';
import { ADMIN, ensureUser, newTicket, queueByName, supportTeam, tag, type Ticket } from './support-data';

const AGENT = 'agent@demo.example';
const BEA = 'agent2@demo.example';

let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let run: string;
let team: string;
let queue: { id: string; name: string };
let beaId: string;
const made: Record<string, Ticket> = {};
/** Every API request the page made, as `METHOD path?query`. */
const requests: string[] = [];

beforeAll(async () => {
  run = tag();
  team = await supportTeam();
  beaId = await ensureUser(BEA, 'Bea Backup', 'staff', ['agent'], [team]);
  queue = await queueByName('Support');
  made.open = await newTicket({ subject: `Printer jam ${run}`, queue_id: queue.id, team_id: team, priority: 'high' });
  made.bea = await newTicket({ subject: `Invoice question ${run}`, team_id: team, assignee_id: beaId, priority: 'low' });
  made.closed = await newTicket({ subject: `Old login issue ${run}`, team_id: team, priority: 'normal' });
  await api('demo', ADMIN, 'PATCH', `/tickets/${made.closed.id}`, { status: 'closed' }).catch(async () => {
    // A workflow may want steps in between: walk them.
    for (const s of ['open', 'resolved', 'closed']) await api('demo', ADMIN, 'PATCH', `/tickets/${made.closed!.id}`, { status: s }).catch(() => undefined);
  });
  browser = await launch();
  ({ context: ctx, page } = await newPage(browser));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.includes('/api/v1/')) requests.push(`${r.method()} ${u.pathname.replace(/^.*\/api\/v1/, '')}${u.search}`);
  });
  await signIn(page, 'demo', AGENT, `/t/demo/console?queue=${queue.id}`);
  await page.locator(`[data-testid="queue"][data-queue="${queue.id}"][data-live="true"]`).waitFor({ timeout: 15_000 });
  await waitLive(page);
});

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
});

const rows = () => page.locator('[data-testid="ticket-views"] [data-ticket]');
const shown = async () => new Set(await rows().evaluateAll((els) => els.map((e) => e.getAttribute('data-ticket'))));

it('reads the queue list once when the console opens', async () => {
  await page.waitForTimeout(500);
  const queueLists = requests.filter((r) => /^GET \/queues(\?|$)/.test(r));
  expect(queueLists, requests.join('\n')).toHaveLength(1);
  expect(requests.filter((r) => /^GET \/users(\?|$)/.test(r)).length).toBeLessThanOrEqual(1);
  expect(requests.filter((r) => /^GET \/workflows\/tickets/.test(r))).toHaveLength(1);
});

it('shows unassigned, my team, all open and closed tickets', async () => {
  await page.getByRole('link', { name: 'Unassigned' }).click();
  await page.locator('[data-testid="ticket-views"][data-view="unassigned"]').waitFor();
  await rows().first().waitFor();
  let ids = await shown();
  expect(ids.has(made.open!.id)).toBe(true);
  expect(ids.has(made.bea!.id)).toBe(false);
  expect(ids.has(made.closed!.id)).toBe(false);

  await page.getByRole('link', { name: 'My team' }).click();
  await page.locator(`[data-testid="ticket-views"][data-view="team"] [data-ticket="${made.bea!.id}"]`).waitFor();
  ids = await shown();
  expect(ids.has(made.open!.id)).toBe(true);
  expect(ids.has(made.closed!.id)).toBe(false);
  // A colleague by name.
  expect(await rows().filter({ hasText: `Invoice question ${run}` }).getByTestId('row-assignee').textContent()).toBe('Bea Backup');

  await page.getByRole('link', { name: 'Closed' }).click();
  await page.locator(`[data-testid="ticket-views"][data-view="closed"] [data-ticket="${made.closed!.id}"]`).waitFor();
  ids = await shown();
  expect(ids.has(made.open!.id)).toBe(false);

  await page.getByRole('link', { name: 'All open' }).click();
  await page.locator(`[data-testid="ticket-views"][data-view="all"] [data-ticket="${made.bea!.id}"]`).waitFor();
  ids = await shown();
  expect(ids.has(made.open!.id)).toBe(true);
  expect(ids.has(made.closed!.id)).toBe(false);
});

it('searches with q= and filters by priority; a new match arrives live', async () => {
  const search = page.waitForRequest((r) => r.url().includes('/tickets?') && new URL(r.url()).searchParams.get('q') === run);
  await page.getByRole('searchbox', { name: 'Search tickets' }).fill(run);
  await search;
  await expect.poll(async () => [...(await shown())].sort()).toEqual([made.open!.id, made.bea!.id].sort());
  await page.getByRole('combobox', { name: 'Priority' }).selectOption('high');
  await expect.poll(async () => [...(await shown())]).toEqual([made.open!.id]);
  expect(page.url()).toContain('priority=high');
  const late = await newTicket({ subject: `Broken screen ${run}`, queue_id: queue.id, team_id: team, priority: 'high' });
  await page.locator(`[data-testid="ticket-views"] [data-ticket="${late.id}"]`).waitFor({ timeout: 5000 });
});

it('opens a ticket from the console', async () => {
  await page.getByRole('button', { name: 'New ticket' }).click();
  const dialog = page.getByRole('dialog', { name: 'New ticket' });
  await dialog.getByLabel('Subject').fill(`Phoned in ${run}`);
  await dialog.getByLabel('Description').fill('The customer called about a broken part.');
  await dialog.getByLabel('Priority').selectOption('urgent');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('heading', { level: 2, name: `Phoned in ${run}` }).waitFor();
  const found = await api<{ items: Ticket[] & { priority: string }[] }>('demo', ADMIN, 'GET', `/tickets?q=${encodeURIComponent(`Phoned in ${run}`)}`);
  expect(found.items).toHaveLength(1);
  expect((found.items[0] as unknown as { priority: string }).priority).toBe('urgent');
});

it("names a colleague outside the agent's team (from what they wrote), not 'Another agent'", async () => {
  const admin = (await api<{ items: { id: string; email: string }[] }>('demo', ADMIN, 'GET', '/users')).items.find((u) => u.email === ADMIN)!;
  const tk = await newTicket({ subject: `Escalated ${run}`, team_id: team, assignee_id: admin.id });
  await api('demo', ADMIN, 'POST', `/tickets/${tk.id}/comments`, { body: 'I am on it.', internal: true });
  await page.goto(`/t/demo/console/${tk.id}`);
  await page.getByTestId('ticket').waitFor();
  await expect.poll(() => page.getByTestId('assignee').textContent()).toBe('Demo Admin');
});

it('counts an SLA down in minutes and seconds when under an hour', async () => {
  // Around the clock (not business hours), so the clock runs whatever the day.
  const policy = await api<{ id: string }>('demo', ADMIN, 'POST', '/sla-policies', {
    name: `Always on ${run}`, business_hours: false, targets: { urgent: { first_response_mins: 30, resolution_mins: 240 } },
  });
  const q = await api<{ id: string }>('demo', ADMIN, 'POST', '/queues', { name: `Hotline ${run}`, sla_policy_id: policy.id, routing: 'manual' });
  const tk = await newTicket({ subject: `Counting down ${run}`, queue_id: q.id, team_id: team, priority: 'urgent' });
  await page.goto(`/t/demo/console?queue=${q.id}`);
  const badge = page.locator(`[data-testid="queue"] [data-ticket="${tk.id}"] [data-testid="sla"] [aria-hidden="true"]:not(.sla__dot)`);
  await badge.waitFor({ timeout: 10_000 });
  const first = (await badge.textContent()) ?? '';
  expect(first).toMatch(/^\d{1,2}m \d{2}s$/);
  await expect.poll(() => badge.textContent(), { timeout: 3000 }).not.toBe(first);
  // The words say it too, for screen readers.
  expect(await page.locator(`[data-testid="queue"] [data-ticket="${tk.id}"] [data-testid="sla"] .visually-hidden`).first().textContent()).toMatch(/First response: \d+m \d{2}s left/);
});

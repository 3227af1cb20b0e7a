// The ticket's customer and tags in the agent console (issue 15):
// - beside the ticket, the requester's name, e-mail, phone and company, and
//   their other tickets, newest first, with status; a field the role hides
//   does not show;
// - tags shown and edited on the ticket (PATCH with If-Match, only `tags`),
//   shown in the ticket list, and a tag filter in the views (`tags=`), live;
// - a ticket opened by its address reads the queue list, the contact and
//   the customer's tickets once each.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, launch, newPage, signIn, waitLive } from './helpers';
import { ADMIN, ensureUser, newTicket, queueByName, supportTeam, tag, type Ticket } from './support-data';

const AGENT = 'agent@demo.example';

let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let run: string;
let contact: { id: string; company_id: string };
let company: { id: string; name: string };
const made: Record<'old' | 'mid' | 'cur' | 'other', Ticket> = {} as never;
/** Every API request the agent's page made, as `METHOD path?query`. */
const requests: string[] = [];

const sidebar = () => page.getByTestId('customer');

beforeAll(async () => {
  run = tag();
  const team = await supportTeam();
  const queue = await queueByName('Support');
  company = (await api<{ items: { id: string; name: string }[] }>('demo', ADMIN, 'GET', '/companies?q=Maschinenbau')).items[0]!;
  contact = await api('demo', ADMIN, 'POST', '/contacts', {
    first_name: 'Clara', last_name: `Kunde ${run}`, email: `clara.${run}@example.com`, phone: '+49 40 123456', company_id: company.id,
  });
  const base = { queue_id: queue.id, team_id: team, requester_id: contact.id };
  made.old = await newTicket({ ...base, subject: `Old order ${run}` });
  for (const s of ['open', 'closed']) made.old = await api('demo', ADMIN, 'PATCH', `/tickets/${made.old.id}`, { status: s });
  made.mid = await newTicket({ ...base, subject: `Delivery late ${run}` });
  made.mid = await api('demo', ADMIN, 'PATCH', `/tickets/${made.mid.id}`, { status: 'open' });
  made.cur = await newTicket({ ...base, subject: `Broken part ${run}`, priority: 'high' });
  made.other = await newTicket({ queue_id: queue.id, team_id: team, subject: `Someone else ${run}` });

  browser = await launch();
  ({ context: ctx, page } = await newPage(browser));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.includes('/api/v1/')) requests.push(`${r.method()} ${u.pathname.replace(/^.*\/api\/v1/, '')}${u.search}`);
  });
  // Straight to the ticket, by its address.
  await signIn(page, 'demo', AGENT, `/t/demo/console/${made.cur.id}`);
  await page.locator(`[data-testid="ticket"][data-ticket="${made.cur.id}"]`).waitFor();
  await waitLive(page);
});

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
});

it("shows the customer beside the ticket: contact details, and their other tickets newest first with status", async () => {
  await sidebar().getByRole('link', { name: `Clara Kunde ${run}` }).waitFor();
  expect(await sidebar().getByRole('link', { name: `clara.${run}@example.com` }).getAttribute('href')).toBe(`mailto:clara.${run}@example.com`);
  expect(await sidebar().getByRole('link', { name: '+49 40 123456' }).getAttribute('href')).toBe('tel:+4940123456');
  await sidebar().getByRole('link', { name: company.name }).waitFor();

  const others = sidebar().getByTestId('customer-tickets').locator('li');
  await expect.poll(() => others.evaluateAll((li) => li.map((x) => x.getAttribute('data-ticket')))).toEqual([made.mid.id, made.old.id]);
  expect(await others.nth(0).textContent()).toContain('Open');
  expect(await others.nth(1).textContent()).toContain('Closed');

  // One of them opens in the console, with its own customer list.
  await others.nth(0).getByRole('link', { name: `Delivery late ${run}` }).click();
  await page.locator(`[data-testid="ticket"][data-ticket="${made.mid.id}"]`).waitFor();
  await expect.poll(() => sidebar().getByTestId('customer-tickets').locator('li').evaluateAll((li) => li.map((x) => x.getAttribute('data-ticket'))))
    .toEqual([made.cur.id, made.old.id]);
});

it('read the queue list once, and the customer once per ticket opened', async () => {
  // Counted over the first load (sign-in, then the ticket's address) and
  // the click above: two tickets of one customer were opened.
  const count = (re: RegExp) => requests.filter((r) => re.test(r)).length;
  expect(count(/^GET \/queues(\?|$)/), requests.join('\n')).toBe(1);
  expect(count(/^GET \/workflows\/tickets/)).toBe(1);
  // The second ticket's sidebar may still be loading: wait for its reads,
  // then make sure no third one follows.
  await expect.poll(() => count(new RegExp(`^GET /contacts/${contact.id}$`))).toBe(2);
  await expect.poll(() => count(new RegExp(`^GET /companies/${company.id}$`))).toBe(2);
  await expect.poll(() => count(new RegExp(`^GET /tickets\\?requester_id=${contact.id}`))).toBe(2);
  await page.waitForTimeout(300);
  expect(count(new RegExp(`^GET /contacts/${contact.id}$`))).toBe(2);
  expect(count(new RegExp(`^GET /companies/${company.id}$`))).toBe(2);
});

it('leaves out the contact fields a role hides', async () => {
  const agentRole = await api<{ grants: { permission: string; scope: string; hidden_fields: string[] }[] }>('demo', ADMIN, 'GET', '/roles/agent');
  const role = `discreet-${run}`;
  await api('demo', ADMIN, 'POST', '/roles', {
    name: role,
    description: 'Agent who may not see how to reach customers',
    grants: agentRole.grants.map((g) => (g.permission === 'contacts:read' ? { ...g, hidden_fields: ['email', 'phone'] } : g)),
  });
  const email = `discreet.${run}@demo.example`;
  await ensureUser(email, 'Dana Discreet', 'staff', [role], [await supportTeam()]);
  // What the server sends this role: no e-mail, no phone.
  const seen = await api<Record<string, unknown>>('demo', email, 'GET', `/contacts/${contact.id}`);
  expect(seen.email).toBeUndefined();
  expect(seen.phone).toBeUndefined();

  const { context, page: p } = await newPage(browser);
  try {
    await signIn(p, 'demo', email, `/t/demo/console/${made.cur.id}`);
    const card = p.getByTestId('customer');
    await card.getByRole('link', { name: `Clara Kunde ${run}` }).waitFor();
    await card.getByRole('link', { name: company.name }).waitFor();
    await card.getByTestId('customer-tickets').locator('li').first().waitFor();
    expect(await card.locator('[data-field="email"], [data-field="phone"]').count()).toBe(0);
    expect(await card.textContent()).not.toContain('example.com');
    expect(await card.textContent()).not.toContain('123456');
  } finally {
    await context.close();
  }
});

it('adds and removes tags on the ticket, sending only the tags with If-Match', async () => {
  await page.goto(`/t/demo/console/${made.cur.id}`);
  const editor = page.getByTestId('tag-editor');
  await editor.waitFor();
  const patches: { ifMatch?: string; body: unknown }[] = [];
  page.on('request', (r) => {
    if (r.method() === 'PATCH' && r.url().includes(`/tickets/${made.cur.id}`)) patches.push({ ifMatch: r.headers()['if-match'], body: r.postDataJSON() });
  });
  const before = await api<Ticket>('demo', ADMIN, 'GET', `/tickets/${made.cur.id}`);
  const vip = `vip-${run}`;
  await editor.getByRole('textbox', { name: 'Add a tag' }).fill(`${vip}, billing`);
  await editor.getByRole('button', { name: 'Add' }).click();
  await editor.locator(`[data-tag="${vip}"]`).waitFor();
  await editor.locator('[data-tag="billing"]').waitFor();
  expect(patches[0]).toEqual({ ifMatch: `"${before.version}"`, body: { tags: [vip, 'billing'] } });

  await editor.getByRole('button', { name: 'Remove tag “billing”' }).click();
  await editor.locator('[data-tag="billing"]').waitFor({ state: 'detached' });
  expect(patches[1]!.body).toEqual({ tags: [vip] });
  expect(patches[1]!.ifMatch).toBe(`"${before.version + 1}"`);
  await expect.poll(async () => (await api<{ tags?: string[] }>('demo', ADMIN, 'GET', `/tickets/${made.cur.id}`)).tags).toEqual([vip]);
});

it('shows tags in the ticket list and filters a view by tag, live', async () => {
  const vip = `vip-${run}`;
  await page.goto('/t/demo/console?view=all');
  const views = page.getByTestId('ticket-views');
  const rowOf = (id: string) => views.locator(`[data-ticket="${id}"]`);
  await rowOf(made.cur.id).waitFor();
  expect(await rowOf(made.cur.id).getByTestId('tags').textContent()).toBe(vip);
  await rowOf(made.other.id).waitFor();

  const asked = page.waitForRequest((r) => r.url().includes('/tickets?') && new URL(r.url()).searchParams.get('tags') === vip);
  await views.getByRole('combobox', { name: 'Tag' }).fill(vip);
  await views.getByRole('combobox', { name: 'Tag' }).press('Enter');
  await asked;
  const shown = () => views.locator('[data-ticket]').evaluateAll((els) => els.map((e) => e.getAttribute('data-ticket')));
  await expect.poll(shown).toEqual([made.cur.id]);
  expect(page.url()).toContain(`tag=${vip}`);

  // Tagged elsewhere: it joins the filtered view without a reload.
  await api('demo', ADMIN, 'PATCH', `/tickets/${made.other.id}`, { tags: [vip] });
  await rowOf(made.other.id).waitFor({ timeout: 5000 });
  expect(await rowOf(made.other.id).getByTestId('tags').textContent()).toBe(vip);
});

// The deal page and the board around it (issue 15): a card opens its deal;
// the page shows and edits every field (value, stage with probability,
// owner, contacts, company, expected close, a custom field) and a timeline
// of stage changes and activities; someone else's edit shows live; a deal
// is created from a stage's "+"; cards show owner, contact and the next
// open activity; the board filters by owner and text; the Move menu stays
// on a phone's screen and the Lost column is not cut off on a desktop.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, launch, newPage, signIn, waitLive } from './helpers';

const ADMIN = 'admin@demo.example';
const MANAGER = 'manager@demo.example';

interface Deal {
  id: string;
  version: number;
  title: string;
  stage_id: string;
  pipeline_id: string;
  amount?: number;
  owner_id?: string;
  contact_ids?: string[];
  company_id?: string;
  custom?: Record<string, unknown>;
}
interface Named {
  id: string;
  name?: string;
  first_name?: string;
  last_name?: string;
}

let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let mine: Deal;
let company: Named;
let contact: Named;
let pipelineId: string;

beforeAll(async () => {
  browser = await launch();
  ({ context: ctx, page } = await newPage(browser));
  await api('demo', ADMIN, 'POST', '/custom-fields', { kind: 'deal', key: 'source', label: 'Lead source', type: 'text', options: {} }).catch(() => undefined);
  company = (await api<{ items: Named[] }>('demo', ADMIN, 'GET', '/companies?limit=1&sort=name')).items[0]!;
  contact = (await api<{ items: Named[] }>('demo', ADMIN, 'GET', '/contacts?limit=1&sort=last_name')).items[0]!;
  const pipelines = await api<{ items: { id: string; name: string }[] }>('demo', ADMIN, 'GET', '/pipelines?sort=name');
  pipelineId = pipelines.items.find((p) => p.name === 'New business')!.id;
  mine = await api<Deal>('demo', ADMIN, 'POST', '/deals', {
    title: 'E2E Deal Page GmbH',
    amount: 4200,
    currency: 'EUR',
    pipeline_id: pipelineId,
    stage_id: 'lead',
    company_id: company.id,
    contact_ids: [contact.id],
    expected_close: '2027-06-30',
  });
  await signIn(page, 'demo', ADMIN, `/t/demo/pipeline/${pipelineId}`);
  await page.locator('[data-testid="board"][data-live="true"]').waitFor({ timeout: 15_000 });
});

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
});

it('opens a deal from its card and shows every field, with the stage history', async () => {
  await page.locator(`[data-deal="${mine.id}"] .card__meta`).click();
  await page.waitForURL(`**/t/demo/deals/${mine.id}`);
  const fields = page.getByTestId('deal-fields');
  await expect.poll(() => fields.locator('[data-field="amount"] dd').textContent()).toContain('4,200');
  // The stage's name needs the pipeline, which may come after the deal.
  await expect.poll(() => fields.locator('[data-field="stage_id"] dd').textContent()).toContain('Lead');
  expect(await fields.locator('[data-field="stage_id"] dd').textContent()).toContain('10 % probability');
  expect(await fields.locator('[data-field="owner_id"] dd').textContent()).toBe('Demo Admin');
  await expect.poll(() => fields.locator('[data-field="company_id"] a').textContent()).toBe(company.name);
  const contactName = [contact.first_name, contact.last_name].filter(Boolean).join(' ');
  await expect.poll(() => fields.locator('[data-field="contact_ids"] a').textContent()).toBe(contactName);
  expect(await fields.locator('[data-field="expected_close"] dd').textContent()).toContain('2027');
  await fields.locator('[data-field="custom.source"]').waitFor();
  await page.getByTestId('timeline').getByText('Created in Lead').waitFor();
  // The contact's name leads to the contact.
  expect(await fields.locator('[data-field="contact_ids"] a').getAttribute('href')).toBe(`/t/demo/contacts/${contact.id}`);
});

it('edits value, stage, owner and a custom field; sends only those, and the timeline shows the move', async () => {
  await page.getByRole('button', { name: 'Edit' }).click();
  const form = page.getByRole('form', { name: 'Edit deal' });
  await form.getByLabel('Amount').fill('9900');
  await form.getByLabel('Stage').selectOption('qualified');
  expect(await form.getByLabel('Stage').locator('option[value="qualified"]').textContent()).toBe('Qualified (25 %)');
  const sam = (await api<{ items: { id: string; name: string }[] }>('demo', ADMIN, 'GET', '/users')).items.find((u) => u.name === 'Sam Sales')!;
  await form.getByLabel('Owner').selectOption(sam.id);
  await form.getByLabel('Lead source').fill('Trade fair');
  const patch = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().includes(`/deals/${mine.id}`));
  await form.getByRole('button', { name: 'Save' }).click();
  const sent = JSON.parse((await patch).postData() ?? '{}') as Record<string, unknown>;
  expect(Object.keys(sent).sort()).toEqual(['amount', 'custom', 'owner_id', 'stage_id']);
  expect((await patch).headers()['if-match']).toBe(`"${mine.version}"`);
  const fields = page.getByTestId('deal-fields');
  await expect.poll(() => fields.locator('[data-field="amount"] dd').textContent()).toContain('9,900');
  expect(await fields.locator('[data-field="owner_id"] dd').textContent()).toBe('Sam Sales');
  expect(await fields.locator('[data-field="custom.source"] dd').textContent()).toBe('Trade fair');
  await page.getByTestId('timeline').getByText('Moved from Lead to Qualified').waitFor();
  const stored = await api<Deal>('demo', ADMIN, 'GET', `/deals/${mine.id}`);
  expect(stored.amount).toBe(9900);
  expect(stored.stage_id).toBe('qualified');
  expect(stored.owner_id).toBe(sam.id);
  expect(stored.custom?.source).toBe('Trade fair');
  mine = stored;
});

it("shows someone else's edit live", async () => {
  await waitLive(page);
  await page.waitForTimeout(300);
  const now = await api<Deal>('demo', MANAGER, 'GET', `/deals/${mine.id}`);
  await api('demo', MANAGER, 'PATCH', `/deals/${mine.id}`, { title: 'E2E Deal Page GmbH (renamed)' }, now.version);
  await page.getByRole('heading', { level: 1, name: 'E2E Deal Page GmbH (renamed)' }).waitFor({ timeout: 5000 });
  await page.getByText('This record was just changed by someone else.').waitFor();
});

it('moves the deal with one click on the stage bar', async () => {
  const bar = page.getByTestId('stage-bar');
  expect(await bar.getByRole('button', { name: 'Qualified' }).getAttribute('aria-current')).toBe('step');
  await bar.getByRole('button', { name: 'Negotiation' }).click();
  await expect.poll(() => bar.getByRole('button', { name: 'Negotiation' }).getAttribute('aria-current')).toBe('step');
  await page.getByTestId('timeline').getByText('Moved from Qualified to Negotiation').waitFor();
  expect((await api<Deal>('demo', ADMIN, 'GET', `/deals/${mine.id}`)).stage_id).toBe('negotiation');
});

it('adds a task with a due date and an assignee from the deal page', async () => {
  const form = page.getByRole('form', { name: 'Add activity' });
  await form.getByLabel('Type').selectOption('task');
  await form.getByLabel('Subject').fill('Call back about the offer');
  await form.getByLabel('Due').fill('2030-01-15T10:00');
  await form.getByRole('button', { name: 'Add activity' }).click();
  const entry = page.getByTestId('timeline').locator('[data-entry="activity"]', { hasText: 'Call back about the offer' });
  await entry.waitFor();
  expect(await entry.getByTestId('due').textContent()).toContain('2030');
  const acts = await api<{ items: { subject: string; related_kind: string; due_at: string; done: boolean }[] }>(
    'demo', ADMIN, 'GET', `/activities?related_id=${mine.id}`,
  );
  expect(acts.items).toHaveLength(1);
  expect(acts.items[0]).toMatchObject({ subject: 'Call back about the offer', related_kind: 'deal', done: false });
  expect(acts.items[0]!.due_at.startsWith('2030-01-15')).toBe(true);
});

it('shows owner, contact and the next open activity on the card', async () => {
  await page.getByRole('link', { name: 'New business' }).click();
  const card = page.locator(`[data-deal="${mine.id}"]`);
  await card.waitFor();
  await expect.poll(() => card.getByTestId('card-owner').textContent()).toContain('Sam Sales');
  const contactName = [contact.first_name, contact.last_name].filter(Boolean).join(' ');
  await expect.poll(() => card.getByTestId('card-contact').textContent()).toContain(contactName);
  await expect.poll(() => card.getByTestId('card-next').textContent()).toContain('Call back about the offer');
  expect(await card.getByTestId('card-next').textContent()).toContain('2030');
});

it('creates a deal from a stage\'s "+" and it lands in that column', async () => {
  await page.getByRole('button', { name: 'New deal in Offer sent' }).click();
  const dialog = page.getByRole('dialog', { name: 'New deal in Offer sent' });
  await dialog.getByLabel('Title').fill('E2E Board-made deal');
  await dialog.getByLabel('Amount').fill('1234');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await page.locator('[data-stage="offer"] [data-testid="deal-card"]', { hasText: 'E2E Board-made deal' }).waitFor();
  const found = await api<{ items: Deal[] }>('demo', ADMIN, 'GET', `/deals?q=${encodeURIComponent('Board-made')}`);
  expect(found.items).toHaveLength(1);
  expect(found.items[0]).toMatchObject({ stage_id: 'offer', amount: 1234, pipeline_id: pipelineId });
});

it('filters the board by owner and by text', async () => {
  const cards = page.locator('[data-testid="deal-card"]');
  const total = await cards.count();
  await page.getByLabel('Search deals').fill('Board-made');
  await expect.poll(() => cards.count()).toBe(1);
  expect(page.url()).toContain('q=Board-made');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect.poll(() => cards.count()).toBe(total);
  await page.getByRole('combobox', { name: 'Owner', exact: true }).selectOption({ label: 'Sam Sales' });
  await expect.poll(async () => (await cards.count()) < total).toBe(true);
  const owners = await page.locator('[data-testid="deal-card"] [data-testid="card-owner"]').allTextContents();
  expect(owners.length).toBeGreaterThan(0);
  expect(owners.every((o) => o.includes('Sam Sales'))).toBe(true);
  await page.getByRole('button', { name: 'Clear filters' }).click();
});

it('fits every column, Lost included, on a 1280 px screen', async () => {
  await page.setViewportSize({ width: 1280, height: 800 });
  const board = await page.getByTestId('board').boundingBox();
  const lost = await page.locator('[data-stage="lost"]').boundingBox();
  expect(lost!.x + lost!.width).toBeLessThanOrEqual(board!.x + board!.width + 1);
  expect(await page.getByTestId('board').evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
});

it('keeps the Move menu on a phone\'s screen', async () => {
  const { context, page: phone } = await newPage(browser, { phone: true });
  try {
    await signIn(phone, 'demo', ADMIN, `/t/demo/pipeline/${pipelineId}`);
    await phone.locator('[data-testid="board"][data-live="true"]').waitFor({ timeout: 15_000 });
    const card = phone.locator('[data-stage="lead"] [data-testid="deal-card"]').first();
    await card.getByRole('button', { name: /^Move/ }).click();
    const menu = phone.getByRole('menu');
    await menu.waitFor();
    const box = (await menu.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(box.y + box.height).toBeLessThanOrEqual(844);
    await phone.keyboard.press('Escape');
  } finally {
    await context.close();
  }
});

// The live dashboards against the real server: the figures on screen
// follow writes made elsewhere (here through the API) within seconds,
// without a reload, from `dashboard:<name>` frames.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, launch, newPage, signIn, waitLive } from './helpers';
import { ADMIN, newTicket, queueByName, tag } from './support-data';

let browser: Browser;
let context: BrowserContext;
let page: Page;

const kpi = async (id: string) => (await page.getByTestId(id).locator('.kpi__value').textContent())?.trim() ?? '';
const number = (s: string) => Number(s.replace(/[^\d-]/g, ''));
const bar = (key: string) => page.locator(`.bar[data-key="${key}"]`).first();

beforeAll(async () => {
  browser = await launch();
  ({ context, page } = await newPage(browser));
  await signIn(page, 'demo', ADMIN, '/t/demo/dashboards/support');
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

it('counts a new ticket on the support dashboard as it is written', async () => {
  await page.locator('[data-testid="dashboard"][data-live="true"]').waitFor({ timeout: 15_000 });
  await waitLive(page);
  const before = number(await kpi('kpi-open'));
  const urgent = Number(await bar('urgent').getAttribute('data-value'));
  const queue = await queueByName('Billing');

  const t0 = Date.now();
  await newTicket({ subject: `Dashboard probe ${tag()}`, queue_id: queue.id, priority: 'urgent' });
  await expect.poll(async () => number(await kpi('kpi-open')), { timeout: 5000, interval: 50 }).toBe(before + 1);
  console.log(`support dashboard: the new ticket was counted after ${Date.now() - t0} ms`);
  expect(Number(await bar('urgent').getAttribute('data-value'))).toBe(urgent + 1);
  // The trend line draws what this page has seen.
  expect(await page.locator('.chart--trend path').count()).toBe(1);
});

it('moves a won deal into this month’s figures on the sales dashboard', async () => {
  await page.getByRole('link', { name: 'Sales' }).click();
  await page.getByRole('heading', { name: 'Dashboards: Sales' }).waitFor();
  await page.locator('[data-testid="dashboard"][data-live="true"]').waitFor({ timeout: 15_000 });
  const wonHint = async () => number((await page.getByTestId('kpi-won').locator('.kpi__hint').textContent()) ?? '');
  const before = await wonHint();

  const pipelines = await api<{ items: { id: string; name: string }[] }>('demo', ADMIN, 'GET', '/pipelines?limit=50');
  const nb = pipelines.items.find((p) => p.name === 'New business')!;
  const deals = await api<{ items: { id: string; version: number; stage_id: string }[] }>('demo', ADMIN, 'GET', `/deals?pipeline_id=${nb.id}&limit=200`);
  const open = deals.items.find((d) => d.stage_id !== 'won' && d.stage_id !== 'lost')!;
  const t0 = Date.now();
  await api('demo', ADMIN, 'PATCH', `/deals/${open.id}`, { stage_id: 'won' }, open.version);
  await expect.poll(wonHint, { timeout: 5000, interval: 50 }).toBe(before + 1);
  console.log(`sales dashboard: the won deal was counted after ${Date.now() - t0} ms`);
});

// A home per role and one search across kinds (issue 15): an administrator
// lands on the overview (its figures are the API's), a sales person on the
// board (an agent's console home is in signed-out.e2e.ts); the search box
// finds contacts, companies, deals and tickets with `q=` and leads to them.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { api, launch, newPage, signIn } from './helpers';

const ADMIN = 'admin@demo.example';
const SALES = 'sales@demo.example';

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

async function countAll(path: string): Promise<number> {
  let n = 0;
  let cursor: string | null = null;
  do {
    const r: { items: unknown[]; next_cursor: string | null } = await api('demo', ADMIN, 'GET', `${path}?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    n += r.items.length;
    cursor = r.next_cursor;
  } while (cursor);
  return n;
}

it('lands an administrator on the overview, with the workspace’s figures', async () => {
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, 'demo', ADMIN);
    await page.waitForURL((u) => u.pathname === '/t/demo/overview');
    const contacts = await countAll('/contacts');
    await expect.poll(() => page.getByTestId('stat-contacts').locator('.stat__value').textContent()).toBe(contacts.toLocaleString('en-GB'));
    const users = (await api<{ items: { kind: string; status: string }[] }>('demo', ADMIN, 'GET', '/users')).items;
    const staff = users.filter((u) => u.kind === 'staff' && u.status !== 'disabled').length;
    expect(await page.getByTestId('stat-users').locator('.stat__value').textContent()).toBe(String(staff));
    await page.getByTestId('overview-queues').locator('tbody tr').first().waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).getAttribute('aria-current')).toBe('page');
  } finally {
    await context.close();
  }
});

it('lands a sales person on the board, without the overview', async () => {
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, 'demo', SALES);
    await page.waitForURL((u) => /^\/t\/demo\/pipeline\/[^/]+$/.test(u.pathname));
    await page.getByTestId('board').waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).count()).toBe(0);
  } finally {
    await context.close();
  }
});

it('searches contacts, companies, deals and tickets at once, and opens a hit', async () => {
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, 'demo', ADMIN);
    const asked: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.searchParams.get('q') === 'Müller') asked.push(u.pathname.replace(/^.*\/api\/v1\//, ''));
    });
    await page.getByRole('searchbox', { name: 'Search everything' }).fill('Müller');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === '/t/demo/search');
    await page.getByRole('heading', { level: 1, name: 'Results for “Müller”' }).waitFor();
    const search = page.getByTestId('search');
    await search.locator('[data-kind="companies"] a').first().waitFor();
    await search.locator('[data-kind="deals"] a').first().waitFor();
    expect(asked.sort()).toEqual(['companies', 'contacts', 'deals', 'tickets']);
    const deal = search.locator('[data-kind="deals"] a').first();
    const title = (await deal.textContent())!;
    await deal.click();
    await page.waitForURL((u) => u.pathname.startsWith('/t/demo/deals/'));
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    // Back returns to the results.
    await page.goBack();
    await search.locator('[data-kind="deals"] a').first().waitFor();
  } finally {
    await context.close();
  }
});

it('fits the overview and the search on a phone', async () => {
  const { context, page } = await newPage(browser, { phone: true });
  try {
    await signIn(page, 'demo', ADMIN);
    await page.waitForURL((u) => u.pathname === '/t/demo/overview');
    await page.getByTestId('stat-contacts').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('searchbox', { name: 'Search everything' }).fill('Müller');
    await page.keyboard.press('Enter');
    await page.getByTestId('search').locator('[data-kind="companies"] a').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  } finally {
    await context.close();
  }
});

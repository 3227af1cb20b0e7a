// Dashboards only for those the server lets see them (issue 15): a board
// sums up records and fields, so it needs them all (scope `all`, none of
// the summed fields hidden). Sales people see the sales board only; an
// agent (tickets of their team only) sees none, and no "Dashboards" link,
// and an address of a board they may not see explains why.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { apiResponse, launch, newPage, signIn } from './helpers';

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

it('shows a sales person the sales board only (the server agrees)', async () => {
  expect((await apiResponse('demo', 'sales@demo.example', 'GET', '/dashboards/sales')).status).toBe(200);
  expect((await apiResponse('demo', 'sales@demo.example', 'GET', '/dashboards/support')).status).toBe(403);
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, 'demo', 'sales@demo.example', '/t/demo/dashboards');
    await page.locator('[data-testid="dashboard"]').waitFor();
    const tabs = page.getByRole('navigation', { name: 'Dashboards' }).getByRole('link');
    expect(await tabs.allTextContents()).toEqual(['Sales']);
    expect(new URL(page.url()).pathname).toBe('/t/demo/dashboards');
    await page.getByRole('heading', { level: 1, name: 'Dashboards: Sales' }).waitFor();
    await page.goto('/t/demo/dashboards/support');
    await page.getByTestId('dashboard-forbidden').getByText('You may not see this dashboard').waitFor();
  } finally {
    await context.close();
  }
});

it('hides "Dashboards" from an agent who may see no board, and explains a board\'s address', async () => {
  expect((await apiResponse('demo', 'agent@demo.example', 'GET', '/dashboards/support')).status).toBe(403);
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, 'demo', 'agent@demo.example', '/t/demo/dashboards/support');
    await page.getByTestId('dashboard-forbidden').waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Agent console' }).waitFor();
    // Until /me arrives every area is offered (offline, nothing cached, the
    // views show what they can); once it has, Dashboards must go.
    await expect.poll(() => nav.getByRole('link', { name: 'Dashboards' }).count()).toBe(0);
  } finally {
    await context.close();
  }
});

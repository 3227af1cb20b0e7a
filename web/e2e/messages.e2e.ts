// What the app says when things go wrong or change under it (issue 15):
// an unknown workspace; a session that ended by itself; a live connection
// that is reconnecting (with "retry now"); a feature switched off while
// its page is open (the server ends its subscriptions: the navigation
// drops it at once, with a notice, and the page says so).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { inject } from 'vitest';
import { apiResponse, launch, newPage, signIn, waitLive } from './helpers';

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

it('says so when a workspace does not exist', async () => {
  const { context, page } = await newPage(browser);
  try {
    await page.goto('/t/no-such-workspace/contacts');
    await page.getByRole('heading', { level: 1, name: 'Workspace not found' }).waitFor({ timeout: 10_000 });
    await page.getByText('There is no workspace at “no-such-workspace”').waitFor();
    expect(await page.getByRole('link', { name: 'Choose a workspace' }).getAttribute('href')).toBe('/?choose');
  } finally {
    await context.close();
  }
});

it('asks to sign in again when the session can no longer be refreshed', async () => {
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, 'demo', 'sales@demo.example', '/t/demo/contacts');
    await page.locator('table tbody tr').first().waitFor();
    // The access token runs out and the refresh token is no good any more
    // (revoked elsewhere): the next call cannot be made.
    await page.evaluate(() => {
      const key = 'mandant:session:demo';
      const s = JSON.parse(localStorage.getItem(key)!) as Record<string, unknown>;
      localStorage.setItem(key, JSON.stringify({ ...s, access_token: 'expired', refresh_token: 'revoked-elsewhere', expires_at: 0 }));
    });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Companies' }).click();
    await page.getByText('Your session has expired. Please sign in again.').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/t/demo/login');
  } finally {
    await context.close();
  }
});

it('offers "Retry now" while the live connection reconnects', async () => {
  const { context, page } = await newPage(browser);
  let block = false;
  const open: { close(): Promise<void> }[] = [];
  await context.routeWebSocket(/\/t\/demo\/ws/, (ws) => {
    if (block) {
      void ws.close({ code: 1011, reason: 'test: down' });
      return;
    }
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    server.onMessage((m) => ws.send(m));
    open.push(ws);
  });
  try {
    await signIn(page, 'demo', 'sales@demo.example', '/t/demo/contacts');
    await waitLive(page);
    block = true;
    await Promise.all(open.map((w) => w.close()));
    await page.locator('[data-testid="connection"][data-state="reconnecting"]').waitFor({ timeout: 10_000 });
    const retry = page.getByRole('button', { name: 'Retry now' });
    await retry.waitFor();
    // Let the backoff grow, so that only the button can explain a quick return.
    await expect
      .poll(async () => Number(/in (\d+) s/.exec((await page.getByTestId('connection').textContent()) ?? '')?.[1] ?? 0), { timeout: 30_000 })
      .toBeGreaterThanOrEqual(3);
    block = false;
    const t0 = Date.now();
    await retry.click();
    await waitLive(page);
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(await retry.count()).toBe(0);
  } finally {
    await context.close();
  }
});

it('drops a feature switched off while its page is open, and says so', async () => {
  const second = inject('secondTenant');
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, second.slug, second.email, `/t/${second.slug}/console`);
    await page.locator('[data-testid="queue"], .console').first().waitFor();
    await waitLive(page);
    await page.waitForTimeout(500);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Agent console' }).count()).toBe(1);
    const t0 = Date.now();
    const off = await apiResponse(second.slug, second.email, 'PUT', '/settings/features', { features: { support: false } });
    expect(off.status).toBe(200);
    await page.getByTestId('feature-notice').getByText('Support switched off by an administrator.').waitFor({ timeout: 5000 });
    console.log(`feature switched off: the navigation followed after ${Date.now() - t0} ms`);
    expect(await nav.getByRole('link', { name: 'Agent console' }).count()).toBe(0);
    await page.getByTestId('feature-off').getByText('This part of the workspace (Support) was switched off by an administrator.').waitFor();
  } finally {
    await apiResponse(second.slug, second.email, 'PUT', '/settings/features', { features: { support: true } });
    await context.close();
  }
});

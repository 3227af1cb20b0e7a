// The app under the server's Content-Security-Policy: every app response
// carries a strict policy (no inline script, no eval, same-origin
// everything, not framed), and signing in and using the main views breaks
// none of its rules: no `securitypolicyviolation` event, no console report.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, newPage, password } from './helpers';

// The policy (the server's src/http/web_app.rs CSP; web/README.md):
// default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';
// img-src 'self' data: blob: https: (https: only for a tenant's logo URL);
// font-src 'self' data:; connect-src 'self' ws: wss:; worker-src 'self';
// manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self';
// frame-ancestors 'none'; and X-Frame-Options: DENY.

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

declare global {
  interface Window {
    __cspViolations?: string[];
    __reportCspViolation?: (v: string) => void;
  }
}

it('is served with a Content-Security-Policy and breaks none of its rules', async () => {
  const { context, page } = await newPage(browser);
  // Reported to the test as they happen, so a page load loses none; the
  // page keeps its own list too (window.__cspViolations).
  const violations: string[] = [];
  await context.exposeBinding('__reportCspViolation', (_source, v: string) => void violations.push(v));
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      const v = `${e.effectiveDirective}: ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber}) ${e.sample}`;
      window.__cspViolations?.push(v);
      window.__reportCspViolation?.(v);
    });
  });
  const reports: string[] = [];
  page.on('console', (m) => {
    if (/content.security.policy/i.test(m.text())) reports.push(m.text());
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  // (a) The policy is on the page's own response (index.html for a tenant route).
  const res = await page.goto('/t/demo');
  const headers = res?.headers() ?? {};
  expect.soft(headers['content-security-policy'] ?? '(no content-security-policy header)').toContain("frame-ancestors 'none'");
  expect.soft(headers['x-frame-options'] ?? '(no x-frame-options header)').toMatch(/^deny$/i);

  // (b) Sign in and use the main views, as a person would.
  await page.getByRole('heading', { name: 'Sign in to Demo GmbH' }).waitFor();
  await page.getByLabel('E-mail').fill('admin@demo.example');
  await page.getByLabel('Password').fill(password());
  await page.getByRole('button', { name: 'Sign in' }).click();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.waitFor();
  // An administrator's home: the overview; then the board.
  await page.getByTestId('overview').waitFor({ timeout: 15_000 });
  await nav.getByRole('link', { name: 'Pipeline' }).click();
  await page.locator('[data-testid="board"][data-live="true"]').waitFor({ timeout: 15_000 });
  // Through the app's own links (no page load) ...
  await nav.getByRole('link', { name: 'Contacts' }).click();
  await page.locator('table tbody tr').first().waitFor({ timeout: 15_000 });
  await page.locator('table tbody tr a').first().click();
  await page.locator('.timeline__item').first().waitFor({ timeout: 15_000 });
  await nav.getByRole('link', { name: 'Agent console' }).click();
  await page.locator('[data-testid="queue"][data-live="true"]').waitFor({ timeout: 15_000 });
  await nav.getByRole('link', { name: 'Dashboards' }).click();
  await page.locator('[data-testid="dashboard"][data-live="true"]').waitFor({ timeout: 15_000 });
  // ... and as page loads (then through the service worker, with the policy of its answers).
  for (const [path, ready] of [
    ['/t/demo/pipeline', '[data-testid="board"][data-live="true"]'],
    ['/t/demo/contacts', 'table tbody tr'],
    ['/t/demo/console', '[data-testid="queue"][data-live="true"]'],
    ['/t/demo/dashboards/support', '[data-testid="dashboard"][data-live="true"]'],
    ['/t/demo/dashboards/sales', '[data-testid="dashboard"][data-live="true"]'],
    ['/t/demo/admin', '.admin-card'],
  ] as const) {
    await page.goto(path);
    await page.locator(ready).first().waitFor({ timeout: 15_000 });
  }
  // Reports are queued as tasks: give the last ones time to arrive.
  await page.waitForTimeout(500);
  violations.push(...((await page.evaluate(() => window.__cspViolations ?? [])).filter((v) => !violations.includes(v))));

  expect(violations).toEqual([]);
  expect(reports).toEqual([]);
  expect(errors).toEqual([]);
  await context.close();
});

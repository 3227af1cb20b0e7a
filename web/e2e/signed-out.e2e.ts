// Opening the app signed out (issue 15): whatever address a person opens,
// the URL the server prints, a deep link, `/` with a remembered workspace,
// or the installed app offline, the sign-in page is drawn at once, without
// a reload, and signing in lands on the address that was opened. Each case
// starts in a fresh browser context: no session, no service worker.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startGate, type Gate } from './gate';
import { appUrl, launch, newPage, password } from './helpers';

const HEADING = 'Sign in to Demo GmbH';
// Drawn at once in practice; generous for a busy two-core machine, and
// still short of forever (the old router left the page blank until a reload).
const SOON = 10_000;
// Spread over the demo's people: the server throttles logins per account.
const ADMIN = 'admin@demo.example';
const MANAGER = 'manager@demo.example';
const SALES = 'sales@demo.example';
const AGENT = 'agent@demo.example';

let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
});

interface Watched {
  context: BrowserContext;
  page: Page;
  /** Documents the tab loaded (a reload would be one more). */
  documents: string[];
  /** Uncaught errors on the page. */
  errors: string[];
}

async function freshPage(opts: { baseURL?: string; rememberDemo?: boolean } = {}): Promise<Watched> {
  const { context, page } = await newPage(browser, { baseURL: opts.baseURL });
  contexts.push(context);
  if (opts.rememberDemo) {
    // A returning person: the app remembered their last workspace.
    await context.addInitScript(() => {
      if (!localStorage.getItem('mandant:recent-tenants')) localStorage.setItem('mandant:recent-tenants', '["demo"]');
    });
  }
  const documents: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) documents.push(new URL(r.url()).pathname);
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { context, page, documents, errors };
}

/** What a person sees: the tenant's sign-in heading and the e-mail field. */
async function expectSignInForm(page: Page) {
  await page.getByRole('heading', { name: HEADING }).waitFor({ state: 'visible', timeout: SOON });
  await page.getByLabel('E-mail').waitFor({ state: 'visible', timeout: SOON });
  expect(await page.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(true);
}

async function signInHere(page: Page, email: string) {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password());
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: 15_000 });
}

const loginUrl = (next: string) => `/t/demo/login?next=${encodeURIComponent(next)}`;
const here = (page: Page) => {
  const u = new URL(page.url());
  return u.pathname + u.search;
};

interface DeepLink {
  path: string;
  email: string;
  /** Where signing in must end up (a view may add to the address, e.g. the pipeline's id). */
  lands: RegExp;
  /** Something only that view shows. */
  view: string;
}

const DEEP_LINKS: DeepLink[] = [
  // What `mandant serve` prints; home depends on the role: an admin's is the overview.
  { path: '/t/demo', email: ADMIN, lands: /^\/t\/demo\/overview$/, view: '[data-testid="overview"]' },
  { path: '/t/demo/contacts', email: MANAGER, lands: /^\/t\/demo\/contacts$/, view: 'table tbody tr' },
  { path: '/t/demo/contacts?q=Weber', email: SALES, lands: /^\/t\/demo\/contacts\?q=Weber$/, view: 'table tbody tr' },
  { path: '/t/demo/pipeline', email: SALES, lands: /^\/t\/demo\/pipeline\/[^/?]+$/, view: '[data-testid="board"]' },
  { path: '/t/demo/console', email: AGENT, lands: /^\/t\/demo\/console(\?queue=[^&]+)?$/, view: '[data-testid="queue"]' },
  { path: '/t/demo/dashboards/support', email: ADMIN, lands: /^\/t\/demo\/dashboards\/support$/, view: '[data-testid="dashboard"]' },
];

it.each(DEEP_LINKS)('shows the sign-in form at once for $path, and signing in lands there', async ({ path, email, lands, view }) => {
  const { page, documents, errors } = await freshPage();
  await page.goto(path);
  await expectSignInForm(page);
  expect(here(page)).toBe(loginUrl(path));
  // The same document: drawn without a reload.
  expect(documents).toEqual([new URL(path, 'http://x').pathname]);

  await signInHere(page, email);
  await page.waitForURL((u) => lands.test(u.pathname + u.search), { timeout: SOON });
  await page.locator(view).first().waitFor({ timeout: 15_000 });
  expect(documents).toHaveLength(1);
  expect(errors).toEqual([]);
});

it('at `/` for a returning person, goes to their workspace and shows its sign-in form', async () => {
  const { page, documents, errors } = await freshPage({ rememberDemo: true });
  await page.goto('/');
  await expectSignInForm(page);
  expect(here(page)).toBe(loginUrl('/t/demo/'));
  // `/`, then the workspace (a full load on purpose: its branding applies first); no reload.
  expect(documents).toEqual(['/', '/t/demo/']);

  await signInHere(page, MANAGER);
  // Home: the manager's first area.
  await page.waitForURL((u) => /^\/t\/demo\/pipeline\/[^/?]+$/.test(u.pathname), { timeout: SOON });
  await page.locator('[data-testid="board"]').waitFor({ timeout: 15_000 });
  expect(errors).toEqual([]);
});

it('at `/` for a new person, asks for the workspace, then shows its sign-in form', async () => {
  const { page, documents, errors } = await freshPage();
  await page.goto('/');
  await page.getByRole('heading', { name: 'Choose your workspace' }).waitFor({ timeout: SOON });
  await page.getByLabel('Workspace address').fill('demo');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expectSignInForm(page);
  expect(here(page)).toBe(loginUrl('/t/demo/'));
  expect(documents).toEqual(['/', '/t/demo/']);

  await signInHere(page, AGENT);
  // Home: an agent's is the console (issue 15: a home per role).
  await page.waitForURL((u) => u.pathname === '/t/demo/console', { timeout: SOON });
  await page.locator('[data-testid="queue"]').waitFor({ timeout: 15_000 });
  expect(errors).toEqual([]);
});

it('the installed app started offline and signed out shows the sign-in form and says it is offline', async () => {
  let gate: Gate | null = null;
  try {
    gate = await startGate(appUrl());
    const { context, page, errors } = await freshPage({ baseURL: gate.url });
    // First visit, online: the service worker installs and takes the page.
    await page.goto('/t/demo/login');
    await expectSignInForm(page);
    await page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 15_000 });

    // Offline for real: the gate refuses connections (the worker's own
    // fetches too, which setOffline does not reach), and the page knows.
    gate.setOpen(false);
    await context.setOffline(true);
    const start = await context.newPage();
    start.on('pageerror', (e) => errors.push(String(e)));
    await start.goto('/t/demo');
    await expectSignInForm(start);
    expect(here(start)).toBe(loginUrl('/t/demo'));
    await start.getByText('You are offline. Signing in needs a connection to the server.').waitFor({ timeout: SOON });
    expect((await start.locator('body').innerText()).trim()).not.toBe('');

    // Back online: the notice goes, and signing in lands in the workspace.
    gate.setOpen(true);
    await context.setOffline(false);
    await start.getByText('You are offline.', { exact: false }).waitFor({ state: 'detached', timeout: SOON });
    await signInHere(start, MANAGER);
    await start.waitForURL((u) => /^\/t\/demo\/pipeline\/[^/?]+$/.test(u.pathname), { timeout: SOON });
    expect(errors).toEqual([]);
  } finally {
    await gate?.close();
  }
});

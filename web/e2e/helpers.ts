// What every end-to-end test needs: a browser, signed-in pages, and direct
// API calls to check what the server really holds.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { CHROMIUM } from './env';

export const appUrl = () => inject('appUrl');
export const serverUrl = () => inject('serverUrl');
export const password = () => inject('password');

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

export async function newPage(browser: Browser, opts: { baseURL?: string; phone?: boolean; locale?: string } = {}) {
  const context: BrowserContext = await browser.newContext({
    baseURL: opts.baseURL ?? appUrl(),
    viewport: opts.phone ? { width: 390, height: 844 } : { width: 1280, height: 860 },
    locale: opts.locale ?? 'en-GB',
    serviceWorkers: 'allow',
  });
  const page = await context.newPage();
  return { context, page };
}

const SIGN_IN = {
  en: { email: 'E-mail', password: 'Password', submit: 'Sign in', nav: 'Main' },
  de: { email: 'E-Mail', password: 'Passwort', submit: 'Anmelden', nav: 'Hauptnavigation' },
};

/** Signs in through the login form (in the page's language) and waits for the app shell. */
export async function signIn(page: Page, tenant: string, email: string, next = '', lang: 'en' | 'de' = 'en') {
  const l = SIGN_IN[lang];
  await page.goto(`/t/${tenant}/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  await page.getByLabel(l.email).fill(email);
  await page.getByLabel(l.password).fill(password());
  await page.getByRole('button', { name: l.submit }).click();
  // Attached, not visible: on a phone the navigation hides behind the menu button.
  await page.locator(`nav[aria-label="${l.nav}"]`).waitFor({ state: 'attached' });
}

/** The live connection is up (subscriptions are being made). */
export async function waitLive(page: Page) {
  await page.locator('[data-testid="connection"][data-state="open"]').waitFor({ timeout: 15_000 });
}

// One sign-in per person: the server throttles repeated logins.
const tokens = new Map<string, Promise<string>>();

function token(tenant: string, email: string): Promise<string> {
  const key = `${tenant}/${email}`;
  let t = tokens.get(key);
  if (!t) {
    t = fetch(`${serverUrl()}/t/${tenant}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: password() }),
    }).then(async (r) => {
      if (!r.ok) throw new Error(`login ${email}: ${r.status} ${await r.text()}`);
      return ((await r.json()) as { access_token: string }).access_token;
    });
    tokens.set(key, t);
  }
  return t;
}

/** The raw answer of the tenant API to `email`'s call. */
export async function apiResponse(tenant: string, email: string, method: string, path: string, body?: unknown, ifMatch?: number) {
  const access_token = await token(tenant, email);
  const headers: Record<string, string> = { authorization: `Bearer ${access_token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (ifMatch !== undefined) headers['if-match'] = `"${ifMatch}"`;
  return fetch(`${serverUrl()}/t/${tenant}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Calls the tenant API directly, as `email`: what the server really holds. */
export async function api<T>(tenant: string, email: string, method: string, path: string, body?: unknown, ifMatch?: number) {
  const res = await apiResponse(tenant, email, method, path, body, ifMatch);
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Sends raw bytes (a file upload: the body is the file) to the tenant API as `email`. */
export async function apiUpload(tenant: string, email: string, path: string, bytes: Buffer, type: string) {
  const access_token = await token(tenant, email);
  return fetch(`${serverUrl()}/t/${tenant}/api/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${access_token}`, 'content-type': type },
    body: new Blob([new Uint8Array(bytes)]),
  });
}

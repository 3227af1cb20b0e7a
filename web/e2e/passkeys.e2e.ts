// Passkeys from end to end, with Chromium's virtual authenticator (the
// DevTools protocol's WebAuthn domain: a platform authenticator that
// holds discoverable credentials and verifies its user without asking).
// A person of their own (so no other test meets a second factor):
// - adds a passkey on their account page and finds it listed;
// - signs out, and signs in again with "Sign in with a passkey" alone;
// - with the passkey enrolled, a password sign-in asks for the second
//   factor, and "Use your passkey" gives it;
// - removes the passkey; the password alone signs in again.
//
// WebAuthn refuses an IP address as the relying party: for a public URL
// of http://127.0.0.1:PORT the server's party is `localhost` and its
// origin http://localhost:PORT, so the app is opened there. That is only
// the server's own origin when the server serves the app (not vite
// preview, on another port).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { appUrl, launch, newPage, password, serverUrl } from './helpers';
import { ensureUser, tag } from './support-data';

const EMAIL = `passkey.${tag()}@demo.example`;
const NAME = 'Pia Passkey';
const KEY = 'E2E laptop';

let browser: Browser;
let context: BrowserContext;
let page: Page;
let cdp: CDPSession;
let authenticatorId: string;

/** The app at `localhost` instead of 127.0.0.1: the origin the server's relying party expects. */
function localhostApp(): string {
  const app = new URL(appUrl());
  const server = new URL(serverUrl());
  if (app.port !== server.port) {
    throw new Error(`the app is served at ${appUrl()}, not by the server (${serverUrl()}): passkeys expect the server's own origin`);
  }
  app.hostname = 'localhost';
  return app.origin;
}

beforeAll(async () => {
  await ensureUser(EMAIL, NAME, 'staff', ['sales']);
  browser = await launch();
  ({ context, page } = await newPage(browser, { baseURL: localhostApp() }));
  cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  }));
});

afterAll(async () => {
  if (authenticatorId) await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId }).catch(() => undefined);
  await context?.close();
  await browser?.close();
});

const nav = () => page.locator('nav[aria-label="Main"]');

/** The tenant API as the page's own session sees it. */
function asPage<T>(path: string): Promise<{ status: number; body: T }> {
  return page.evaluate(async (p) => {
    const s = JSON.parse(localStorage.getItem('mandant:session:demo') ?? 'null') as { access_token: string } | null;
    const r = await fetch(`/t/demo/api/v1${p}`, { headers: s ? { authorization: `Bearer ${s.access_token}` } : {} });
    return { status: r.status, body: (await r.json()) as T };
  }, path);
}

/** A password sign-in straight at the server (no browser): its status and code. */
async function passwordLogin(): Promise<{ status: number; code?: string; passkey?: unknown }> {
  const r = await fetch(`${serverUrl()}/t/demo/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: password() }),
  });
  const body = (await r.json()) as { code?: string; passkey?: unknown };
  return { status: r.status, code: body.code, passkey: body.passkey };
}

async function signOut() {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: /^Sign in to / }).waitFor();
}

async function typePassword() {
  await page.getByLabel('E-mail').fill(EMAIL);
  await page.getByLabel('Password').fill(password());
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

it('adds a passkey on the account page and lists it', async () => {
  await page.goto('/t/demo/login');
  await typePassword();
  await nav().waitFor({ state: 'attached' });
  // The person's name in the top bar leads to their own page.
  await page.locator(`.topbar__user[title="${EMAIL}"]`).click();
  await page.waitForURL(/\/t\/demo\/account$/);
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  const panel = page.getByTestId('passkeys');
  await panel.getByText('You have no passkey yet.').waitFor();

  await panel.getByRole('button', { name: 'Add a passkey' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add a passkey' });
  // Offered: this browser and its system.
  expect(await dialog.getByLabel('Name').inputValue()).toBe('Chrome on Linux');
  await dialog.getByLabel('Name').fill(KEY);
  await dialog.getByRole('button', { name: 'Continue' }).click();

  await panel.getByText(`Passkey “${KEY}” added.`).waitFor();
  const row = panel.getByTestId('passkey-row');
  expect(await row.count()).toBe(1);
  expect(await row.getByRole('cell').first().textContent()).toBe(KEY);
  expect(await row.getByRole('cell').nth(2).textContent()).toBe('Never');

  // The authenticator holds it, and the server lists it under its name.
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  expect(credentials).toHaveLength(1);
  // Kept by the authenticator itself: it can answer a sign-in that names nobody.
  expect(credentials[0]?.isResidentCredential).toBe(true);
  const mine = await asPage<{ items: { name: string; last_used_at: string | null }[] }>('/me/passkeys');
  expect(mine.status).toBe(200);
  expect(mine.body.items.map((p) => [p.name, p.last_used_at])).toEqual([[KEY, null]]);
});

it('signs out, then signs in with the passkey alone (no password)', async () => {
  await signOut();
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await nav().waitFor({ state: 'attached' });
  await page.locator(`.topbar__user[title="${EMAIL}"]`).waitFor({ state: 'attached' });
  // Nothing was typed.
  expect(await page.getByLabel('Password').count()).toBe(0);

  const mine = await asPage<{ items: { last_used_at: string | null }[] }>('/me/passkeys');
  expect(mine.body.items[0]?.last_used_at).toBeTruthy();
});

it('with the passkey enrolled, a password sign-in asks for the second factor, which the passkey gives', async () => {
  // The server asks for it, with a challenge for the passkey.
  const first = await passwordLogin();
  expect(first).toMatchObject({ status: 401, code: 'mfa_required' });
  expect(first.passkey).toBeTruthy();

  await signOut();
  await typePassword();
  await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
  // The code stays an option beside it.
  await page.getByLabel('Authentication code').waitFor();
  await page.getByRole('button', { name: 'Use your passkey' }).click();
  await nav().waitFor({ state: 'attached' });
  await page.locator(`.topbar__user[title="${EMAIL}"]`).waitFor({ state: 'attached' });
});

it('removes the passkey after asking; the password alone signs in again', async () => {
  await page.goto('/t/demo/account');
  const panel = page.getByTestId('passkeys');
  await panel.getByRole('button', { name: `Remove passkey ${KEY}` }).click();
  const ask = page.getByRole('alertdialog', { name: `Remove the passkey “${KEY}”?` });
  await ask.getByRole('button', { name: 'Remove passkey' }).click();
  await panel.getByText(`Passkey “${KEY}” removed.`).waitFor();
  await panel.getByText('You have no passkey yet.').waitFor();
  expect((await asPage<{ items: unknown[] }>('/me/passkeys')).body.items).toEqual([]);

  expect((await passwordLogin()).status).toBe(200);
  // The browser's passkey no longer signs anyone in.
  await signOut();
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await page.getByRole('alert').filter({ hasText: 'This passkey was not accepted.' }).waitFor();
});

it('offers no passkey at the IP address, where WebAuthn cannot work', async () => {
  const other = await newPage(browser);
  try {
    await other.page.goto('/t/demo/login');
    await other.page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    expect(await other.page.getByRole('button', { name: 'Sign in with a passkey' }).count()).toBe(0);
  } finally {
    await other.context.close();
  }
});

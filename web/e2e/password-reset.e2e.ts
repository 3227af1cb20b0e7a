// A forgotten password from end to end, with real mail: the SMTP sink of
// the global setup (mail-sink.ts) receives what the server sends.
// Signed out on the demo's sign-in page, a person asks for a link, sees
// the same neutral answer anyone gets, finds the mail, opens its link,
// sets a new password, lands on the sign-in page and signs in with it.
// The person is the demo's supplier (Pat Parts), whom no other e2e test
// signs in as: their password changes here for the rest of the run.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, appUrl, launch, newPage, password, serverUrl } from './helpers';
import { waitForMail } from './mailbox';
import { ADMIN, tag } from './support-data';

const PERSON = 'supplier@demo.example';
const NEW_PASSWORD = `new-e2e-password-${tag()}`;
const LINK = /(https?:\/\/\S+\/t\/demo\/set-password#token=[0-9a-f]{64})/;

let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  browser = await launch();
  ({ context, page } = await newPage(browser));
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

const login = (pw: string) =>
  fetch(`${serverUrl()}/t/demo/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: PERSON, password: pw }),
  });

/** The link as the browser opens it: the app's address, should the tests reach the app elsewhere (vite preview). */
function inApp(link: string): string {
  const u = new URL(link);
  return `${appUrl()}${u.pathname}${u.hash}`;
}

it('mails a link to set a new password, which works once, and the new password signs in', async () => {
  const since = new Date().toISOString();
  await page.goto('/t/demo/login');
  await page.getByRole('button', { name: 'Forgot your password?' }).click();
  await page.getByLabel('E-mail').fill(PERSON);
  await page.getByRole('button', { name: 'Send link' }).click();
  await page.getByText('If an account has this address, a link to set a new password is on its way.').waitFor();

  const mail = await waitForMail(PERSON, since);
  expect(mail.subject).toMatch(/password|Passwort/);
  const link = LINK.exec(mail.text)?.[1];
  expect(link, mail.text).toBeTruthy();
  // The link points where the operator said the app is (MANDANT_PUBLIC_URL).
  expect(new URL(link!).origin).toBe(new URL(serverUrl()).origin);

  await page.goto(inApp(link!));
  await page.getByRole('heading', { name: /^Set your password for / }).waitFor();
  // The token left the address bar once read.
  expect(page.url()).not.toContain('token=');
  await page.getByLabel(/^New password/).fill(NEW_PASSWORD);
  await page.getByLabel(/^Repeat the new password/).fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set password' }).click();

  await page.waitForURL(/\/t\/demo\/login$/);
  await page.getByText('Your password is set. Sign in with it.').waitFor();
  await page.getByLabel('E-mail').fill(PERSON);
  await page.getByLabel('Password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // A supplier lands on their own portal.
  await page.waitForURL(/\/t\/demo\/supplier/);

  // The old password is gone, and the link worked once.
  expect((await login(password())).status).toBe(401);
  const again = await browser.newContext({ baseURL: appUrl(), locale: 'en-GB' });
  try {
    const p = await again.newPage();
    await p.goto(inApp(link!));
    await p.getByLabel(/^New password/).fill(`${NEW_PASSWORD}-2`);
    await p.getByLabel(/^Repeat the new password/).fill(`${NEW_PASSWORD}-2`);
    await p.getByRole('button', { name: 'Set password' }).click();
    await p.getByText('This link was used already, has expired, or was replaced by a newer one.').waitFor();
  } finally {
    await again.close();
  }
  expect((await login(NEW_PASSWORD)).status).toBe(200);

  // Admin > E-mail knows it went out.
  type Outbox = { smtp: boolean; items: { to_addr: string; kind: string; status: string }[] };
  const outbox = () => api<Outbox>('demo', ADMIN, 'GET', '/mail/outbox');
  expect((await outbox()).smtp).toBe(true);
  await expect
    .poll(async () => (await outbox()).items.find((m) => m.to_addr === PERSON && m.kind === 'password_reset')?.status, { timeout: 5000 })
    .toBe('sent');
});

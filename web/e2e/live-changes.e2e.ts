// What a signed-in person's open app does when an administrator, in
// another browser, changes things under it (`changed` frames on the
// socket, no reload):
// - their role: the navigation follows at once, a notice says that their
//   access changed, and the page they may no longer open says so;
// - the workspace's name: their header shows the new one.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, apiResponse, launch, newPage, signIn, waitLive } from './helpers';
import { ADMIN, ensureUser, tag } from './support-data';

const PERSON = 'live-changes@demo.example';
const PERSON_NAME = 'Lia Live';
let browser: Browser;
let person: { context: BrowserContext; page: Page };
let userId: string;
/** The demo tenant's branding settings before the test: put back afterwards (other tests expect "Demo GmbH"). */
let branding: unknown;

beforeAll(async () => {
  userId = await ensureUser(PERSON, PERSON_NAME, 'staff', ['sales']);
  // A run before may have left them an agent.
  const u = await api<{ roles: string[]; teams: string[]; status: string }>('demo', ADMIN, 'GET', `/users/${userId}`);
  if (u.roles.join() !== 'sales') await api('demo', ADMIN, 'PATCH', `/users/${userId}`, { name: PERSON_NAME, roles: ['sales'], teams: u.teams, status: 'active' });
  branding = await api('demo', ADMIN, 'GET', '/settings/branding');
  browser = await launch();
  person = await newPage(browser);
  await signIn(person.page, 'demo', PERSON, '/t/demo/pipeline');
  await waitLive(person.page);
  // Set once: still there only if the page was never reloaded.
  await person.page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
});

afterAll(async () => {
  await person?.context.close();
  await browser?.close();
  if (branding) await apiResponse('demo', ADMIN, 'PUT', '/settings/branding', branding);
});

const notReloaded = () => person.page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload === true);

it('follows a role change made by an administrator elsewhere: navigation, notice, and the page they lost', async () => {
  const { page } = person;
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Pipeline' }).waitFor();
  expect(await nav.getByRole('link', { name: 'Agent console' }).count()).toBe(0);

  const admin = await newPage(browser);
  try {
    await signIn(admin.page, 'demo', ADMIN, '/t/demo/admin/users');
    await admin.page.getByRole('button', { name: `Edit ${PERSON_NAME}` }).click();
    const dialog = admin.page.getByRole('dialog', { name: `Edit ${PERSON_NAME}` });
    await dialog.getByRole('checkbox', { name: 'sales', exact: true }).uncheck();
    await dialog.getByRole('checkbox', { name: 'agent', exact: true }).check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
  } finally {
    await admin.context.close();
  }

  // Without a reload: the pipeline leaves the navigation, the console comes.
  await page.getByTestId('access-notice').getByText('Your access was changed by an administrator.').waitFor({ timeout: 10_000 });
  await nav.getByRole('link', { name: 'Pipeline' }).waitFor({ state: 'detached' });
  await nav.getByRole('link', { name: 'Agent console' }).waitFor();
  await page.getByRole('heading', { level: 1, name: 'You no longer have access to this page.' }).waitFor();
  expect(await notReloaded()).toBe(true);
  const me = await api<{ roles: string[] }>('demo', ADMIN, 'GET', `/users/${userId}`);
  expect(me.roles).toEqual(['agent']);

  // The new area opens.
  await page.getByRole('link', { name: 'Go to your start page' }).click();
  await page.locator('[data-testid="queue"], [data-testid="mine"]').first().waitFor({ timeout: 10_000 });
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await page.getByTestId('access-notice').waitFor({ state: 'detached' });
});

it('shows the workspace’s new name in the header as soon as an administrator saves it', async () => {
  const { page } = person;
  const name = `Demo Live ${tag()}`;
  const admin = await newPage(browser);
  try {
    await signIn(admin.page, 'demo', ADMIN, '/t/demo/admin/branding');
    await admin.page.getByLabel('Display name').fill(name);
    await admin.page.getByRole('button', { name: 'Save' }).first().click();
    await admin.page.getByText('Saved').first().waitFor();
  } finally {
    await admin.context.close();
  }
  await expect.poll(() => page.getByTestId('brand-name').textContent(), { timeout: 10_000 }).toBe(name);
  expect(await notReloaded()).toBe(true);
});

// The single sign-on and SCIM admin screens against the real server (the
// sign-in flow itself, through an identity provider, is another test's):
// - Admin › Single sign-on: an issuer whose discovery cannot be read is
//   refused at the field in the server's words; a provider saved with a
//   secret and role and team mappings (the API says a secret is held and
//   shows none), its redirect URI as the server has it; an edit keeps the
//   secret; the signed-out sign-in page offers "Sign in with …"; deleted
//   after asking, and the button is gone;
// - Admin › Provisioning (SCIM): the base URL, a token shown once that the
//   SCIM API takes, replaced (the old one refused), revoked; the role of
//   new users saved.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startDiscoveryStub, type DiscoveryStub } from './discovery-stub';
import { api, apiResponse, launch, newPage, serverUrl, signIn } from './helpers';
import { ADMIN, tag } from './support-data';

const RUN = tag();
const NAME = `E2E Okta ${RUN}`;
const SECRET = `e2e-client-secret-${RUN}-0123456789`;

let browser: Browser;
let context: BrowserContext;
let page: Page;
let stub: DiscoveryStub;

interface Provider {
  id: string;
  name: string;
  issuer: string;
  has_client_secret: boolean;
  role_mappings: { value: string; role: string }[];
  team_mappings: { value: string; team_id: string }[];
  redirect_uri: string;
}
interface Scim {
  enabled: boolean;
  base_url: string;
  default_role: string;
}

beforeAll(async () => {
  stub = await startDiscoveryStub();
  browser = await launch();
  ({ context, page } = await newPage(browser));
  await signIn(page, 'demo', ADMIN, '/t/demo/admin');
});

afterAll(async () => {
  // The other tests sign in to a workspace without this run's providers or token.
  const left = await api<{ items: Provider[] }>('demo', ADMIN, 'GET', '/sso/providers').catch(() => ({ items: [] as Provider[] }));
  for (const p of left.items.filter((x) => x.name.startsWith('E2E Okta'))) await apiResponse('demo', ADMIN, 'DELETE', `/sso/providers/${p.id}`);
  await apiResponse('demo', ADMIN, 'DELETE', '/settings/scim/token');
  await apiResponse('demo', ADMIN, 'PUT', '/settings/scim', { default_role: 'agent' });
  await context?.close();
  await browser?.close();
  await stub?.close();
});

const dialog = () => page.getByRole('dialog');
const scimStatus = (token: string) =>
  fetch(`${serverUrl()}/t/demo/scim/v2/Users`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

it('adds a single sign-on provider, edits it, offers it on the sign-in page, and deletes it after asking', async () => {
  await page.getByRole('link', { name: 'Single sign-on' }).click();
  await page.getByRole('heading', { level: 1, name: 'Single sign-on' }).waitFor();
  await page.getByRole('button', { name: 'Add provider' }).click();
  await dialog().getByText('/t/demo/api/v1/auth/sso/callback').waitFor();

  await dialog().getByLabel(/^Name/).fill(NAME);
  // Nothing listens there: the server could not read its discovery.
  await dialog().getByLabel(/^Issuer URL/).fill('http://127.0.0.1:9');
  await dialog().getByLabel(/^Client ID/).fill('mandant-e2e');
  await dialog().getByLabel(/^Client secret/).fill(SECRET);
  await dialog().getByLabel('Allowed e-mail domains').fill('demo.example');
  await dialog().getByRole('button', { name: 'Add role mapping' }).click();
  await dialog().getByTestId('role-mappings-0').getByLabel('Value', { exact: true }).fill('crm-admins');
  await dialog().getByTestId('role-mappings-0').getByLabel('Role', { exact: true }).selectOption('admin');
  await dialog().getByRole('button', { name: 'Add team mapping' }).click();
  await dialog().getByTestId('team-mappings-0').getByLabel('Value', { exact: true }).fill('support');
  const team = dialog().getByTestId('team-mappings-0').getByLabel('Team', { exact: true });
  await team.locator('option:nth-child(2)').waitFor({ state: 'attached' });
  const teamId = await team.locator('option:nth-child(2)').getAttribute('value');
  await team.selectOption(teamId!);
  await dialog().getByRole('button', { name: 'Save' }).click();
  const issuer = dialog().getByLabel(/^Issuer URL/);
  await dialog().getByText(/OpenID configuration cannot be read/).waitFor();
  expect(await issuer.getAttribute('aria-invalid')).toBe('true');

  await issuer.fill(stub.issuer);
  await dialog().getByRole('button', { name: 'Save' }).click();
  await page.getByText(`${NAME} added.`).waitFor();
  expect(await page.getByRole('dialog').count()).toBe(0);

  const [saved] = (await api<{ items: Provider[] }>('demo', ADMIN, 'GET', '/sso/providers')).items.filter((p) => p.name === NAME);
  expect(saved).toMatchObject({
    issuer: stub.issuer,
    has_client_secret: true,
    role_mappings: [{ value: 'crm-admins', role: 'admin' }],
    team_mappings: [{ value: 'support', team_id: teamId }],
    redirect_uri: `${inject('publicUrl')}/t/demo/api/v1/auth/sso/callback`,
  });
  const card = page.locator(`li[data-provider="${saved!.id}"]`);
  await card.getByText(saved!.redirect_uri).waitFor();
  await card.getByText('Stored (never shown)').waitFor();
  // The secret went to the server and nowhere else: not in its answer, not on the page.
  expect(JSON.stringify(await api('demo', ADMIN, 'GET', `/sso/providers/${saved!.id}`))).not.toContain(SECRET);
  expect(await page.content()).not.toContain(SECRET);

  // An edit sends what changed; the secret stays as it was.
  await card.getByRole('button', { name: 'Edit' }).click();
  expect(await dialog().getByLabel(/^Client secret/).inputValue()).toBe('');
  await dialog().getByLabel(/^Name/).fill(`${NAME} SSO`);
  await dialog().getByRole('button', { name: 'Save' }).click();
  await card.getByText('Provider saved.').waitFor();
  const edited = await api<Provider>('demo', ADMIN, 'GET', `/sso/providers/${saved!.id}`);
  expect(edited).toMatchObject({ name: `${NAME} SSO`, has_client_secret: true });

  // Signed out, the sign-in page offers it beside the password form.
  const out = await newPage(browser);
  await out.page.goto('/t/demo/login');
  await out.page.getByRole('button', { name: `Sign in with ${NAME} SSO` }).waitFor();
  expect(await out.page.getByLabel('E-mail').count()).toBe(1);

  await card.getByRole('button', { name: 'Delete' }).click();
  const ask = page.getByRole('alertdialog', { name: `Delete ${NAME} SSO?` });
  await ask.getByRole('button', { name: 'Cancel' }).click();
  expect((await apiResponse('demo', ADMIN, 'GET', `/sso/providers/${saved!.id}`)).status).toBe(200);
  await card.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete provider' }).click();
  await page.getByText(`${NAME} SSO deleted.`).waitFor();
  expect((await apiResponse('demo', ADMIN, 'GET', `/sso/providers/${saved!.id}`)).status).toBe(404);

  await out.page.reload();
  await out.page.getByLabel('E-mail').waitFor();
  expect(await out.page.getByRole('button', { name: `Sign in with ${NAME} SSO` }).count()).toBe(0);
  await out.context.close();
});

it('makes a SCIM token shown once, replaces and revokes it, and saves the role of new users', async () => {
  await page.goto('/t/demo/admin/provisioning');
  await page.getByRole('heading', { level: 1, name: 'Provisioning (SCIM)' }).waitFor();
  const connection = page.getByTestId('scim-connection');
  const { base_url } = await api<Scim>('demo', ADMIN, 'GET', '/settings/scim');
  expect(base_url).toBe(`${inject('publicUrl')}/t/demo/scim/v2`);
  await connection.getByTestId('scim-base-url').getByText(base_url).waitFor();

  await connection.getByRole('button', { name: 'Create token' }).click();
  const first = (await page.getByTestId('secret-once').getByTestId('secret').textContent())!;
  expect(first).toMatch(/^scim_/);
  expect(await scimStatus(first)).toBe(200);
  await page.getByTestId('secret-once').getByRole('button', { name: 'I saved it' }).click();
  expect(await page.content()).not.toContain(first);

  await connection.getByRole('button', { name: 'Replace token' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Replace token' }).click();
  await connection.getByText('The new token is in use: the previous one no longer works.').waitFor();
  const second = (await page.getByTestId('secret-once').getByTestId('secret').textContent())!;
  expect(second).not.toBe(first);
  expect(await scimStatus(first)).toBe(401);
  expect(await scimStatus(second)).toBe(200);

  await connection.getByRole('button', { name: 'Revoke token' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke token' }).click();
  await connection.getByText('Token revoked: provisioning is off.').waitFor();
  expect(await scimStatus(second)).toBe(401);
  expect((await api<Scim>('demo', ADMIN, 'GET', '/settings/scim')).enabled).toBe(false);

  const newUsers = page.getByRole('region', { name: 'New users' });
  await newUsers.getByLabel('Default role').selectOption('viewer');
  await newUsers.getByRole('button', { name: 'Save' }).click();
  await newUsers.getByText('Saved.').waitFor();
  expect((await api<Scim>('demo', ADMIN, 'GET', '/settings/scim')).default_role).toBe('viewer');
});

// Single sign-on from end to end: Chromium, the real server, and a real
// OpenID provider (node-oidc-provider, tests/oidc/provider.mjs) on
// loopback, in a workspace of this file's own (the others keep their
// sign-in page as it was):
// - "Sign in with …" on the sign-in page, the provider's form, and back in
//   the app, at the page the person asked for: a new person from an allowed
//   domain gets an account, and their `groups` make them an administrator;
// - a callback whose state nobody started, an ID token for another client
//   and one already expired: the sign-in page says why, nobody is signed in
//   and nobody new has an account;
// - the provider's signing key rotated (restarted with a new one on the
//   same address): the next sign-in works, the server reads the new keys;
// - signing out of such a session goes on to the provider's own sign-out,
//   and afterwards the app and the provider both ask again.
// Each sign-in runs in a fresh browser context: no provider session is
// carried from one to the next.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, launch, newPage, password, serverUrl } from './helpers';
import { tag } from './support-data';

const RUN = tag();
const SLUG = `sso-${RUN}`;
const DOMAIN = `sso-${RUN}.example`;
const OWNER = `owner@${DOMAIN}`;
const PROVIDER = 'Test Identity';
const CLIENT_ID = `mandant-e2e-${RUN}`;
const CLIENT_SECRET = `e2e-oidc-secret-${RUN}-0123456789`;
const OIDC_DIR = resolve(import.meta.dirname, '../../tests/oidc');

const STATE_INVALID = 'The sign-in could not be confirmed: it took too long, or began in another browser. Please try again.';
const TOKEN_INVALID = "Your identity provider's answer could not be verified, so you were not signed in. An administrator should check the provider's settings.";

interface User {
  email: string;
  name: string;
  roles: string[];
}

let browser: Browser;
let keyDir: string;
let idp: { issuer: string; port: number; kid: string; child: ChildProcess };

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => res(port));
    });
  });
}

// The provider's one line on stdout once it is up, with its key's id.
const UP = /oidc-provider listening on \S+ kid=(\S+)\n/;

/** The provider on `port`, up once it says so, with a new signing key each time (a restart rotates it). */
async function startIdp(port: number): Promise<typeof idp> {
  const publicUrl = inject('publicUrl');
  const child = spawn('node', ['provider.mjs'], {
    cwd: OIDC_DIR,
    env: {
      ...process.env,
      OIDC_PORT: String(port),
      OIDC_CLIENTS: JSON.stringify([{
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${publicUrl}/t/${SLUG}/api/v1/auth/sso/callback`],
        post_logout_redirect_uris: [`${publicUrl}/t/${SLUG}/login`],
      }]),
      OIDC_KEY_FILE: join(keyDir, 'key.json'),
      OIDC_NEW_KEY: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Read to the end: a line written into a closed pipe would end it (EPIPE).
  child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`the OpenID provider did not start in 15 s:\n${output}`)), 15_000);
    child.stdout!.on('data', () => {
      if (UP.test(output)) {
        clearTimeout(t);
        res();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      rej(new Error(`the OpenID provider exited with ${code}:\n${output}`));
    });
  });
  const kid = UP.exec(output)![1]!;
  return { issuer: `http://127.0.0.1:${port}`, port, kid, child };
}

async function stopIdp() {
  const { child } = idp;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  // Not SIGTERM: its server would wait for the server's kept-alive connections.
  child.kill('SIGKILL');
  await gone;
}

/** A test control of the provider (`/_test/…`), which answers 204. */
async function control(method: string, path: string, body: unknown) {
  const r = await fetch(`${idp.issuer}${path}`, {
    method,
    headers: { 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify(body),
  });
  if (r.status !== 204) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
}

const account = (id: string, name: string, groups: string[] = []) =>
  control('PUT', `/_test/accounts/${id}`, { email: `${id}@${DOMAIN}`, email_verified: true, name, groups });

const users = async () => (await api<{ items: User[] }>(SLUG, OWNER, 'GET', '/users?limit=200')).items;

/** From the signed-out sign-in page, through the provider's form as `id`. */
async function signInAtProvider(page: Page, id: string, next = '') {
  await page.goto(`/t/${SLUG}/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  await page.getByRole('button', { name: `Sign in with ${PROVIDER}` }).click();
  await page.waitForURL(`${idp.issuer}/**`);
  await page.getByLabel('Account').fill(id);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signed in: the app's shell, naming the person. */
async function expectSignedInAs(page: Page, name: string) {
  await page.locator('nav[aria-label="Main"]').waitFor({ state: 'attached' });
  await page.getByText(`Signed in as ${name}`).waitFor({ state: 'attached' });
}

/** Back on the sign-in page, saying `message`, the provider's button beside it, and nobody signed in. */
async function expectRefused(page: Page, message: string) {
  await page.waitForURL(`**/t/${SLUG}/login`);
  await page.getByText(message).waitFor();
  await page.getByRole('button', { name: `Sign in with ${PROVIDER}` }).waitFor();
  expect(await page.locator('nav[aria-label="Main"]').count()).toBe(0);
  // The app itself sends the person to sign in: nothing was kept.
  await page.goto(`/t/${SLUG}/`);
  await page.waitForURL(`**/t/${SLUG}/login**`);
  await page.getByLabel('E-mail').waitFor();
}

beforeAll(async () => {
  // The provider's packages, as tests/api/oidc_provider.rs installs them.
  if (!existsSync(join(OIDC_DIR, 'node_modules/oidc-provider'))) {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: OIDC_DIR, stdio: 'ignore' });
  }
  keyDir = mkdtempSync(join(tmpdir(), 'mandant-e2e-oidc-'));
  const created = await fetch(`${serverUrl()}/api/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${inject('platformToken')}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      slug: SLUG,
      name: `SSO ${RUN}`,
      plan: 'standard',
      admin: { email: OWNER, password: password(), name: 'Olga Owner' },
    }),
  });
  if (created.status !== 201) throw new Error(`creating ${SLUG}: ${created.status} ${await created.text()}`);
  // Up before the provider is saved: saving reads its discovery.
  idp = await startIdp(await freePort());
  const saved = await api<{ id: string; redirect_uri: string }>(SLUG, OWNER, 'POST', '/sso/providers', {
    name: PROVIDER,
    issuer: idp.issuer,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    scopes: ['openid', 'email', 'profile', 'groups'],
    allowed_domains: [DOMAIN],
    role_claim: 'groups',
    role_mappings: [{ value: 'crm-admins', role: 'admin' }],
    default_role: 'agent',
  });
  // What the provider was told to send people back to.
  expect(saved.redirect_uri).toBe(`${inject('publicUrl')}/t/${SLUG}/api/v1/auth/sso/callback`);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  if (idp) await stopIdp();
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  await fetch(`${serverUrl()}/api/v1/tenants/${SLUG}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${inject('platformToken')}` },
  }).catch(() => undefined);
});

it('signs a new person in with the provider, as an administrator from their groups, on the page they asked for', async () => {
  await account('ada', 'Ada Admin', ['staff', 'crm-admins']);
  const { context, page } = await newPage(browser);
  await signInAtProvider(page, 'ada', `/t/${SLUG}/admin`);
  await expectSignedInAs(page, 'Ada Admin');
  await page.waitForURL(`**/t/${SLUG}/admin`);
  await page.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();
  // The code in the address's fragment is gone from it (and so from the history).
  expect(page.url()).not.toContain('code=');

  const ada = (await users()).find((u) => u.email === `ada@${DOMAIN}`);
  expect(ada).toMatchObject({ name: 'Ada Admin', roles: ['admin'] });
  await context.close();
});

it('refuses a callback whose sign-in nobody started', async () => {
  const { context, page } = await newPage(browser);
  await page.goto(`${serverUrl()}/t/${SLUG}/api/v1/auth/sso/callback?code=x&state=forged`);
  await expectRefused(page, STATE_INVALID);
  await context.close();
});

it('refuses an ID token meant for another client', async () => {
  await account('tom', 'Tom Tampered');
  await control('POST', '/_test/tamper', { aud: 'someone-else' });
  const { context, page } = await newPage(browser);
  await signInAtProvider(page, 'tom');
  await expectRefused(page, TOKEN_INVALID);
  expect((await users()).map((u) => u.email)).not.toContain(`tom@${DOMAIN}`);
  await context.close();
});

it('refuses an ID token that has expired', async () => {
  await account('tom', 'Tom Tampered');
  await control('POST', '/_test/tamper', { exp_offset: -3600 });
  const { context, page } = await newPage(browser);
  await signInAtProvider(page, 'tom');
  await expectRefused(page, TOKEN_INVALID);
  expect((await users()).map((u) => u.email)).not.toContain(`tom@${DOMAIN}`);
  await context.close();
});

it('signs in after the provider rotated its signing key', async () => {
  const old = idp.kid;
  await stopIdp();
  idp = await startIdp(idp.port);
  expect(idp.kid).not.toBe(old);
  // Its accounts went with the old process.
  await account('rosa', 'Rosa Rotation');
  // The server reads a provider's keys again at most once a second.
  await new Promise((r) => setTimeout(r, 1200));
  const { context, page } = await newPage(browser);
  await signInAtProvider(page, 'rosa');
  await expectSignedInAs(page, 'Rosa Rotation');
  expect((await users()).find((u) => u.email === `rosa@${DOMAIN}`)).toMatchObject({ roles: ['agent'] });
  await context.close();
});

it('signs out at the provider too, and afterwards both ask again', async () => {
  await account('sam', 'Sam Signout');
  const { context, page } = await newPage(browser);
  await signInAtProvider(page, 'sam');
  await expectSignedInAs(page, 'Sam Signout');
  const session = JSON.parse((await page.evaluate((k) => localStorage.getItem(k), `mandant:session:${SLUG}`))!) as {
    refresh_token: string;
  };

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${idp.issuer}/**`);
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL(`**/t/${SLUG}/login`);
  await page.getByLabel('E-mail').waitFor();
  expect(await page.locator('nav[aria-label="Main"]').count()).toBe(0);
  // The server ended the session: its refresh token no longer works.
  const refresh = await fetch(`${serverUrl()}/t/${SLUG}/api/v1/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token: session.refresh_token }),
  });
  expect(refresh.status).toBe(401);

  // The provider asks who it is again, rather than signing Sam straight back in.
  await page.getByRole('button', { name: `Sign in with ${PROVIDER}` }).click();
  await page.waitForURL(`${idp.issuer}/**`);
  await page.getByLabel('Account').waitFor();
  await context.close();
});

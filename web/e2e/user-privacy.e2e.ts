// A colleague's personal data in the browser, against the real server:
// - the owner exports a user's data from Admin > Users: the export is
//   followed beneath their row until it is ready, and "Download" saves a
//   ZIP whose `export.json` holds their account (e-mail included); Data
//   requests lists it as "User: <name>";
// - the owner erases them ("Erase…", their e-mail typed to confirm): the
//   row then says "Erased person", disabled, and their export is gone;
// - the erased user, signed in in another browser all along, is signed
//   out: the server refuses their token, and their app asks them to sign
//   in again;
// - the owner is offered no "Erase…" for themselves.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, apiResponse, launch, newPage, password, signIn, waitLive } from './helpers';
import { zipFile, zipNames } from './zip';

const OWNER = 'admin@demo.example';
const RUN = Date.now().toString(36);

interface UserRow {
  id: string;
  email: string;
  name: string;
}

let browser: Browser;
let owner: { context: BrowserContext; page: Page };
let leaver: BrowserContext | undefined;

beforeAll(async () => {
  browser = await launch();
  owner = await newPage(browser);
  await signIn(owner.page, 'demo', OWNER);
});

afterAll(async () => {
  await owner?.context.close();
  await leaver?.close();
  await browser?.close();
});

it('exports a user’s data, then erases them: “Erased person” in the list, and their open session signed out', async () => {
  const name = `Lea Leaver-${RUN}`;
  const email = `lea.${RUN}@demo.example`;
  const lea = await api<UserRow>('demo', OWNER, 'POST', '/users', { email, name, password: password(), kind: 'staff', roles: ['agent'], teams: [] });

  // Lea is at work in her own browser, live.
  const l = await newPage(browser);
  leaver = l.context;
  await signIn(l.page, 'demo', email, '/t/demo/contacts');
  await waitLive(l.page);
  // And her token for direct calls, to see what the server says of it afterwards.
  expect((await apiResponse('demo', email, 'GET', '/me')).status).toBe(200);

  const p = owner.page;
  await p.goto('/t/demo/admin/users');
  const row = p.locator(`tr[data-user="${lea.id}"]`);
  await row.getByRole('cell', { name, exact: true }).waitFor();
  // Not herself: the owner's own row has no "Erase…", whatever else it has.
  const me = (await api<{ user: { id: string } }>('demo', OWNER, 'GET', '/me')).user;
  await p.locator(`tr[data-user="${me.id}"]`).getByRole('button', { name: /^Export data of / }).waitFor();
  expect(await p.locator(`tr[data-user="${me.id}"]`).getByRole('button', { name: /^Erase/ }).count()).toBe(0);

  // Export: followed beneath her row until ready.
  await row.getByRole('button', { name: `Export data of ${name}` }).click();
  const panel = p.getByRole('region', { name: `Data export of ${name}` });
  await p.locator(`tr[data-user="${lea.id}"] + tr [data-testid="person-export"][data-status="ready"]`).waitFor({ timeout: 15_000 });
  expect(await panel.textContent()).toMatch(/The export is ready\. It can be downloaded until \d+ \w+ \d{4}, \d\d:\d\d\./);
  const [download] = await Promise.all([p.waitForEvent('download'), panel.getByRole('button', { name: /^Download \(ZIP, [\d.]+ (B|KB)\)$/ }).click()]);
  expect(download.suggestedFilename()).toMatch(new RegExp(`^personal-data-${lea.id}-\\d{4}-\\d\\d-\\d\\d\\.zip$`));
  const zip = readFileSync(await download.path());
  expect(zip.subarray(0, 2).toString('latin1')).toBe('PK');
  expect(zipNames(zip)).toContain('export.json');
  const doc = JSON.parse(zipFile(zip, 'export.json')!.toString('utf8')) as {
    export: { subject_kind: string; subject_id: string };
    account: { id: string; email: string; name: string };
  };
  expect(doc.export).toEqual(expect.objectContaining({ subject_kind: 'user', subject_id: lea.id }));
  expect(doc.account).toEqual(expect.objectContaining({ id: lea.id, email, name }));

  // Data requests: hers, as a user's.
  const held = (await api<{ items: { id: string; subject_id: string }[] }>('demo', OWNER, 'GET', '/exports')).items.filter((e) => e.subject_id === lea.id);
  expect(held).toHaveLength(1);
  await p.goto('/t/demo/admin/data-requests');
  const request = p.locator(`tr[data-export="${held[0]!.id}"]`);
  await request.getByRole('cell', { name: `User: ${name}`, exact: true }).waitFor();
  await request.getByRole('button', { name: new RegExp(`^Download \\(ZIP, [\\d.]+ (B|KB)\\), the export of ${name}$`) }).waitFor();

  // Erase: the dialog wants her name or e-mail first.
  await p.goto('/t/demo/admin/users');
  await row.getByRole('cell', { name, exact: true }).waitFor();
  await row.getByRole('button', { name: `Erase ${name}…` }).click();
  const dialog = p.getByRole('alertdialog', { name: `Erase ${name}` });
  await dialog.waitFor();
  expect(await dialog.textContent()).toContain('This cannot be undone.');
  expect(await dialog.textContent()).toContain('They are signed out on every device at once');
  const confirm = dialog.getByRole('button', { name: 'Erase for good' });
  expect(await confirm.isDisabled()).toBe(true);
  const typed = dialog.getByLabel(`Type ${name} or ${email} to confirm`);
  await typed.fill('Lea');
  expect(await confirm.isDisabled()).toBe(true);
  await typed.fill(email);
  expect(await confirm.isDisabled()).toBe(false);
  await confirm.click();

  await dialog.waitFor({ state: 'detached' });
  await row.getByRole('cell', { name: 'Erased person', exact: true }).waitFor();
  await row.getByText('Disabled').waitFor();
  // Both of hers: the browser's and the one behind her direct calls.
  await p.getByText('Erased: the account is now “Erased person” and disabled; 2 sessions ended.').waitFor();
  expect(await row.textContent()).not.toContain(email);
  expect(await row.getByRole('button', { name: /^(Erase|Export data)/ }).count()).toBe(0);
  const after = await api<UserRow & { status: string; teams: string[] }>('demo', OWNER, 'GET', `/users/${lea.id}`);
  expect(after).toEqual(expect.objectContaining({ name: 'Erased person', status: 'disabled', teams: [] }));
  expect(after.email).toMatch(/^erased-[0-9a-f]+@erased\.invalid$/);
  // Her export went with her.
  expect((await api<{ items: { subject_id: string }[] }>('demo', OWNER, 'GET', '/exports')).items.filter((e) => e.subject_id === lea.id)).toEqual([]);

  // Her sessions ended: the server refuses her token, and her app, with
  // nothing done in it (the server rechecks its live connection), asks her
  // to sign in again.
  const refused = await apiResponse('demo', email, 'GET', '/me');
  expect(refused.status).toBe(401);
  expect(((await refused.json()) as { detail: string }).detail).toBe('The session has ended.');
  await l.page.getByText('Your session has expired. Please sign in again.').waitFor({ timeout: 15_000 });
  await l.page.getByRole('button', { name: 'Sign in' }).waitFor();
  expect(new URL(l.page.url()).pathname).toBe('/t/demo/login');
});

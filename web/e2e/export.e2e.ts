// Person exports (GDPR Art. 15, 20) in the browser, against the real server:
// - the owner opens a contact and exports their data: the page shows the
//   export being prepared, then ready (live, from the `exports` topic),
//   with the archive's expiry; "Download" saves a ZIP under the server's
//   name whose `export.json` holds the contact, and the service worker
//   keeps no copy of it;
// - the admin area's Data requests list it, linked to the contact, and a
//   new export started elsewhere appears there live;
// - a sales person (no `privacy:export`) is offered no export at all.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, apiResponse, launch, newPage, signIn, waitLive } from './helpers';
import { zipFile, zipNames } from './zip';

const OWNER = 'admin@demo.example';
const SALES = 'sales@demo.example';
const RUN = Date.now().toString(36);

interface Rec {
  id: string;
}

let browser: Browser;
let owner: { context: BrowserContext; page: Page };
let sales: BrowserContext | undefined;

beforeAll(async () => {
  browser = await launch();
  owner = await newPage(browser);
  await signIn(owner.page, 'demo', OWNER);
});

afterAll(async () => {
  await owner?.context.close();
  await sales?.close();
  await browser?.close();
});

/** The addresses of the service worker's saved API answers. */
function savedAnswers(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    if (!(await caches.has('mandant-api-v1'))) return [];
    return (await (await caches.open('mandant-api-v1')).keys()).map((r) => r.url);
  });
}

it('exports a person: live to ready, then a ZIP whose export.json names them', async () => {
  const last = `Portabel-${RUN}`;
  const name = `Paula ${last}`;
  const person = await api<Rec>('demo', OWNER, 'POST', '/contacts', { first_name: 'Paula', last_name: last, email: `paula.${RUN}@example.com` });
  await api('demo', OWNER, 'POST', '/activities', { type: 'call', subject: `Called Paula ${RUN}`, related_kind: 'contact', related_id: person.id });

  const p = owner.page;
  await p.goto(`/t/demo/contacts/${person.id}`);
  await p.getByRole('heading', { name }).waitFor();
  // Controlled by the service worker, so the download passes through it.
  await p.evaluate(() => navigator.serviceWorker.ready);
  await p.reload();
  await p.getByRole('heading', { name }).waitFor();
  await waitLive(p);

  // Every state the panel shows, in order, as it changes.
  await p.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __states: string[] }).__states = seen;
    new MutationObserver(() => {
      const s = document.querySelector('[data-testid="person-export"]')?.getAttribute('data-status');
      if (s && seen[seen.length - 1] !== s) seen.push(s);
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await p.getByRole('button', { name: 'Export personal data' }).click();
  const panel = p.getByTestId('person-export');
  await p.locator('[data-testid="person-export"][data-status="ready"]').waitFor({ timeout: 15_000 });
  expect(await p.evaluate(() => (window as unknown as { __states: string[] }).__states)).toEqual(['running', 'ready']);
  expect(await panel.textContent()).toMatch(/The export is ready\. It can be downloaded until \d+ \w+ \d{4}, \d\d:\d\d\./);

  // What the server holds: one ready export of her, kept for 7 days.
  const held = (await api<{ items: { id: string; subject_id: string; status: string; expires_at: string }[] }>('demo', OWNER, 'GET', '/exports')).items
    .filter((e) => e.subject_id === person.id);
  expect(held.map((e) => e.status)).toEqual(['ready']);
  const days = (Date.parse(held[0]!.expires_at) - Date.now()) / 86_400_000;
  expect(days).toBeGreaterThan(6.9);
  expect(days).toBeLessThanOrEqual(7);

  const [download] = await Promise.all([p.waitForEvent('download'), panel.getByRole('button', { name: /^Download \(ZIP, [\d.]+ KB\)$/ }).click()]);
  expect(download.suggestedFilename()).toMatch(new RegExp(`^personal-data-${person.id}-\\d{4}-\\d\\d-\\d\\d\\.zip$`));
  const zip = readFileSync(await download.path());
  expect(zip.subarray(0, 2).toString('latin1')).toBe('PK');
  expect(zipNames(zip)).toContain('export.json');
  const doc = JSON.parse(zipFile(zip, 'export.json')!.toString('utf8')) as {
    export: { subject_id: string };
    records: { contacts: { first_name: string; last_name: string; email: string }[]; activities?: { subject: string }[] };
  };
  expect(doc.export.subject_id).toBe(person.id);
  expect(doc.records.contacts).toEqual([expect.objectContaining({ first_name: 'Paula', last_name: last, email: `paula.${RUN}@example.com` })]);
  expect(doc.records.activities?.map((a) => a.subject)).toEqual([`Called Paula ${RUN}`]);
  // A person's archive is not kept in this browser's saved answers.
  expect((await savedAnswers(p)).filter((u) => u.includes('/exports'))).toEqual([]);

  // Data requests: her export, linked to her page; another one appears live.
  await p.goto('/t/demo/admin/data-requests');
  const row = p.locator(`tr[data-export="${held[0]!.id}"]`);
  await row.waitFor();
  expect(await row.getAttribute('data-status')).toBe('ready');
  expect(await row.getByRole('link', { name }).getAttribute('href')).toBe(`/t/demo/contacts/${person.id}`);
  expect(await row.textContent()).toContain('Demo Admin');
  await row.getByRole('button', { name: new RegExp(`^Download \\(ZIP, [\\d.]+ KB\\), the export of ${name}$`) }).waitFor();
  await waitLive(p);
  const again = await api<Rec>('demo', OWNER, 'POST', `/contacts/${person.id}/export`);
  await p.locator(`tr[data-export="${again.id}"][data-status="ready"]`).waitFor({ timeout: 10_000 });
  const ids = await p.locator('tr[data-export]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-export')));
  expect(ids.indexOf(again.id)).toBeLessThan(ids.indexOf(held[0]!.id));
});

it('offers a sales person no export: not on the contact page, not in the admin area', async () => {
  const person = await api<Rec>('demo', OWNER, 'POST', '/contacts', { first_name: 'Sven', last_name: `Sichtbar-${RUN}` });
  const s = await newPage(browser);
  sales = s.context;
  await signIn(s.page, 'demo', SALES, `/t/demo/contacts/${person.id}`);
  await s.page.getByRole('heading', { name: `Sven Sichtbar-${RUN}` }).waitFor();
  // Their own actions are there (signing in read /me first)…
  await s.page.getByRole('link', { name: 'Edit' }).waitFor();
  // …but not the export.
  expect(await s.page.getByRole('button', { name: 'Export personal data' }).count()).toBe(0);
  expect(await s.page.getByTestId('person-export').count()).toBe(0);
  await s.page.goto('/t/demo/admin/data-requests');
  await s.page.getByText('This page does not exist.').waitFor();
  expect((await apiResponse('demo', SALES, 'GET', '/exports')).status).toBe(403);
  expect((await apiResponse('demo', SALES, 'POST', `/contacts/${person.id}/export`)).status).toBe(403);
});

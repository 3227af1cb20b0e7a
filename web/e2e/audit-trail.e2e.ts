// The audit trail in the browser, against the real server:
// - the owner changes a contact's e-mail in its form; the contact's
//   History (opened on its page) has "E-mail changed" by them, with the
//   entry's hash as the server chained it; its link opens Admin > Audit
//   trail filtered by the contact, and "Download CSV" saves those entries
//   under the server's name;
// - an agent (no `admin:audit`) has no History on the same page and no
//   Audit trail section, and their browser never asks for the trail.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, launch, newPage, signIn } from './helpers';

const ADMIN = 'admin@demo.example';
const AGENT = 'agent@demo.example';
const RUN = Date.now().toString(36);

interface Rec {
  id: string;
  version: number;
}
interface Entry {
  seq: number;
  action: string;
  hash: string;
  record_id: string | null;
}

let browser: Browser;
let owner: { context: BrowserContext; page: Page };
let agent: BrowserContext | undefined;
let person: Rec;
const name = `Audra Trail-${RUN}`;

beforeAll(async () => {
  person = await api<Rec>('demo', ADMIN, 'POST', '/contacts', { first_name: 'Audra', last_name: `Trail-${RUN}`, email: `audra.${RUN}@example.com` });
  browser = await launch();
  owner = await newPage(browser);
  await signIn(owner.page, 'demo', ADMIN, `/t/demo/contacts/${person.id}`);
});

afterAll(async () => {
  await owner?.context.close();
  await agent?.close();
  await browser?.close();
});

it('shows the owner their e-mail change in the contact’s History, then the trail filtered by the contact, as CSV too', async () => {
  const page = owner.page;
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await page.getByRole('link', { name: 'Edit' }).click();
  const email = `audra.new.${RUN}@example.com`;
  // The form fills itself once the contact is read: type only after that.
  const field = page.getByLabel('E-mail');
  await expect.poll(() => field.inputValue()).toBe(`audra.${RUN}@example.com`);
  await field.fill(email);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('link', { name: email }).waitFor();

  const toggle = page.getByRole('button', { name: 'History' });
  await toggle.click();
  expect(await toggle.getAttribute('aria-expanded')).toBe('true');
  const history = page.getByRole('table', { name: 'History' });
  const updated = history.locator('tr[data-action="contact.updated"]');
  await updated.waitFor();
  await expect.poll(() => updated.locator('td').nth(1).textContent()).toBe('Demo Admin');
  expect(await updated.locator('td').nth(2).textContent()).toBe('Contact changed');
  await updated.getByRole('button', { name: /^Details of “Contact changed”/ }).click();
  const details = history.locator('.audit-table__more');
  await details.getByText('E-mail changed', { exact: true }).waitFor();
  // The entry as the server chained it.
  const trail = await api<{ items: Entry[] }>('demo', ADMIN, 'GET', `/audit/events?record=${person.id}`);
  expect(trail.items.map((e) => e.action)).toEqual(['contact.updated', 'contact.created']);
  expect(await details.textContent()).toContain(trail.items[0]!.hash);

  await page.getByRole('link', { name: 'This record in the audit trail' }).click();
  await page.waitForURL((u) => u.pathname === '/t/demo/admin/audit' && u.searchParams.get('record') === person.id);
  await page.getByRole('heading', { level: 1, name: 'Audit trail' }).waitFor();
  expect(await page.getByLabel('Record ID').inputValue()).toBe(person.id);
  const rows = page.getByRole('table', { name: 'Audit trail' }).locator('tbody tr[data-seq]');
  await expect.poll(() => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')))).toEqual(['contact.updated', 'contact.created']);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  expect(download.suggestedFilename()).toBe('audit.csv');
  const lines = readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/);
  expect(lines[0]).toBe('seq,at,action,actor_type,actor_id,kind,record_id,ip,request_id,detail,prev_hash,hash');
  expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(trail.items.map((e) => String(e.seq)));
  expect(lines.slice(1).every((l) => l.includes(person.id))).toBe(true);
  expect(lines[1]).toContain('contact.updated');
});

it('gives an agent without admin:audit no History and no Audit trail section; the trail is never asked for', async () => {
  const a = await newPage(browser);
  agent = a.context;
  const asked: string[] = [];
  // The context's requests include the service worker's own.
  agent.on('request', (r) => {
    if (r.url().includes('/api/v1/audit/')) asked.push(r.url());
  });
  await signIn(a.page, 'demo', AGENT, `/t/demo/contacts/${person.id}`);
  await a.page.getByRole('heading', { level: 1, name }).waitFor();
  // `/me` has arrived (the top bar names them): what is missing now stays missing.
  await a.page.locator(`.topbar__user[title="${AGENT}"]`).waitFor();
  await a.page.getByRole('heading', { name: 'Activities' }).waitFor();
  expect(await a.page.getByRole('button', { name: 'History' }).count()).toBe(0);
  expect(await a.page.getByTestId('record-history').count()).toBe(0);
  expect(await a.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count()).toBe(0);

  await a.page.goto('/t/demo/admin/audit');
  await a.page.getByText('This page does not exist.').waitFor();
  expect(await a.page.getByRole('heading', { name: 'Audit trail' }).count()).toBe(0);
  expect(asked).toEqual([]);
});

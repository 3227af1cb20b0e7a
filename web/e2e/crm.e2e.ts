// The CRM views against the real server: create with server-side
// validation shown at the fields, search and field filters, keyset paging,
// activities, CSV import (all-or-nothing, then skipping bad rows; the
// dialog's mapping and progress are in csv-import.e2e.ts) and CSV
// export of exactly the filtered list.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, launch, newPage, signIn } from './helpers';

const A = 'admin@demo.example';
let browser: Browser;
let context: BrowserContext;
let page: Page;

const rows = () => page.locator('table tbody tr');

beforeAll(async () => {
  browser = await launch();
  ({ context, page } = await newPage(browser));
  await signIn(page, 'demo', A, '/t/demo/contacts');
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

it('creates a contact, showing the server’s validation errors at their fields', async () => {
  await page.goto('/t/demo/contacts/new');
  await page.getByLabel('E-mail').fill('not an address');
  await page.getByRole('button', { name: 'Create' }).click();
  const email = page.getByLabel('E-mail');
  await expect.poll(() => email.getAttribute('aria-invalid')).toBe('true');
  expect(await page.getByLabel(/Last name/).getAttribute('aria-invalid')).toBe('true');
  await page.getByRole('alert').first().waitFor();

  await page.getByLabel(/Last name/).fill('Quellmann');
  await page.getByLabel('First name').fill('Greta');
  await email.fill('greta.quellmann@example.com');
  await page.getByLabel('Company').selectOption({ label: 'Hanse Handel KG' });
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('heading', { name: 'Greta Quellmann' }).waitFor();

  // An activity on it, shown at once.
  await page.getByLabel('Type').selectOption('call');
  await page.getByLabel(/Subject/).fill('Intro call with Greta');
  await page.getByRole('button', { name: 'Add activity' }).click();
  await page.locator('.timeline').getByText('Intro call with Greta').waitFor();
});

it('searches and filters the list through the API, and exports exactly that as CSV', async () => {
  await page.goto('/t/demo/contacts');
  await page.getByRole('searchbox', { name: 'Search', exact: true }).fill('Quellmann');
  await page.waitForURL(/q=Quellmann/);
  await expect.poll(() => rows().count()).toBe(1);
  expect(await rows().first().textContent()).toContain('Greta Quellmann');

  await page.getByRole('searchbox', { name: 'Search', exact: true }).fill('');
  await page.waitForURL((u) => !u.search.includes('q='));
  await page.getByRole('combobox', { name: 'Field' }).selectOption({ label: 'Company' });
  await page.getByRole('combobox', { name: 'Value' }).selectOption({ label: 'Hanse Handel KG' });
  await page.getByRole('button', { name: 'Add filter' }).click();
  await page.waitForURL(/f\.company_id=/);
  await expect.poll(async () => (await rows().allTextContents()).every((t) => t.includes('Hanse Handel KG'))).toBe(true);
  const shown = await rows().count();
  expect(shown).toBeGreaterThan(1);

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const file = await (await download).path();
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  expect(lines[0]).toContain('last_name');
  expect(lines).toHaveLength(shown + 1);
  expect(lines.some((l) => l.includes('Quellmann'))).toBe(true);

  await page.getByRole('button', { name: /Remove filter Company/ }).click();
  await page.waitForURL((u) => !u.search.includes('company_id'));
});

it('imports CSV all-or-nothing, then skipping bad rows, and pages the longer list with its cursor', async () => {
  const good = Array.from({ length: 60 }, (_, i) => `Import${i},Person${String(i).padStart(2, '0')},import${i}@example.com`);
  const csv = ['first_name,last_name,email', 'Bad,Row,not-an-email', ...good].join('\n');
  await page.goto('/t/demo/contacts/import');
  const dialog = page.getByRole('dialog', { name: 'Import Contacts from CSV' });
  await dialog.getByLabel(/CSV file/).setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await dialog.getByRole('button', { name: 'Import 61 rows' }).click();
  // All or nothing: one bad row, nothing imported, the row is named.
  await dialog.getByTestId('row-errors').getByText('Row 2: E-mail is not a valid e-mail address').waitFor();
  const none = await api<{ items: unknown[] }>('demo', A, 'GET', '/contacts?q=Import0&limit=5');
  expect(none.items).toHaveLength(0);

  await dialog.getByRole('button', { name: 'Import the valid rows only' }).click();
  await dialog.getByText('60 contacts imported.').waitFor();
  await dialog.getByRole('button', { name: 'Close' }).click();

  await page.goto('/t/demo/contacts');
  await expect.poll(() => rows().count()).toBe(50);
  await page.getByRole('button', { name: 'Load more' }).click();
  await expect.poll(() => rows().count()).toBeGreaterThan(50);
  const all = await api<{ items: unknown[]; next_cursor: string | null }>('demo', A, 'GET', '/contacts?limit=200');
  expect(await rows().count()).toBe(all.items.length);
});

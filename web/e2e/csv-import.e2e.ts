// CSV import of contacts and companies through the dialog (issue 15), in
// the second tenant so its rows never show in the demo tenant's lists:
// - a spreadsheet's own headers (German, semicolons) are matched to fields,
//   a column can be left out, and the first rows are shown before importing;
// - all or nothing first: each bad row is said in words by its row in the
//   file, then "the valid rows only" imports the rest;
// - a large file shows its upload progress;
// - in German, on a phone, with no API parameter name anywhere.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { api, launch, newPage, signIn } from './helpers';

let browser: Browser;
const second = () => inject('secondTenant');
const run = Math.random().toString(36).slice(2, 7);

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** Nothing a person reads names an API parameter or field key. */
async function noApiNames(page: Page) {
  const text = (await page.getByRole('dialog').textContent()) ?? '';
  expect(text).not.toMatch(/skip_invalid|owner_id|_id\b|custom\.|row\(s\)|true|false/);
}

const dialogFile = (page: Page) => page.getByRole('dialog').getByLabel(/CSV/);

it('maps a spreadsheet’s columns, refuses a file with a bad row in words, then imports the valid rows only', async () => {
  const { slug, email } = second();
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, slug, email, `/t/${slug}/contacts`);
    await page.getByRole('link', { name: 'Import CSV' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import Contacts from CSV' });
    await dialog.waitFor();
    const csv = [
      'Vorname;Nachname;E-Mail;Telefon;Notiz',
      `Anna;Alt${run};anna.${run}@example.com;+49 30 1;first`,
      `Bob;Bauer${run};not an address;+49 30 2;second`,
      `Cem;Yilmaz${run};cem.${run}@example.com;+49 30 3;third`,
    ].join('\r\n');
    await dialogFile(page).setInputFiles({ name: 'Kontakte.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });

    const field = (column: string) => dialog.getByRole('combobox', { name: `Field for column “${column}”` });
    await expect.poll(() => field('Vorname').inputValue()).toBe('first_name');
    expect(await field('Nachname').inputValue()).toBe('last_name');
    expect(await field('E-Mail').inputValue()).toBe('email');
    expect(await field('Telefon').inputValue()).toBe('phone');
    expect(await field('Notiz').inputValue()).toBe('');
    // The person leaves the phone numbers out.
    await field('Telefon').selectOption({ label: 'Do not import' });
    const preview = dialog.getByRole('table');
    expect(await preview.locator('caption').textContent()).toBe('Kontakte.csv: the first 3 of 3 rows');
    expect(await preview.textContent()).toContain(`anna.${run}@example.com`);
    await noApiNames(page);

    await dialog.getByRole('button', { name: 'Import 3 rows' }).click();
    const errors = dialog.getByTestId('row-errors');
    await errors.waitFor();
    expect(await errors.locator('li').allTextContents()).toEqual(['Row 3: E-mail is not a valid e-mail address']);
    await dialog.getByText('1 row has errors, so nothing was imported.').waitFor();
    await noApiNames(page);
    expect((await api<{ items: unknown[] }>(slug, email, 'GET', `/contacts?q=Yilmaz${run}`)).items).toHaveLength(0);

    await dialog.getByRole('button', { name: 'Import the valid rows only' }).click();
    await dialog.getByText('2 contacts imported.').waitFor();
    await dialog.getByText('1 row with errors was left out:').waitFor();
    expect(await dialog.getByTestId('row-errors').locator('li').allTextContents()).toEqual(['Row 3: E-mail is not a valid e-mail address']);
    await noApiNames(page);

    const anna = (await api<{ items: { email?: string; phone?: string; first_name?: string }[] }>(slug, email, 'GET', `/contacts?q=Alt${run}`)).items;
    expect(anna).toHaveLength(1);
    expect(anna[0]).toMatchObject({ first_name: 'Anna', email: `anna.${run}@example.com` });
    expect(anna[0]!.phone).toBeUndefined();

    // Closed, the list shows what came in.
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.waitForURL((u) => u.pathname === `/t/${slug}/contacts`);
    await page.getByRole('link', { name: `Cem Yilmaz${run}` }).waitFor();
  } finally {
    await context.close();
  }
});

it('shows the upload’s progress for a large file', async () => {
  const { slug, email } = second();
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, slug, email, `/t/${slug}/contacts/import`);
    const dialog = page.getByRole('dialog');
    // ~700 kB; the last row is bad, so nothing is written (all or nothing).
    const rows = Array.from({ length: 5000 }, (_, i) => `Person${i},Bulk${run},bulk${i}.${run}@example.com,${'Head of something rather long '.repeat(3).trim()}`);
    const csv = ['first_name,last_name,email,title', ...rows, 'Last,Row,broken,'].join('\n');
    await dialogFile(page).setInputFiles({ name: 'bulk.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await dialog.getByRole('button', { name: 'Import 5001 rows' }).waitFor();

    // A slow line, so the upload takes a few seconds: 256 kB/s up.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 256 * 1024 });
    // Every value the progress bar shows, as the page draws it.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { progressSeen: string[] }).progressSeen = seen;
      new MutationObserver(() => {
        const bar = document.querySelector('[data-testid="import-progress"] progress');
        const v = bar?.getAttribute('value') ?? (bar ? 'indeterminate' : null);
        if (v !== null && seen[seen.length - 1] !== v) seen.push(v);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await dialog.getByRole('button', { name: 'Import 5001 rows' }).click();
    await dialog.getByRole('progressbar').waitFor();
    await dialog.getByText('1 row has errors, so nothing was imported.').waitFor({ timeout: 60_000 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
    console.log(`import progress shown: ${seen.join(' → ')}`);
    const numbers = seen.filter((v) => v !== 'indeterminate').map(Number);
    // Several steps on the way up, then the server's turn.
    expect(numbers.filter((n) => n > 0 && n < 100).length).toBeGreaterThanOrEqual(2);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(seen[seen.length - 1]).toBe('indeterminate');
    expect(await dialog.getByTestId('row-errors').locator('li').allTextContents()).toEqual(['Row 5002: E-mail is not a valid e-mail address']);
  } finally {
    await context.close();
  }
});

it('imports companies in German on a phone, with the problems in German', async () => {
  const { slug, email } = second();
  const { context, page } = await newPage(browser, { locale: 'de-DE', phone: true });
  try {
    await signIn(page, slug, email, `/t/${slug}/companies/import`, 'de');
    const dialog = page.getByRole('dialog', { name: 'Firmen aus CSV importieren' });
    await dialog.waitFor();
    const csv = ['Firma,Webseite,Branche,Kundennummer', `Nordwind Test ${run},https://nordwind.example,Handel,1`, `Ohne Web ${run},kein-link,Handel,2`].join('\n');
    await dialogFile(page).setInputFiles({ name: 'firmen.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const field = (column: string) => dialog.getByRole('combobox', { name: `Feld für die Spalte „${column}“` });
    await expect.poll(() => field('Firma').inputValue()).toBe('name');
    expect(await field('Webseite').inputValue()).toBe('website');
    expect(await field('Branche').inputValue()).toBe('industry');
    expect(await field('Kundennummer').inputValue()).toBe('');
    // The dialog fits the phone's width.
    const box = await dialog.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);

    await dialog.getByRole('button', { name: '2 Zeilen importieren' }).click();
    await dialog.getByText('1 Zeile hat Fehler, daher wurde nichts importiert.').waitFor();
    expect(await dialog.getByTestId('row-errors').locator('li').allTextContents()).toEqual([
      'Zeile 3: Website ist keine Webadresse (beginnend mit http:// oder https://)',
    ]);
    await noApiNames(page);
    await dialog.getByRole('button', { name: 'Nur die gültigen Zeilen importieren' }).click();
    await dialog.getByText('1 Firma importiert.').waitFor();
    await noApiNames(page);
    const found = (await api<{ items: { name: string; website?: string }[] }>(slug, email, 'GET', `/companies?q=Nordwind`)).items;
    expect(found.find((c) => c.name === `Nordwind Test ${run}`)?.website).toBe('https://nordwind.example');
  } finally {
    await context.close();
  }
});

// German, complete, and the person's language (issue 15): a German browser
// gets the console, SLA units, roles, their descriptions and permissions in
// German words; the person's own choice (kept in this browser) wins over
// the browser and the workspace's default.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, newPage, signIn } from './helpers';
import { newTicket, queueByName } from './support-data';

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

it('speaks German to a German browser: console, SLA units, roles and permissions', async () => {
  const queue = await queueByName('Support');
  await newTicket({ subject: 'Drucker streikt', queue_id: queue.id, priority: 'urgent' });
  const { context, page } = await newPage(browser, { locale: 'de-DE' });
  try {
    await signIn(page, 'demo', 'admin@demo.example', `/t/demo/console?queue=${queue.id}`, 'de');
    await page.getByRole('heading', { level: 2, name: `Warteschlange: ${queue.name}` }).waitFor();
    await page.getByRole('link', { name: 'Nicht zugewiesen' }).waitFor();
    await page.getByRole('button', { name: 'Neues Ticket' }).waitFor();
    // SLA clocks in German units ("1 T 6 h", "29 min 59 s"), never "1d 6h".
    const sla = page.locator('[data-testid="queue"] [data-testid="sla"] .visually-hidden').first();
    await sla.waitFor();
    const text = (await sla.textContent()) ?? '';
    expect(text).toMatch(/(\d+ (T|h|min|s))( \d+ (h|min|s))?/);
    expect(text).not.toMatch(/\d+[dhms]\b/);

    await page.goto('/t/demo/admin/roles');
    await page.getByRole('button', { name: /Vertrieb/ }).first().click();
    await page.getByText('Vertrieb: bearbeitet die eigenen Deals, teilt Kontakte und Firmen').first().waitFor();
    const grants = page.getByTestId('grants');
    await grants.getByText('Deals: lesen').waitFor();
    await grants.getByText('Tickets: interne Notizen').waitFor();
    await grants.getByText('Verwaltung: Rollen und Berechtigungen').waitFor();
  } finally {
    await context.close();
  }
});

it("keeps the person's own choice over the browser's language", async () => {
  const { context, page } = await newPage(browser, { locale: 'de-DE' });
  try {
    await signIn(page, 'demo', 'sales@demo.example', '/t/demo/contacts', 'de');
    await page.getByRole('combobox', { name: 'Sprache' }).selectOption('en');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contacts' }).waitFor();
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Contacts' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
  } finally {
    await context.close();
  }
});

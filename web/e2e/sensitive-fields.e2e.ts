// A sensitive custom field, against the real server, as the demo
// administrator:
// - made in Admin > Custom fields with the "Sensitive" box; the list marks
//   it, and the server holds it as sensitive;
// - set on a new contact through its form; the contact's page shows the
//   value in clear, with the lock by the field's name;
// - the contacts list offers no filter on it (but does on a plain field
//   beside it, so the fields have arrived), as the server would refuse one;
// - searching for its value finds nothing, while the contact's name and a
//   plain field's value both find the contact.
// Both fields are retired afterwards: the tenant is shared with the other
// end-to-end tests, and their contact forms should look as before.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, apiResponse, launch, newPage, signIn } from './helpers';
import { ADMIN, tag } from './support-data';

interface Field {
  id: string;
  key: string;
  label: string;
  sensitive: boolean;
}
interface Contact {
  id: string;
  last_name: string;
  custom?: Record<string, unknown>;
}

const run = tag();
const SENSITIVE = { key: `tax_${run}`, label: `Tax ID ${run}` };
const PLAIN = { key: `ref_${run}`, label: `Reference ${run}` };
// Single words, so that a full-text search would find them if they were indexed.
const SECRET = `taxseal${run}`;
const VISIBLE = `plainref${run}`;
const LAST = `Siegel${run}`;

let browser: Browser;
let context: BrowserContext;
let page: Page;
let plain: Field;
let contactId: string;

beforeAll(async () => {
  plain = await api<Field>('demo', ADMIN, 'POST', '/custom-fields', { kind: 'contact', key: PLAIN.key, label: PLAIN.label, type: 'text', options: {} });
  browser = await launch();
  ({ context, page } = await newPage(browser));
  await signIn(page, 'demo', ADMIN, '/t/demo/admin');
});

afterAll(async () => {
  const fields = await api<{ items: Field[] }>('demo', ADMIN, 'GET', '/custom-fields?kind=contact');
  for (const f of fields.items.filter((x) => x.key === SENSITIVE.key || x.key === PLAIN.key)) {
    await api('demo', ADMIN, 'PATCH', `/custom-fields/${f.id}`, { retired: true });
  }
  await context?.close();
  await browser?.close();
});

const rows = () => page.locator('table tbody tr');

it('makes a sensitive text field on contacts, marked as such in the list', async () => {
  await page.getByRole('link', { name: 'Custom fields' }).click();
  await page.getByRole('heading', { level: 1, name: 'Custom fields' }).waitFor();
  const form = page.getByRole('region', { name: 'New field' });
  expect(await form.getByLabel('Record kind').inputValue()).toBe('contact');
  await form.getByLabel(/^Label/).fill(SENSITIVE.label);
  await form.getByLabel(/^Key/).fill(SENSITIVE.key);
  const box = form.getByRole('checkbox', { name: 'Sensitive' });
  expect(await box.isChecked()).toBe(false);
  await box.check();
  await form.getByRole('button', { name: 'Create' }).click();
  await page.getByText(`Field “${SENSITIVE.label}” created.`).waitFor();

  const row = page.getByTestId('fields').locator('tr', { hasText: SENSITIVE.label });
  expect((await row.getByTestId('field-sensitive').textContent())?.trim()).toBe('Sensitive');
  expect(await page.getByTestId('fields').locator('tr', { hasText: PLAIN.label }).getByTestId('field-sensitive').count()).toBe(0);

  const stored = (await api<{ items: Field[] }>('demo', ADMIN, 'GET', '/custom-fields?kind=contact')).items.find((f) => f.key === SENSITIVE.key);
  expect(stored?.sensitive).toBe(true);
  expect(plain.sensitive).toBe(false);
});

it('sets it on a new contact through the form, and shows it in clear on the contact’s page', async () => {
  await page.goto('/t/demo/contacts/new');
  const secret = page.getByRole('textbox', { name: SENSITIVE.label, exact: true });
  await secret.waitFor();
  // Said to screen readers with the field, not only by the lock.
  const describedBy = (await secret.getAttribute('aria-describedby')) ?? '';
  expect(await page.locator(`[id="${describedBy}"]`).textContent()).toBe('Encrypted at rest: search and filters do not find its values.');
  await page.getByLabel('First name').fill('Vera');
  await page.getByLabel(/Last name/).fill(LAST);
  await page.getByRole('textbox', { name: PLAIN.label, exact: true }).fill(VISIBLE);
  await secret.fill(SECRET);
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('heading', { level: 1, name: `Vera ${LAST}` }).waitFor();
  contactId = new URL(page.url()).pathname.split('/').at(-1)!;

  const shown = page.locator(`[data-field="custom.${SENSITIVE.key}"]`);
  await expect.poll(() => shown.locator('dd').textContent()).toBe(SECRET);
  expect(await shown.locator('dt .sensitive-mark').count()).toBe(1);
  expect(await page.locator(`[data-field="custom.${PLAIN.key}"] dt .sensitive-mark`).count()).toBe(0);

  const stored = await api<Contact>('demo', ADMIN, 'GET', `/contacts/${contactId}`);
  expect(stored.custom).toMatchObject({ [SENSITIVE.key]: SECRET, [PLAIN.key]: VISIBLE });
});

it('offers no filter on it, as the server would refuse one', async () => {
  await page.goto('/t/demo/contacts');
  const field = page.getByRole('combobox', { name: 'Field' });
  // The plain field beside it is offered: the custom fields have arrived.
  await field.locator(`option[value="custom.${PLAIN.key}"]`).waitFor({ state: 'attached' });
  expect(await field.locator(`option[value="custom.${SENSITIVE.key}"]`).count()).toBe(0);
  expect(await field.locator('option', { hasText: SENSITIVE.label }).count()).toBe(0);

  const refused = await apiResponse('demo', ADMIN, 'GET', `/contacts?custom.${SENSITIVE.key}=${SECRET}`);
  expect(refused.status).toBe(422);
  expect(((await refused.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual([`custom.${SENSITIVE.key}`]);
});

it('finds the contact by name and by a plain field’s value, never by the sensitive value', async () => {
  await page.goto('/t/demo/contacts');
  const search = page.getByRole('searchbox', { name: 'Search', exact: true });

  await search.fill(SECRET);
  await page.waitForURL((u) => u.searchParams.get('q') === SECRET);
  await page.getByText('Nothing found.').waitFor();
  expect(await rows().count()).toBe(0);

  await search.fill(LAST);
  await page.waitForURL((u) => u.searchParams.get('q') === LAST);
  await expect.poll(() => rows().allTextContents()).toEqual([expect.stringContaining(`Vera ${LAST}`)]);

  // A plain custom value is searchable: what hides the sensitive one is its sealing.
  await search.fill(VISIBLE);
  await page.waitForURL((u) => u.searchParams.get('q') === VISIBLE);
  await expect.poll(() => rows().allTextContents()).toEqual([expect.stringContaining(`Vera ${LAST}`)]);
});

// The PWA offline: with the network really gone (a TCP gate in front of the
// app drops every connection; the page is also told it is offline), the app
// still starts from its service worker, shows the last-seen record, takes
// an edit into its IndexedDB queue, and sends it when the network is back.
// If someone else changed the record meanwhile, the replay is refused (412)
// and the person is shown the conflict: nothing is overwritten silently.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startGate, type Gate } from './gate';
import { api, appUrl, launch, newPage, signIn } from './helpers';

const A = 'admin@demo.example';
const OTHER = 'manager@demo.example';

interface Contact {
  id: string;
  version: number;
  last_name: string;
  phone?: string;
  title?: string;
}

let browser: Browser;
let gate: Gate;
let context: BrowserContext;
let page: Page;
let contact: Contact;

async function goOffline() {
  gate.setOpen(false);
  await context.setOffline(true);
}

async function goOnline() {
  gate.setOpen(true);
  await context.setOffline(false);
}

const field = (name: string) => page.locator(`[data-testid="record-fields"] [data-field="${name}"] dd`);

beforeAll(async () => {
  browser = await launch();
  gate = await startGate(appUrl());
  ({ context, page } = await newPage(browser, { baseURL: gate.url }));
  const list = await api<{ items: Contact[] }>('demo', A, 'GET', '/contacts?q=Weber&limit=1');
  contact = list.items[0]!;
  await signIn(page, 'demo', A, '/t/demo/contacts');
  // The service worker takes over this page (clients.claim) once installed.
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 15_000 });
  // Seen once online, through the worker: that is what offline can show.
  await page.goto(`/t/demo/contacts/${contact.id}`);
  await field('last_name').filter({ hasText: contact.last_name }).waitFor();
  await page.getByRole('heading', { name: 'Activities' }).waitFor();
  await page.goto(`/t/demo/contacts/${contact.id}/edit`);
  await page.getByLabel('Phone').waitFor();
  await page.goto(`/t/demo/contacts/${contact.id}`);
  await field('last_name').filter({ hasText: contact.last_name }).waitFor();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await gate?.close();
});

it('starts offline from the cache, queues an edit, and replays it when back online', async () => {
  await goOffline();
  await page.reload();
  // App shell and record from the service worker's caches.
  await field('last_name').filter({ hasText: contact.last_name }).waitFor();
  await page.getByText(/Saved copy from/).waitFor();
  await page.locator('[data-testid="connection"][data-state="offline"]').waitFor();

  await page.getByRole('link', { name: 'Edit' }).click();
  const phone = '+49 30 5550100';
  await page.getByLabel('Phone').fill(phone);
  await page.getByRole('button', { name: 'Save' }).click();

  // Shown as changed, marked as waiting, and not on the server yet.
  await field('phone').filter({ hasText: phone }).waitFor();
  await page.getByText('1 change waiting to be sent').waitFor();
  await page.getByText('Waiting to sync').first().waitFor();
  const before = await api<Contact>('demo', A, 'GET', `/contacts/${contact.id}`);
  expect(before.phone).not.toBe(phone);
  // The queue outlives the page: it is in IndexedDB.
  await page.reload();
  await page.getByText('1 change waiting to be sent').waitFor();

  await goOnline();
  await page.getByTestId('sync-panel').waitFor({ state: 'detached', timeout: 20_000 });
  const after = await api<Contact>('demo', A, 'GET', `/contacts/${contact.id}`);
  expect(after.phone).toBe(phone);
  expect(after.version).toBe(before.version + 1);
  await page.locator('[data-testid="connection"][data-state="open"]').waitFor({ timeout: 20_000 });
});

it('shows a conflict when the record changed on the server meanwhile, and applies the edit only when asked', async () => {
  await page.goto(`/t/demo/contacts/${contact.id}/edit`);
  await page.getByLabel('Job title').waitFor();
  await goOffline();
  await page.getByLabel('Job title').fill('Chief Offline Officer');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('1 change waiting to be sent').waitFor();

  // Someone else edits the same contact on the server while we are offline.
  const current = await api<Contact>('demo', OTHER, 'GET', `/contacts/${contact.id}`);
  await api('demo', OTHER, 'PATCH', `/contacts/${contact.id}`, { title: 'Head of Online' }, current.version);

  await goOnline();
  const panel = page.getByTestId('sync-panel');
  await panel.getByText('Someone else changed this record after you').waitFor({ timeout: 20_000 });
  // Not overwritten: the other person's change is what the server holds.
  expect((await api<Contact>('demo', A, 'GET', `/contacts/${contact.id}`)).title).toBe('Head of Online');

  await panel.getByRole('button', { name: 'Apply mine on top' }).click();
  await panel.waitFor({ state: 'detached', timeout: 20_000 });
  expect((await api<Contact>('demo', A, 'GET', `/contacts/${contact.id}`)).title).toBe('Chief Offline Officer');
});

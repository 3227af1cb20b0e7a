// File attachments (issue 17) in the browser, against the real server:
// - an agent adds two files to a contact (chosen together, each sent as
//   its raw bytes); a colleague with the contact open in another browser
//   sees them arrive, live; the download is the very bytes uploaded; a
//   file deleted after asking leaves the colleague's page too;
// - on a customer's ticket the agent writes an internal note with a file
//   and a public reply with another: the customer sees the reply and its
//   file in the portal, live, and downloads it, but never the note's file
//   (not in the page, not on its socket, not through the API); the
//   customer's own reply with a photo reaches the console live, as a
//   public file;
// - a file over the server's limit is refused: said at once when the page
//   knows the limit, and in the server's own words when it does not.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, apiResponse, apiUpload, appUrl, launch, newPage, password, signIn, waitLive } from './helpers';
import { PNG, pdf } from './sample-files';
import { ADMIN, newTicket, queueByName, tag, type Ticket } from './support-data';

const AGENT = 'agent@demo.example';
const COLLEAGUE = 'manager@demo.example';
const CUSTOMER = 'customer@demo.example';
const RUN = tag();

interface StoredFile {
  id: string;
  name: string;
  size: number;
  sha256: string;
  content_type: string;
  internal: boolean;
  comment_id: string | null;
  created_by_name?: string | null;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let browser: Browser;
const contexts: BrowserContext[] = [];
let agent: Page;
let colleague: Page;

async function person(email: string, next: string): Promise<Page> {
  const { context, page } = await newPage(browser);
  contexts.push(context);
  await signIn(page, 'demo', email, next);
  return page;
}

async function portalSignIn(p: Page, email: string) {
  await p.goto('/t/demo/portal');
  await p.getByLabel('E-mail').fill(email);
  await p.getByLabel('Password').fill(password());
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'How can we help?' }).waitFor();
}

/** What the download saved, and the name it was saved under. */
async function download(page: Page, click: () => Promise<void>) {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: d.suggestedFilename(), bytes: readFileSync((await d.path())!) };
}

beforeAll(async () => {
  browser = await launch();
  [agent, colleague] = await Promise.all([person(AGENT, '/t/demo/contacts'), person(COLLEAGUE, '/t/demo/contacts')]);
});

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
});

it('adds files to a contact and downloads one; a colleague sees them come and go, live', async () => {
  const last = `Anhang-${RUN}`;
  const person = await api<{ id: string }>('demo', ADMIN, 'POST', '/contacts', { first_name: 'Anna', last_name: last });
  for (const p of [agent, colleague]) {
    await p.goto(`/t/demo/contacts/${person.id}`);
    await p.getByRole('heading', { name: `Anna ${last}` }).waitFor();
    await p.getByTestId('attachments').getByText('No files yet. Add some, or drop them here.').waitFor();
    await waitLive(p);
  }
  const doc = pdf(`delivery note ${RUN}`);
  const docName = `Lieferschein-${RUN}.pdf`;
  const mine = agent.getByTestId('attachments');
  const theirs = colleague.getByTestId('attachments');

  const t0 = Date.now();
  await mine.getByLabel('Add files').setInputFiles([
    { name: docName, mimeType: 'application/pdf', buffer: doc },
    { name: 'Lageplan.png', mimeType: 'image/png', buffer: PNG },
  ]);
  await mine.getByRole('button', { name: `Download ${docName}` }).waitFor();
  await mine.getByRole('button', { name: 'Download Lageplan.png' }).waitFor();
  await theirs.getByRole('button', { name: `Download ${docName}` }).waitFor({ timeout: 5000 });
  await theirs.getByRole('button', { name: 'Download Lageplan.png' }).waitFor({ timeout: 5000 });
  console.log(`attachments: both files on the colleague's page ${Date.now() - t0} ms after choosing them`);
  expect(await mine.getByRole('heading', { name: /^Attachments/ }).textContent()).toBe('Attachments (2)');

  // Each row says its size, type and who added it.
  const row = mine.locator(`[data-name="${docName}"]`);
  const text = await row.textContent();
  expect(text).toContain(`${doc.length} B`);
  expect(text).toContain('PDF');
  expect(text).toContain('added by Alex Agent');

  // The server holds what was sent.
  const held = await api<{ items: StoredFile[] }>('demo', ADMIN, 'GET', `/contacts/${person.id}/files`);
  expect(held.items.map((f) => [f.name, f.size, f.sha256, f.content_type]).sort()).toEqual(
    [
      [docName, doc.length, sha256(doc), 'application/pdf'],
      ['Lageplan.png', PNG.length, sha256(PNG), 'image/png'],
    ].sort(),
  );

  // The download is the very bytes uploaded, under the file's name.
  const got = await download(agent, () => row.getByRole('button', { name: `Download ${docName}` }).click());
  expect(got.name).toBe(docName);
  expect(got.bytes.equals(doc)).toBe(true);

  // Deleted after asking: gone from the colleague's page too.
  await mine.getByRole('button', { name: 'Delete Lageplan.png' }).click();
  const confirm = agent.getByRole('alertdialog');
  expect(await confirm.textContent()).toContain('Delete Lageplan.png? This cannot be undone.');
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await mine.getByText('Lageplan.png was deleted.').waitFor();
  await theirs.getByRole('button', { name: 'Download Lageplan.png' }).waitFor({ state: 'detached', timeout: 5000 });
  const left = await api<{ items: StoredFile[] }>('demo', ADMIN, 'GET', `/contacts/${person.id}/files`);
  expect(left.items.map((f) => f.name)).toEqual([docName]);
});

it('sends a file with a reply to the customer, never with an internal note, and gets one back', async () => {
  const subject = `Scratched side panel ${RUN}`;
  const made = await newTicket({ subject, description: 'The side panel arrived scratched.' }, CUSTOMER);
  // Into the agent's team's queue, so the agent may work it.
  const support = await queueByName('Support');
  const now = await api<Ticket>('demo', ADMIN, 'GET', `/tickets/${made.id}`);
  await api('demo', ADMIN, 'PATCH', `/tickets/${made.id}`, { queue_id: support.id }, now.version);

  await agent.goto(`/t/demo/console/${made.id}`);
  await agent.locator(`[data-testid="ticket"][data-ticket="${made.id}"][data-live="true"]`).waitFor({ timeout: 15_000 });
  const { context, page: customer } = await newPage(browser);
  contexts.push(context);
  // Everything the customer's socket hears: an internal file must not be named there either.
  const heard: string[] = [];
  customer.on('websocket', (ws) => ws.on('framereceived', (f) => heard.push(String(f.payload))));
  await portalSignIn(customer, CUSTOMER);
  await customer.goto(`/t/demo/portal/tickets/${made.id}`);
  await customer.getByRole('heading', { name: subject }).waitFor();
  await waitLive(customer);

  const ticket = agent.getByTestId('ticket');
  const thread = ticket.getByTestId('thread');
  const secret = `Seriennummer-${RUN}.png`;
  const guide = `Montageanleitung-${RUN}.pdf`;
  const guideBytes = pdf(`assembly guide ${RUN}`);

  // An internal note with a file: uploaded as internal, then named on the note.
  await ticket.getByRole('radio', { name: 'Internal note' }).check();
  await ticket.getByPlaceholder('Only your colleagues see this note.').fill(`Serial number on the photo ${RUN}`);
  await ticket.getByLabel('Attach files').setInputFiles({ name: secret, mimeType: 'image/png', buffer: PNG });
  await ticket.getByTestId('uploads').getByText(secret).waitFor();
  await ticket.getByRole('button', { name: 'Add note' }).click();
  await thread.getByRole('button', { name: `Download ${secret}` }).waitFor();

  // A public reply with a file.
  await ticket.getByRole('radio', { name: 'Public reply' }).check();
  await ticket.getByPlaceholder('Write a reply…').fill(`Here is the assembly guide ${RUN}`);
  await ticket.getByLabel('Attach files').setInputFiles({ name: guide, mimeType: 'application/pdf', buffer: guideBytes });
  await ticket.getByRole('button', { name: 'Send reply' }).click();
  await thread.getByRole('button', { name: `Download ${guide}` }).waitFor();
  await ticket.getByTestId('uploads').waitFor({ state: 'detached' });

  // The customer: the reply and its file, live; nothing of the note.
  const portalThread = customer.getByTestId('thread');
  await portalThread.getByText(`Here is the assembly guide ${RUN}`).waitFor({ timeout: 5000 });
  await portalThread.getByRole('button', { name: `Download ${guide}` }).waitFor();
  const page = (await customer.locator('body').textContent()) ?? '';
  expect(page).not.toContain('Seriennummer');
  expect(page).not.toContain('Serial number on the photo');
  expect(heard.some((f) => f.includes(guide))).toBe(true);
  expect(heard.filter((f) => f.includes('Seriennummer'))).toEqual([]);
  const got = await download(customer, () => portalThread.getByRole('button', { name: `Download ${guide}` }).click());
  expect(got.name).toBe(guide);
  expect(got.bytes.equals(guideBytes)).toBe(true);

  // What the server holds: the note's file internal, on the note; the customer reaches only the reply's.
  const all = (await api<{ items: StoredFile[] }>('demo', ADMIN, 'GET', `/tickets/${made.id}/files`)).items;
  const secretFile = all.find((f) => f.name === secret)!;
  expect(secretFile.internal).toBe(true);
  expect(secretFile.comment_id).not.toBeNull();
  expect(all.find((f) => f.name === guide)?.internal).toBe(false);
  const theirs = (await api<{ items: StoredFile[] }>('demo', CUSTOMER, 'GET', `/tickets/${made.id}/files`)).items;
  expect(theirs.map((f) => f.name)).toEqual([guide]);
  expect([403, 404]).toContain((await apiResponse('demo', CUSTOMER, 'GET', `/files/${secretFile.id}`)).status);
  const comments = (await api<{ items: { body: string; attachments?: { name: string }[] }[] }>('demo', CUSTOMER, 'GET', `/tickets/${made.id}/comments`)).items;
  expect(comments.flatMap((c) => c.attachments ?? []).map((a) => a.name)).toEqual([guide]);

  // The customer answers with a photo: public, in the console at once.
  const photo = `Kratzer-${RUN}.png`;
  await customer.getByPlaceholder('Write a reply…').fill('A photo of the scratch.');
  await customer.getByLabel('Attach files').setInputFiles({ name: photo, mimeType: 'image/png', buffer: PNG });
  await customer.getByRole('button', { name: 'Send reply' }).click();
  await portalThread.getByRole('button', { name: `Download ${photo}` }).waitFor();
  await thread.getByRole('button', { name: `Download ${photo}` }).waitFor({ timeout: 5000 });
  const theirPhoto = (await api<{ items: StoredFile[] }>('demo', ADMIN, 'GET', `/tickets/${made.id}/files`)).items.find((f) => f.name === photo);
  expect(theirPhoto).toMatchObject({ internal: false, created_by_name: 'Chris Customer' });

  // The ticket's files, listed in the console beneath the conversation.
  const files = ticket.getByTestId('attachments');
  for (const name of [secret, guide, photo]) await files.getByRole('button', { name: `Download ${name}` }).waitFor();
  expect(await files.locator(`[data-name="${secret}"]`).textContent()).toContain('Internal');
});

it('refuses a file over the limit: at once when the page knows it, else in the server’s words', async () => {
  const person = await api<{ id: string }>('demo', ADMIN, 'POST', '/contacts', { first_name: 'Bruno', last_name: `Gross-${RUN}` });
  const usage = await api<{ max_upload_bytes: number }>('demo', AGENT, 'GET', '/storage/usage');
  const big = Buffer.alloc(usage.max_upload_bytes + 1, 0x41);
  const bigName = `Archiv-${RUN}.bin`;

  // The server's own refusal.
  const refused = await apiUpload('demo', AGENT, `/contacts/${person.id}/files?name=${bigName}`, big, 'application/octet-stream');
  expect(refused.status).toBe(413);
  const problem = (await refused.json()) as { code: string; detail?: string; title?: string };
  expect(problem.code).toBe('payload_too_large');
  const words = problem.detail || problem.title || '';

  // The page knows the limit: said before a byte is sent.
  await agent.goto(`/t/demo/contacts/${person.id}`);
  const panel = agent.getByTestId('attachments');
  await panel.getByText(/up to [\d.]+ MB each/).waitFor();
  const sent: string[] = [];
  const watch = (r: { url(): string; method(): string }) => r.method() === 'POST' && r.url().includes('/files') && sent.push(r.url());
  agent.on('request', watch);
  await panel.getByLabel('Add files').setInputFiles({ name: bigName, mimeType: 'application/octet-stream', buffer: big });
  await panel.getByText(new RegExp(`^${bigName} was not added: It is larger than the [\\d.]+ MB a file may have\\.$`)).waitFor();
  agent.off('request', watch);
  expect(sent).toEqual([]);

  // A page that does not know it (as with a server that does not tell): the server refuses, and the page says so in its words.
  const context = await browser.newContext({ baseURL: appUrl(), viewport: { width: 1280, height: 860 }, locale: 'en-GB', serviceWorkers: 'block' });
  contexts.push(context);
  await context.route('**/api/v1/storage/usage', (route) =>
    route.fulfill({ status: 404, contentType: 'application/problem+json', body: JSON.stringify({ status: 404, code: 'not_found', detail: 'Not here.' }) }),
  );
  const blind = await context.newPage();
  await signIn(blind, 'demo', AGENT, `/t/demo/contacts/${person.id}`);
  const blindPanel = blind.getByTestId('attachments');
  await blindPanel.getByText('No files yet. Add some, or drop them here.').waitFor();
  await blindPanel.getByLabel('Add files').setInputFiles({ name: bigName, mimeType: 'application/octet-stream', buffer: big });
  const said = blindPanel.locator(`[data-upload="${bigName}"] [role="alert"]`);
  await said.waitFor({ timeout: 60_000 });
  expect(await said.textContent()).toBe(`${bigName} was not added: ${words}`);
  expect((await api<{ items: StoredFile[] }>('demo', ADMIN, 'GET', `/contacts/${person.id}/files`)).items).toEqual([]);
});

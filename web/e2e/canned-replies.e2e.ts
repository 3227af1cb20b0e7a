// Canned replies from end to end: an administrator adds one with
// placeholders in Admin > Canned replies (one typed, one put in with its
// chip); an agent picks it in the console by typing part of its name, and
// the reply box holds it filled in for that ticket (the requester's first
// name, the subject, the agent's own name); sending it posts the comment.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { api, launch, newPage, signIn } from './helpers';
import { ADMIN, newTicket, queueByName, tag } from './support-data';

const AGENT = 'agent@demo.example';
let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

interface Contact {
  id: string;
  first_name?: string;
}

it('an admin saves a canned reply with placeholders; an agent puts it, filled in, into the reply box and sends it', async () => {
  const run = tag();
  const name = `Printer help ${run}`;
  const queue = await queueByName('Support');
  const contacts = await api<{ items: Contact[] }>('demo', ADMIN, 'GET', '/contacts?limit=50');
  const requester = contacts.items.find((c) => c.first_name);
  if (!requester) throw new Error('the demo tenant has no contact with a first name');
  const subject = `Printer prints blank pages ${run}`;
  const ticket = await newTicket({ subject, queue_id: queue.id, requester_id: requester.id, priority: 'normal' });
  const agent = await api<{ user: { name: string } }>('demo', AGENT, 'GET', '/me');

  // The administrator adds it.
  const admin = await newPage(browser);
  try {
    await signIn(admin.page, 'demo', ADMIN, '/t/demo/admin/canned-replies');
    const page = admin.page;
    await page.getByRole('heading', { level: 1, name: 'Canned replies' }).waitFor();
    await page.getByTestId('placeholders').getByText('{{contact.first_name}}').waitFor();
    await page.getByRole('button', { name: 'Add reply' }).click();
    const fresh = page.locator('li.canned-reply').last();
    await fresh.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
    const body = fresh.getByRole('textbox', { name: 'Text', exact: true });
    await body.fill('Hello {{ contact.first_name }}, about "{{ticket.subject}}": please try again. Regards, ');
    // The chip puts its placeholder at the cursor (the end of the text).
    await body.press('End');
    await fresh.getByRole('button', { name: /^Insert \{\{agent\.name\}\}/ }).click();
    expect(await body.inputValue()).toBe('Hello {{ contact.first_name }}, about "{{ticket.subject}}": please try again. Regards, {{agent.name}}');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Canned replies saved.').waitFor();
  } finally {
    await admin.context.close();
  }
  const saved = await api<{ replies: { name: string }[] }>('demo', AGENT, 'GET', '/canned-replies');
  expect(saved.replies.map((r) => r.name)).toContain(name);

  // The agent picks it for the ticket.
  const { context, page } = await newPage(browser);
  try {
    await signIn(page, 'demo', AGENT, `/t/demo/console/${ticket.id}`);
    await page.locator(`[data-testid="ticket"][data-ticket="${ticket.id}"]`).waitFor();
    await page.getByRole('button', { name: 'Canned reply' }).click();
    const find = page.getByRole('combobox', { name: 'Find a canned reply by name' });
    await find.fill(`help ${run}`);
    const option = page.getByRole('listbox', { name: 'Canned replies' }).getByRole('option');
    await option.first().waitFor();
    expect(await option.count()).toBe(1);
    await find.press('Enter');
    const box = page.getByPlaceholder('Write a reply…');
    const filled = `Hello ${requester.first_name}, about "${subject}": please try again. Regards, ${agent.user.name}`;
    await expect.poll(() => box.inputValue()).toBe(filled);
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByTestId('thread').getByText(filled).waitFor();
    const comments = await api<{ items: { body: string; internal: boolean }[] }>('demo', ADMIN, 'GET', `/tickets/${ticket.id}/comments`);
    expect(comments.items.some((c) => c.body === filled && !c.internal)).toBe(true);
  } finally {
    await context.close();
  }
});

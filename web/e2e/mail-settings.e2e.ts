// Admin › E-mail's reply address from end to end, against the real server
// and the SMTP sink of the global setup (mail-sink.ts):
// - the demo administrator sets the address, reloads and finds it kept;
//   one that is not plain (a `+`) is refused at the field, and the saved
//   one stays;
// - an agent's public reply on a ticket whose requester has an e-mail
//   reaches the sink, and the outbox records its Reply-To as the address
//   with `+r-<token>`. The sink keeps neither the headers nor the raw
//   message (SunkMail: envelope, subject, text, html), so the header as
//   it went over SMTP is not read here: the outbox's `reply_to` is what
//   the mailer puts into it;
// - an answer posted raw to the inbound hook the page names, with an API
//   key of a role that may write tickets, and addressed only to that
//   tokened address (no In-Reply-To), lands on the ticket, as the page says.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, apiResponse, launch, newPage, signIn } from './helpers';
import { waitForMail } from './mailbox';
import { ADMIN, newTicket, tag } from './support-data';

const RUN = tag();
const ADDRESS = 'help@demo.example';
const REFUSED = 'must be a plain address (no +, at most 40 characters before the @)';

let browser: Browser;
let context: BrowserContext;
let page: Page;
let keyId: string | null = null;

interface Outbox {
  items: { kind: string; to_addr: string; subject: string; status: string; reply_to?: string | null; ticket_id?: string | null }[];
}

beforeAll(async () => {
  browser = await launch();
  ({ context, page } = await newPage(browser));
  await signIn(page, 'demo', ADMIN, '/t/demo/admin');
});

afterAll(async () => {
  // The other tests' replies go out as before: no reply address, no key left behind.
  await apiResponse('demo', ADMIN, 'PUT', '/settings/mail', { reply_address: null });
  if (keyId) await apiResponse('demo', ADMIN, 'DELETE', `/api-keys/${keyId}`);
  await context?.close();
  await browser?.close();
});

const panel = () => page.getByRole('region', { name: 'Reply address' });
const field = () => panel().getByLabel(/^Reply address/);

it('sets the reply address, keeps it over a reload, and shows a refused one at the field', async () => {
  await page.getByRole('link', { name: 'E-mail' }).click();
  await page.getByRole('heading', { level: 1, name: 'E-mail' }).waitFor();
  await page.getByTestId('reply-now').getByText(/^Not set:/).waitFor();

  await field().fill(ADDRESS);
  await panel().getByRole('button', { name: 'Save' }).click();
  await panel().getByText('Reply address saved.').waitFor();
  expect(await api<{ reply_address: string | null }>('demo', ADMIN, 'GET', '/settings/mail')).toEqual({ reply_address: ADDRESS });

  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'E-mail' }).waitFor();
  await expect.poll(() => field().inputValue()).toBe(ADDRESS);
  expect(await page.getByTestId('reply-now').textContent()).toBe('Replies now carry the Reply-To help+r-…@demo.example');

  // Not a plain address: the server's reason at the field, nothing saved.
  await field().fill('help+desk@demo.example');
  await panel().getByRole('button', { name: 'Save' }).click();
  const reason = panel().locator('.field__error');
  await reason.waitFor();
  expect(await reason.textContent()).toBe(REFUSED);
  expect(await field().getAttribute('aria-invalid')).toBe('true');
  expect(await page.getByRole('alert').count()).toBe(0);
  expect((await api<{ reply_address: string | null }>('demo', ADMIN, 'GET', '/settings/mail')).reply_address).toBe(ADDRESS);

  // The hook the page names is this workspace's, at the app's own address.
  const origin = new URL(page.url()).origin;
  expect(await page.getByTestId('inbound-url').textContent()).toBe(`${origin}/t/demo/api/v1/mail/inbound`);
  expect(await page.getByRole('link', { name: 'Make a key under Admin › API keys.' }).getAttribute('href')).toBe('/t/demo/admin/api-keys');
});

it('mails a public reply with the tokened Reply-To, and an answer to that address threads onto the ticket', async () => {
  // The first test left the address saved; this one stands alone too.
  await api('demo', ADMIN, 'PUT', '/settings/mail', { reply_address: ADDRESS });
  const email = `carla.${RUN}@customer.example`;
  const carla = await api<{ id: string }>('demo', ADMIN, 'POST', '/contacts', { first_name: 'Carla', last_name: `Kunde-${RUN}`, email });
  const ticket = await newTicket({ subject: `Printer on fire ${RUN}`, requester_id: carla.id });

  const since = new Date().toISOString();
  await api('demo', ADMIN, 'POST', `/tickets/${ticket.id}/comments`, { body: `Please unplug it and wait. ${RUN}`, internal: false });
  const mail = await waitForMail(email, since);
  expect(mail.subject).toContain(`Printer on fire ${RUN}`);
  expect(mail.text).toContain(`Please unplug it and wait. ${RUN}`);

  const reply = (await api<Outbox>('demo', ADMIN, 'GET', '/mail/outbox')).items.find((m) => m.kind === 'ticket_reply' && m.to_addr === email);
  expect(reply?.ticket_id).toBe(ticket.id);
  expect(reply?.reply_to).toMatch(/^help\+r-[0-9a-f]{16}@demo\.example$/);

  // Admin › E-mail lists it as a ticket reply, sent.
  await page.goto('/t/demo/admin/mail');
  const row = page.locator('[data-testid="outbox"] tr').filter({ hasText: email });
  await row.waitFor();
  expect(await row.locator('td').nth(1).textContent()).toBe('Ticket reply');
  await expect.poll(() => row.getAttribute('data-status'), { timeout: 10_000 }).toBe('sent');

  // What the provider does: the raw answer to the hook the page names,
  // with a key whose role may write tickets (the demo's agents may).
  const made = await api<{ id: string; key: string }>('demo', ADMIN, 'POST', '/api-keys', { name: `Inbound mail ${RUN}`, role: 'agent' });
  keyId = made.id;
  const hook = (await page.getByTestId('inbound-url').textContent()) ?? '';
  const answer = [
    `From: Carla Kunde <${email}>`,
    `To: Demo Support <${reply!.reply_to!.toUpperCase()}>`,
    `Subject: Re: Printer on fire ${RUN}`,
    `Message-ID: <answer-${RUN}@customer.example>`,
    '',
    `Unplugged, all good now. ${RUN}`,
    '',
  ].join('\r\n');
  const posted = await fetch(hook, { method: 'POST', headers: { authorization: `Bearer ${made.key}`, 'content-type': 'message/rfc822' }, body: answer });
  const got = (await posted.json()) as { ticket_id?: string; new_ticket?: boolean };
  expect(posted.status, JSON.stringify(got)).toBe(201);
  expect(got).toMatchObject({ ticket_id: ticket.id, new_ticket: false });
  const comments = await api<{ items: { body: string; internal: boolean }[] }>('demo', ADMIN, 'GET', `/tickets/${ticket.id}/comments`);
  expect(comments.items.find((c) => c.body.includes(`Unplugged, all good now. ${RUN}`))?.internal).toBe(false);
});

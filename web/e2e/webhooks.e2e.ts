// Webhooks from end to end, against the real server and a receiver of our
// own (a Node `http` server on 127.0.0.1, which global-setup.ts lets the
// server reach with MANDANT_WEBHOOK_ALLOW_NETWORKS):
// - the demo administrator adds an endpoint for contact events in Admin >
//   Webhooks and sees its signing secret once;
// - a contact made through the API reaches the receiver as a signed
//   `contact.created` POST (checked here with node:crypto, as Standard
//   Webhooks says), and the page's delivery log lists that delivery;
// - a test ping from the page reaches the receiver and is shown as answered.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, apiResponse, launch, newPage, signIn } from './helpers';
import { ADMIN, tag } from './support-data';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const RUN = tag();
const received: Received[] = [];
let receiver: Server;
let hookUrl: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST') received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`received ${RUN}`);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/${RUN}`;
  browser = await launch();
  ({ context, page } = await newPage(browser));
  await signIn(page, 'demo', ADMIN, '/t/demo/admin');
});

afterAll(async () => {
  // Leave no endpoint behind for the other tests' events.
  const hooks = await api<{ items: { id: string; url: string }[] }>('demo', ADMIN, 'GET', '/webhooks').catch(() => ({ items: [] }));
  for (const h of hooks.items.filter((x) => x.url === hookUrl)) await apiResponse('demo', ADMIN, 'DELETE', `/webhooks/${h.id}`);
  await context?.close();
  await browser?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** Standard Webhooks: base64 HMAC-SHA256 of `<id>.<timestamp>.<body>` under the secret's bytes; any `v1,` entry may match. */
function signedBy(secret: string, r: Received): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const message = `${String(r.headers['webhook-id'])}.${String(r.headers['webhook-timestamp'])}.${r.body}`;
  const expected = Buffer.from(createHmac('sha256', key).update(message).digest('base64'));
  return String(r.headers['webhook-signature'] ?? '')
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3)))
    .some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected));
}

it('adds a webhook for contact events, shows its secret once, delivers a signed contact.created, logs it, and answers a ping', async () => {
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();

  const form = page.getByRole('region', { name: 'New webhook' });
  await form.getByRole('textbox', { name: /^URL/ }).fill(hookUrl);
  await form.getByLabel('Description').fill(`e2e receiver ${RUN}`);
  await form.getByRole('checkbox', { name: 'All events' }).uncheck();
  await form.getByRole('checkbox', { name: /^Contacts/ }).check();
  await form.getByRole('button', { name: 'Create webhook' }).click();

  // The secret, once: copied by hand here, then dismissed for good.
  const shown = page.getByTestId('secret-once');
  await shown.waitFor();
  expect(await shown.textContent()).toContain('you will not see it again');
  const secret = (await shown.getByTestId('secret').textContent()) ?? '';
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
  await shown.getByRole('button', { name: 'I saved it' }).click();
  await shown.waitFor({ state: 'detached' });
  expect(await page.getByText(secret).count()).toBe(0);

  const card = page.locator(`li[data-url="${hookUrl}"]`);
  await card.waitFor();
  expect(await card.getByTestId('webhook-state').textContent()).toBe('Active');
  const id = await card.getAttribute('data-webhook');
  const saved = await api<Record<string, unknown>>('demo', ADMIN, 'GET', `/webhooks/${id}`);
  expect(saved).toMatchObject({ url: hookUrl, event_types: ['contact.*'], enabled: true });
  expect(saved).not.toHaveProperty('secret');

  // A contact made now reaches the receiver, signed.
  const contact = await api<{ id: string }>('demo', ADMIN, 'POST', '/contacts', { first_name: 'Webb', last_name: `Hook-${RUN}`, email: `webb.${RUN}@example.com` });
  const created = () => received.find((r) => {
    const b = JSON.parse(r.body) as { type?: string; record_id?: string };
    return b.type === 'contact.created' && b.record_id === contact.id;
  });
  await expect.poll(created, { timeout: 30_000, interval: 250 }).toBeTruthy();
  const delivered = created()!;
  expect(delivered.path).toBe(`/hooks/${RUN}`);
  expect(delivered.headers['content-type']).toContain('application/json');
  for (const h of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) expect(delivered.headers[h], h).toBeTruthy();
  expect(Math.abs(Number(delivered.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(300);
  expect(signedBy(secret, delivered)).toBe(true);
  expect(signedBy(`whsec_${Buffer.from('not the secret').toString('base64')}`, delivered)).toBe(false);
  // Only what was asked for: contact events.
  expect(received.every((r) => (JSON.parse(r.body) as { type: string }).type.startsWith('contact.'))).toBe(true);

  // The page's delivery log lists it (read again with "Refresh": deliveries are not pushed).
  await card.getByRole('button', { name: 'Show delivery log' }).click();
  const row = card.locator(`[data-testid="deliveries"] tr[data-event="contact.created"]`).filter({ hasText: String(delivered.headers['webhook-id']) });
  await expect.poll(async () => {
    if ((await row.count()) > 0) return true;
    await card.getByRole('button', { name: 'Refresh' }).click();
    return false;
  }, { timeout: 15_000, interval: 500 }).toBe(true);
  expect(await row.first().getAttribute('data-ok')).toBe('true');
  expect(await row.first().textContent()).toContain(`received ${RUN}`);

  // A test ping: sent at once, answered, shown, and logged.
  await card.getByRole('button', { name: 'Send test ping' }).click();
  const result = card.getByTestId('ping-result');
  await result.waitFor();
  expect(await result.getAttribute('data-ok')).toBe('true');
  expect(await result.textContent()).toMatch(/^The receiver answered 200 in [\d,]+ ms\.$/);
  const ping = received.find((r) => (JSON.parse(r.body) as { type?: string }).type === 'webhook.ping');
  expect(ping).toBeTruthy();
  expect(signedBy(secret, ping!)).toBe(true);
  await card.locator('[data-testid="deliveries"] tr[data-event="webhook.ping"]').first().waitFor();
});

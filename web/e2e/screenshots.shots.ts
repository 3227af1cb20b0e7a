// `npm run screenshots`: every main view of the app, at desktop (1280×800)
// and phone (390×844) width, into ../docs/screenshots/<view>-<size>.png.
// It runs against the demo server the end-to-end set-up starts, and first
// gives the demo what makes the views worth a look: an SLA policy with
// short targets (so clocks are green, amber and red when photographed), a
// routing queue that offers the agent a ticket, a conversation with an
// internal note, a second person on the ticket, a supplier with
// something shared, a person's data exported, a contact with a sensitive
// field and a changed e-mail (her History, and the audit trail), two
// webhooks, a password reset asked for, a reply address for e-mail, two
// canned replies, and files on a contact.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, apiResponse, apiUpload, launch, newPage, serverUrl, signIn, waitLive } from './helpers';
import { waitForMail } from './mailbox';
import { PNG, pdf } from './sample-files';
import { ADMIN, ensureUser, newTicket, queueByName } from './support-data';

const OUT = resolve(import.meta.dirname, '../../docs/screenshots');
const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
const AGENT = 'agent@demo.example';
const MANAGER = 'manager@demo.example';
const CUSTOMER = 'customer@demo.example';
const SUPPLIER = 'supplier@demo.example';
const RESET = 'sales@demo.example';

let browser: Browser;
const contexts: BrowserContext[] = [];

async function person(email: string | null, next = ''): Promise<Page> {
  const { context, page } = await newPage(browser);
  contexts.push(context);
  if (email) await signIn(page, 'demo', email, next);
  return page;
}

/** Photographs what `page` shows, at both sizes (`ready` runs after each resize). */
async function shoot(page: Page, name: string, ready?: () => Promise<unknown>) {
  for (const [size, viewport] of Object.entries(SIZES)) {
    await page.setViewportSize(viewport);
    await ready?.();
    await page.waitForTimeout(400); // layout and fonts settle
    await page.screenshot({ path: join(OUT, `${name}-${size}.png`), animations: 'disabled', caret: 'hide' });
  }
  await page.setViewportSize(SIZES.desktop);
  console.log(`screenshots: ${name}`);
}

async function visit(page: Page, path: string, ready: string) {
  await page.goto(path);
  await page.locator(ready).first().waitFor({ timeout: 15_000 });
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  browser = await launch();
});

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
});

it('photographs every main view', async () => {
  const me = (email: string) => api<{ user: { id: string } }>('demo', email, 'GET', '/me').then((m) => m.user.id);
  const agentId = await me(AGENT);
  const support = await queueByName('Support');
  const billing = await queueByName('Billing');
  const team = (await api<{ items: { id: string; name: string }[] }>('demo', ADMIN, 'GET', '/teams')).items[0]!.id;
  const contacts = await api<{ items: { id: string; user_id?: string }[] }>('demo', ADMIN, 'GET', '/contacts?limit=50');
  const customerContact = contacts.items.find((c) => c.user_id) ?? contacts.items[0]!;

  // A supplier, with a ticket, a deal and a company shared.
  const supplierId = await ensureUser(SUPPLIER, 'Sid Supplier', 'supplier', ['supplier']);
  await newTicket({
    subject: 'Replacement parts for order 4711', queue_id: billing.id, priority: 'high', shared_with: [supplierId],
    description: 'Two hinges and a gasket; please confirm the delivery date.',
  });
  const deal = (await api<{ items: { id: string; version: number }[] }>('demo', ADMIN, 'GET', '/deals?limit=1')).items[0]!;
  await api('demo', ADMIN, 'PATCH', `/deals/${deal.id}`, { shared_with: [supplierId] }, deal.version);
  const company = (await api<{ items: { id: string; version: number }[] }>('demo', ADMIN, 'GET', '/companies?limit=1')).items[0]!;
  await api('demo', ADMIN, 'PATCH', `/companies/${company.id}`, { shared_with: [supplierId] }, company.version);

  // ---- views that do not depend on time ----
  const visitor = await person(null);
  await visit(visitor, '/t/demo/login', 'form');
  await shoot(visitor, 'login');

  const admin = await person(ADMIN, '/t/demo/pipeline');
  await admin.locator('[data-testid="board"][data-live="true"]').waitFor({ timeout: 15_000 });
  await shoot(admin, 'pipeline');
  await visit(admin, '/t/demo/overview', '[data-testid="stat-contacts"]');
  await admin.getByTestId('overview-queues').locator('tbody tr').first().waitFor();
  await shoot(admin, 'overview');
  // A deal with a task on it, so its card and its timeline have something to show.
  const shown = (await api<{ items: { id: string; title: string; stage_id: string }[] }>('demo', ADMIN, 'GET', '/deals?limit=50')).items.find((d) => d.stage_id === 'offer') ?? deal;
  await api('demo', ADMIN, 'POST', '/activities', {
    type: 'task', subject: 'Send the revised offer', done: false, related_kind: 'deal', related_id: shown.id,
    due_at: new Date(Date.now() + 2 * 24 * 3600_000).toISOString(),
  });
  await api('demo', ADMIN, 'POST', '/activities', {
    type: 'call', subject: 'Budget confirmed by the CFO', related_kind: 'deal', related_id: shown.id,
  });
  await visit(admin, `/t/demo/deals/${shown.id}`, '[data-testid="deal-fields"]');
  await admin.locator('[data-testid="timeline"] [data-entry="activity"]').first().waitFor();
  await shoot(admin, 'deal');
  await api('demo', ADMIN, 'POST', '/activities', {
    type: 'task', subject: 'Call back Mrs Weber about the renewal', done: false, due_at: new Date(Date.now() - 3 * 3600_000).toISOString(),
  });
  await visit(admin, '/t/demo/tasks', '[data-task]');
  await shoot(admin, 'tasks');
  await visit(admin, `/t/demo/search?q=${encodeURIComponent('Müller')}`, '[data-testid="search"] [data-kind] a');
  await shoot(admin, 'search');
  await visit(admin, '/t/demo/contacts', 'table tbody tr');
  await shoot(admin, 'contacts');
  // The import dialog with a trade fair's list: its columns matched, one left out.
  await visit(admin, '/t/demo/contacts/import', '[data-testid="csv-import"]');
  const fair = [
    'Vorname;Nachname;E-Mail;Telefon;Stand',
    'Jonas;Weber;jonas.weber@example.com;+49 89 4711;Halle 3',
    'Mia;Schulz;mia.schulz@example.com;+49 40 1234;Halle 1',
    'Lukas;Becker;lukas.becker@example.com;;Halle 3',
  ].join('\n');
  await admin.getByRole('dialog').getByLabel(/CSV file/).setInputFiles({ name: 'Messe-Kontakte.csv', mimeType: 'text/csv', buffer: Buffer.from(fair) });
  await admin.getByRole('dialog').getByRole('table').waitFor();
  await shoot(admin, 'csv-import');
  await visit(admin, `/t/demo/contacts/${contacts.items[0]!.id}`, '.timeline__item');
  await shoot(admin, 'contact');
  // Her data exported (GDPR Art. 15), ready to download.
  await admin.getByRole('button', { name: 'Export personal data' }).click();
  await admin.locator('[data-testid="person-export"][data-status="ready"]').waitFor({ timeout: 15_000 });
  await shoot(admin, 'contact-export');
  // A contact with a sensitive field (sealed at rest), her e-mail and phone
  // changed since by two people: her History, its newest entry opened.
  await api('demo', ADMIN, 'POST', '/custom-fields', { kind: 'contact', key: 'tax_id', label: 'Tax ID', type: 'text', options: {}, sensitive: true });
  const clara = await api<{ id: string; version: number }>('demo', ADMIN, 'POST', '/contacts', {
    first_name: 'Clara', last_name: 'Hoffmann', email: 'clara.hoffmann@example.com', phone: '+49 30 5550 1234', custom: { tax_id: 'DE 123 456 789' },
  });
  const moved = await api<{ version: number }>('demo', ADMIN, 'PATCH', `/contacts/${clara.id}`, { email: 'c.hoffmann@hoffmann-bau.example' }, clara.version);
  await api('demo', MANAGER, 'PATCH', `/contacts/${clara.id}`, { phone: '+49 30 5550 9876' }, moved.version);
  await visit(admin, `/t/demo/contacts/${clara.id}`, '[data-field="custom.tax_id"] dt .sensitive-mark');
  const history = admin.getByTestId('record-history');
  await history.locator('.record-history__toggle').click();
  const changed = history.locator('tr[data-action="contact.updated"]');
  await changed.nth(1).waitFor();
  // The older change: her e-mail.
  await changed.nth(1).getByRole('button', { name: /^Details of / }).click();
  await history.locator('.audit-table__more').getByText('E-mail changed', { exact: true }).waitFor();
  await shoot(admin, 'contact-history', () => history.evaluate((el) => el.scrollIntoView({ block: 'end' })));
  // Her files: an offer and a site plan from the admin, the signed contract from a colleague.
  for (const [as, name, type, bytes] of [
    [ADMIN, 'Angebot-2026-114.pdf', 'application/pdf', pdf('Angebot 2026-114')],
    [ADMIN, 'Baustelle-Lageplan.png', 'image/png', PNG],
    [MANAGER, 'Vertrag-unterschrieben.pdf', 'application/pdf', pdf('Vertrag')],
  ] as const) {
    const res = await apiUpload('demo', as, `/contacts/${clara.id}/files?name=${encodeURIComponent(name)}`, bytes, type);
    if (res.status !== 201) throw new Error(`uploading ${name}: ${res.status} ${await res.text()}`);
  }
  await visit(admin, `/t/demo/contacts/${clara.id}`, '[data-testid="file-list"] [data-file]');
  await shoot(admin, 'attachments', () => admin.getByTestId('attachments').evaluate((el) => el.scrollIntoView({ block: 'center' })));
  await visit(admin, '/t/demo/admin', '.admin-card');
  await shoot(admin, 'admin');
  await visit(admin, '/t/demo/admin/users', '[data-testid="users"] tbody tr');
  await shoot(admin, 'admin-users');
  // The trail of all of the above, her e-mail change opened (the fields it
  // changed) with the entries after it above, in sight at both sizes.
  await visit(admin, '/t/demo/admin/audit', '[data-testid="audit-table"] tr[data-action="contact.updated"]');
  const entry = admin.getByTestId('audit-table').locator('tr[data-action="contact.updated"]').nth(1);
  await entry.getByRole('button', { name: /^Details of / }).click();
  const opened = admin.locator('.audit-table__more');
  await opened.getByText('E-mail changed', { exact: true }).waitFor();
  await shoot(admin, 'admin-audit', () => opened.evaluate((el) => el.scrollIntoView({ block: 'end' })));
  await visit(admin, '/t/demo/admin/roles', '.master-list__item');
  await admin.getByRole('button', { name: /^Agent/ }).click();
  await admin.locator('[data-testid="grants"] input:checked').first().waitFor();
  await shoot(admin, 'admin-roles');
  // Retention: two rules, one on and one off, and the preview of both.
  await api('demo', ADMIN, 'PUT', '/settings/retention', { rules: [
    { name: 'Closed tickets after a year', kind: 'ticket', action: 'delete', unchanged_for_days: 365, statuses: ['resolved', 'closed'], enabled: true },
    { name: 'Inactive contacts', kind: 'contact', action: 'erase', unchanged_for_days: 1825, enabled: false },
  ] });
  await visit(admin, '/t/demo/admin/retention', '.retention-rule');
  await admin.getByRole('button', { name: 'Preview (dry run)' }).click();
  const report = admin.getByTestId('retention-report');
  await report.waitFor();
  // The preview in sight, under the buttons that made it (the click scrolled the page midway).
  await shoot(admin, 'admin-retention', () => report.evaluate((el) => el.scrollIntoView({ block: 'end' })));
  // Data requests: a second export, and a person erased, so both lists have something to show.
  await api('demo', ADMIN, 'POST', `/contacts/${contacts.items[1]!.id}/export`);
  const leaving = await api<{ id: string }>('demo', ADMIN, 'POST', '/contacts', { first_name: 'Lena', last_name: 'Vogel', email: 'lena.vogel@example.com' });
  await newTicket({ subject: 'Please delete my account', requester_id: leaving.id, priority: 'normal' });
  await api('demo', ADMIN, 'POST', `/contacts/${leaving.id}/erase`);
  await visit(admin, '/t/demo/admin/data-requests', 'tr[data-export] a');
  await admin.locator('tr[data-export][data-status="ready"]').nth(1).waitFor();
  await admin.getByTestId('erasures').locator('tbody tr').first().waitFor();
  await shoot(admin, 'admin-data-requests');
  await visit(admin, '/t/demo/admin/branding', '[data-testid="features"]');
  await shoot(admin, 'admin-branding');
  // Webhooks: two endpoints, the first one's delivery log opened (nothing
  // delivered yet: no ticket or deal changed since they were made). Public
  // host names, which the server takes without reaching them; no ping.
  const hooks = [
    await api<{ id: string }>('demo', ADMIN, 'POST', '/webhooks', {
      url: 'https://hooks.example.com/mandant', description: 'Helpdesk bridge: every ticket event',
      event_types: ['ticket.*'], role: 'agent',
    }),
    await api<{ id: string }>('demo', ADMIN, 'POST', '/webhooks', {
      url: 'https://erp.example.org/crm-events', description: 'ERP sync of won and lost deals',
      event_types: ['deal.*'], role: 'viewer',
    }),
  ];
  await visit(admin, '/t/demo/admin/webhooks', '[data-webhook]');
  const firstHook = admin.locator(`[data-webhook="${hooks[0]!.id}"]`);
  await firstHook.getByRole('button', { name: 'Show delivery log' }).click();
  const hookLog = firstHook.locator('.webhook-log');
  await hookLog.getByText('Nothing delivered yet.').waitFor();
  await shoot(admin, 'admin-webhooks', async () => {
    // On a phone, the first endpoint from its address down to its log, under the top bar.
    await firstHook.evaluate((card) => {
      const log = card.querySelector('.webhook-log')!.getBoundingClientRect();
      const bar = document.querySelector('.topbar')?.getBoundingClientRect().bottom ?? 0;
      if (log.bottom > innerHeight) scrollBy(0, card.getBoundingClientRect().top - bar - 12);
      else scrollTo(0, 0);
    });
    // The pointer off the buttons the click left it on.
    await hookLog.locator('h3').hover();
  });
  // Gone again, so the rest of the run's tickets and deals are not sent to hosts that are not there.
  for (const h of hooks) await apiResponse('demo', ADMIN, 'DELETE', `/webhooks/${h.id}`);

  // A forgotten password: the reset asked for (public, signed out), the
  // page its mail links to (before anything is typed), and the mail in
  // Admin > E-mail. With an SMTP server (the set-up's sink) the link is
  // the real one and the mail shows as sent; without one, the page gets a
  // made-up token and the mail waits in the outbox under the notice.
  const resetAsked = new Date().toISOString();
  const reset = await fetch(`${serverUrl()}/t/demo/api/v1/auth/password-reset`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: RESET }),
  });
  if (reset.status !== 202) throw new Error(`password reset: ${reset.status} ${await reset.text()}`);
  const smtp = (await api<{ smtp: boolean }>('demo', ADMIN, 'GET', '/mail/outbox')).smtp;
  const token = smtp
    ? /\/t\/demo\/set-password#token=([0-9a-f]{64})/.exec((await waitForMail(RESET, resetAsked)).text)?.[1]
    : 'c0ffee'.repeat(10) + '0a1b';
  if (!token) throw new Error('no set-password link in the reset mail');
  await visit(visitor, `/t/demo/set-password#token=${token}`, '[data-testid="set-password"] form');
  await shoot(visitor, 'set-password');
  // Admin > E-mail: its top (the reply address, set, and how answers
  // come in), then its outbox further down.
  await api('demo', ADMIN, 'PUT', '/settings/mail', { reply_address: 'help@demo.example' });
  await visit(admin, '/t/demo/admin/mail', `[data-testid="outbox"] tr[data-status="${smtp ? 'sent' : 'queued'}"]`);
  if (!smtp) await admin.getByTestId('no-smtp').waitFor();
  await admin.getByTestId('reply-now').getByText('help+r-…@demo.example').waitFor();
  await shoot(admin, 'admin-mail-settings', () => admin.evaluate(() => scrollTo(0, 0)));
  const outbox = admin.getByRole('region', { name: 'Outbox' });
  await shoot(admin, 'admin-mail', () => outbox.evaluate((el) => {
    // Its heading just under the sticky top bar, not behind it.
    const bar = document.querySelector('.topbar')?.getBoundingClientRect().bottom ?? 0;
    scrollBy(0, el.getBoundingClientRect().top - bar - 12);
  }));

  const supplier = await person(SUPPLIER);
  await supplier.getByTestId('portal-tickets').waitFor();
  await supplier.getByTestId('supplier-deals').locator('li').first().waitFor();
  await shoot(supplier, 'supplier');

  // ---- the support engine: clocks that run out while we watch ----
  const policy = await api<{ id: string }>('demo', ADMIN, 'POST', '/sla-policies', {
    name: 'Premium (around the clock)', business_hours: false, warn_percent: 50, paused_statuses: ['pending'],
    targets: {
      urgent: { first_response_mins: 1, resolution_mins: 60 },
      high: { first_response_mins: 2, next_response_mins: 30, resolution_mins: 240 },
      normal: { first_response_mins: 60, next_response_mins: 120, resolution_mins: 480 },
      low: { first_response_mins: 240, resolution_mins: 2880 },
    },
  });
  const sq = await api<{ version: number }>('demo', ADMIN, 'GET', `/queues/${support.id}`);
  await api('demo', ADMIN, 'PATCH', `/queues/${support.id}`, { sla_policy_id: policy.id }, sq.version);
  const started = Date.now();
  const urgent = await newTicket({
    subject: 'Checkout fails with error 500', queue_id: support.id, priority: 'urgent', requester_id: customerContact.id, tags: ['checkout', 'payment'],
    description: 'Since this morning every order ends on an error page. Customers cannot pay.',
  });
  await newTicket({ subject: 'Invoice PDF is empty', queue_id: support.id, priority: 'high', requester_id: customerContact.id });
  await newTicket({ subject: 'How do I export my contacts?', queue_id: support.id, priority: 'normal' });
  await newTicket({ subject: 'Feature request: dark mode', queue_id: support.id, priority: 'low' });
  // The customer writes on it; a colleague leaves a note only staff see.
  await api('demo', CUSTOMER, 'POST', `/tickets/${urgent.id}/comments`, { body: 'It still fails. Screenshot attached to the e-mail I sent.' });
  await api('demo', MANAGER, 'POST', `/tickets/${urgent.id}/comments`, {
    body: 'Payment provider had an outage at 09:12; check their status page before replying.', internal: true,
  });

  // The agent at work; Billing routes offers to them (one is waiting).
  const agent = await person(AGENT, `/t/demo/console?queue=${support.id}`);
  await agent.locator('[data-testid="queue"][data-live="true"]').waitFor({ timeout: 15_000 });
  await waitLive(agent);
  await api('demo', ADMIN, 'PATCH', `/agents/${agentId}`, { capacity: 100, skills: ['de', 'billing'] });
  const bq = await api<{ version: number }>('demo', ADMIN, 'GET', `/queues/${billing.id}`);
  await api('demo', ADMIN, 'PATCH', `/queues/${billing.id}`, { routing: 'round_robin', agent_ids: [agentId], offer_timeout_secs: 600, team_id: team }, bq.version);
  await newTicket({ subject: 'Refund for a double charge', queue_id: billing.id, priority: 'high' });
  // (An agent counts as connected from the server's next presence sweep.)
  await agent.locator('[data-testid="offers"] [data-ticket]').first().waitFor({ timeout: 60_000 });

  // Photograph once the urgent clock is past due and the high one past its warning.
  const wait = 65_000 - (Date.now() - started);
  if (wait > 0) await agent.waitForTimeout(wait);
  await agent.locator('[data-testid="sla"][data-tone="breached"]').first().waitFor();
  await agent.locator('[data-testid="sla"][data-tone="warning"]').first().waitFor();
  await shoot(agent, 'console');
  await visit(agent, `/t/demo/console?view=team&queue=${support.id}`, '[data-testid="ticket-views"] [data-ticket]');
  await shoot(agent, 'console-views');

  // One ticket open, with a colleague looking at it too.
  const manager = await person(MANAGER, `/t/demo/console/${urgent.id}?queue=${support.id}`);
  await manager.locator('[data-testid="ticket"][data-live="true"]').waitFor();
  await agent.goto(`/t/demo/console/${urgent.id}?queue=${support.id}`);
  await agent.locator('[data-testid="presence"] [data-state="viewing"]').waitFor({ timeout: 20_000 });
  await agent.getByLabel('Internal note').first().waitFor();
  await agent.getByTestId('customer-tickets').locator('li').first().waitFor();
  await shoot(agent, 'ticket');
  // Two canned replies, and the picker open beside the reply box.
  await api('demo', ADMIN, 'PUT', '/settings/canned-replies', { replies: [
    { name: 'Greeting', body: 'Hello {{contact.first_name}}, thank you for getting in touch. We are looking into “{{ticket.subject}}” now.' },
    { name: 'Closing', body: 'We consider this solved; reply within 7 days if anything is still wrong. Kind regards, {{agent.name}}' },
  ] });
  const picker = agent.getByTestId('canned-picker');
  const options = picker.getByRole('option');
  const pickerOpen = async () => {
    if (!(await picker.isVisible())) await agent.getByRole('button', { name: 'Canned reply' }).click();
    await options.nth(1).waitFor();
    await picker.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  };
  await pickerOpen();
  await shoot(agent, 'canned-replies', pickerOpen);

  const customer = await person(CUSTOMER);
  await customer.getByTestId('portal-tickets').waitFor();
  await shoot(customer, 'portal');
  await visit(customer, `/t/demo/portal/tickets/${urgent.id}`, '[data-testid="thread"] li');
  await shoot(customer, 'portal-ticket');

  await visit(admin, '/t/demo/admin/queues', '.master-list__item');
  await admin.getByRole('button', { name: /^Support/ }).click();
  await shoot(admin, 'admin-queues');
  await visit(admin, '/t/demo/admin/sla', '.master-list__item');
  await admin.getByRole('button', { name: /^Premium/ }).click();
  await shoot(admin, 'admin-sla');

  // The dashboards while work goes on, so their trend lines move.
  await visit(admin, '/t/demo/dashboards/support', '[data-testid="dashboard"][data-live="true"]');
  for (const subject of ['Password expired', 'VPN drops every hour', 'New laptop for Jana']) {
    await admin.waitForTimeout(1300);
    await newTicket({ subject, queue_id: support.id, priority: 'normal' });
  }
  await admin.waitForTimeout(1300);
  await shoot(admin, 'dashboard-support');
  await visit(admin, '/t/demo/dashboards/sales', '[data-testid="dashboard"][data-live="true"]');
  const open = (await api<{ items: { id: string; version: number; stage_id: string }[] }>('demo', ADMIN, 'GET', '/deals?limit=200'))
    .items.filter((x) => ['lead', 'qualified', 'offer', 'due'].includes(x.stage_id));
  const next: Record<string, string> = { lead: 'qualified', qualified: 'offer', offer: 'negotiation', due: 'talks' };
  for (const d of open.slice(0, 3)) {
    await admin.waitForTimeout(1300);
    await api('demo', ADMIN, 'PATCH', `/deals/${d.id}`, { stage_id: next[d.stage_id] }, d.version);
  }
  await admin.waitForTimeout(1300);
  await shoot(admin, 'dashboard-sales');
});

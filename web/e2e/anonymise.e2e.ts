// Anonymising with a retention rule, against the real server, as the demo
// administrator:
// - a closed ticket with a requester, a description and two comments,
//   made through the API and then aged 400 days in the server's file
//   (e2e/backdate.ts: the server's clock is its own, so nothing a test
//   makes is ever old otherwise);
// - a rule "anonymise closed tickets unchanged for 365 days" made in the
//   form, where Anonymise says what stays and what goes; the preview says
//   it would anonymise the ticket and that its 2 comments would go, as the
//   server's dry run counts;
// - "Run now", while the ticket is open in the console in a second tab:
//   that tab shows the notice live, and no subject, description, requester
//   or comment any more; so does the ticket's page opened afresh; the API
//   agrees.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { backdate } from './backdate';
import { api, launch, newPage, signIn } from './helpers';
import { ADMIN, newTicket, tag, type Ticket } from './support-data';

interface Policy {
  rules: { name: string; kind: string; action: string; unchanged_for_days: number; statuses?: string[]; enabled: boolean }[];
}
interface Report {
  at: string;
  rules: { name: string; action: string; matched: number; records: string[]; gone: Record<string, number>; cleared: Record<string, number>; held: number; refused: number }[];
}
interface Anonymised extends Ticket {
  description?: string;
  requester_id?: string;
  anonymised?: { at: string; rule: string };
}

const RUN = tag();
const RULE = `Old tickets ${RUN}`;
const SUBJECT = `Printer on fire ${RUN}`;
const DESCRIPTION = `Call Ada back on +49 30 ${RUN}`;
const COMMENTS = [`My address is Hauptstr. 1 ${RUN}`, `Fixed, thanks ${RUN}`];
const REQUESTER = `Lovelace-${RUN}`;

let browser: Browser;
let context: BrowserContext;
let page: Page;
/** The ticket open in the console meanwhile. */
let consolePage: Page;
let before: Policy;
let ticket: Ticket;

beforeAll(async () => {
  before = await api<Policy>('demo', ADMIN, 'GET', '/settings/retention');
  const me = await api<{ tenant: { id: string } }>('demo', ADMIN, 'GET', '/me');
  const requester = await api<{ id: string }>('demo', ADMIN, 'POST', '/contacts', { first_name: 'Ada', last_name: REQUESTER, email: `ada.${RUN}@example.com` });
  const made = await newTicket({ subject: SUBJECT, description: DESCRIPTION, requester_id: requester.id, priority: 'high' });
  for (const body of COMMENTS) await api('demo', ADMIN, 'POST', `/tickets/${made.id}/comments`, { body, internal: false });
  const now = await api<Ticket>('demo', ADMIN, 'GET', `/tickets/${made.id}`);
  ticket = await api<Ticket>('demo', ADMIN, 'PATCH', `/tickets/${made.id}`, { status: 'closed' }, now.version);
  // The ticket and its two comments.
  expect(backdate(me.tenant.id, [ticket.id], 400)).toBe(3);

  browser = await launch();
  ({ context, page } = await newPage(browser));
  await signIn(page, 'demo', ADMIN, '/t/demo/admin');
  consolePage = await context.newPage();
  await consolePage.goto(`/t/demo/console/${ticket.id}`);
  await consolePage.locator(`[data-testid="ticket"][data-ticket="${ticket.id}"][data-live="true"]`).waitFor({ timeout: 15_000 });
  await consolePage.getByText(COMMENTS[0]!).waitFor();
});

afterAll(async () => {
  // The rules are the workspace's: leave them as found for the other tests.
  if (before) await api('demo', ADMIN, 'PUT', '/settings/retention', before);
  await context?.close();
  await browser?.close();
});

const rules = () => page.getByRole('list', { name: 'Retention rules' }).getByRole('listitem');

it('saves a rule that anonymises closed tickets, with what stays and what goes said beside the choice', async () => {
  await page.getByRole('link', { name: 'Data retention' }).click();
  await page.getByRole('heading', { level: 1, name: 'Data retention' }).waitFor();
  const count = before.rules.length;
  await expect.poll(() => rules().count()).toBe(count);

  await page.getByRole('button', { name: 'Add rule' }).click();
  const rule = rules().nth(count);
  await rule.getByLabel(/^Name/).fill(RULE);
  expect(await rule.getByLabel('Records', { exact: true }).inputValue()).toBe('ticket');
  const anonymise = rule.getByRole('radio', { name: 'Anonymise' });
  await anonymise.check();
  const about = page.locator(`[id="${await anonymise.getAttribute('aria-describedby')}"]`);
  expect(await about.textContent()).toContain('What stays: dates, status, stage, priority, amounts');
  expect(await about.textContent()).toContain('a ticket’s comments');
  await rule.getByRole('checkbox', { name: 'Closed' }).check();
  await rule.getByLabel(/Unchanged for/).fill('365');
  await rule.getByRole('checkbox', { name: /^On/ }).check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Rules saved.').waitFor();
  expect((await api<Policy>('demo', ADMIN, 'GET', '/settings/retention')).rules.at(-1)).toEqual({
    name: RULE, kind: 'ticket', action: 'anonymise', unchanged_for_days: 365, statuses: ['closed'], enabled: true,
  });
});

it('previews it with the server’s numbers: the ticket would be anonymised, its 2 comments would go', async () => {
  const server = await api<Report>('demo', ADMIN, 'POST', '/settings/retention/dry-run');
  const mine = server.rules.find((r) => r.name === RULE)!;
  expect(mine).toMatchObject({ action: 'anonymise', matched: 1, records: [ticket.id], gone: { comment: 2 }, cleared: {}, held: 0, refused: 0 });

  await page.getByRole('button', { name: 'Preview (dry run)' }).click();
  const report = page.getByTestId('retention-report');
  await expect.poll(() => report.getAttribute('data-kind')).toBe('dry-run');
  expect(await report.textContent()).toContain('Nothing was removed or anonymised.');
  const cell = (c: string) => report.locator(`tr[data-rule="${RULE}"] [data-cell="${c}"]`).textContent();
  expect(await report.getByRole('columnheader', { name: 'What the rule would do' }).count()).toBe(1);
  expect(await cell('matched')).toBe('Anonymise 1 ticket');
  expect(await cell('along')).toBe('2 comments');
  expect(await cell('kept')).toBe('none');
  // Nothing changed yet.
  expect((await api<Anonymised>('demo', ADMIN, 'GET', `/tickets/${ticket.id}`)).subject).toBe(SUBJECT);
});

it('runs it: the ticket open in the console turns anonymised live, and its page says so', async () => {
  await page.getByRole('button', { name: 'Run now…' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Run the retention rules now?' });
  await dialog.waitFor();
  expect(await dialog.textContent()).toContain('what anonymising takes, cannot be brought back');
  await dialog.getByRole('button', { name: 'Run now' }).click();
  const report = page.getByTestId('retention-report');
  await expect.poll(() => report.getAttribute('data-kind')).toBe('run');
  expect(await report.locator(`tr[data-rule="${RULE}"] [data-cell="matched"]`).textContent()).toBe('Anonymised 1 ticket');
  expect(await report.locator(`tr[data-rule="${RULE}"] [data-cell="along"]`).textContent()).toBe('2 comments');

  const stored = await api<Anonymised>('demo', ADMIN, 'GET', `/tickets/${ticket.id}`);
  expect(stored).toMatchObject({ subject: 'Anonymised', status: 'closed', priority: 'high', anonymised: { rule: RULE } });
  expect(stored.description).toBeUndefined();
  expect(stored.requester_id).toBeUndefined();
  expect((await api<{ items: unknown[] }>('demo', ADMIN, 'GET', `/tickets/${ticket.id}/comments`)).items).toEqual([]);
  const on = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium' }).format(new Date(stored.anonymised!.at));
  const says = `Anonymised on ${on} by the retention rule “${RULE}”.`;

  // Live, in the other tab: no reload. (Polled on the panel's text, so a
  // failure shows what the panel said instead.)
  const live = consolePage.getByTestId('ticket');
  await expect.poll(() => live.textContent(), { timeout: 20_000 }).toContain(says);
  await expect.poll(() => live.locator('#ticket-h').textContent()).toBe('Anonymised');
  await expect.poll(() => live.textContent()).not.toContain(COMMENTS[0]);
  const shown = (await live.textContent()) ?? '';
  for (const gone of [SUBJECT, DESCRIPTION, ...COMMENTS, REQUESTER]) expect(shown, gone).not.toContain(gone);

  // Its page, opened afresh.
  await page.goto(`/t/demo/console/${ticket.id}`);
  const notice = page.getByTestId('anonymised');
  await expect.poll(() => page.locator('body').textContent(), { timeout: 20_000 }).toContain(says);
  expect(await notice.getByRole('status').textContent()).toContain(`${says} Its subject, description, requester, tags, custom fields and comments were removed`);
  const panel = page.getByTestId('ticket');
  await panel.getByRole('heading', { name: 'Anonymised', exact: true }).waitFor();
  const fresh = (await panel.textContent()) ?? '';
  for (const gone of [SUBJECT, DESCRIPTION, ...COMMENTS, REQUESTER]) expect(fresh, gone).not.toContain(gone);
});

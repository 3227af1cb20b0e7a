// Data retention in the admin area, against the real server, as the demo
// administrator:
// - a rule is added in the form (tickets, closed, delete, 1 day), the
//   server's refusal of a bad field is shown at that field, and the rule is
//   saved and still listed after a reload;
// - a closed ticket made just now is not old: the server's dry run matches
//   nothing of it, and the page's preview shows the server's numbers;
// - "Run now" asks first, then shows the run's report; the ticket is still
//   there.
// No record here is days old (the server keeps its own clock), so the
// numbers are the server's zeros; the unit tests show non-zero reports,
// and anonymise.e2e.ts ages a ticket to show a rule at work.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, apiResponse, launch, newPage, signIn } from './helpers';
import { ADMIN, newTicket, tag } from './support-data';

interface Policy {
  rules: { name: string; kind: string; action: string; unchanged_for_days: number; statuses?: string[]; enabled: boolean }[];
}
interface Report {
  at: string;
  rules: { name: string; matched: number; records: string[]; gone: Record<string, number>; held: number; refused: number }[];
}

const RULE = `Closed tickets ${tag()}`;

let browser: Browser;
let context: BrowserContext;
let page: Page;
let before: Policy;

beforeAll(async () => {
  before = await api<Policy>('demo', ADMIN, 'GET', '/settings/retention');
  browser = await launch();
  ({ context, page } = await newPage(browser));
  await signIn(page, 'demo', ADMIN, '/t/demo/admin');
});

afterAll(async () => {
  // The rules are the workspace's: leave them as found for the other tests.
  if (before) await api('demo', ADMIN, 'PUT', '/settings/retention', before);
  await context?.close();
  await browser?.close();
});

const rules = () => page.getByRole('list', { name: 'Retention rules' }).getByRole('listitem');

it('adds a rule for closed tickets, shows the server’s refusal at its field, and keeps it once saved', async () => {
  await page.getByRole('link', { name: 'Data retention' }).click();
  await page.getByRole('heading', { level: 1, name: 'Data retention' }).waitFor();
  const count = before.rules.length;
  await expect.poll(() => rules().count()).toBe(count);

  await page.getByRole('button', { name: 'Add rule' }).click();
  const rule = rules().nth(count);
  expect(await rule.getByLabel('Records', { exact: true }).inputValue()).toBe('ticket');
  await rule.getByRole('radio', { name: 'Delete' }).check();
  await rule.getByRole('checkbox', { name: 'Closed' }).check();
  await rule.getByRole('checkbox', { name: /^On/ }).check();
  await rule.getByLabel(/Unchanged for/).fill('1');

  // No name yet: the server refuses, and says so beside the field.
  await page.getByRole('button', { name: 'Save' }).click();
  const name = rule.getByLabel(/^Name/);
  await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
  expect(await rule.locator('.field__error').first().textContent()).toBe('must be 1 to 100 characters');

  await name.fill(RULE);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Rules saved.').waitFor();
  expect((await api<Policy>('demo', ADMIN, 'GET', '/settings/retention')).rules.at(-1)).toEqual({
    name: RULE, kind: 'ticket', action: 'delete', unchanged_for_days: 1, statuses: ['closed'], enabled: true,
  });

  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Data retention' }).waitFor();
  const kept = page.locator(`li[data-rule="${RULE}"]`);
  await kept.waitFor();
  expect(await kept.getByLabel(/Unchanged for/).inputValue()).toBe('1');
  expect(await kept.getByRole('checkbox', { name: 'Closed' }).isChecked()).toBe(true);
  expect(await kept.getByRole('checkbox', { name: /^On/ }).isChecked()).toBe(true);
});

it('previews with the server’s numbers: a closed ticket made just now is not old enough', async () => {
  const ticket = await newTicket({ subject: `Old news ${RULE}` });
  await api('demo', ADMIN, 'PATCH', `/tickets/${ticket.id}`, { status: 'closed' }, ticket.version);

  const server = await api<Report>('demo', ADMIN, 'POST', '/settings/retention/dry-run');
  const mine = server.rules.find((r) => r.name === RULE)!;
  expect(mine.matched).toBe(0);
  expect(mine.records).not.toContain(ticket.id);

  await page.getByRole('button', { name: 'Preview (dry run)' }).click();
  const report = page.getByTestId('retention-report');
  await report.waitFor();
  expect(await report.getAttribute('data-kind')).toBe('dry-run');
  expect(await report.textContent()).toContain('Nothing was removed or anonymised.');
  const row = report.locator(`tr[data-rule="${RULE}"]`);
  const cell = (c: string) => row.locator(`[data-cell="${c}"]`).textContent();
  expect(await cell('matched')).toBe(`Delete ${mine.matched} tickets`);
  expect(await cell('along')).toBe('none');
  expect(await cell('held')).toBe(String(mine.held));
  expect(await cell('refused')).toBe(String(mine.refused));
  // Every saved rule has its row, as in the server's answer.
  expect(await report.locator('tbody tr').count()).toBe(server.rules.length);
  expect((await apiResponse('demo', ADMIN, 'GET', `/tickets/${ticket.id}`)).status).toBe(200);
});

it('runs the rules only after a confirmation, and shows the run’s report', async () => {
  await page.getByRole('button', { name: 'Run now…' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Run the retention rules now?' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Run now' }).click();
  const report = page.getByTestId('retention-report');
  await expect.poll(() => report.getAttribute('data-kind')).toBe('run');
  expect(await report.locator(`tr[data-rule="${RULE}"] [data-cell="matched"]`).textContent()).toBe('Deleted 0 tickets');
  expect(await page.getByRole('alertdialog').count()).toBe(0);
});

// Activities as tasks (issue 15): "My tasks" lists the person's open tasks,
// overdue first, then today's, then later ones, not anyone else's; ticking
// one off is stored; a task someone else assigns shows up live; a task
// made here can be given to a colleague.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, launch, newPage, signIn, waitLive } from './helpers';

const ADMIN = 'admin@demo.example';
const MANAGER = 'manager@demo.example';

interface User {
  id: string;
  name: string;
  email: string;
}
interface Activity {
  id: string;
  version: number;
  subject: string;
  done?: boolean;
  owner_id?: string;
}

let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let admin: User;
let manager: User;

/** Later today (never past midnight), in the browser's (= this machine's) time zone. */
function laterToday(): string {
  const now = new Date();
  const end = new Date(now);
  end.setHours(23, 59, 0, 0);
  return new Date(Math.min(now.getTime() + 60 * 60_000, end.getTime())).toISOString();
}

beforeAll(async () => {
  browser = await launch();
  ({ context: ctx, page } = await newPage(browser));
  const users = (await api<{ items: User[] }>('demo', ADMIN, 'GET', '/users')).items;
  admin = users.find((u) => u.email === ADMIN)!;
  manager = users.find((u) => u.email === MANAGER)!;
  const task = (subject: string, due_at: string | null, owner_id: string) =>
    api('demo', ADMIN, 'POST', '/activities', { type: 'task', subject, done: false, owner_id, ...(due_at ? { due_at } : {}) });
  await task('E2E overdue task', new Date(Date.now() - 26 * 3600_000).toISOString(), admin.id);
  await task('E2E task due today', laterToday(), admin.id);
  await task('E2E task next year', new Date(Date.now() + 365 * 24 * 3600_000).toISOString(), admin.id);
  await task('E2E task of the manager', new Date(Date.now() - 3600_000).toISOString(), manager.id);
  await signIn(page, 'demo', ADMIN, '/t/demo/tasks');
  await page.getByRole('heading', { level: 1, name: 'My tasks' }).waitFor();
});

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
});

const group = (name: string) => page.locator(`[data-group="${name}"]`);

it('lists my open tasks: overdue, today, later; not a colleague\'s', async () => {
  await group('overdue').getByText('E2E overdue task').waitFor();
  await group('today').getByText('E2E task due today').waitFor();
  await group('later').getByText('E2E task next year').waitFor();
  expect(await page.getByText('E2E task of the manager').count()).toBe(0);
  expect(await group('overdue').locator('[data-testid="due"]').first().textContent()).toContain('overdue since');
});

it('ticks a task off, and the server holds it', async () => {
  const item = page.locator('[data-task]', { hasText: 'E2E overdue task' });
  await item.getByRole('checkbox', { name: /Done/ }).check();
  await expect
    .poll(async () => {
      const r = await api<{ items: Activity[] }>('demo', ADMIN, 'GET', `/activities?q=${encodeURIComponent('E2E overdue task')}`);
      return r.items[0]?.done;
    })
    .toBe(true);
  // Still in view, struck through, so a slip of the finger can be undone.
  expect(await item.getByRole('checkbox').isChecked()).toBe(true);
});

it('shows a task a colleague assigns to me, live', async () => {
  await waitLive(page);
  await page.waitForTimeout(300);
  await api('demo', MANAGER, 'POST', '/activities', { type: 'task', subject: 'E2E from the manager', done: false, owner_id: admin.id, due_at: laterToday() });
  await group('today').getByText('E2E from the manager').waitFor({ timeout: 5000 });
});

it('adds a task for a colleague', async () => {
  const form = page.getByRole('form', { name: 'Add task' });
  await form.getByLabel('Subject').fill('E2E for Morgan');
  await form.getByLabel('Assigned to').selectOption(manager.id);
  await form.getByRole('button', { name: 'Add task' }).click();
  await page.getByText('Task given to Morgan Manager.').waitFor();
  const r = await api<{ items: Activity[] }>('demo', ADMIN, 'GET', `/activities?q=${encodeURIComponent('E2E for Morgan')}`);
  expect(r.items[0]).toMatchObject({ owner_id: manager.id, done: false });
});

import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { RetentionPolicy, RetentionReport } from '../../api/retention';
import { json, renderApp, type Handler } from '../../test/render';
import { Retention } from './Retention';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const SAVED: RetentionPolicy = {
  rules: [
    { name: 'Closed tickets', kind: 'ticket', action: 'delete', unchanged_for_days: 365, statuses: ['closed'], enabled: true },
    { name: 'Old contacts', kind: 'contact', action: 'erase', unchanged_for_days: 3650, enabled: false },
  ],
};

const REPORT: RetentionReport = {
  at: '2026-03-02T10:00:00Z',
  rules: [
    { name: 'Closed tickets', kind: 'ticket', action: 'delete', enabled: true, matched: 3, records: ['t1', 't2', 't3'], gone: { ticket: 3, comment: 5 }, cleared: {}, held: 1, refused: 0, truncated: false },
    { name: 'Old contacts', kind: 'contact', action: 'erase', enabled: false, matched: 2, records: ['c1', 'c2'], gone: { contact: 2, ticket: 4 }, cleared: { deal: 1 }, held: 0, refused: 2, truncated: false },
  ],
};

function page(more: Handler = () => undefined) {
  history.replaceState(null, '', '/t/acme/admin/retention');
  return renderApp(<Retention tenant="acme" />, (method, path, body, headers) => {
    const answer = more(method, path, body, headers);
    if (answer) return answer;
    if (method === 'GET' && path === '/settings/retention') return json(200, SAVED);
    if (path === '/workflows/tickets') return json(200, { initial: 'new', statuses: ['new', 'open', 'resolved', 'closed'], transitions: {} });
    return undefined;
  }, { signedIn: true });
}

const rule = (name: string) => screen.getAllByRole('listitem').find((li) => li.getAttribute('data-rule') === name)!;

it('lists the saved rules and saves a changed one, with ticket statuses from the workflow', async () => {
  const { calls } = page((method, path, body) => (method === 'PUT' && path === '/settings/retention' ? json(200, body) : undefined));
  await screen.findByDisplayValue('Closed tickets');
  const closed = rule('Closed tickets');
  expect((within(closed).getByLabelText(/Unchanged for/) as HTMLInputElement).value).toBe('365');
  const del = within(closed).getByRole('radio', { name: 'Delete' }) as HTMLInputElement;
  expect(del.checked).toBe(true);
  // Each action explained in plain words beside it.
  expect(document.getElementById(del.getAttribute('aria-describedby')!)?.textContent).toMatch(/^Deleted by the reference rules/);
  const erase = within(closed).getByRole('radio', { name: 'Erase' });
  expect(document.getElementById(erase.getAttribute('aria-describedby')!)?.textContent).toContain('A contact takes the tickets they asked for along.');
  await within(closed).findByRole('checkbox', { name: 'Resolved' });
  expect((within(closed).getByRole('checkbox', { name: 'Closed' }) as HTMLInputElement).checked).toBe(true);
  // A contact rule has no statuses to choose.
  expect(within(rule('Old contacts')).queryByRole('checkbox', { name: 'Closed' })).toBeNull();

  const save = screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement;
  expect(save.disabled).toBe(true);
  fireEvent.click(within(closed).getByRole('checkbox', { name: 'Resolved' }));
  fireEvent.change(within(closed).getByLabelText(/Unchanged for/), { target: { value: '30' } });
  // Unsaved: the preview and the run would not use it.
  expect((screen.getByRole('button', { name: 'Preview (dry run)' }) as HTMLButtonElement).disabled).toBe(true);
  expect(screen.getByText(/Save your changes first/)).toBeTruthy();
  fireEvent.click(save);
  await screen.findByText('Rules saved.');
  expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({
    rules: [
      { name: 'Closed tickets', kind: 'ticket', action: 'delete', unchanged_for_days: 30, statuses: ['closed', 'resolved'], enabled: true },
      { name: 'Old contacts', kind: 'contact', action: 'erase', unchanged_for_days: 3650, enabled: false },
    ],
  });
  expect((screen.getByRole('button', { name: 'Preview (dry run)' }) as HTMLButtonElement).disabled).toBe(false);
});

it('adds a rule switched off, and shows the server’s refusal at the fields it names', async () => {
  const { calls } = page((method, path) =>
    method === 'PUT' && path === '/settings/retention'
      ? json(422, {
        status: 422, code: 'validation_failed', detail: '2 fields are invalid.',
        errors: [{ field: 'rules.2.name', message: 'must be 1 to 100 characters' }, { field: 'rules.2.unchanged_for_days', message: 'must be between 1 and 36500' }],
      })
      : undefined,
  );
  await screen.findByDisplayValue('Closed tickets');
  fireEvent.click(screen.getByRole('button', { name: 'Add rule' }));
  const added = rule('');
  expect((within(added).getByRole('checkbox', { name: /^On/ }) as HTMLInputElement).checked).toBe(false);
  // Not a whole number: said at the field, nothing sent.
  fireEvent.change(within(added).getByLabelText(/Unchanged for/), { target: { value: '' } });
  fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  expect(within(added).getByText('Enter a whole number of days.')).toBeTruthy();
  expect(calls.some((c) => c.method === 'PUT')).toBe(false);

  fireEvent.change(within(added).getByLabelText(/Unchanged for/), { target: { value: '0' } });
  fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  expect(await screen.findByText('must be 1 to 100 characters')).toBeTruthy();
  expect(within(added).getByLabelText(/^Name/).getAttribute('aria-invalid')).toBe('true');
  expect(within(added).getByText('must be between 1 and 36500')).toBeTruthy();
  expect(screen.getByRole('alert').textContent).toContain('The rules were not saved');
  // No field key in what the person reads.
  expect(document.body.textContent).not.toContain('rules.2');
});

it('previews what the saved rules would remove, rule by rule, in words', async () => {
  const { calls } = page((method, path) => (method === 'POST' && path === '/settings/retention/dry-run' ? json(200, REPORT) : undefined));
  fireEvent.click(await screen.findByRole('button', { name: 'Preview (dry run)' }));
  const report = await screen.findByTestId('retention-report');
  expect(report.getAttribute('data-kind')).toBe('dry-run');
  expect(report.textContent).toContain('Nothing was removed or anonymised.');
  const row = (name: string) => report.querySelector(`tr[data-rule="${name}"]`)!;
  const cell = (name: string, c: string) => row(name).querySelector(`[data-cell="${c}"]`)?.textContent;
  expect(cell('Closed tickets', 'matched')).toBe('Delete 3 tickets');
  expect(cell('Closed tickets', 'along')).toBe('5 comments');
  expect(cell('Closed tickets', 'kept')).toBe('none');
  expect(cell('Closed tickets', 'held')).toBe('1');
  expect(row('Old contacts').textContent).toContain('(off)');
  expect(cell('Old contacts', 'along')).toBe('4 tickets');
  expect(cell('Old contacts', 'kept')).toBe('1 deal');
  expect(cell('Old contacts', 'refused')).toBe('2');
  expect(calls.filter((c) => c.path.startsWith('/settings/retention/')).map((c) => c.path)).toEqual(['/settings/retention/dry-run']);
});

it('runs the rules only after a confirmation, shows the report, and says so when another run is under way', async () => {
  let busy = true;
  const { calls } = page((method, path) => {
    if (method !== 'POST' || path !== '/settings/retention/run') return undefined;
    if (busy) return json(409, { status: 409, code: 'conflict', detail: 'A retention run is under way for this workspace; try again when it has finished.' });
    return json(200, { ...REPORT, rules: [REPORT.rules[0]] });
  });
  const runs = () => calls.filter((c) => c.path === '/settings/retention/run').length;
  fireEvent.click(await screen.findByRole('button', { name: 'Run now…' }));
  const dialog = screen.getByRole('alertdialog', { name: 'Run the retention rules now?' });
  expect(dialog.textContent).toContain('The rule that is on removes or anonymises every record it matches now');
  fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
  expect(screen.queryByRole('alertdialog')).toBeNull();
  expect(runs()).toBe(0);

  fireEvent.click(screen.getByRole('button', { name: 'Run now…' }));
  fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Run now' }));
  expect(await screen.findByText(/Another retention run is under way for this workspace/)).toBeTruthy();
  expect(screen.queryByTestId('retention-report')).toBeNull();

  busy = false;
  fireEvent.click(screen.getByRole('button', { name: 'Run now…' }));
  fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Run now' }));
  const report = await screen.findByTestId('retention-report');
  expect(report.getAttribute('data-kind')).toBe('run');
  expect(report.querySelector('[data-cell="matched"]')?.textContent).toBe('Deleted 3 tickets');
  await waitFor(() => expect(screen.queryByText(/Another retention run/)).toBeNull());
  expect(runs()).toBe(2);
});

it('offers anonymising, says in plain words what stays and what goes, and saves it', async () => {
  const { calls } = page((method, path, body) => (method === 'PUT' && path === '/settings/retention' ? json(200, body) : undefined));
  await screen.findByDisplayValue('Closed tickets');
  const closed = rule('Closed tickets');
  const anonymise = within(closed).getByRole('radio', { name: 'Anonymise' }) as HTMLInputElement;
  expect(anonymise.checked).toBe(false);
  const about = document.getElementById(anonymise.getAttribute('aria-describedby')!)?.textContent ?? '';
  expect(about).toMatch(/^Kept for reports/);
  expect(about).toContain('What stays: dates, status, stage, priority, amounts');
  expect(about).toContain('What goes: texts (a required one reads “Anonymised”)');
  expect(about).toContain('a ticket’s comments');
  fireEvent.click(anonymise);
  expect(anonymise.checked).toBe(true);
  // The statuses still apply: anonymise closed tickets only.
  expect((within(closed).getByRole('checkbox', { name: 'Closed' }) as HTMLInputElement).checked).toBe(true);
  fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  await screen.findByText('Rules saved.');
  expect((calls.find((c) => c.method === 'PUT')?.body as RetentionPolicy).rules[0]).toEqual({
    name: 'Closed tickets', kind: 'ticket', action: 'anonymise', unchanged_for_days: 365, statuses: ['closed'], enabled: true,
  });
});

it('previews and runs an anonymise rule as records anonymised, with the comments that go', async () => {
  const anonymising: RetentionReport = {
    at: '2026-12-06T10:00:00Z',
    rules: [{ name: 'Old tickets', kind: 'ticket', action: 'anonymise', enabled: true, matched: 3, records: ['t1', 't2', 't3'], gone: { comment: 3 }, cleared: {}, held: 0, refused: 0, truncated: false }],
  };
  page((method, path) => (method === 'POST' && path.startsWith('/settings/retention/') ? json(200, anonymising) : undefined));
  fireEvent.click(await screen.findByRole('button', { name: 'Preview (dry run)' }));
  const report = await screen.findByTestId('retention-report');
  const row = report.querySelector('tr[data-rule="Old tickets"]')!;
  const cell = (c: string) => row.querySelector(`[data-cell="${c}"]`)?.textContent;
  expect(within(report).getByRole('columnheader', { name: 'What the rule would do' })).toBeTruthy();
  expect(cell('matched')).toBe('Anonymise 3 tickets');
  expect(cell('along')).toBe('3 comments');
  expect(cell('kept')).toBe('none');

  fireEvent.click(screen.getByRole('button', { name: 'Run now…' }));
  const dialog = screen.getByRole('alertdialog');
  expect(dialog.textContent).toContain('Removed records, and what anonymising takes, cannot be brought back.');
  fireEvent.click(within(dialog).getByRole('button', { name: 'Run now' }));
  await waitFor(() => expect(screen.getByTestId('retention-report').getAttribute('data-kind')).toBe('run'));
  expect(within(screen.getByTestId('retention-report')).getByRole('columnheader', { name: 'What the rule did' })).toBeTruthy();
  expect(screen.getByTestId('retention-report').querySelector('[data-cell="matched"]')?.textContent).toBe('Anonymised 3 tickets');
});

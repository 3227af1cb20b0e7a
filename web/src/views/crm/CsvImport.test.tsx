import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { FakeXhr, type FakeAnswer } from '../../api/fake-xhr';
import { json, renderApp } from '../../test/render';
import { CsvImport } from './CsvImport';
import { CONTACTS } from './kinds';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const file = (text: string) => new File([text], 'leute.csv', { type: 'text/csv' });

it('maps columns by their names, imports all or nothing, then the valid rows only, and says the bad rows in words', async () => {
  FakeXhr.sent = [];
  const answers: FakeAnswer[] = [
    {
      status: 422,
      headers: { 'content-type': 'application/problem+json' },
      body: JSON.stringify({
        status: 422, code: 'validation_failed', error_count: 1,
        detail: '1 row(s) have errors; nothing was imported. Fix them, or send skip_invalid=true.',
        rows: [{ line: 3, field: 'email', message: 'must be a valid email address' }],
      }),
    },
    {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ imported: 2, skipped: 1, error_count: 1, errors: [{ line: 3, field: 'email', message: 'must be a valid email address' }] }),
    },
  ];
  const imported = vi.fn();
  const { services } = renderApp(<CsvImport meta={CONTACTS} onClose={() => undefined} onImported={imported} />, (_m, path) =>
    path.startsWith('/custom-fields') ? json(200, { items: [], next_cursor: null }) : undefined,
  { signedIn: true });
  services.api.makeXhr = () => new FakeXhr(() => answers.shift()!) as unknown as XMLHttpRequest;

  // German Excel: semicolons; a blank row; a column nobody wants.
  const csv = 'Vorname;Nachname;E-Mail;Notiz\nAnna;Schmidt;anna@example.com;x\n;;;\nBob;Bauer;kaputt;y\nCem;Yilmaz;cem@example.com;z\n';
  fireEvent.change(screen.getByLabelText(/CSV file/), { target: { files: [file(csv)] } });
  const map = (col: string) => screen.getByRole('combobox', { name: `Field for column “${col}”` }) as HTMLSelectElement;
  await waitFor(() => expect(map('Vorname').value).toBe('first_name'));
  expect(map('Nachname').value).toBe('last_name');
  expect(map('E-Mail').value).toBe('email');
  expect(map('Notiz').value).toBe('');
  expect(screen.getByRole('table').textContent).toContain('anna@example.com');

  fireEvent.click(screen.getByRole('button', { name: 'Import 3 rows' }));
  const errors = await screen.findByTestId('row-errors');
  // The server's line 3 is row 4 of the person's file: the blank row 3 was not sent.
  expect(errors.textContent).toBe('Row 4: E-mail is not a valid e-mail address');
  expect(screen.getByText('1 row has errors, so nothing was imported.')).toBeTruthy();
  expect(document.body.textContent).not.toMatch(/skip_invalid|row\(s\)/);
  const sent = FakeXhr.sent[0]!;
  expect(await (sent.body as Blob).text()).toBe('first_name,last_name,email\nAnna,Schmidt,anna@example.com\nBob,Bauer,kaputt\nCem,Yilmaz,cem@example.com\n');
  expect(sent.url).not.toContain('skip_invalid');

  fireEvent.click(screen.getByRole('button', { name: 'Import the valid rows only' }));
  await screen.findByText(/2 contacts imported\./);
  expect(FakeXhr.sent[1]!.url).toContain('skip_invalid=true');
  expect(within(screen.getByTestId('row-errors')).getByText('Row 4: E-mail is not a valid e-mail address')).toBeTruthy();
  expect(imported).toHaveBeenCalledTimes(1);
});

it('will not import without a column for a required field', async () => {
  renderApp(<CsvImport meta={CONTACTS} onClose={() => undefined} onImported={() => undefined} />, (_m, path) =>
    path.startsWith('/custom-fields') ? json(200, { items: [], next_cursor: null }) : undefined,
  { signedIn: true });
  fireEvent.change(screen.getByLabelText(/CSV file/), { target: { files: [file('Mail\na@example.com\n')] } });
  expect(await screen.findByText('Choose a column for Last name: every row needs it.')).toBeTruthy();
  expect((screen.getByRole('button', { name: 'Import 1 row' }) as HTMLButtonElement).disabled).toBe(true);
});

// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { translate } from '../../i18n';
import { problemText, rowMessages } from './import-errors';

const en = (k: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate('en', k, p);
const de = (k: Parameters<typeof translate>[1], p?: Record<string, string | number>) => translate('de', k, p);
const labels: Record<string, string> = { email: 'E-mail', last_name: 'Last name', company_id: 'Company (ID)' };

describe('import row errors in words', () => {
  it('says each row’s problems in the person’s words, by the row of their file', () => {
    const rows = [
      { line: 3, field: 'email', message: 'must be a valid email address' },
      { line: 2, field: 'last_name', message: 'is required' },
      { line: 3, field: 'company_id', message: 'refers to a company that does not exist' },
    ];
    const lines = new Map([[2, 2], [3, 4]]);
    expect(rowMessages(rows, lines, (k) => labels[k], en).map((m) => m.text)).toEqual([
      'Row 2: Last name is missing',
      'Row 4: E-mail is not a valid e-mail address; Company (ID) names a company that does not exist',
    ]);
    expect(rowMessages(rows.slice(0, 1), lines, () => 'E-Mail', de)[0]!.text).toBe('Zeile 4: E-Mail ist keine gültige E-Mail-Adresse');
  });
  it('never shows a field key or a parameter name', () => {
    const [m] = rowMessages([{ line: 2, field: 'owner_id', message: 'the row would be outside what you may write' }], new Map(), () => undefined, en);
    expect(m!.text).toBe('Row 2: Owner would make a record that your role may not create');
    const [u] = rowMessages([{ line: 5, field: 'custom.gone', message: 'something new, send skip_invalid=true' }], new Map(), () => undefined, en);
    expect(u!.text).toBe('Row 5: A value is not valid');
    expect(u!.text).not.toMatch(/_|skip/);
  });
  it('knows the server’s phrases', () => {
    expect(problemText('must be at most 100 characters', en)).toBe('is longer than 100 characters');
    expect(problemText('must be between 0 and 10', de)).toBe('muss zwischen 0 und 10 liegen');
    expect(problemText('must be an http(s) URL', en)).toBe('is not a web address (starting with http:// or https://)');
    expect(problemText('must be an id', en)).toBe('is not an ID from this workspace');
    expect(problemText('must be a date (YYYY-MM-DD)', en)).toBe('is not a date (year-month-day, such as 2026-05-31)');
  });
});

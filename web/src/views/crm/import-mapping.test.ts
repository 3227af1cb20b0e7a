// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { CustomField } from '../../api/types';
import { translate } from '../../i18n';
import { autoMap, hasProblems, importTargets, mappingProblems, norm, raggedRows, rewrite } from './import-mapping';
import { COMPANIES, CONTACTS } from './kinds';

const size: CustomField = { id: 'f1', kind: 'contact', key: 'shoe_size', label: 'Shoe size', type: 'number', options: {}, required: false, retired: false, version: 1 };
const en = (k: Parameters<typeof translate>[1], p?: Record<string, string>) => translate('en', k, p);
const de = (k: Parameters<typeof translate>[1], p?: Record<string, string>) => translate('de', k, p);

describe('import mapping', () => {
  it('compares header names without case, accents, spaces or signs', () => {
    expect(norm('E-Mail-Adresse')).toBe('emailadresse');
    expect(norm(' Schlagwörter ')).toBe('schlagworter');
  });
  it('matches English and German headers, exported field names and custom fields; the rest is ignored', () => {
    expect(autoMap(['Vorname', 'Nachname', 'E-Mail', 'Telefon', 'Position', 'Notiz', 'Shoe size'], CONTACTS, [size])).toEqual([
      'first_name', 'last_name', 'email', 'phone', 'title', null, 'custom.shoe_size',
    ]);
    expect(autoMap(['First name', 'Last name', 'Email address', 'Mobile'], CONTACTS, [])).toEqual(['first_name', 'last_name', 'email', 'phone']);
    // An export: field names, ids, and what the server sets itself.
    expect(autoMap(['id', 'version', 'last_name', 'company_id', 'owner_id', 'custom.shoe_size'], CONTACTS, [size])).toEqual([
      null, null, 'last_name', 'company_id', null, 'custom.shoe_size',
    ]);
    expect(autoMap(['Firma', 'Branche', 'Webseite', 'Anschrift'], COMPANIES, [])).toEqual(['name', 'industry', 'website', 'address']);
  });
  it('does not take a column of company names for company ids, nor one field twice', () => {
    expect(autoMap(['Company', 'E-Mail', 'Mail'], CONTACTS, [])).toEqual([null, 'email', null]);
  });
  it('labels fields in the person’s language and says which are ids', () => {
    const targets = importTargets(CONTACTS, [size], de);
    expect(targets.find((x) => x.key === 'email')?.label).toBe('E-Mail');
    expect(targets.find((x) => x.key === 'company_id')?.label).toBe('Firma (ID)');
    expect(targets.find((x) => x.key === 'custom.shoe_size')?.label).toBe('Shoe size');
    expect(targets.find((x) => x.key === 'last_name')?.required).toBe(true);
  });
  it('names what keeps a mapping from being used', () => {
    const targets = importTargets(CONTACTS, [], en);
    const p = mappingProblems(['email', 'email', null], targets);
    expect(p.missing.map((x) => x.key)).toEqual(['last_name']);
    expect(p.twice.map((x) => x.key)).toEqual(['email']);
    expect(hasProblems(p)).toBe(true);
    expect(mappingProblems([null], targets).empty).toBe(true);
    expect(hasProblems(mappingProblems(['last_name', null], targets))).toBe(false);
  });
  it('finds rows with more cells than the header (an unquoted comma)', () => {
    expect(raggedRows([['a', 'b'], ['1', '2'], ['1', '2', '3'], ['1', '2', '']])).toEqual([3]);
  });
  it('rewrites the header row with field names, leaves ignored columns and blank rows out, and maps lines back to rows', () => {
    const rows = [['Nachname', 'Notiz', 'E-Mail'], ['Müller', 'x', 'a@example.com'], ['', ' ', ''], ['Schmidt', 'two\nlines', 'not-an-address'], ['Short']];
    const r = rewrite(rows, ['last_name', null, 'email']);
    expect(r.csv).toBe('last_name,email\nMüller,a@example.com\nSchmidt,not-an-address\nShort,\n');
    expect(r.count).toBe(3);
    // The server's line 3 is the person's row 4 (row 3 was blank).
    expect(r.rowOfLine.get(3)).toBe(4);
    expect(r.rowOfLine.get(4)).toBe(5);
  });
  it('keeps line numbers right when a mapped cell spans lines', () => {
    const r = rewrite([['name', 'address'], ['A', 'Street 1\nBerlin'], ['B', 'x']], ['name', 'address']);
    expect(r.rowOfLine.get(2)).toBe(2);
    expect(r.rowOfLine.get(4)).toBe(3);
  });
});

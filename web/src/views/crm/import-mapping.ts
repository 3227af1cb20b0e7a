// The import dialog's rules: which fields a CSV column can go to, which
// column goes where at first (matched by header name, in English or German,
// or by the field's own name as in an export), what keeps the mapping from
// being used, and the file rewritten for the server with the chosen fields
// as its header row and ignored columns left out.
import type { CustomField } from '../../api/types';
import { de } from '../../i18n/de';
import { en, type Key } from '../../i18n/en';
import type { KindMeta } from './kinds';
import { writeCsv } from './csv';

export interface ImportTarget {
  /** The header the server takes: a field (`email`) or `custom.<key>`. */
  key: string;
  /** In the person's language. */
  label: string;
  required: boolean;
}

/** Other names people give these columns (compared without case, accents, spaces or signs). */
const SYNONYMS: Record<string, string[]> = {
  first_name: ['firstname', 'givenname', 'forename', 'vorname'],
  last_name: ['lastname', 'surname', 'familyname', 'nachname', 'familienname'],
  email: ['email', 'emailaddress', 'mail', 'emailadresse', 'mailadresse'],
  phone: ['phone', 'phonenumber', 'telephone', 'tel', 'mobile', 'telefon', 'telefonnummer', 'mobil', 'handy'],
  title: ['jobtitle', 'position', 'funktion', 'berufsbezeichnung'],
  name: ['company', 'companyname', 'organisation', 'organization', 'firma', 'firmenname', 'unternehmen'],
  industry: ['industry', 'sector', 'branche'],
  website: ['website', 'web', 'url', 'homepage', 'webseite', 'internetseite'],
  address: ['address', 'adresse', 'anschrift'],
  tags: ['tags', 'tag', 'labels', 'schlagworter', 'schlagwort'],
};

/** Lower case, without accents, spaces or signs: "E-Mail-Adresse" → "emailadresse". */
export function norm(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * The fields a column can go to: the kind's standard fields (ids of other
 * records say so: "Company (ID)") and the tenant's custom fields.
 */
export function importTargets(meta: KindMeta, customs: CustomField[], t: (k: Key, p?: Record<string, string>) => string): ImportTarget[] {
  const std = meta.fields.map((f) => ({
    key: f.key,
    label: f.type === 'relation' ? t('import.idOf', { field: t(f.label) }) : t(f.label),
    required: !!f.required,
  }));
  const custom = customs.map((c) => ({
    key: `custom.${c.key}`,
    label: c.type === 'relation' ? t('import.idOf', { field: c.label }) : c.label,
    required: c.required,
  }));
  return [...std, ...custom];
}

/** The names a header may have for `target`: its key, its labels in both languages, synonyms. */
function namesOf(meta: KindMeta, customs: CustomField[], target: string): Set<string> {
  const names = new Set<string>([norm(target)]);
  const std = meta.fields.find((f) => f.key === target);
  if (std) {
    // An id column matches only by its own name (`company_id`, as exports write it):
    // a "Company" column of names is not a column of ids.
    if (std.type !== 'relation') {
      names.add(norm(en[std.label]));
      names.add(norm(de[std.label]));
      for (const s of SYNONYMS[target] ?? []) names.add(s);
    }
  } else {
    const c = customs.find((x) => `custom.${x.key}` === target);
    if (c) {
      names.add(norm(c.key));
      if (c.type !== 'relation') names.add(norm(c.label));
    }
  }
  return names;
}

/** The first guess: each column to the field its header names, each field at most once. */
export function autoMap(headers: string[], meta: KindMeta, customs: CustomField[]): (string | null)[] {
  const targets = [...meta.fields.map((f) => f.key), ...customs.map((c) => `custom.${c.key}`)];
  const names = new Map(targets.map((k) => [k, namesOf(meta, customs, k)]));
  const taken = new Set<string>();
  return headers.map((h) => {
    const n = norm(h);
    const hit = n ? targets.find((k) => !taken.has(k) && names.get(k)!.has(n)) : undefined;
    if (!hit) return null;
    taken.add(hit);
    return hit;
  });
}

export interface MappingProblems {
  /** Required fields no column goes to. */
  missing: ImportTarget[];
  /** Fields more than one column goes to. */
  twice: ImportTarget[];
  /** No column is imported at all. */
  empty: boolean;
}

export function mappingProblems(mapping: (string | null)[], targets: ImportTarget[]): MappingProblems {
  const chosen = mapping.filter((m): m is string => !!m);
  return {
    missing: targets.filter((t) => t.required && !chosen.includes(t.key)),
    twice: targets.filter((t) => chosen.filter((c) => c === t.key).length > 1),
    empty: chosen.length === 0,
  };
}

export const hasProblems = (p: MappingProblems) => p.missing.length > 0 || p.twice.length > 0 || p.empty;

/** Spreadsheet rows (the header is row 1) of records with more cells than the header. */
export function raggedRows(rows: string[][]): number[] {
  const width = rows[0]?.length ?? 0;
  const out: number[] = [];
  rows.forEach((r, i) => {
    if (i > 0 && r.length > width && r.slice(width).some((c) => c.trim() !== '')) out.push(i + 1);
  });
  return out;
}

export interface Rewritten {
  csv: string;
  /** Data rows sent (blank rows are left out). */
  count: number;
  /** The server's line of a row → its row in the person's file (header = row 1). */
  rowOfLine: Map<number, number>;
}

/**
 * The file for the server: the chosen field names as the header row, the
 * mapped columns only (a short row's missing cells are empty), without
 * rows that are entirely blank.
 */
export function rewrite(rows: string[][], mapping: (string | null)[]): Rewritten {
  const cols = mapping.flatMap((m, i) => (m ? [[i, m] as const] : []));
  const out: string[][] = [cols.map(([, key]) => key)];
  const rowNumbers: number[] = [1];
  rows.slice(1).forEach((r, i) => {
    if (r.every((c) => c.trim() === '')) return;
    out.push(cols.map(([col]) => r[col] ?? ''));
    rowNumbers.push(i + 2);
  });
  const { text, startLines } = writeCsv(out);
  return { csv: text, count: out.length - 1, rowOfLine: new Map(startLines.map((line, i) => [line, rowNumbers[i]!])) };
}

// Between a record and its form: the inputs hold strings (and booleans and
// lists), the API wants typed JSON. An edit sends only what changed, with
// null for a cleared field: PATCH merges, so untouched fields can never
// overwrite someone else's concurrent change to them.
import type { CustomField, RecordBase } from '../../api/types';
import type { KindMeta } from './kinds';

export type FormValue = string | boolean | string[] | { amount: string; currency: string };
export interface FormValues {
  std: Record<string, FormValue>;
  custom: Record<string, FormValue>;
}

type Json = Record<string, unknown>;

function localDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function customToForm(f: CustomField, v: unknown): FormValue {
  switch (f.type) {
    case 'bool':
      return v === true;
    case 'multi_select':
      return Array.isArray(v) ? v.map(String) : [];
    case 'currency': {
      const m = (v ?? {}) as { amount?: number; currency?: string };
      return { amount: m.amount != null ? String(m.amount) : '', currency: m.currency ?? 'EUR' };
    }
    case 'datetime':
      return typeof v === 'string' ? localDateTime(v) : '';
    default:
      return v == null ? '' : String(v);
  }
}

export function toFormValues(meta: KindMeta, customs: CustomField[], record: RecordBase | null): FormValues {
  const r = (record ?? {}) as unknown as Json;
  const std: Record<string, FormValue> = {};
  for (const f of meta.fields) {
    const v = r[f.key];
    std[f.key] = f.type === 'tags' ? (Array.isArray(v) ? v.join(', ') : '') : v == null ? '' : String(v);
  }
  const custom: Record<string, FormValue> = {};
  const have = (record?.custom ?? {}) as Json;
  for (const f of customs) custom[f.key] = customToForm(f, have[f.key]);
  return { std, custom };
}

function customToJson(f: CustomField, v: FormValue): unknown {
  switch (f.type) {
    case 'bool':
      return v === true;
    case 'multi_select':
      return Array.isArray(v) && v.length ? v : null;
    case 'number': {
      const s = String(v).trim();
      return s === '' ? null : Number(s.replace(',', '.'));
    }
    case 'currency': {
      const m = v as { amount: string; currency: string };
      return m.amount.trim() === '' ? null : { amount: Number(m.amount.replace(',', '.')), currency: m.currency || 'EUR' };
    }
    case 'datetime': {
      const s = String(v);
      return s ? new Date(s).toISOString() : null;
    }
    default: {
      const s = String(v).trim();
      return s === '' ? null : s;
    }
  }
}

/** The whole record as JSON, empty fields left out (for create). */
export function toJson(meta: KindMeta, customs: CustomField[], values: FormValues): Json {
  const out: Json = {};
  for (const f of meta.fields) {
    const v = values.std[f.key];
    if (f.type === 'tags') {
      const list = String(v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      out[f.key] = list.length ? list : null;
    } else {
      const s = String(v ?? '').trim();
      out[f.key] = s === '' ? null : s;
    }
  }
  const custom: Json = {};
  for (const f of customs) {
    const v = values.custom[f.key];
    custom[f.key] = v === undefined ? null : customToJson(f, v);
  }
  out.custom = custom;
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Only what differs from `before`; cleared fields become null. */
export function diff(before: Json, after: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(after)) {
    if (k === 'custom') continue;
    if (!same(before[k], v)) out[k] = v ?? null;
  }
  const bc = (before.custom ?? {}) as Json;
  const ac = (after.custom ?? {}) as Json;
  const custom: Json = {};
  for (const [k, v] of Object.entries(ac)) if (!same(bc[k], v)) custom[k] = v ?? null;
  if (Object.keys(custom).length) out.custom = custom;
  return out;
}

/** For create: drop the nulls, the server has nothing to clear yet. */
export function withoutNulls(body: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(body)) {
    if (v === null) continue;
    if (k === 'custom') {
      const c = withoutNulls(v as Json);
      if (Object.keys(c).length) out.custom = c;
    } else out[k] = v;
  }
  return out;
}

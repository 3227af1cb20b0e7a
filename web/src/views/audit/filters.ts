// The trail's filters as the address has them (`?actor=…&from=2026-12-01`),
// so a filtered view can be linked and reloaded, and as the API wants
// them. Dates are whole days in the reader's own time zone: "to" includes
// its day, so it is sent as the next day's midnight (the API's `to` is
// exclusive).
import type { AuditQuery } from '../../api/audit';

export interface TrailFilter {
  actor: string;
  kind: string;
  action: string;
  record: string;
  from: string;
  to: string;
}

export const FILTER_KEYS = ['actor', 'kind', 'action', 'record', 'from', 'to'] as const;

export const NO_FILTER: TrailFilter = { actor: '', kind: '', action: '', record: '', from: '', to: '' };

export function filterOf(search: URLSearchParams): TrailFilter {
  const f = { ...NO_FILTER };
  for (const k of FILTER_KEYS) f[k] = search.get(k)?.trim() ?? '';
  return f;
}

/** The query string of a filter: only what is set, in a fixed order (so equal filters read the same). */
export function searchOf(f: TrailFilter): URLSearchParams {
  const out = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = f[k].trim();
    if (v) out.set(k, v);
  }
  return out;
}

/** Local midnight of `yyyy-mm-dd`, `days` later, as an instant; null when it is no such date. */
function midnight(date: string, days = 0): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * What the API is asked. A date that is none (typed into the address) is
 * sent as it is: the server's 422 then says which one, like any other.
 */
export function queryOf(f: TrailFilter): AuditQuery {
  const q: AuditQuery = {};
  if (f.actor) q.actor = f.actor;
  if (f.kind) q.kind = f.kind;
  if (f.action) q.action = f.action;
  if (f.record) q.record = f.record;
  if (f.from) q.from = midnight(f.from) ?? f.from;
  if (f.to) q.to = midnight(f.to, 1) ?? f.to;
  return q;
}

/** The whole trail of one record, as a link. */
export function trailOfRecord(tenant: string, recordId: string): string {
  return `/t/${tenant}/admin/audit?${searchOf({ ...NO_FILTER, record: recordId }).toString()}`;
}

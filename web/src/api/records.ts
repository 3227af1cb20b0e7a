// Record resources over the client: lists with keyset cursors, one record
// with its version, writes with If-Match, CSV export and import.

import type { ApiClient, ApiResult, Query, WriteResult } from './client';
import type { CustomField, ImportReport, Page, RecordBase } from './types';
import type { UploadProgress } from './xhr';
import { stub } from '../realtime/anonymised';

export type KindPath = 'contacts' | 'companies' | 'deals' | 'pipelines' | 'activities' | 'tickets' | 'queues' | 'sla-policies';

export interface ListParams {
  q?: string;
  sort?: string;
  limit?: number;
  cursor?: string | null;
  /** Field filters, e.g. `{industry: 'Software', 'amount.gte': '1000'}`. */
  filters?: Record<string, string>;
}

export function listQuery(p: ListParams): Query {
  return { ...(p.filters ?? {}), q: p.q, sort: p.sort, limit: p.limit, cursor: p.cursor ?? undefined };
}

export function list<T>(api: ApiClient, kind: KindPath, p: ListParams = {}, signal?: AbortSignal) {
  return api.get<Page<T>>(`/${kind}`, listQuery(p), signal);
}

/** Every page, for small collections (a pipeline's deals); stops at `max`. */
export async function listAll<T>(api: ApiClient, kind: KindPath, p: ListParams = {}, max = 2000) {
  const items: T[] = [];
  let cursor: string | null = null;
  let fromCache = false;
  do {
    const r: ApiResult<Page<T>> = await list<T>(api, kind, { ...p, limit: 200, cursor });
    items.push(...r.data.items);
    fromCache ||= r.fromCache;
    cursor = r.data.next_cursor;
  } while (cursor && items.length < max);
  return { items, fromCache };
}

export function getRecord<T>(api: ApiClient, kind: KindPath, id: string, signal?: AbortSignal) {
  return api.get<T>(`/${kind}/${id}`, undefined, signal);
}

/**
 * A record's newer version from a live event, over what a page shows.
 * Events carry the whole record (less the fields a role hides, which the
 * page never had), so a read-only field the event lacks is gone: a lifted
 * legal hold must not linger from the older version. An anonymised record
 * lacks everything it lost (texts, e-mail, tags, custom fields, contacts):
 * it replaces the older version whole, or those would linger too.
 */
export function mergeLive<T extends RecordBase>(prev: T, next: Partial<T>): T {
  // An anonymised record's older event, overwritten (realtime/anonymised.ts): nothing to take.
  if (stub(next)) return prev;
  if (next.anonymised) {
    const { change: _, ...record } = next as Partial<T> & { change?: unknown };
    return record as T;
  }
  const out = { ...prev, ...next };
  if (!('legal_hold' in next)) delete out.legal_hold;
  return out;
}

export function createRecord<T>(api: ApiClient, kind: KindPath, body: object, label: string) {
  return api.write<T>({ method: 'POST', path: `/${kind}`, body, label });
}

export function updateRecord<T>(
  api: ApiClient,
  kind: KindPath,
  id: string,
  patch: object,
  version: number | undefined,
  label: string,
): Promise<WriteResult<T>> {
  return api.write<T>({ method: 'PATCH', path: `/${kind}/${id}`, body: patch, ifMatch: version, label });
}

export function deleteRecord(api: ApiClient, kind: KindPath, id: string, version: number | undefined, label: string) {
  return api.write<void>({ method: 'DELETE', path: `/${kind}/${id}`, ifMatch: version, label });
}

/** The list as CSV, with the same filters (src/http/csv.rs: `format=csv`). */
export function exportCsv(api: ApiClient, kind: KindPath, p: ListParams) {
  const { limit: _l, cursor: _c, ...rest } = p;
  return api.blob(`/${kind}`, { query: { ...listQuery(rest), format: 'csv' }, accept: 'text/csv' });
}

/**
 * Imports CSV rows (src/http/csv.rs): all or nothing, or with
 * `skipInvalid` the valid rows only. A file with bad rows and no skipping
 * throws a 422 ApiError whose problem carries `rows` and `error_count`.
 */
export async function importCsv(
  api: ApiClient,
  kind: 'contacts' | 'companies',
  csv: Blob,
  skipInvalid: boolean,
  onProgress?: UploadProgress,
  signal?: AbortSignal,
) {
  const r = await api.request<ImportReport>('POST', `/${kind}/import`, {
    raw: { data: csv, type: 'text/csv; charset=utf-8' },
    query: { skip_invalid: skipInvalid ? 'true' : undefined },
    onUploadProgress: onProgress,
    signal,
  });
  return r.data;
}

export async function customFields(api: ApiClient, kind: string): Promise<CustomField[]> {
  const r = await api.get<Page<CustomField>>('/custom-fields', { kind });
  return r.data.items.filter((f) => !f.retired);
}

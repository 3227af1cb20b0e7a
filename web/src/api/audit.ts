// The audit trail (src/http/audit.rs, `admin:audit`): every change and
// sign-in of the tenant, newest first, chained by hashes. Filtered by who,
// which record, what kind, which action and when; paged by cursor; also
// as CSV. A bad filter is a 422 whose `errors[]` name the parameter.
import type { ApiClient } from './client';

/**
 * Who did it, as the trail keeps it (src/storage/audit_log.rs `Actor`):
 * a signed-in person (`user`: staff, or a portal `kind`), an integration
 * (`api_key`, acting for `user_id`), the support engine (`engine`), the
 * platform operator (`platform`), a retention rule (`retention`, by name),
 * or nobody signed in (`anonymous`: a failed sign-in).
 */
export interface AuditActor {
  type: string;
  id?: string;
  kind?: string;
  user_id?: string;
  rule?: string;
}

/** One field of a record write: its values, or only that it changed (personal data is not kept). */
export type FieldChange = { changed: true } | { from: unknown; to: unknown };

export interface AuditEntry {
  seq: number;
  at: string;
  /** `contact.updated`, `login.success`, `role.changed`, … */
  action: string;
  actor: AuditActor;
  actor_type: string;
  actor_id: string | null;
  /** `contact`, `deal`, `auth`, `setting`, `custom_field`, … */
  kind: string | null;
  record_id: string | null;
  ip: string | null;
  request_id: string | null;
  /** For record writes `{changes: {field: FieldChange}}`; other facts per action. */
  detail: Record<string, unknown> | null;
  prev_hash: string;
  hash: string;
}

/** What the trail can be narrowed to (as the API names it; instants in RFC 3339). */
export interface AuditQuery {
  actor?: string;
  record?: string;
  kind?: string;
  action?: string;
  from?: string;
  to?: string;
}

export interface AuditPage {
  items: AuditEntry[];
  next_cursor: string | null;
}

export async function auditPage(api: ApiClient, q: AuditQuery, cursor: string | null, limit: number, signal?: AbortSignal) {
  return (await api.get<AuditPage>('/audit/events', { ...q, cursor, limit }, signal)).data;
}

/** One page of the trail as CSV, with the name the server suggests and the next page's cursor. */
export async function auditCsvPage(api: ApiClient, q: AuditQuery, cursor: string | null, limit: number) {
  const { blob, filename, headers } = await api.file('/audit/events', {
    query: { ...q, cursor, limit, format: 'csv' },
    accept: 'text/csv',
  });
  return { text: await blob.text(), filename, next: headers.get('x-next-cursor') };
}

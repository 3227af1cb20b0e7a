// Person exports (src/http/exports.rs), the right of access and
// portability (GDPR Art. 15, 20): everything held about a contact (or
// about a user: their account, sign-ins and trail actions), built
// by the server in the background into a ZIP that is kept for 7 days. All
// under `privacy:export`. Where one stands is also told live on the
// `exports` topic (`export.requested`, `.progress`, `.ready`, `.failed`),
// with ids and counts only, never the content.
import type { ApiClient } from './client';

export type ExportStatus = 'running' | 'ready' | 'failed';

/** Whose data: a contact's, or a user's (a colleague, or a portal account that is no contact). */
export type ExportSubject = 'contact' | 'user';

/** What an `export.*` event's `data` carries. */
export interface ExportProgress {
  id: string;
  subject_kind: ExportSubject;
  subject_id: string;
  status: ExportStatus;
  /** Steps done, of `total`. */
  done: number;
  total: number;
  /** Why it failed (the server's English sentence). */
  error: string | null;
  /** The archive's bytes, once ready. */
  size: number | null;
  /** The archive can be fetched until then (set once ready). */
  expires_at: string | null;
}

/** An export as `GET /exports` and `GET /exports/{id}` answer. */
export interface PersonExport extends ExportProgress {
  requested_by: string | null;
  created_at: string;
  finished_at: string | null;
}

/**
 * An export as a view knows it: from an answer, or only from events so
 * far (which leave out who asked for it and when).
 */
export type KnownExport = ExportProgress & Partial<Omit<PersonExport, keyof ExportProgress>>;

/** Starts an export of the contact (or user); `202` with it, still running. */
export async function requestExport(api: ApiClient, subjectId: string, kind: ExportSubject = 'contact') {
  return (await api.request<PersonExport>('POST', `/${kind === 'user' ? 'users' : 'contacts'}/${subjectId}/export`)).data;
}

/** Newest first; expired ones are left out. */
export async function listExports(api: ApiClient, signal?: AbortSignal) {
  return (await api.get<{ items: PersonExport[] }>('/exports', undefined, signal)).data.items;
}

/** One export; `404` once it expired or its person was erased. */
export async function getExport(api: ApiClient, id: string, signal?: AbortSignal) {
  return (await api.get<PersonExport>(`/exports/${id}`, undefined, signal)).data;
}

/**
 * The ZIP, with the name the server suggests. `409 conflict` while it is
 * still being built, `404` once expired, failed or erased.
 */
export function fetchArchive(api: ApiClient, id: string) {
  return api.file(`/exports/${id}/archive`, { accept: 'application/zip' });
}

// Privacy duties (src/http/privacy.rs, src/http/users.rs): legal holds on
// records and erasing a person (GDPR Art. 17), a contact or a user. They
// need `privacy:hold` and `privacy:erase`, not the record's own
// permissions, and answer with what was done, never with the record's
// content. Past erasures are read from the audit trail.
import type { ApiClient } from './client';
import type { LegalHold } from './types';

/** The kinds a hold may be placed on. */
export type HoldPath = 'contacts' | 'companies' | 'deals' | 'tickets' | 'activities';

export interface HoldAnswer {
  id: string;
  version: number;
  legal_hold: LegalHold | null;
}

/** Places (or replaces) a hold; a bad reason is a 422 with `errors[]` on `reason`. */
export async function placeHold(api: ApiClient, kind: HoldPath, id: string, reason: string) {
  return (await api.request<HoldAnswer>('PUT', `/${kind}/${id}/hold`, { body: { reason } })).data;
}

/** Lifts the hold; `409 conflict` when there was none. */
export async function liftHold(api: ApiClient, kind: HoldPath, id: string) {
  return (await api.request<HoldAnswer>('DELETE', `/${kind}/${id}/hold`)).data;
}

export interface Erased {
  id: string;
  /** Records that went, per kind: `contact`, `ticket`, `comment`, `activity`. */
  gone: Partial<Record<string, number>>;
  /** Records that stay without the person, per kind (`deal`). */
  cleared: Partial<Record<string, number>>;
  events_erased: number;
  /** Their portal account, anonymised (null: they had none). */
  portal_user: string | null;
  sign_ins_forgotten: number;
}

/** Erases a contact and everything about them; `409 legal_hold` when something is held. */
export async function eraseContact(api: ApiClient, id: string) {
  return (await api.request<Erased>('POST', `/contacts/${id}/erase`)).data;
}

/** What erasing a user did (`POST /users/{id}/erase`). */
export interface UserErased {
  id: string;
  /** Their sessions that ended, on every device. */
  sessions_ended: number;
  /** Sign-in log entries that no longer say who or from where. */
  sign_ins_forgotten: number;
}

/**
 * Erases a user who has left (`privacy:erase`): name, e-mail, password,
 * second factor and teams go, every session ends; the account stays,
 * disabled and called "Erased person", because what they own and wrote
 * refers to it. `409 conflict` for oneself, the last active owner, and a
 * portal account that is a contact; `403` for one who holds more.
 */
export async function eraseUser(api: ApiClient, id: string) {
  return (await api.request<UserErased>('POST', `/users/${id}/erase`)).data;
}

/** An erasure as the audit trail keeps it: who and when, and how much went; nothing of the person. */
export interface ErasureEntry {
  seq: number;
  at: string;
  /** A person (`user`, with `id`), an integration (`api_key`, with `user_id`), or a retention rule (`retention`, with `rule`). */
  actor: { type: string; id?: string; user_id?: string; rule?: string };
  detail: Pick<Erased, 'gone' | 'cleared' | 'portal_user'>;
}

/** The latest erasures, newest first, from the audit trail (`admin:audit`, not a privacy permission). */
export async function erasureHistory(api: ApiClient, signal?: AbortSignal) {
  const page = await api.get<{ items: ErasureEntry[] }>('/audit/events', { action: 'person.erased', limit: 50 }, signal);
  return page.data.items;
}

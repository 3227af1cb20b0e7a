// Account links by e-mail (src/http/account_mail.rs): a password reset
// anyone may ask for, setting a password with a link's token (reset and
// invitation mails carry the same link), invitations, and the outbox that
// shows admins what was sent. The token travels in the link's fragment,
// so only this page ever hands it to the server.
import type { ApiClient } from './client';

/**
 * `202` whether or not an account has `email` (nobody learns which do);
 * `429 rate_limited` with Retry-After when asked too often.
 */
export async function requestPasswordReset(api: ApiClient, email: string) {
  await api.request('POST', '/auth/password-reset', { body: { email }, auth: false });
}

/**
 * `204`, and every session of the account ends; `422` with
 * `errors[].field` `password` (too short, too common…) or `token` (used,
 * expired, unknown, or not a link this server sent).
 */
export async function setPassword(api: ApiClient, token: string, password: string) {
  await api.request('POST', '/auth/set-password', { body: { token, password }, auth: false });
}

/** Sends (again) an invitation to set a password; earlier links stop working. */
export async function inviteUser(api: ApiClient, id: string) {
  return (await api.request<{ status: 'queued'; mail_id: string }>('POST', `/users/${id}/invite`)).data;
}

export type MailKind = 'password_reset' | 'invitation' | 'ticket_reply';
export type MailStatus = 'queued' | 'sent' | 'failed';

export interface OutboxMessage {
  id: string;
  /** Further kinds may come; shown as written when unknown. */
  kind: MailKind | string;
  to_addr: string;
  subject: string;
  /** `failed`: the mailer gave up. */
  status: MailStatus;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface Outbox {
  items: OutboxMessage[];
  /** false: the operator set no SMTP server, and mail waits in the outbox. */
  smtp: boolean;
  next_cursor: string | null;
}

/** The newest messages, newest first, without their bodies (`admin:settings`). */
export async function listOutbox(api: ApiClient, signal?: AbortSignal) {
  return (await api.get<Outbox>('/mail/outbox', undefined, signal)).data;
}

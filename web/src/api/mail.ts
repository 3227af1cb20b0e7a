// The workspace's e-mail settings (src/integrations/mail/reply_address.rs),
// under `admin:settings`: the support address customers answer to. An
// agent's public reply goes out from the server's sender address with
// `Reply-To: <this address with +r-<token> before the @>`; the provider
// that receives that mailbox posts each message to the inbound hook, and
// the token threads the answer onto its ticket. Unset, the server's own
// sender address (with the token) is the Reply-To.
import type { ApiClient } from './client';
import { apiBase } from './tenant';

export interface MailSettings {
  /** `help@acme.example`; null: the server's own sender address. */
  reply_address: string | null;
}

export async function getMailSettings(api: ApiClient, signal?: AbortSignal) {
  return (await api.get<MailSettings>('/settings/mail', undefined, signal)).data;
}

/**
 * Keeps the address (null clears it) and answers with what was kept;
 * `422` with `errors[].field` `reply_address` when it is not a plain
 * address (no `+`, at most 40 characters before the @). Sent trimmed, and
 * blank as null: the server checks the trimmed address but keeps what it
 * is sent, and a Reply-To with spaces around it would thread nothing.
 */
export async function saveMailSettings(api: ApiClient, replyAddress: string | null) {
  const reply_address = replyAddress?.trim() || null;
  return (await api.request<MailSettings>('PUT', '/settings/mail', { body: { reply_address } })).data;
}

/** Where a mail provider posts the raw messages (`message/rfc822`) for `tenant`. */
export const inboundHookUrl = (origin: string, tenant: string) => `${origin}${apiBase(tenant)}/mail/inbound`;

/**
 * The shape of a reply's Reply-To for `address`, the token left out
 * (`help+r-…@acme.example`): the server puts `+r-` and 16 random hex
 * digits before the @, in lower case. Null for what is no address.
 */
export function tokenedShape(address: string): string | null {
  const a = address.trim().toLowerCase();
  const at = a.lastIndexOf('@');
  if (at < 1) return null;
  return `${a.slice(0, at)}+r-…${a.slice(at)}`;
}

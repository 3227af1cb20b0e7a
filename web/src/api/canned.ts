// Canned replies: the workspace's ready-made answers for the reply box.
// Everyone who reads tickets may list them and have one filled in for a
// ticket (`tickets:read`); `admin:settings` keeps the list, saved whole.
import type { ApiClient } from './client';

export interface CannedReply {
  name: string;
  /** Text with placeholders such as `{{contact.first_name}}` (spaces inside the braces allowed). */
  body: string;
}

/** What the server fills in (its list in the 422 for an unknown one), grouped as the admin page shows them. */
export const PLACEHOLDERS = [
  'contact.first_name',
  'contact.last_name',
  'contact.name',
  'contact.email',
  'ticket.subject',
  'ticket.id',
  'agent.name',
  'agent.email',
  'workspace.name',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** The server's limits (a save over them is refused at the field). */
export const CANNED_LIMITS = { replies: 200, name: 100, body: 10_000 } as const;

export async function getCannedReplies(api: ApiClient, signal?: AbortSignal) {
  return (await api.get<{ replies: CannedReply[] }>('/canned-replies', undefined, signal)).data.replies;
}

/** Keeps the whole list; `422` with `errors[].field` such as `replies.1.name`. Answers with what was kept (names trimmed). */
export async function saveCannedReplies(api: ApiClient, replies: CannedReply[]) {
  return (await api.request<{ replies: CannedReply[] }>('PUT', '/settings/canned-replies', { body: { replies } })).data.replies;
}

/**
 * The reply filled in for one ticket, as this person may read it (a field
 * their role hides fills in empty). `404` for an unknown reply or ticket.
 */
export async function renderCannedReply(api: ApiClient, ticketId: string, name: string) {
  return (await api.request<{ body: string }>('POST', `/tickets/${ticketId}/canned-replies/render`, { body: { name } })).data.body;
}

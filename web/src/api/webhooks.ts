// Webhooks (src/http/webhooks.rs): endpoints that receive the workspace's
// events, signed as Standard Webhooks says. `webhooks:read` lists them and
// their delivery log; `webhooks:write` changes them, pings, replays and
// rotates. A secret is in the answer only when it is made (create,
// rotate-secret): the server keeps no way to show it again.
import type { ApiClient } from './client';

export interface Webhook {
  id: string;
  url: string;
  description: string;
  /** `*`, `<kind>.*` or `<kind>.<action>` (e.g. `contact.created`). */
  event_types: string[];
  /** Empty: every record; else topics such as `queue:<id>`, `pipeline:<id>`, `contacts`. */
  topics: string[];
  /** The role whose field rules the payloads obey. */
  role: string;
  created_by: string;
  enabled: boolean;
  /** Why it is off: an admin switched it off, or it failed for a day. */
  disabled_reason: string | null;
  /** The last event number delivered (or skipped as not wanted). */
  delivered_seq: number;
  /** Failed attempts at the current event. */
  attempts: number;
  failing_since: string | null;
  next_attempt_at: string | null;
  /** After a rotation: until when the previous secret still signs beside the new one. */
  previous_secret_until: string | null;
  created_at: string;
  updated_at: string;
}

/** A webhook as made or rotated: with its secret, shown this once. */
export type WebhookWithSecret = Webhook & { secret: string };

export interface WebhookInput {
  url?: string;
  description?: string;
  event_types?: string[];
  topics?: string[];
  role?: string;
  /** `true` switches a disabled endpoint on again and clears its failure state. */
  enabled?: boolean;
}

export interface Delivery {
  id: string;
  webhook_id: string;
  /** The `webhook-id` header: the event's number, or `ping_<id>`. */
  message_id: string;
  /** The event's number in the log; null for a ping. */
  seq: number | null;
  event_type: string;
  attempt: number;
  /** The receiver's HTTP status; null when it never answered. */
  status: number | null;
  ok: boolean;
  error: string | null;
  latency_ms: number;
  /** The start of the receiver's answer (at most 1 KiB). */
  response: string;
  at: string;
}

export interface DeliveryPage {
  items: Delivery[];
  next_cursor: string | null;
}

export async function listWebhooks(api: ApiClient, signal?: AbortSignal) {
  return (await api.get<{ items: Webhook[] }>('/webhooks', undefined, signal)).data.items;
}

/** `422` with `errors[].field` (`url`, `event_types`, `topics`, `role`, `description`); `403` for a role the admin does not hold. */
export async function createWebhook(api: ApiClient, input: WebhookInput) {
  return (await api.request<WebhookWithSecret>('POST', '/webhooks', { body: input })).data;
}

export async function updateWebhook(api: ApiClient, id: string, input: WebhookInput) {
  return (await api.request<Webhook>('PATCH', `/webhooks/${id}`, { body: input })).data;
}

export async function deleteWebhook(api: ApiClient, id: string) {
  await api.request('DELETE', `/webhooks/${id}`);
}

/** Sends a `webhook.ping` now and answers what the receiver said (also kept in the log). */
export async function pingWebhook(api: ApiClient, id: string) {
  return (await api.request<Delivery>('POST', `/webhooks/${id}/ping`)).data;
}

/** Delivers again every event after number `since`; `422` on `since` beyond the log's head. */
export async function replayWebhook(api: ApiClient, id: string, since: number) {
  return (await api.request<Webhook>('POST', `/webhooks/${id}/replay`, { body: { since } })).data;
}

/** A new secret; the previous one keeps signing until `previous_secret_until`. */
export async function rotateWebhookSecret(api: ApiClient, id: string) {
  return (await api.request<WebhookWithSecret>('POST', `/webhooks/${id}/rotate-secret`)).data;
}

/** The delivery log, newest first; `cursor` is the previous page's `next_cursor`. */
export async function listDeliveries(api: ApiClient, id: string, cursor: string | null, signal?: AbortSignal, limit = 50) {
  return (await api.get<DeliveryPage>(`/webhooks/${id}/deliveries`, { limit, cursor }, signal)).data;
}

// The WebSocket protocol's frames (API.md "WebSocket"), as TypeScript types.

export type PresenceState = 'viewing' | 'editing' | 'idle';

export interface PresenceMember {
  user_id: string;
  name: string;
  state: PresenceState;
}

export interface EventFrame<T = Record<string, unknown>> {
  type: 'event';
  topic: string;
  seq: number;
  /** e.g. `deal.updated`, `contact.deleted` */
  event: string;
  data: T;
}

export interface SubscribedFrame {
  type: 'subscribed';
  id?: string | null;
  topic: string;
  /** The tenant's newest sequence number when the subscription started. */
  seq: number;
  recovered: boolean;
}

/**
 * A ticket's place in a queue changed (`queue:<id>` topics): it entered,
 * moved, or left (`position: null`, e.g. claimed). `seq` is the event that
 * caused it; these frames are not replayed after a reconnect.
 */
export interface QueueFrame {
  type: 'queue';
  topic: string;
  seq: number;
  ticket_id: string;
  position: number | null;
  size: number;
}

/** A live dashboard's whole state (`dashboard:<name>`); no replay, the newest wins. */
export interface DashboardFrame<T = unknown> {
  type: 'dashboard';
  topic: string;
  seq: number;
  data: T;
}

/**
 * Sent to every socket of the person it concerns, without a subscription:
 * `access` when an admin changed their roles, teams or permissions (or a
 * role they hold); `branding` / `features` when an admin saved the
 * workspace's branding or switched features; `webhooks` to the whole
 * tenant when the server switched off an endpoint that kept failing. It
 * carries no data: the app reads `GET /me`, `GET /branding` or
 * `GET /webhooks` again.
 */
export interface ChangedFrame {
  type: 'changed';
  what: 'access' | 'branding' | 'features' | 'webhooks' | (string & {});
}

export type ServerFrame =
  | SubscribedFrame
  | ChangedFrame
  | EventFrame
  | QueueFrame
  | DashboardFrame
  /** With `code`: the server ended the subscription (`feature_disabled`). */
  | { type: 'unsubscribed'; id?: string | null; topic: string; code?: string; message?: string }
  | { type: 'presence'; topic: string; members: PresenceMember[] }
  | { type: 'resync'; topic: string; reason: string }
  | { type: 'error'; id?: string | null; code: string; message: string }
  | { type: 'pong'; id?: string | null };

export type ClientFrame =
  | { type: 'subscribe'; id: string; topic: string; since?: number }
  | { type: 'unsubscribe'; id: string; topic: string }
  | { type: 'presence'; id: string; topic: string; state: PresenceState }
  | { type: 'ping'; id: string };

/** Close code the server uses when the session behind the socket ended. */
export const CLOSE_SESSION_ENDED = 4401;

// The support engine's shapes and calls (src/http/support.rs, API.md):
// tickets with their SLA clocks and offers, comments, queues, agents,
// SLA policies, the ticket workflow and the live dashboards.
import type { ApiClient } from './client';
import type { AttachmentRef } from './files';
import type { Page, RecordBase } from './types';

export type Priority = 'low' | 'normal' | 'high' | 'urgent';
export const PRIORITIES: Priority[] = ['urgent', 'high', 'normal', 'low'];

export type ClockName = 'first_response' | 'next_response' | 'resolution';
export const CLOCKS: ClockName[] = ['first_response', 'next_response', 'resolution'];

export interface SlaClock {
  target_mins: number;
  state: 'running' | 'paused' | 'met';
  started_at: string;
  consumed_secs: number;
  since?: string | null;
  due_at?: string | null;
  warn_at?: string | null;
  met_at?: string | null;
  warned_at?: string | null;
  breached_at?: string | null;
}

export interface Sla {
  policy_id: string;
  warn_percent: number;
  first_response?: SlaClock | null;
  next_response?: SlaClock | null;
  resolution?: SlaClock | null;
}

export interface Offer {
  user_id: string;
  offered_at: string;
  expires_at: string;
}

export interface Ticket extends RecordBase {
  subject: string;
  description?: string;
  status: string;
  priority?: Priority;
  queue_id?: string | null;
  requester_id?: string | null;
  assignee_id?: string | null;
  skills?: string[];
  sla?: Sla | null;
  offer?: Offer | null;
  declined_by?: string[];
  /** Only in `GET /queues/{id}/tickets`: the place in the whole queue. */
  position?: number;
}

export interface Comment {
  id: string;
  ticket_id: string;
  body: string;
  internal: boolean;
  author_id: string;
  /** The author's name and side when they wrote it (absent on old comments). */
  author_name?: string;
  author_kind?: 'staff' | 'customer' | 'supplier';
  created_at: string;
  version?: number;
  /** Files put on it when it was written (absent on servers before attachments). */
  attachments?: AttachmentRef[];
}

export type Routing = 'manual' | 'round_robin' | 'least_loaded' | 'skills';
export const ROUTINGS: Routing[] = ['manual', 'round_robin', 'least_loaded', 'skills'];

export interface Queue extends RecordBase {
  name: string;
  description?: string;
  sla_policy_id?: string | null;
  routing?: Routing;
  agent_ids?: string[];
  offer_timeout_secs?: number;
}

export type AgentStatus = 'online' | 'away' | 'offline';

export interface Agent {
  user_id: string;
  status: AgentStatus;
  connected: boolean;
  availability: AgentStatus;
  capacity: number;
  skills: string[];
}

export interface SlaTargets {
  first_response_mins?: number;
  next_response_mins?: number;
  resolution_mins?: number;
}

export interface SlaPolicy extends RecordBase {
  name: string;
  targets: Partial<Record<Priority, SlaTargets>>;
  business_hours?: boolean;
  paused_statuses?: string[];
  warn_percent?: number;
}

export interface Workflow {
  initial: string;
  statuses: string[];
  transitions: Record<string, string[]>;
  done?: string[] | null;
}

/** The same rule as the server (src/records/workflow.rs `is_done`). */
export function isDone(wf: Workflow, status: string): boolean {
  if (wf.done) return wf.done.includes(status);
  if (wf.statuses.includes('resolved') || wf.statuses.includes('closed')) return status === 'resolved' || status === 'closed';
  return (wf.transitions[status] ?? []).length === 0;
}

/** Where a ticket may go from `status` (itself first, so a select shows it). */
export function nextStatuses(wf: Workflow, status: string): string[] {
  return [status, ...(wf.transitions[status] ?? []).filter((s) => s !== status)];
}

export interface QueuePage extends Page<Ticket> {
  size: number;
}

export interface SupportBoard {
  open_total: number;
  open_by_status: Record<string, number>;
  open_by_priority: Record<string, number>;
  sla_breaches_today: number;
  median_first_response_secs_today: number | null;
  first_responses_today: number;
  oldest_waiting: { ticket_id: string; created_at: string } | null;
  day_starts_at: string;
}

export type Money = Record<string, number>;

export interface SalesStage {
  stage_id: string;
  name: string;
  probability: number;
  won: boolean;
  lost: boolean;
  count: number;
  value: Money;
}

export interface SalesBoard {
  pipelines: { pipeline_id: string; name: string; stages: SalesStage[] }[];
  weighted_forecast: Money;
  won_this_month: { count: number; value: Money };
  lost_this_month: { count: number; value: Money };
  month_starts_at: string;
}

export const queueTickets = (api: ApiClient, queue: string, signal?: AbortSignal) =>
  api.get<QueuePage>(`/queues/${queue}/tickets`, undefined, signal);

export const comments = async (api: ApiClient, ticket: string, signal?: AbortSignal) =>
  (await api.get<Page<Comment>>(`/tickets/${ticket}/comments`, undefined, signal)).data.items;

/** `attachments`: files uploaded to the ticket before, not yet on a comment. */
export const addComment = (api: ApiClient, ticket: string, body: string, internal: boolean, attachments: string[] = []) =>
  api.request<Comment>('POST', `/tickets/${ticket}/comments`, { body: attachments.length ? { body, internal, attachments } : { body, internal } });

export const claim = (api: ApiClient, ticket: string) => api.request<Ticket>('POST', `/tickets/${ticket}/claim`);
export const acceptOffer = (api: ApiClient, ticket: string) =>
  api.request<Ticket>('POST', `/tickets/${ticket}/offer/accept`);
export const declineOffer = (api: ApiClient, ticket: string) =>
  api.request<Ticket>('POST', `/tickets/${ticket}/offer/decline`);

export const myAgent = (api: ApiClient) => api.get<Agent>('/me/agent');
export const setMyStatus = (api: ApiClient, status: AgentStatus) =>
  api.request<Agent>('PUT', '/me/agent', { body: { status } });

export const workflow = (api: ApiClient, signal?: AbortSignal) => api.get<Workflow>('/workflows/tickets', undefined, signal);

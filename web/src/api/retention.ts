// Retention rules (src/http/retention.rs): which records go (or are
// anonymised) once nothing has happened to them for a while, and how.
// All under `admin:settings`.
// A dry run says what the saved rules would do now and writes nothing;
// a run applies the enabled ones, as the server's hourly sweep does.
import type { ApiClient } from './client';

/** The kinds a rule may name (src/records/retention_policy.rs `KINDS`). */
export const RETENTION_KINDS = ['contact', 'company', 'deal', 'ticket', 'activity'] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];
/**
 * `delete` and `erase` remove the record; `anonymise` keeps it for reports
 * without its texts, contacts and a ticket's comments (src/records/anonymise.rs).
 */
export const RETENTION_ACTIONS = ['delete', 'erase', 'anonymise'] as const;
export type RetentionAction = (typeof RETENTION_ACTIONS)[number];

export interface RetentionRule {
  name: string;
  kind: RetentionKind;
  action: RetentionAction;
  /** 1 to 36,500: the record and what refers to it are unchanged this long. */
  unchanged_for_days: number;
  /** Tickets only: the workflow statuses the rule applies to (absent: any). */
  statuses?: string[];
  enabled: boolean;
}

export interface RetentionPolicy {
  rules: RetentionRule[];
}

export interface RuleReport {
  name: string;
  kind: string;
  action: RetentionAction;
  enabled: boolean;
  /** Records the rule removed or anonymised (or would). */
  matched: number;
  /** The first 100 of their ids. */
  records: string[];
  /**
   * Everything that went (or would go) with them, per kind: themselves
   * included when removed; for `anonymise` only a ticket's comments.
   */
  gone: Partial<Record<string, number>>;
  /** Records that stay without a reference to them, per kind. */
  cleared: Partial<Record<string, number>>;
  /** Matched, but under legal hold (or something going with them is). */
  held: number;
  /** Matched, but still needed by records that refer to them. */
  refused: number;
  /** The dry run stopped counting at 10,000. */
  truncated: boolean;
}

export interface RetentionReport {
  /** The instant the ages were counted back from. */
  at: string;
  rules: RuleReport[];
}

export async function getRetention(api: ApiClient, signal?: AbortSignal) {
  return (await api.get<RetentionPolicy>('/settings/retention', undefined, signal)).data;
}

/** Keeps the rules; `422` with `errors[].field` such as `rules.0.name`. Answers with what was kept (names trimmed). */
export async function saveRetention(api: ApiClient, policy: RetentionPolicy) {
  return (await api.request<RetentionPolicy>('PUT', '/settings/retention', { body: policy })).data;
}

/** What every saved rule, enabled or not, would remove or anonymise now. Writes nothing. */
export async function retentionDryRun(api: ApiClient) {
  return (await api.request<RetentionReport>('POST', '/settings/retention/dry-run')).data;
}

/** Applies the enabled rules now; `409 conflict` while another run is under way. */
export async function runRetention(api: ApiClient) {
  return (await api.request<RetentionReport>('POST', '/settings/retention/run')).data;
}

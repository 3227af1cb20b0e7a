// The shapes the tenant API sends (API.md "Records"; src/records/schema.rs).

export interface RecordBase {
  id: string;
  version: number;
  created_at: string;
  updated_at: string;
  created_by?: string | null;
  owner_id?: string | null;
  team_id?: string | null;
  shared_with?: string[];
  tags?: string[];
  custom?: Record<string, unknown>;
  /** Read-only: set through `PUT /{kind}/{id}/hold`; absent when not held. */
  legal_hold?: LegalHold | null;
  /** Read-only: set once a retention rule anonymised the record (never twice). */
  anonymised?: AnonymisedMark | null;
}

/**
 * When and by which retention rule a record was anonymised: it stays for
 * reports, without its texts, contacts and (a ticket's) comments.
 */
export interface AnonymisedMark {
  at: string;
  /** The rule's name as it was when it ran. */
  rule: string;
}

/** Why a record must be kept: it cannot be deleted or erased meanwhile. */
export interface LegalHold {
  reason: string;
  /** The user who placed it. */
  by: string;
  at: string;
}

export interface Company extends RecordBase {
  name: string;
  domain?: string;
  industry?: string;
  phone?: string;
  website?: string;
  address?: string;
}

export interface Contact extends RecordBase {
  first_name?: string;
  last_name: string;
  email?: string;
  phone?: string;
  title?: string;
  company_id?: string | null;
  user_id?: string | null;
}

export interface Stage {
  id: string;
  name: string;
  probability?: number;
  won?: boolean;
  lost?: boolean;
}

export interface Pipeline extends RecordBase {
  name: string;
  stages: Stage[];
}

export interface Deal extends RecordBase {
  title: string;
  amount?: number;
  currency?: string;
  pipeline_id: string;
  stage_id?: string | null;
  expected_close?: string;
  company_id?: string | null;
  contact_ids?: string[];
  /** Absent when the caller's role hides it. */
  stage_history?: StageChange[];
}

export interface StageChange {
  at: string;
  by?: string | null;
  from: string | null;
  to: string | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
  kind: string;
  roles: string[];
  teams: string[];
  status: string;
  created_at: string;
}

export interface Team {
  id: string;
  name: string;
}

export interface Activity extends RecordBase {
  type: 'note' | 'call' | 'meeting' | 'task';
  subject: string;
  body?: string;
  due_at?: string;
  done?: boolean;
  related_kind?: 'company' | 'contact' | 'deal' | 'ticket';
  related_id?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type CustomFieldType =
  | 'text' | 'long_text' | 'number' | 'bool' | 'date' | 'datetime' | 'select'
  | 'multi_select' | 'currency' | 'email' | 'url' | 'relation';

export interface CustomField {
  id: string;
  kind: string;
  key: string;
  label: string;
  type: CustomFieldType;
  options: { choices?: string[]; min?: number; max?: number; kind?: string };
  required: boolean;
  retired: boolean;
  /**
   * Values sealed at rest by the server: shown in clear to readers, but
   * never found by search nor filterable. Fixed when the field is made.
   * Absent from answers cached before the server knew it: read as false.
   */
  sensitive?: boolean;
  version: number;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

export interface Me {
  user: { id: string; email: string; name: string; kind: string; mfa_enabled: boolean };
  tenant: { id: string; slug: string; name: string };
  roles: string[];
  teams: string[];
  permissions: { permission: string; scope: string; hidden_fields: string[] }[];
  mfa_enrollment_required: boolean;
}

export interface ImportReport {
  imported: number;
  skipped: number;
  errors: { line: number; field: string; message: string }[];
  error_count: number;
}

// An audit trail entry in words: who did it, what they did, to what, and
// which fields changed. The trail keeps ids, not names (and no personal
// data at all), so names come from lists the page already has; what no
// list names is shown as the trail has it.
import type { AuditActor, AuditEntry } from '../../api/audit';
import type { I18n, Key } from '../../i18n';
import { en } from '../../i18n/en';
import { priorityLabel, statusLabel } from '../support/labels';

/** What the page knows by id: people, API keys, pipeline stages. */
export interface Names {
  user(id: string): { name: string; email: string; kind?: string } | undefined;
  apiKey(id: string): string | undefined;
  stage(id: string): string | undefined;
}

const known = (key: string): key is Key => key in en;
const short = (id: string) => id.slice(0, 8);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** The kinds the trail files entries under (the filter offers these). */
export const TRAIL_KINDS = [
  'contact', 'company', 'deal', 'ticket', 'activity', 'comment', 'pipeline',
  'queue', 'sla_policy', 'custom_field', 'setting', 'auth',
] as const;

export function kindLabel(kind: string, t: I18n['t']): string {
  const key = `audit.kind.${kind}`;
  return known(key) ? t(key) : kind;
}

/** A record kind's page, for those that have one (tickets open in the console). */
const PAGES: Record<string, { path: string; read: string }> = {
  contact: { path: 'contacts', read: 'contacts:read' },
  company: { path: 'companies', read: 'companies:read' },
  deal: { path: 'deals', read: 'deals:read' },
  ticket: { path: 'console', read: 'tickets:read' },
};

export function recordPath(tenant: string, kind: string | null, id: string | null, can: (p: string) => boolean): string | null {
  const page = kind ? PAGES[kind] : undefined;
  return page && id && can(page.read) ? `/t/${tenant}/${page.path}/${id}` : null;
}

/**
 * The records the entries say were deleted or erased: no link leads to
 * them. (The trail is newest first, so an entry is always shown after its
 * record's removal, if that is among the entries.)
 */
export function goneRecords(entries: AuditEntry[]): Set<string> {
  const out = new Set<string>();
  for (const e of entries) {
    if (e.record_id && /\.(deleted|erased)$/.test(e.action)) out.add(e.record_id);
  }
  return out;
}

/** "Olga Owner", "API key “Zapier”, for Olga Owner", "Retention rule “Old tickets”", … */
export function actorLabel(a: AuditActor, names: Names, t: I18n['t']): string {
  const person = (id: string | undefined) => {
    if (!id) return t('audit.by.unknownUser', { id: '' }).trim();
    const u = names.user(id);
    if (!u) return t('audit.by.unknownUser', { id: short(id) });
    const name = u.name || u.email;
    return u.kind && u.kind !== 'staff' ? t('audit.by.portal', { name }) : name;
  };
  switch (a.type) {
    case 'user':
      return person(a.id);
    case 'api_key': {
      const keyName = a.id ? names.apiKey(a.id) : undefined;
      const key = keyName ? t('audit.by.apiKey', { name: keyName }) : t('audit.by.apiKeyId', { id: short(a.id ?? '') });
      return a.user_id ? t('audit.by.keyFor', { key, name: person(a.user_id) }) : key;
    }
    case 'engine':
      return t('audit.by.engine');
    case 'platform':
      return t('audit.by.platform');
    case 'retention':
      return t('audit.by.retention', { name: a.rule ?? '' });
    case 'anonymous':
      return t('audit.by.anonymous');
    default:
      return a.type;
  }
}

/** "Signed in", "Contact changed", …; an action we have no words for as it is recorded. */
export function actionLabel(action: string, t: I18n['t']): string {
  const whole = `audit.do.${action}`;
  if (known(whole)) return t(whole);
  const dot = action.indexOf('.');
  const kind = action.slice(0, dot);
  const verb = `audit.verb.${action.slice(dot + 1)}`;
  const kindKey = `audit.kind.${kind}`;
  if (dot > 0 && known(verb) && known(kindKey)) return t(verb, { kind: t(kindKey) });
  return action;
}

/** What an entry is about when it is not a record: the user, role, key, setting or field it names. */
export function targetLabel(e: AuditEntry, names: Names, t: I18n['t']): string | null {
  const d = e.detail ?? {};
  const target = str(d.target);
  if (target && e.action.startsWith('user.')) {
    const u = names.user(target);
    return t('audit.target.user', { name: u ? u.name || u.email : short(target) });
  }
  const role = str(d.role);
  if (role && e.action.startsWith('role.')) return t('audit.target.role', { name: role });
  if (e.action.startsWith('api_key.')) {
    const id = str(d.api_key_id);
    const name = str(d.name) ?? (id ? names.apiKey(id) : undefined);
    if (name) return t('audit.target.apiKey', { name });
    if (id) return t('audit.by.apiKeyId', { id: short(id) });
  }
  if (e.action === 'settings.security_changed') return t('audit.target.security');
  const key = str(d.key);
  if (key && e.kind === 'setting') return t('audit.target.setting', { name: key });
  const field = d.field as { label?: unknown; key?: unknown } | undefined;
  if (e.kind === 'custom_field' && field) return t('audit.target.customField', { name: str(field.label) ?? str(field.key) ?? '' });
  const rule = d.rule as { name?: unknown } | undefined;
  if (e.action === 'retention.applied' && e.kind) return t('audit.target.rule', { kind: kindLabel(e.kind, t), name: str(rule?.name) ?? e.actor.rule ?? '' });
  return null;
}

// Field names as the record pages say them (by kind where they differ).
const FIELD_LABELS: Record<string, Key> = {
  first_name: 'contact.first_name',
  last_name: 'contact.last_name',
  email: 'contact.email',
  phone: 'contact.phone',
  company_id: 'contact.company_id',
  name: 'contact.name',
  domain: 'company.domain',
  industry: 'company.industry',
  website: 'company.website',
  address: 'company.address',
  stage_id: 'deal.stage',
  amount: 'deal.amount',
  currency: 'deal.currency',
  expected_close: 'deal.expectedClose',
  owner_id: 'deal.owner',
  contact_ids: 'deal.contacts',
  status: 'ticket.status',
  priority: 'ticket.priority',
  assignee_id: 'ticket.assignee',
  queue_id: 'ticket.queue',
  requester_id: 'ticket.requester',
  subject: 'ticket.subject',
  description: 'ticket.description',
  tags: 'record.tags',
  due_at: 'activity.due_at',
  done: 'activity.done',
  type: 'activity.type',
  body: 'activity.body',
};
const BY_KIND: Record<string, Key> = {
  'contact.title': 'contact.title_field',
  'deal.title': 'deal.name',
  'company.name': 'company.name',
  'activity.subject': 'activity.subject',
};

export function fieldLabel(kind: string | null, field: string, t: I18n['t']): string {
  if (field.startsWith('custom.')) return t('audit.customField', { key: field.slice(7) });
  const key = BY_KIND[`${kind}.${field}`] ?? FIELD_LABELS[field];
  if (key) return t(key);
  const words = field.replace(/_id$/, '').replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const PEOPLE = new Set(['owner_id', 'assignee_id', 'author_id', 'created_by', 'user_id', 'shared_with']);

function valueText(field: string, v: unknown, i18n: I18n, names: Names): string {
  if (v === null || v === undefined || v === '') return i18n.t('audit.none');
  if (Array.isArray(v)) return v.length ? v.map((x) => valueText(field, x, i18n, names)).join(', ') : i18n.t('audit.none');
  if (typeof v === 'boolean') return i18n.t(v ? 'audit.yes' : 'audit.no');
  if (typeof v === 'object') return JSON.stringify(v);
  const s = String(v);
  if (PEOPLE.has(field)) {
    const u = names.user(s);
    return u ? u.name || u.email : short(s);
  }
  if (field === 'stage_id') return names.stage(s) ?? s;
  if (field === 'status') return statusLabel(i18n, s);
  if (field === 'priority') return priorityLabel(i18n, s);
  // Other references: the start of the id is enough to tell them apart.
  if (/_ids?$/.test(field) && /^[0-9a-f-]{36}$/i.test(s)) return short(s);
  return s;
}

/** "E-mail changed", "Stage: Lead → Qualified", one per field, in the order the trail has them. */
export function changeLines(e: AuditEntry, i18n: I18n, names: Names): string[] {
  const changes = (e.detail?.changes ?? null) as Record<string, Record<string, unknown>> | null;
  if (!changes || typeof changes !== 'object') return [];
  return Object.entries(changes).map(([field, c]) => {
    const label = fieldLabel(e.kind, field, i18n.t);
    if (!c || typeof c !== 'object' || !('from' in c || 'to' in c)) return i18n.t('audit.changed', { field: label });
    if (c.from === null || c.from === undefined) return i18n.t('audit.setTo', { field: label, to: valueText(field, c.to, i18n, names) });
    return i18n.t('audit.fromTo', { field: label, from: valueText(field, c.from, i18n, names), to: valueText(field, c.to, i18n, names) });
  });
}

const grantText = (g: { permission?: unknown; scope?: unknown }) => `${String(g.permission)}${g.scope && g.scope !== 'all' ? ` (${String(g.scope)})` : ''}`;

/** Other facts the entry records, in words: roles before and after, why a sign-in failed, … */
export function factLines(e: AuditEntry, i18n: I18n): string[] {
  const { t } = i18n;
  const d = e.detail ?? {};
  const out: string[] = [];
  const list = (v: unknown) => (Array.isArray(v) && v.length ? v.map(String).join(', ') : t('audit.none'));
  if (e.action === 'user.roles_changed') out.push(t('audit.fact.roles', { from: list(d.before), to: list(d.after) }));
  if (e.action === 'role.changed' && Array.isArray(d.before) && Array.isArray(d.after)) {
    const before = (d.before as object[]).map(grantText);
    const after = (d.after as object[]).map(grantText);
    const granted = after.filter((g) => !before.includes(g));
    const revoked = before.filter((g) => !after.includes(g));
    if (granted.length) out.push(t('audit.fact.granted', { list: granted.join(', ') }));
    if (revoked.length) out.push(t('audit.fact.revoked', { list: revoked.join(', ') }));
  }
  if (e.action === 'login.success' && d.mfa === true) out.push(t('audit.fact.mfa'));
  if (typeof d.reason === 'string') out.push(t('audit.fact.reason', { reason: d.reason }));
  const because = d.change as { because?: unknown; record_id?: unknown } | undefined;
  if (because && typeof because.because === 'string') {
    out.push(t('audit.fact.because', { action: actionLabel(because.because, t), id: short(str(because.record_id) ?? '') }));
  }
  if (d.via === 'csv_import') out.push(t('audit.fact.csvImport'));
  const version = d.version as { from?: unknown; to?: unknown } | undefined;
  if (version && typeof version.from === 'number' && typeof version.to === 'number') {
    out.push(t('audit.fact.version', { from: version.from, to: version.to }));
  }
  return out;
}

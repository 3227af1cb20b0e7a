// The retention page's rules: rules as the form edits them and as the
// server takes them, the server's field errors put back at their rule, and
// a report (dry run or run) in words.
import { RETENTION_ACTIONS, type RetentionKind, type RetentionAction, type RetentionPolicy, type RetentionRule, type RuleReport } from '../../api/retention';
import type { I18n, Key } from '../../i18n';

export interface RuleDraft {
  /** Keeps a rule's inputs (and what is typed in them) in place while others are added or removed. */
  key: number;
  name: string;
  kind: RetentionKind;
  action: RetentionAction;
  /** As typed: the box may be empty while it is edited. */
  days: string;
  /** Tickets only; none ticked means any status. */
  statuses: string[];
  enabled: boolean;
}

/** The fields of a rule the server names in `errors[].field` (`rules.<i>.<field>`). */
export type RuleField = 'name' | 'kind' | 'action' | 'unchanged_for_days' | 'statuses';
const RULE_FIELDS: readonly string[] = ['name', 'kind', 'action', 'unchanged_for_days', 'statuses'];

let keys = 0;

export function draftOf(r: RetentionRule): RuleDraft {
  return {
    key: ++keys,
    name: r.name,
    kind: r.kind,
    action: r.action,
    days: String(r.unchanged_for_days),
    statuses: r.statuses ?? [],
    enabled: r.enabled,
  };
}

/**
 * A rule just added: off until someone switches it on, so that saving it
 * removes nothing at the next hourly run before its preview was seen.
 */
export function newDraft(): RuleDraft {
  return { key: ++keys, name: '', kind: 'ticket', action: 'delete', days: '365', statuses: [], enabled: false };
}

/** Another kind: ticket statuses mean nothing to the others. */
export function withKind(d: RuleDraft, kind: RetentionKind): RuleDraft {
  return { ...d, kind, statuses: kind === 'ticket' ? d.statuses : [] };
}

export function withStatus(d: RuleDraft, status: string, on: boolean): RuleDraft {
  const rest = d.statuses.filter((s) => s !== status);
  return { ...d, statuses: on ? [...rest, status] : rest };
}

/** Whole days as typed, or null (empty, a fraction, not a number): JSON could not carry it as the server's integer. */
export function parseDays(s: string): number | null {
  const t = s.trim();
  return /^\d{1,6}$/.test(t) ? Number(t) : null;
}

/** Field errors the form finds before sending: the days that are not whole numbers. */
export function localErrors(drafts: RuleDraft[], t: I18n['t']): Record<string, string> {
  const out: Record<string, string> = {};
  drafts.forEach((d, i) => {
    if (parseDays(d.days) === null) out[`rules.${i}.unchanged_for_days`] = t('retention.daysInvalid');
  });
  return out;
}

/** What `PUT /settings/retention` takes; call once `localErrors` found nothing. */
export function policyOf(drafts: RuleDraft[]): RetentionPolicy {
  return {
    rules: drafts.map((d) => ({
      name: d.name,
      kind: d.kind,
      action: d.action,
      unchanged_for_days: parseDays(d.days) ?? 0,
      ...(d.kind === 'ticket' && d.statuses.length ? { statuses: d.statuses } : {}),
      enabled: d.enabled,
    })),
  };
}

/** Whether the form holds something other than `saved` (the preview and the run use what is saved). */
export function changed(drafts: RuleDraft[], saved: RetentionPolicy): boolean {
  const plain = (ds: RuleDraft[]) => JSON.stringify(ds.map(({ key: _, ...d }) => ({ ...d, days: d.days.trim(), statuses: [...d.statuses].sort() })));
  return plain(drafts) !== plain(saved.rules.map(draftOf));
}

/** The server's field errors of rule `i`, by field. */
export function ruleErrors(fields: Record<string, string>, i: number): Partial<Record<RuleField, string>> {
  const out: Partial<Record<RuleField, string>> = {};
  const prefix = `rules.${i}.`;
  for (const [f, m] of Object.entries(fields)) {
    const rest = f.startsWith(prefix) ? f.slice(prefix.length) : '';
    if (RULE_FIELDS.includes(rest)) out[rest as RuleField] = m;
  }
  return out;
}

/** Field errors that belong to no rule's field (say, too many rules): shown above the form. */
export function otherErrors(fields: Record<string, string>): string[] {
  const ruleField = (f: string) => /^rules\.\d+\.(\w+)$/.exec(f)?.[1] ?? '';
  return Object.entries(fields)
    .filter(([f]) => !RULE_FIELDS.includes(ruleField(f)))
    .map(([, m]) => m);
}

/** Kinds named in counts, in this order; others (should the server add one) after them, as written. */
const ORDER = ['contact', 'company', 'deal', 'ticket', 'comment', 'activity'];
const rank = (k: string) => (ORDER.includes(k) ? ORDER.indexOf(k) : ORDER.length);

/** "3 tickets", "1 Kontakt". */
function counted(kind: string, count: number, t: I18n['t']): string {
  return ORDER.includes(kind) ? t(`record.n.${kind}` as Key, { count }) : `${count} ${kind}`;
}

/** "5 comments, 1 activity"; empty when every count is zero. */
export function countList(counts: Partial<Record<string, number>>, t: I18n['t']): string {
  return Object.keys(counts)
    .filter((k) => (counts[k] ?? 0) > 0)
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((k) => counted(k, counts[k] ?? 0, t))
    .join(', ');
}

/**
 * What the rule does to the matched records, as the preview (`dry`) or the
 * run says it: "Anonymise 3 tickets", "Deleted 2 contacts" ("at least …"
 * when the dry run stopped counting). The action is named because the
 * records either go or stay anonymised, and the table says both.
 */
export function matchedText(r: RuleReport, t: I18n['t'], dry: boolean): string {
  const n = counted(r.kind, r.matched, t);
  const records = r.truncated ? t('retention.atLeast', { records: n }) : n;
  // An action this page does not know yet: the count alone.
  if (!(RETENTION_ACTIONS as readonly string[]).includes(r.action)) return records;
  return t(`retention.${dry ? 'do' : 'done'}_${r.action}` as Key, { records });
}

/**
 * What goes with the matched records. Removed ones are counted in `gone`
 * too, so they are taken out of it; anonymised ones stay, and `gone` holds
 * only what went with them (a ticket's comments).
 */
export function alongWith(r: RuleReport, t: I18n['t']): string {
  if (r.action === 'anonymise') return countList(r.gone, t);
  return countList({ ...r.gone, [r.kind]: (r.gone[r.kind] ?? 0) - r.matched }, t);
}

// The deal page's and the board's rules as pure functions, tested without
// a browser: the form's patch, the timeline (stage changes and activities
// in one list), the next open activity of a deal, the board's filters and
// the "my tasks" buckets.
import type { Activity, Deal, Pipeline, StageChange } from '../../api/types';

export interface DealDraft {
  title: string;
  amount: string;
  currency: string;
  stage_id: string;
  owner_id: string;
  company_id: string;
  contact_ids: string[];
  expected_close: string;
}

export function toDraft(d: Partial<Deal> | null): DealDraft {
  return {
    title: d?.title ?? '',
    amount: typeof d?.amount === 'number' ? String(d.amount) : '',
    currency: d?.currency ?? 'EUR',
    stage_id: d?.stage_id ?? '',
    owner_id: d?.owner_id ?? '',
    company_id: d?.company_id ?? '',
    contact_ids: d?.contact_ids ?? [],
    expected_close: d?.expected_close ?? '',
  };
}

/** The draft as JSON: empty strings are null, the amount a number. */
export function draftJson(d: DealDraft): Record<string, unknown> {
  const s = (v: string) => (v.trim() === '' ? null : v.trim());
  const amount = d.amount.trim() === '' ? null : Number(d.amount.trim().replace(',', '.'));
  return {
    title: d.title.trim(),
    amount: amount === null || Number.isNaN(amount) ? (amount === null ? null : d.amount) : amount,
    currency: s(d.currency.toUpperCase()),
    stage_id: s(d.stage_id),
    owner_id: s(d.owner_id),
    company_id: s(d.company_id),
    contact_ids: d.contact_ids,
    expected_close: s(d.expected_close),
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** What changed between two drafts (PATCH merges: send only that). */
export function dealPatch(before: DealDraft, after: DealDraft): Record<string, unknown> {
  const b = draftJson(before);
  const a = draftJson(after);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a)) {
    if (k === 'contact_ids') {
      if (!same([...(b[k] as string[])].sort(), [...(v as string[])].sort())) out[k] = v;
    } else if (!same(b[k], v)) out[k] = v;
  }
  return out;
}

/** For a new deal: nothing empty. */
export function createBody(d: DealDraft, pipelineId: string): Record<string, unknown> {
  const out: Record<string, unknown> = { pipeline_id: pipelineId };
  for (const [k, v] of Object.entries(draftJson(d))) {
    if (v === null || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out;
}

export type TimelineEntry =
  | { kind: 'stage'; at: string; key: string; change: StageChange }
  | { kind: 'activity'; at: string; key: string; activity: Activity };

/** Stage changes and activities, newest first. */
export function timeline(history: StageChange[] | undefined, activities: Activity[]): TimelineEntry[] {
  const out: TimelineEntry[] = [
    ...(history ?? []).map((change, i) => ({ kind: 'stage' as const, at: change.at, key: `stage-${i}-${change.at}`, change })),
    ...activities.map((activity) => ({ kind: 'activity' as const, at: activity.created_at, key: activity.id, activity })),
  ];
  return out.sort((x, y) => y.at.localeCompare(x.at) || y.key.localeCompare(x.key));
}

/** An open activity with a due date: a task not yet done (calls and meetings too). */
export function isOpen(a: Activity): boolean {
  return !!a.due_at && a.done !== true;
}

/** Per deal id, its open activity due first. */
export function nextActivities(activities: Activity[]): Map<string, Activity> {
  const out = new Map<string, Activity>();
  for (const a of activities) {
    if (a.related_kind !== 'deal' || !a.related_id || !isOpen(a)) continue;
    const have = out.get(a.related_id);
    if (!have || a.due_at! < have.due_at!) out.set(a.related_id, a);
  }
  return out;
}

export interface BoardFilter {
  owner: string;
  team: string;
  text: string;
}

export const NO_FILTER: BoardFilter = { owner: '', team: '', text: '' };

/**
 * The deals a filter keeps. `owner` is a user id (or `me`); `team` keeps
 * the deals of the team itself or of any of its members; `text` looks in
 * the title and in the names of the company, contacts and owner.
 */
export function filterDeals(
  deals: Deal[],
  f: BoardFilter,
  ctx: { selfId?: string; members?: (teamId: string) => string[]; names?: (d: Deal) => string[] },
): Deal[] {
  const owner = f.owner === 'me' ? ctx.selfId ?? '' : f.owner;
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  const members = f.team ? new Set(ctx.members?.(f.team) ?? []) : null;
  return deals.filter((d) => {
    if (owner && d.owner_id !== owner) return false;
    if (members && d.team_id !== f.team && !(d.owner_id && members.has(d.owner_id))) return false;
    if (words.length) {
      const hay = [d.title, ...(ctx.names?.(d) ?? [])].join(' ').toLowerCase();
      if (!words.every((w) => hay.includes(w))) return false;
    }
    return true;
  });
}

/** A stage's probability as a percentage (the server stores 10 for 10 %, or 0.1). */
export function probability(p: Pipeline | null | undefined, stageId: string | null | undefined): number | null {
  const v = p?.stages.find((s) => s.id === stageId)?.probability;
  if (typeof v !== 'number') return null;
  return v <= 1 && v > 0 ? Math.round(v * 100) : Math.round(v);
}

export interface TaskBuckets {
  overdue: Activity[];
  today: Activity[];
  later: Activity[];
}

const dayKey = (t: Date) => `${t.getFullYear()}-${t.getMonth()}-${t.getDate()}`;

/** Open tasks of one person by when they are due (local days), soonest first. */
export function taskBuckets(activities: Activity[], ownerId: string | undefined, now: Date): TaskBuckets {
  const out: TaskBuckets = { overdue: [], today: [], later: [] };
  const today = dayKey(now);
  const mine = activities
    .filter((a) => a.done !== true && (!ownerId || a.owner_id === ownerId) && (a.type === 'task' || a.due_at))
    .sort((x, y) => (x.due_at ?? '9999').localeCompare(y.due_at ?? '9999'));
  for (const a of mine) {
    if (!a.due_at) {
      out.later.push(a);
      continue;
    }
    const due = new Date(a.due_at);
    if (due.getTime() < now.getTime()) out.overdue.push(a);
    else if (dayKey(due) === today) out.today.push(a);
    else out.later.push(a);
  }
  return out;
}

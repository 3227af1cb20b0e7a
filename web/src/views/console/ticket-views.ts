// The console's ticket views as pure rules: which tickets a view keeps,
// and what to ask the server for. The API filters by equality only (no
// "is empty", no "one of"), so a view asks for what it can (search,
// priority, queue, status, a tag: `tags=vip` keeps tickets that carry it)
// and the rest is decided here.
import { isDone, type Ticket, type Workflow } from '../../api/support';

export type TicketView = 'all' | 'team' | 'unassigned' | 'closed';
export const VIEWS: TicketView[] = ['all', 'team', 'unassigned', 'closed'];

export interface ViewFilters {
  q: string;
  priority: string;
  status: string;
  queue: string;
  tag: string;
}

export function isView(v: string | null): v is TicketView {
  return v === 'all' || v === 'team' || v === 'unassigned' || v === 'closed';
}

/** Query parameters for `GET /tickets`. */
export function viewQuery(f: ViewFilters): { q?: string; filters: Record<string, string> } {
  const filters: Record<string, string> = {};
  if (f.priority) filters.priority = f.priority;
  if (f.status) filters.status = f.status;
  if (f.queue) filters.queue_id = f.queue;
  if (f.tag.trim()) filters.tags = f.tag.trim();
  return { q: f.q.trim() || undefined, filters };
}

const closed = (t: Ticket, wf: Workflow | null) =>
  wf ? isDone(wf, t.status) : t.status === 'closed' || t.status === 'resolved';

/**
 * Whether `view` keeps the ticket. "All", "my team" and "unassigned" are
 * the open tickets (unless a status is asked for); "my team": the team's
 * own tickets, or those assigned to one of its members.
 */
export function inView(
  t: Ticket,
  view: TicketView,
  ctx: { wf: Workflow | null; teams: string[]; teamMembers: Set<string>; status?: string },
): boolean {
  const done = closed(t, ctx.wf);
  if (view === 'closed') return done;
  if (done && !ctx.status) return false;
  if (view === 'unassigned') return !t.assignee_id;
  if (view === 'team') return (!!t.team_id && ctx.teams.includes(t.team_id)) || (!!t.assignee_id && ctx.teamMembers.has(t.assignee_id));
  return true;
}

/** Newest change first. */
export function sortTickets(ts: Ticket[]): Ticket[] {
  return [...ts].sort((a, b) => b.updated_at.localeCompare(a.updated_at) || b.id.localeCompare(a.id));
}

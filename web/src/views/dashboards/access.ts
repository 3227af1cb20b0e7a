// Who may see which dashboard: the server answers 403 to anyone who cannot
// read every record and field a board sums up (src/http/dashboards.rs).
// The same rule here, from `GET /me`'s permissions (scope and hidden
// fields), so the navigation offers only the boards that will open.
import type { Me } from '../../api/types';

export type Board = 'support' | 'sales';
export const BOARDS: Board[] = ['support', 'sales'];

const NEEDS: Record<Board, { permission: string; fields: string[] }[]> = {
  sales: [
    { permission: 'deals:read', fields: ['amount', 'currency', 'stage_id', 'stage_history', 'pipeline_id'] },
    { permission: 'pipelines:read', fields: [] },
  ],
  support: [{ permission: 'tickets:read', fields: ['status', 'priority', 'assignee_id', 'sla', 'queue_id'] }],
};

/** Whether `me` may see the board (the feature aside). */
export function maySeeBoard(me: Me, board: Board): boolean {
  const grants = (p: string) => me.permissions.filter((x) => x.permission === p);
  if (grants('dashboards:read').length === 0) return false;
  return NEEDS[board].every((need) =>
    grants(need.permission).some((g) => g.scope === 'all' && !need.fields.some((f) => g.hidden_fields.includes(f))),
  );
}

/** The boards this person may open, in the tenant's features. */
export function visibleBoards(me: Me | null, features?: Record<string, boolean>): Board[] {
  return BOARDS.filter((b) => features?.[b] !== false && (me === null || maySeeBoard(me, b)));
}

// Where a person lands at `/t/{slug}/`: administrators on the overview,
// agents in the console, sales people on the board; anyone else on the
// first area they may open.
import type { Me } from '../../api/types';
import type { Area } from '../../app/areas';

export function homePath(me: Me, areas: Area[]): string | null {
  const has = (p: string) => me.permissions.some((x) => x.permission === p);
  const open = (path: string) => areas.some((a) => a.path === path);
  if (has('admin:users') && open('overview')) return 'overview';
  // Sales people (and managers, who run both floors) start on the board;
  // agents, who work tickets and sell nothing, in the console.
  if (has('deals:read') && open('pipeline')) return 'pipeline';
  if (has('tickets:read') && (has('tickets:assign') || has('tickets:write')) && open('console')) return 'console';
  return areas[0]?.path ?? null;
}

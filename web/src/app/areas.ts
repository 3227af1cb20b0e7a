// The app's top-level areas: route, label, and what a person needs to see
// them: a permission, and the tenant's feature switched on (the public
// branding's `features`; a switched-off feature's endpoints answer 404).
import type { Key } from '../i18n';
import type { Me } from '../api/types';
import { SECTIONS } from '../views/admin/sections';
import { visibleBoards } from '../views/dashboards/access';

const ADMIN_PERMISSIONS = SECTIONS.map((s) => s.permission);

export interface Area {
  path: string;
  label: Key;
  permission: string | ((me: Me, features?: Record<string, boolean>) => boolean);
  /** The tenant feature it belongs to (src/domain/features.rs), if any. */
  feature: string | null;
}

export const AREAS: Area[] = [
  { path: 'overview', label: 'nav.overview', permission: 'admin:users', feature: null },
  { path: 'pipeline', label: 'nav.pipeline', permission: 'deals:read', feature: 'sales' },
  { path: 'tasks', label: 'nav.tasks', permission: 'activities:read', feature: 'crm' },
  { path: 'contacts', label: 'nav.contacts', permission: 'contacts:read', feature: 'crm' },
  { path: 'companies', label: 'nav.companies', permission: 'companies:read', feature: 'crm' },
  { path: 'console', label: 'nav.console', permission: 'tickets:read', feature: 'support' },
  // Only with a board this person may open (the server answers 403 to the others).
  { path: 'dashboards', label: 'nav.dashboards', permission: (me, features) => visibleBoards(me, features).length > 0, feature: 'dashboards' },
  {
    path: 'admin',
    label: 'nav.admin',
    // Any admin page's permission: a manager runs queues, SLA policies,
    // pipelines and fields without being an administrator.
    permission: (me) => me.permissions.some((p) => ADMIN_PERMISSIONS.includes(p.permission)),
    feature: null,
  },
];
// (Customers and suppliers have their portals, outside these areas.)

export function featureOn(features: Record<string, boolean> | undefined, feature: string | null): boolean {
  return feature === null || features?.[feature] !== false;
}

export function visibleAreas(me: Me | null, can: (p: string) => boolean, features?: Record<string, boolean>): Area[] {
  return AREAS.filter((a) => {
    if (!featureOn(features, a.feature)) return false;
    if (typeof a.permission === 'string') return can(a.permission);
    return me === null || a.permission(me, features);
  });
}

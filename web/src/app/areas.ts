// The app's top-level areas: route, label, and what a person needs to see
// them (a permission; a tenant feature flag once the server has them).
import type { Key } from '../i18n';
import type { Me } from '../api/types';

export interface Area {
  path: string;
  label: Key;
  permission: string | ((me: Me) => boolean);
  /** Proposed feature flag name (see Me.features); absent flags = enabled. */
  feature: string;
}

export const AREAS: Area[] = [
  { path: 'pipeline', label: 'nav.pipeline', permission: 'deals:read', feature: 'sales' },
  { path: 'contacts', label: 'nav.contacts', permission: 'contacts:read', feature: 'crm' },
  { path: 'companies', label: 'nav.companies', permission: 'companies:read', feature: 'crm' },
  { path: 'console', label: 'nav.console', permission: 'tickets:read', feature: 'support' },
  { path: 'dashboards', label: 'nav.dashboards', permission: 'dashboards:read', feature: 'dashboards' },
  {
    path: 'admin',
    label: 'nav.admin',
    permission: (me) => me.permissions.some((p) => p.permission.startsWith('admin:')),
    feature: 'admin',
  },
  { path: 'supplier', label: 'nav.supplier', permission: (me) => me.user.kind === 'supplier' || me.roles.includes('owner'), feature: 'supplier_portal' },
];

export function visibleAreas(me: Me | null, can: (p: string) => boolean): Area[] {
  return AREAS.filter((a) => {
    if (me?.features && !me.features.includes(a.feature)) return false;
    if (typeof a.permission === 'string') return can(a.permission);
    return me === null || a.permission(me);
  });
}

// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { Me } from '../api/types';
import { visibleAreas } from './areas';

const me = (permissions: string[], kind = 'staff', roles: string[] = []): Me => ({
  user: { id: 'u', email: 'e', name: 'n', kind, mfa_enabled: false },
  tenant: { id: 't', slug: 's', name: 'S' },
  roles,
  teams: [],
  permissions: permissions.map((permission) => ({ permission, scope: 'all', hidden_fields: [] })),
  mfa_enrollment_required: false,
});

const paths = (m: Me | null, features?: Record<string, boolean>) => {
  const perms = new Set(m?.permissions.map((p) => p.permission));
  return visibleAreas(m, (p) => m === null || perms.has(p), features).map((a) => a.path);
};

describe('navigation areas', () => {
  it('shows what the person may read', () => {
    expect(paths(me(['contacts:read', 'companies:read', 'deals:read']))).toEqual(['pipeline', 'contacts', 'companies']);
    // An administrator also has the overview, their home.
    expect(paths(me(['tickets:read', 'admin:users']))).toEqual(['overview', 'console', 'admin']);
    expect(paths(me(['activities:read', 'deals:read']))).toEqual(['pipeline', 'tasks']);
    // A manager runs queues and SLA policies without being an administrator.
    expect(paths(me(['tickets:read', 'queues:write']))).toEqual(['console', 'admin']);
    expect(paths(me(['tickets:read', 'dashboards:read']))).toEqual(['console', 'dashboards']);
  });

  it('hides the areas of a feature the tenant switched off; unknown switches leave areas on', () => {
    const all = me(['contacts:read', 'companies:read', 'deals:read', 'tickets:read', 'dashboards:read']);
    expect(paths(all, { sales: false, crm: true })).toEqual(['contacts', 'companies', 'console', 'dashboards']);
    expect(paths(all, { support: false, dashboards: false })).toEqual(['pipeline', 'contacts', 'companies']);
  });
});

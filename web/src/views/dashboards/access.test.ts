// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { Me } from '../../api/types';
import { maySeeBoard, visibleBoards } from './access';

type Grant = [string, string, string[]?];
const me = (grants: Grant[]): Me => ({
  user: { id: 'u', email: 'e', name: 'n', kind: 'staff', mfa_enabled: false },
  tenant: { id: 't', slug: 's', name: 'S' },
  roles: [],
  teams: [],
  permissions: grants.map(([permission, scope, hidden]) => ({ permission, scope, hidden_fields: hidden ?? [] })),
  mfa_enrollment_required: false,
});

describe('dashboard access', () => {
  const sales: Grant[] = [['dashboards:read', 'all'], ['deals:read', 'all'], ['pipelines:read', 'all']];
  const support: Grant[] = [['dashboards:read', 'all'], ['tickets:read', 'all']];
  it('needs every record at scope all', () => {
    expect(maySeeBoard(me(sales), 'sales')).toBe(true);
    expect(maySeeBoard(me([['dashboards:read', 'all'], ['deals:read', 'own'], ['pipelines:read', 'all']]), 'sales')).toBe(false);
    expect(maySeeBoard(me([['dashboards:read', 'all'], ['deals:read', 'all']]), 'sales')).toBe(false);
    expect(maySeeBoard(me(support), 'support')).toBe(true);
    expect(maySeeBoard(me([['dashboards:read', 'all'], ['tickets:read', 'team']]), 'support')).toBe(false);
  });
  it('and none of the summed fields hidden', () => {
    expect(maySeeBoard(me([['dashboards:read', 'all'], ['deals:read', 'all', ['amount']], ['pipelines:read', 'all']]), 'sales')).toBe(false);
    expect(maySeeBoard(me([['dashboards:read', 'all'], ['deals:read', 'all', ['title']], ['pipelines:read', 'all']]), 'sales')).toBe(true);
    expect(maySeeBoard(me([['dashboards:read', 'all'], ['tickets:read', 'all', ['sla']]]), 'support')).toBe(false);
  });
  it('and dashboards:read', () => {
    expect(maySeeBoard(me([['deals:read', 'all'], ['pipelines:read', 'all']]), 'sales')).toBe(false);
  });
  it('lists the boards in the tenant features', () => {
    expect(visibleBoards(me([...sales, ['tickets:read', 'all']]))).toEqual(['support', 'sales']);
    expect(visibleBoards(me([...sales, ['tickets:read', 'all']]), { support: false })).toEqual(['sales']);
    expect(visibleBoards(me([['tickets:read', 'team'], ['dashboards:read', 'all']]))).toEqual([]);
  });
});

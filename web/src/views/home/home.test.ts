// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { Me } from '../../api/types';
import { AREAS } from '../../app/areas';
import { homePath } from './home';

const me = (permissions: string[]): Me => ({
  user: { id: 'u', email: 'e', name: 'n', kind: 'staff', mfa_enabled: false },
  tenant: { id: 't', slug: 's', name: 'S' },
  roles: [],
  teams: [],
  permissions: permissions.map((permission) => ({ permission, scope: 'all', hidden_fields: [] })),
  mfa_enrollment_required: false,
});

describe('home per role', () => {
  it('admins get the overview, agents the console, sales the board', () => {
    expect(homePath(me(['admin:users', 'tickets:read', 'deals:read']), AREAS)).toBe('overview');
    expect(homePath(me(['tickets:read', 'tickets:write', 'tickets:assign', 'contacts:read']), AREAS)).toBe('console');
    expect(homePath(me(['deals:read', 'deals:write', 'contacts:read']), AREAS)).toBe('pipeline');
  });
  it('falls back to the first area, or nothing', () => {
    expect(homePath(me(['contacts:read']), AREAS.filter((a) => a.path === 'contacts'))).toBe('contacts');
    expect(homePath(me([]), [])).toBeNull();
  });
  it('managers, who do both, start on the board', () => {
    expect(homePath(me(['tickets:read', 'tickets:write', 'tickets:assign', 'deals:read', 'deals:write']), AREAS)).toBe('pipeline');
  });
  it('skips an area switched off', () => {
    expect(homePath(me(['tickets:read', 'tickets:write', 'deals:read']), AREAS.filter((a) => a.path !== 'pipeline'))).toBe('console');
  });
});

// Admin › Security (`admin:settings`): the roles that must use two-step
// verification, and whether everyone signs in with single sign-on. A PUT
// replaces the whole settings, so both go every time. Turning
// `sso_required` on ends every password session but the break-glass
// owners' (owner role with MFA).
import type { ApiClient } from './client';

export interface SecuritySettings {
  mfa_required_roles: string[];
  /** Absent from a server without single sign-on. */
  sso_required?: boolean;
}

export async function getSecurity(api: ApiClient, signal?: AbortSignal) {
  return (await api.get<SecuritySettings>('/settings/security', undefined, signal)).data;
}

export async function saveSecurity(api: ApiClient, settings: SecuritySettings) {
  await api.request('PUT', '/settings/security', { body: settings });
}

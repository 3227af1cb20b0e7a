// Admin › Single sign-on (`admin:settings`): the tenant's OpenID Connect
// providers. The client secret is write-only: sent to set or replace it,
// never answered (only `has_client_secret`). Saving makes the server read
// the issuer's discovery document: `422` at `issuer` when it cannot. A
// mapping to a role the administrator does not hold is `403`.
import type { ApiClient } from './client';

export interface RoleMapping {
  /** A value of the role claim (`crm-admins`). */
  value: string;
  role: string;
}

export interface TeamMapping {
  value: string;
  team_id: string;
}

export interface SsoProvider {
  id: string;
  name: string;
  issuer: string;
  client_id: string;
  has_client_secret: boolean;
  scopes: string[];
  /** E-mail domains whose people may get an account at first sign-in; empty: existing users only. */
  allowed_domains: string[];
  /** The claim whose values the mappings match (`groups`). */
  role_claim: string;
  role_mappings: RoleMapping[];
  team_mappings: TeamMapping[];
  /** Given to a new account when no mapping matches. */
  default_role: string;
  enabled: boolean;
  /** Read-only: what the administrator registers at the identity provider. */
  redirect_uri: string;
  created_at: string;
  updated_at: string;
}

/** The writable fields; a PATCH sends only those that changed. */
export type SsoProviderInput = Partial<Pick<SsoProvider,
  'name' | 'issuer' | 'client_id' | 'scopes' | 'allowed_domains' | 'role_claim' | 'role_mappings' | 'team_mappings' | 'default_role' | 'enabled'
>> & {
  /** Sets or replaces the secret; absent: unchanged. */
  client_secret?: string;
};

export async function listSsoProviders(api: ApiClient, signal?: AbortSignal) {
  return (await api.get<{ items: SsoProvider[] }>('/sso/providers', undefined, signal)).data.items;
}

export async function createSsoProvider(api: ApiClient, input: SsoProviderInput) {
  return (await api.request<SsoProvider>('POST', '/sso/providers', { body: input })).data;
}

export async function updateSsoProvider(api: ApiClient, id: string, input: SsoProviderInput) {
  return (await api.request<SsoProvider>('PATCH', `/sso/providers/${encodeURIComponent(id)}`, { body: input })).data;
}

/** Also ends the sessions that signed in through it. */
export async function deleteSsoProvider(api: ApiClient, id: string) {
  await api.request('DELETE', `/sso/providers/${encodeURIComponent(id)}`);
}

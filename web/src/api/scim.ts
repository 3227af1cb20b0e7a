// Admin › Provisioning (`admin:users`): SCIM 2.0, through which an identity
// provider creates, changes and removes this tenant's users and groups at
// `base_url`. The bearer token is made here and shown once (the server
// keeps only its hash); a new one replaces the old at once, and revoking
// it switches SCIM off.
import type { ApiClient } from './client';

export interface ScimSettings {
  /** A token exists. */
  enabled: boolean;
  /** `https://host/t/acme/scim/v2`: what the identity provider calls. */
  base_url: string;
  /** Given to users SCIM creates. */
  default_role: string;
  token_created_at: string | null;
  token_last_used_at: string | null;
}

export async function getScim(api: ApiClient, signal?: AbortSignal) {
  return (await api.get<ScimSettings>('/settings/scim', undefined, signal)).data;
}

export async function saveScimDefaultRole(api: ApiClient, defaultRole: string) {
  return (await api.request<ScimSettings>('PUT', '/settings/scim', { body: { default_role: defaultRole } })).data;
}

/** A new token (replacing any older one), with the settings as they now are. */
export async function createScimToken(api: ApiClient): Promise<{ token: string; settings: ScimSettings }> {
  const { token, ...settings } = (await api.request<ScimSettings & { token: string }>('POST', '/settings/scim/token')).data;
  return { token, settings };
}

export async function revokeScimToken(api: ApiClient) {
  await api.request('DELETE', '/settings/scim/token');
}

// The permission catalogue, from the server's OpenAPI document (the `Role`
// schema's enum), so a new permission shows up here without a new app.
// The built-in list below is only the fallback when that cannot be read.
const FALLBACK = [
  'contacts:read', 'contacts:write', 'contacts:delete', 'companies:read', 'companies:write', 'companies:delete',
  'deals:read', 'deals:write', 'deals:delete', 'pipelines:read', 'pipelines:write', 'tickets:read', 'tickets:write',
  'tickets:internal', 'tickets:assign', 'tickets:delete', 'queues:read', 'queues:write', 'activities:read',
  'activities:write', 'custom_fields:read', 'custom_fields:write', 'sla_policies:read', 'sla_policies:write',
  'dashboards:read', 'events:read', 'users:read', 'webhooks:read', 'webhooks:write', 'admin:users', 'admin:roles',
  'admin:api_keys', 'admin:settings', 'admin:audit',
];

interface OpenApi {
  components?: { schemas?: { Role?: { properties?: { grants?: { items?: { properties?: { permission?: { enum?: string[] } } } } } } } };
}

export function permissionsFrom(doc: OpenApi): string[] {
  const e = doc.components?.schemas?.Role?.properties?.grants?.items?.properties?.permission?.enum;
  return Array.isArray(e) && e.length ? e : FALLBACK;
}

let cached: Promise<string[]> | null = null;

export function permissionCatalogue(): Promise<string[]> {
  cached ??= fetch('/api/openapi.json')
    .then((r) => (r.ok ? (r.json() as Promise<OpenApi>) : {}))
    .then(permissionsFrom)
    .catch(() => FALLBACK);
  return cached;
}

// The admin area's pages and what each needs: the server refuses the
// writes anyway; the list only spares people pages they cannot use.
import type { Key } from '../../i18n';

export interface AdminSection {
  path: string;
  title: Key;
  about: Key;
  permission: string;
  /** The tenant feature it belongs to, if any. */
  feature?: string;
}

export const SECTIONS: AdminSection[] = [
  { path: 'users', title: 'admin.users', about: 'admin.usersAbout', permission: 'admin:users' },
  { path: 'roles', title: 'admin.roles', about: 'admin.rolesAbout', permission: 'admin:roles' },
  { path: 'fields', title: 'admin.fields', about: 'admin.fieldsAbout', permission: 'custom_fields:write' },
  { path: 'pipelines', title: 'admin.pipelines', about: 'admin.pipelinesAbout', permission: 'pipelines:write', feature: 'sales' },
  { path: 'queues', title: 'admin.queues', about: 'admin.queuesAbout', permission: 'queues:write', feature: 'support' },
  { path: 'sla', title: 'admin.sla', about: 'admin.slaAbout', permission: 'sla_policies:write', feature: 'support' },
  { path: 'canned-replies', title: 'admin.canned', about: 'admin.cannedAbout', permission: 'admin:settings', feature: 'support' },
  { path: 'calendar', title: 'admin.calendar', about: 'admin.calendarAbout', permission: 'admin:settings', feature: 'support' },
  { path: 'api-keys', title: 'admin.apiKeys', about: 'admin.apiKeysAbout', permission: 'admin:api_keys' },
  { path: 'webhooks', title: 'admin.webhooks', about: 'admin.webhooksAbout', permission: 'webhooks:read' },
  { path: 'mail', title: 'admin.mail', about: 'admin.mailAbout', permission: 'admin:settings' },
  { path: 'retention', title: 'admin.retention', about: 'admin.retentionAbout', permission: 'admin:settings' },
  { path: 'data-requests', title: 'admin.dataRequests', about: 'admin.dataRequestsAbout', permission: 'privacy:export' },
  { path: 'audit', title: 'admin.audit', about: 'admin.auditAbout', permission: 'admin:audit' },
  { path: 'security', title: 'admin.security', about: 'admin.securityAbout', permission: 'admin:settings' },
  { path: 'sso', title: 'admin.sso', about: 'admin.ssoAbout', permission: 'admin:settings' },
  { path: 'provisioning', title: 'admin.scim', about: 'admin.scimAbout', permission: 'admin:users' },
  { path: 'branding', title: 'admin.branding', about: 'admin.brandingAbout', permission: 'admin:settings' },
];

export function visibleSections(can: (p: string) => boolean, features?: Record<string, boolean>) {
  return SECTIONS.filter((s) => can(s.permission) && (!s.feature || features?.[s.feature] !== false));
}

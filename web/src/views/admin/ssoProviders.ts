// Admin › Single sign-on's rules: a provider as the form edits it and as
// the server takes it (a new one whole, an edit only what changed, the
// secret only when typed), what the form can tell before asking, and the
// server's refusals at the fields and mapping rows they name.
import { ApiError } from '../../api/problem';
import type { RoleMapping, SsoProvider, SsoProviderInput, TeamMapping } from '../../api/ssoProviders';
import type { I18n } from '../../i18n';
import { describeError } from '../../ui/errors';

export interface SsoDraft {
  name: string;
  issuer: string;
  client_id: string;
  /** Typed only to set or replace it; '' leaves the stored one as it is. */
  client_secret: string;
  scopes: string[];
  allowed_domains: string[];
  role_claim: string;
  role_mappings: RoleMapping[];
  team_mappings: TeamMapping[];
  default_role: string;
  enabled: boolean;
}

/** The server's defaults, shown so nobody has to know them. */
export const newSsoDraft = (): SsoDraft => ({
  name: '',
  issuer: '',
  client_id: '',
  client_secret: '',
  scopes: ['openid', 'email', 'profile'],
  allowed_domains: [],
  role_claim: 'groups',
  role_mappings: [],
  team_mappings: [],
  default_role: 'agent',
  enabled: true,
});

export const draftOfProvider = (p: SsoProvider): SsoDraft => ({
  name: p.name,
  issuer: p.issuer,
  client_id: p.client_id,
  client_secret: '',
  scopes: p.scopes,
  allowed_domains: p.allowed_domains,
  role_claim: p.role_claim,
  role_mappings: p.role_mappings,
  team_mappings: p.team_mappings,
  default_role: p.default_role,
  enabled: p.enabled,
});

/** Every writable field as the form holds it, trimmed. */
function fieldsOf(d: SsoDraft): Required<Omit<SsoProviderInput, 'client_secret'>> {
  return {
    name: d.name.trim(),
    issuer: d.issuer.trim(),
    client_id: d.client_id.trim(),
    scopes: d.scopes,
    allowed_domains: d.allowed_domains.map((x) => x.toLowerCase()),
    role_claim: d.role_claim.trim(),
    role_mappings: d.role_mappings.map((m) => ({ value: m.value.trim(), role: m.role })),
    team_mappings: d.team_mappings.map((m) => ({ value: m.value.trim(), team_id: m.team_id })),
    default_role: d.default_role,
    enabled: d.enabled,
  };
}

/** `POST /sso/providers`: the whole provider, with the secret if one was typed. */
export function createInput(d: SsoDraft): SsoProviderInput {
  return d.client_secret ? { ...fieldsOf(d), client_secret: d.client_secret } : fieldsOf(d);
}

/** `PATCH /sso/providers/{id}`: only the fields that differ from `saved`, and a secret typed to replace it. */
export function changedInput(saved: SsoProvider, d: SsoDraft): SsoProviderInput {
  const before = fieldsOf(draftOfProvider(saved)) as Record<string, unknown>;
  const after = fieldsOf(d) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(after)) {
    if (JSON.stringify(after[k]) !== JSON.stringify(before[k])) out[k] = after[k];
  }
  if (d.client_secret) out.client_secret = d.client_secret;
  return out as SsoProviderInput;
}

/**
 * What the form can tell itself: a mapping row without its value, role or
 * team (keyed as the server would, `role_mappings.<i>.<field>`, so the
 * rows show both alike). Rows are never dropped quietly: the server's
 * errors count rows, and a dropped one would move them.
 */
export function localErrors(d: SsoDraft, t: I18n['t']): Record<string, string> {
  const out: Record<string, string> = {};
  d.role_mappings.forEach((m, i) => {
    if (!m.value.trim()) out[`role_mappings.${i}.value`] = t('sso.valueMissing');
    if (!m.role) out[`role_mappings.${i}.role`] = t('sso.roleMissing');
  });
  d.team_mappings.forEach((m, i) => {
    if (!m.value.trim()) out[`team_mappings.${i}.value`] = t('sso.valueMissing');
    if (!m.team_id) out[`team_mappings.${i}.team_id`] = t('sso.teamMissing');
  });
  return out;
}

/**
 * The fields the form shows the server's word beside; others are said
 * above it. A mapping's error goes with its list (`role_mappings`,
 * `role_mappings.value`: the server names no row) or its row when a
 * row is named (`role_mappings.0.role`).
 */
const PLACED = ['name', 'issuer', 'client_id', 'client_secret', 'scopes', 'allowed_domains', 'role_claim', 'default_role', 'enabled', 'role_mappings', 'team_mappings'];
const placed = (f: string) => PLACED.includes(f.split('.')[0]!);

/** The message for `field`, or for a part of it (`scopes.1` shown at `scopes`). */
export function errorAt(fields: Record<string, string>, field: string): string | undefined {
  if (fields[field]) return fields[field];
  const part = Object.keys(fields).find((f) => f.startsWith(`${field}.`));
  return part ? fields[part] : undefined;
}

/**
 * A refused save, for the form: field errors at their fields (the issuer's
 * discovery document that could not be read among them), the rest above
 * it. A `403` naming `role_mappings` is a mapping (or the default role)
 * that hands out more than the administrator holds.
 */
export function saveProblem(e: unknown, i18n: I18n): { error: string; fields: Record<string, string> } {
  if (e instanceof ApiError && e.status === 422 && Object.keys(e.fieldErrors).length) {
    const fields = e.fieldErrors;
    const other = Object.entries(fields).filter(([f]) => !placed(f)).map(([f, m]) => `${f}: ${m}`);
    return { error: [i18n.t('sso.fix'), ...other].join(' '), fields };
  }
  // The server names the field first (`role_mappings: you cannot hand out…`).
  if (e instanceof ApiError && e.status === 403 && /^role_mappings\b/.test(e.detail)) {
    return { error: i18n.t('sso.fix'), fields: { role_mappings: i18n.t('sso.roleForbidden') } };
  }
  return { error: describeError(e, i18n), fields: {} };
}

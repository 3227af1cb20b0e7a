// A provider's fields, for adding and editing alike: who the identity
// provider is (issuer, client id and secret), what is asked of it
// (scopes), who may get an account at first sign-in (domains), and how
// its groups become roles and teams. The secret is write-only: the field
// is always empty, and says whether one is stored.
import type { Team } from '../../api/types';
import { useI18n } from '../../i18n';
import { Field } from '../../ui/Field';
import { ListInput } from './kit';
import { roleLabel } from './permissions';
import type { Role } from './Roles';
import { SsoMappings } from './SsoMappings';
import { errorAt, type SsoDraft } from './ssoProviders';

export function SsoProviderFields({ draft: d, onChange, errors, roles, teams, hasSecret }: {
  draft: SsoDraft;
  onChange(next: SsoDraft): void;
  /** By the server's field names (`issuer`, `role_mappings.0.role`, …). */
  errors: Record<string, string>;
  roles: Role[] | null;
  teams: Team[] | null;
  /** Editing a provider that has a secret stored; null when adding one. */
  hasSecret: boolean | null;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const roleOptions = (roles ?? []).map((r) => ({ value: r.name, label: roleLabel(i18n, r.name, r.builtin ?? false) }));
  const defaultRoles = roleOptions.some((o) => o.value === d.default_role) ? roleOptions : [{ value: d.default_role, label: d.default_role }, ...roleOptions];
  const secretHint = hasSecret === null ? t('sso.secretHint') : hasSecret ? t('sso.secretKept') : t('sso.secretNone');
  return (
    <>
      <div className="form-grid">
        <Field label={t('sso.name')} required error={errors.name} hint={t('sso.nameHint')}>
          <input value={d.name} maxLength={100} onChange={(e) => onChange({ ...d, name: e.target.value })} />
        </Field>
        <Field label={t('sso.issuer')} required error={errorAt(errors, 'issuer')} hint={t('sso.issuerHint')}>
          <input type="url" inputMode="url" autoComplete="off" spellCheck={false} value={d.issuer} placeholder="https://login.example.com"
            onChange={(e) => onChange({ ...d, issuer: e.target.value })} />
        </Field>
        <Field label={t('sso.clientId')} required error={errors.client_id}>
          <input autoComplete="off" spellCheck={false} value={d.client_id} onChange={(e) => onChange({ ...d, client_id: e.target.value })} />
        </Field>
        <Field label={t('sso.clientSecret')} error={errors.client_secret} hint={secretHint}>
          {/* new-password: no browser offers to fill in (or save) someone's own password here. */}
          <input type="password" autoComplete="new-password" spellCheck={false} value={d.client_secret}
            placeholder={hasSecret ? t('sso.secretUnchanged') : undefined}
            onChange={(e) => onChange({ ...d, client_secret: e.target.value })} />
        </Field>
        <Field label={t('sso.scopes')} error={errorAt(errors, 'scopes')} hint={t('sso.scopesHint')}>
          <ListInput value={d.scopes} spellCheck={false} onChange={(scopes) => onChange({ ...d, scopes })} />
        </Field>
        <Field label={t('sso.domains')} error={errorAt(errors, 'allowed_domains')} hint={t('sso.domainsHint')}>
          <ListInput value={d.allowed_domains} spellCheck={false} placeholder="example.com" onChange={(allowed_domains) => onChange({ ...d, allowed_domains })} />
        </Field>
        <Field label={t('sso.defaultRole')} error={errors.default_role} hint={t('sso.defaultRoleHint')}>
          <select value={d.default_role} onChange={(e) => onChange({ ...d, default_role: e.target.value })}>
            {defaultRoles.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
          </select>
        </Field>
        <Field label={t('sso.roleClaim')} error={errors.role_claim} hint={t('sso.roleClaimHint')}>
          <input autoComplete="off" spellCheck={false} value={d.role_claim} onChange={(e) => onChange({ ...d, role_claim: e.target.value })} />
        </Field>
      </div>
      <SsoMappings testId="role-mappings" legend={t('sso.roleMappings')} hint={t('sso.roleMappingsHint', { claim: d.role_claim || 'groups' })}
        field="role_mappings" targetField="role" targetLabel={t('admin.role')} options={roleOptions} errors={errors} addLabel={t('sso.addRoleMapping')}
        rows={d.role_mappings.map((m) => ({ value: m.value, target: m.role }))}
        onChange={(rows) => onChange({ ...d, role_mappings: rows.map((r) => ({ value: r.value, role: r.target })) })} />
      <SsoMappings testId="team-mappings" legend={t('sso.teamMappings')} hint={t('sso.teamMappingsHint', { claim: d.role_claim || 'groups' })}
        field="team_mappings" targetField="team_id" targetLabel={t('sso.team')} errors={errors} addLabel={t('sso.addTeamMapping')}
        options={(teams ?? []).map((x) => ({ value: x.id, label: x.name }))}
        rows={d.team_mappings.map((m) => ({ value: m.value, target: m.team_id }))}
        onChange={(rows) => onChange({ ...d, team_mappings: rows.map((r) => ({ value: r.value, team_id: r.target })) })} />
      <label className="check">
        <input type="checkbox" checked={d.enabled} onChange={(e) => onChange({ ...d, enabled: e.target.checked })} />
        {t('sso.enabled')}
      </label>
      {errors.enabled ? <p className="field__error">{errors.enabled}</p> : null}
    </>
  );
}

// Admin › Security: "Everyone signs in with single sign-on". Owners with
// two-step verification keep their password (break-glass), so a broken
// identity provider never locks the workspace out; every other password
// session ends when it is saved. With no provider enabled, switching it on
// would leave only those owners able to sign in: the page says so.
import { listSsoProviders } from '../../api/ssoProviders';
import { Link } from '../../app/router';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { useLoad } from '../../ui/useLoad';

export function SsoRequired({ tenant, on, onChange }: { tenant: string; on: boolean; onChange(on: boolean): void }) {
  const { t } = useI18n();
  const { api } = useServices();
  // Only for the warning: a page that cannot read them says nothing.
  const providers = useLoad((signal) => listSsoProviders(api, signal), [api]);
  const noneEnabled = providers.data !== null && !providers.data.some((p) => p.enabled);
  return (
    <fieldset className="field checks" data-testid="sso-required">
      <legend>{t('admin.sso')}</legend>
      <label className="check">
        <input type="checkbox" role="switch" checked={on} onChange={(e) => onChange(e.target.checked)} />
        {t('security.ssoRequired')}
      </label>
      <p className="field__hint">{t('security.ssoRequiredHint')}</p>
      {on && noneEnabled ? (
        <Alert tone="warning">
          {t('security.ssoNoProvider')} <Link to={`/t/${tenant}/admin/sso`}>{t('security.ssoAddProvider')}</Link>
        </Alert>
      ) : null}
    </fieldset>
  );
}

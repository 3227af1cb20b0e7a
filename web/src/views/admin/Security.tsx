// The MFA policy: the roles whose members must use two-step verification
// (they are asked to enrol at their next sign-in).
import { useEffect, useState } from 'react';
import type { Page } from '../../api/types';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { useLoad } from '../../ui/useLoad';
import { AdminPage, SaveState, useSaver } from './kit';
import type { Role } from './Roles';

export function Security({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  const { api } = useServices();
  const current = useLoad(async () => (await api.get<{ mfa_required_roles: string[] }>('/settings/security')).data, [api]);
  const roles = useLoad(async () => (await api.get<Page<Role>>('/roles')).data.items, [api]);
  const [required, setRequired] = useState<string[] | null>(null);
  const saver = useSaver();
  useEffect(() => {
    if (current.data) setRequired(current.data.mfa_required_roles);
  }, [current.data]);

  return (
    <AdminPage tenant={tenant} title={t('admin.security')} intro={t('admin.securityAbout')}>
      <SaveState saver={saver} />
      {required === null ? <p aria-busy="true">{t('app.loading')}</p> : (
        <section className="panel">
          <fieldset className="field checks" data-testid="mfa-roles">
            <legend>{t('admin.mfaRoles')}</legend>
            {(roles.data ?? []).map((r) => (
              <label key={r.name} className="check">
                <input type="checkbox" checked={required.includes(r.name)}
                  onChange={(e) => setRequired(e.target.checked ? [...required, r.name] : required.filter((x) => x !== r.name))} />
                {r.name}
              </label>
            ))}
          </fieldset>
          <p className="field__hint">{t('admin.mfaHint')}</p>
          <div className="form-actions">
            <button type="button" className="btn btn--primary" disabled={saver.busy}
              onClick={() => void saver.run(() => api.request('PUT', '/settings/security', { body: { mfa_required_roles: required } }))}>
              {t('record.save')}
            </button>
          </div>
        </section>
      )}
    </AdminPage>
  );
}

// Admin › Security: the MFA policy (the roles whose members must use
// two-step verification; they are asked to enrol at their next sign-in)
// and whether everyone signs in with single sign-on. Both are one setting
// on the server (a PUT replaces it), so they are saved together. Turning
// single sign-on on ends password sessions at once, so it asks first.
import { useEffect, useState } from 'react';
import { getSecurity, saveSecurity, type SecuritySettings } from '../../api/security';
import type { Page } from '../../api/types';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Dialog } from '../../ui/Dialog';
import { useLoad } from '../../ui/useLoad';
import { AdminPage, SaveState, useSaver } from './kit';
import type { Role } from './Roles';
import { SsoRequired } from './SsoRequired';

export function Security({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  const { api } = useServices();
  const current = useLoad((signal) => getSecurity(api, signal), [api]);
  const roles = useLoad(async () => (await api.get<Page<Role>>('/roles')).data.items, [api]);
  const [draft, setDraft] = useState<SecuritySettings | null>(null);
  const [confirming, setConfirming] = useState(false);
  const saver = useSaver();
  useEffect(() => {
    if (current.data) setDraft(current.data);
  }, [current.data]);

  const required = draft?.mfa_required_roles ?? [];
  const save = async () => {
    if (!draft) return;
    setConfirming(false);
    // Only what the server knows of: one without single sign-on gets the MFA roles alone.
    const body: SecuritySettings = { mfa_required_roles: draft.mfa_required_roles };
    if (current.data && 'sso_required' in current.data) body.sso_required = draft.sso_required === true;
    if (await saver.run(() => saveSecurity(api, body))) current.set(() => body);
  };
  const turningSsoOn = draft?.sso_required === true && current.data?.sso_required !== true;

  return (
    <AdminPage tenant={tenant} title={t('admin.security')} intro={t('admin.securityAbout')}>
      <SaveState saver={saver} />
      {draft === null ? <p aria-busy="true">{t('app.loading')}</p> : (
        <section className="panel">
          <fieldset className="field checks" data-testid="mfa-roles">
            <legend>{t('admin.mfaRoles')}</legend>
            {(roles.data ?? []).map((r) => (
              <label key={r.name} className="check">
                <input type="checkbox" checked={required.includes(r.name)}
                  onChange={(e) => setDraft({ ...draft, mfa_required_roles: e.target.checked ? [...required, r.name] : required.filter((x) => x !== r.name) })} />
                {r.name}
              </label>
            ))}
          </fieldset>
          <p className="field__hint">{t('admin.mfaHint')}</p>
          {'sso_required' in draft ? (
            <SsoRequired tenant={tenant} on={draft.sso_required === true} onChange={(on) => setDraft({ ...draft, sso_required: on })} />
          ) : null}
          <div className="form-actions">
            <button type="button" className="btn btn--primary" disabled={saver.busy}
              onClick={() => (turningSsoOn ? setConfirming(true) : void save())}>
              {t('record.save')}
            </button>
          </div>
        </section>
      )}
      {confirming ? (
        <Dialog open role="alertdialog" title={t('security.ssoConfirmTitle')} onClose={() => setConfirming(false)}
          actions={
            <>
              <button type="button" className="btn" onClick={() => setConfirming(false)}>{t('record.cancel')}</button>
              <button type="button" className="btn btn--danger" onClick={() => void save()}>{t('security.ssoConfirm')}</button>
            </>
          }>
          <p>{t('security.ssoConfirmText')}</p>
        </Dialog>
      ) : null}
    </AdminPage>
  );
}

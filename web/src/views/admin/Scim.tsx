// Admin › Provisioning (SCIM), `admin:users`: what an identity provider
// needs to create, change and remove this workspace's users and groups
// itself: the base URL and a bearer token. The token is shown once, when
// made (the server keeps only its hash); a new one replaces the old at
// once, and revoking it switches provisioning off, so both ask first.
import { useEffect, useState } from 'react';
import { createScimToken, getScim, revokeScimToken, saveScimDefaultRole, type ScimSettings } from '../../api/scim';
import type { Page } from '../../api/types';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { CopyText } from '../../ui/CopyText';
import { Dialog } from '../../ui/Dialog';
import { describeError } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { useLoad } from '../../ui/useLoad';
import { AdminPage, SaveState, useSaver } from './kit';
import { roleLabel } from './permissions';
import type { Role } from './Roles';
import { SecretOnce } from './SecretOnce';

export function Scim({ tenant }: { tenant: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const loaded = useLoad((signal) => getScim(api, signal), [api]);
  const roles = useLoad(async (signal) => (await api.get<Page<Role>>('/roles', undefined, signal)).data.items, [api]);
  const [role, setRole] = useState('');
  const [token, setToken] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<'rotate' | 'revoke' | null>(null);
  const tokenSaver = useSaver();
  const roleSaver = useSaver();
  const s = loaded.data;
  useEffect(() => {
    if (s) setRole(s.default_role);
  }, [s?.default_role]);

  const take = (next: ScimSettings) => loaded.set(() => next);
  const makeToken = (rotating: boolean) => {
    setConfirming(null);
    void tokenSaver.run(async () => {
      const made = await createScimToken(api);
      take(made.settings);
      setToken(made.token);
    }, rotating ? t('scim.rotated') : t('scim.made'));
  };
  const revoke = () => {
    setConfirming(null);
    setToken(null);
    void tokenSaver.run(async () => {
      await revokeScimToken(api);
      take({ ...s!, enabled: false, token_created_at: null, token_last_used_at: null });
    }, t('scim.revoked'));
  };
  const saveRole = () => void roleSaver.run(async () => take(await saveScimDefaultRole(api, role)));

  const options = (roles.data ?? []).map((r) => ({ value: r.name, label: roleLabel(i18n, r.name, r.builtin ?? false) }));
  const choices = !role || options.some((o) => o.value === role) ? options : [{ value: role, label: role }, ...options];

  return (
    <AdminPage tenant={tenant} title={t('admin.scim')} intro={t('admin.scimAbout')}>
      {token ? (
        <SecretOnce secret={token} warning={t('scim.tokenOnce')} onDone={() => setToken(null)}>
          <p>{t('scim.tokenIs')}</p>
        </SecretOnce>
      ) : null}
      {loaded.error && !s ? <Alert tone="danger">{describeError(loaded.error, i18n)}</Alert> : null}
      {!s && !loaded.error ? <p aria-busy="true">{t('app.loading')}</p> : null}
      {s ? (
        <>
          <section className="panel" aria-labelledby="scim-connection-h" data-testid="scim-connection">
            <div className="panel__head">
              <h2 id="scim-connection-h">{t('scim.connection')}</h2>
              <span className={`badge ${s.enabled ? 'badge--ready' : 'badge--failed'}`} data-testid="scim-state">
                {s.enabled ? t('scim.on') : t('scim.off')}
              </span>
            </div>
            <CopyText label={t('scim.baseUrl')} value={s.base_url} testId="scim-base-url" />
            <p className="field__hint">{t('scim.baseUrlHint')}</p>
            {s.enabled ? (
              <dl className="webhook__facts">
                <div><dt>{t('scim.tokenCreated')}</dt><dd>{s.token_created_at ? i18n.dateTime(s.token_created_at) : '—'}</dd></div>
                <div><dt>{t('admin.lastUsed')}</dt><dd>{s.token_last_used_at ? i18n.dateTime(s.token_last_used_at) : t('admin.never')}</dd></div>
              </dl>
            ) : <p>{t('scim.offHint')}</p>}
            <SaveState saver={tokenSaver} />
            <div className="row-actions">
              {s.enabled ? (
                <>
                  <button type="button" className="btn" disabled={tokenSaver.busy} onClick={() => setConfirming('rotate')}>{t('scim.rotate')}</button>
                  <button type="button" className="btn btn--danger" disabled={tokenSaver.busy} onClick={() => setConfirming('revoke')}>{t('scim.revoke')}</button>
                </>
              ) : (
                <button type="button" className="btn btn--primary" disabled={tokenSaver.busy} onClick={() => makeToken(false)}>{t('scim.create')}</button>
              )}
            </div>
          </section>
          <section className="panel" aria-labelledby="scim-role-h">
            <h2 id="scim-role-h">{t('scim.roleTitle')}</h2>
            <SaveState saver={roleSaver} />
            <Field label={t('sso.defaultRole')} error={roleSaver.fields.default_role} hint={t('scim.roleHint')}>
              <select value={role} onChange={(e) => setRole(e.target.value)}>
                {choices.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
              </select>
            </Field>
            <div className="form-actions">
              <button type="button" className="btn btn--primary" disabled={roleSaver.busy || role === s.default_role} onClick={saveRole}>{t('record.save')}</button>
            </div>
          </section>
        </>
      ) : null}
      {confirming ? (
        <Dialog open role="alertdialog" title={confirming === 'rotate' ? t('scim.rotateTitle') : t('scim.revokeTitle')} onClose={() => setConfirming(null)}
          actions={
            <>
              <button type="button" className="btn" onClick={() => setConfirming(null)}>{t('record.cancel')}</button>
              {confirming === 'rotate'
                ? <button type="button" className="btn btn--primary" onClick={() => makeToken(true)}>{t('scim.rotate')}</button>
                : <button type="button" className="btn btn--danger" onClick={revoke}>{t('scim.revoke')}</button>}
            </>
          }>
          <p>{confirming === 'rotate' ? t('scim.rotateText') : t('scim.revokeText')}</p>
        </Dialog>
      ) : null}
    </AdminPage>
  );
}

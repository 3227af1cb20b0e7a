// One provider on Admin › Single sign-on: who it is, who may get an
// account through it, how its groups map, and the redirect URI to
// register at it (with a copy button). Edit opens the form; Delete asks
// first, since it also ends the sessions that signed in through it.
import { useState } from 'react';
import { deleteSsoProvider, type SsoProvider } from '../../api/ssoProviders';
import type { Team } from '../../api/types';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { CopyText } from '../../ui/CopyText';
import { Dialog } from '../../ui/Dialog';
import { describeError } from '../../ui/errors';
import { roleLabel } from './permissions';
import type { Role } from './Roles';
import { SsoProviderDialog } from './SsoProviderDialog';

export function SsoProviderCard({ provider: p, roles, teams, onChange, onDeleted }: {
  provider: SsoProvider;
  roles: Role[] | null;
  teams: Team[] | null;
  onChange(p: SsoProvider): void;
  onDeleted(id: string): void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const role = (name: string) => roleLabel(i18n, name, roles?.find((r) => r.name === name)?.builtin ?? false);

  const remove = async () => {
    setConfirming(false);
    setBusy(true);
    setError(null);
    try {
      await deleteSsoProvider(api, p.id);
      onDeleted(p.id);
    } catch (e) {
      setError(describeError(e, i18n));
      setBusy(false);
    }
  };

  return (
    <li className="panel sso-provider" data-provider={p.id}>
      <div className="panel__head">
        <h2>{p.name}</h2>
        <span className={`badge ${p.enabled ? 'badge--ready' : 'badge--failed'}`}>{p.enabled ? t('sso.on') : t('sso.off')}</span>
      </div>
      <dl className="webhook__facts">
        <div><dt>{t('sso.issuer')}</dt><dd><code>{p.issuer}</code></dd></div>
        <div><dt>{t('sso.clientId')}</dt><dd><code>{p.client_id}</code></dd></div>
        <div><dt>{t('sso.clientSecret')}</dt><dd>{p.has_client_secret ? t('sso.secretStored') : t('sso.secretMissing')}</dd></div>
        <div><dt>{t('sso.domains')}</dt><dd>{p.allowed_domains.length ? p.allowed_domains.join(', ') : t('sso.existingOnly')}</dd></div>
        <div><dt>{t('sso.defaultRole')}</dt><dd>{role(p.default_role)}</dd></div>
        <div>
          <dt>{t('sso.mappings')}</dt>
          <dd>{t('sso.mappingCount', { roles: p.role_mappings.length, teams: p.team_mappings.length, claim: p.role_claim })}</dd>
        </div>
      </dl>
      <CopyText label={t('sso.redirectUri')} value={p.redirect_uri} />
      {error ? <Alert tone="danger">{error}</Alert> : null}
      {note ? <Alert tone="success">{note}</Alert> : null}
      <div className="row-actions">
        <button type="button" className="btn btn--small" onClick={() => { setNote(null); setEditing(true); }}>{t('record.edit')}</button>
        <button type="button" className="btn btn--small btn--danger" disabled={busy} onClick={() => setConfirming(true)}>{t('sso.delete')}</button>
      </div>
      {editing ? (
        <SsoProviderDialog provider={p} redirectUri={p.redirect_uri} roles={roles} teams={teams} onClose={() => setEditing(false)}
          onSaved={(saved) => {
            setEditing(false);
            onChange(saved);
            setNote(t('sso.saved'));
          }} />
      ) : null}
      {confirming ? (
        <Dialog open role="alertdialog" title={t('sso.deleteTitle', { name: p.name })} onClose={() => setConfirming(false)}
          actions={
            <>
              <button type="button" className="btn" onClick={() => setConfirming(false)}>{t('record.cancel')}</button>
              <button type="button" className="btn btn--danger" onClick={() => void remove()}>{t('sso.deleteConfirm')}</button>
            </>
          }>
          <p>{t('sso.deleteText', { name: p.name })}</p>
        </Dialog>
      ) : null}
    </li>
  );
}

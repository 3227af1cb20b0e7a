// Adding or editing a provider, in a dialog: the fields, the redirect URI
// to register at the identity provider, and the save (a new provider
// whole; an edit with only what changed). The server reads the issuer's
// discovery document on every save; its refusals are put at the fields.
import { useState } from 'react';
import { createSsoProvider, updateSsoProvider, type SsoProvider } from '../../api/ssoProviders';
import type { Team } from '../../api/types';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { CopyText } from '../../ui/CopyText';
import { Dialog } from '../../ui/Dialog';
import type { Role } from './Roles';
import { SsoProviderFields } from './SsoProviderFields';
import { changedInput, createInput, draftOfProvider, localErrors, newSsoDraft, saveProblem } from './ssoProviders';

export function SsoProviderDialog({ provider, redirectUri, roles, teams, onClose, onSaved }: {
  /** null: a new one. */
  provider: SsoProvider | null;
  redirectUri: string;
  roles: Role[] | null;
  teams: Team[] | null;
  onClose(): void;
  onSaved(p: SsoProvider): void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const [draft, setDraft] = useState(() => (provider ? draftOfProvider(provider) : newSsoDraft()));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const changes = provider ? changedInput(provider, draft) : null;
  const unchanged = changes !== null && Object.keys(changes).length === 0;

  const save = async () => {
    const local = localErrors(draft, t);
    if (Object.keys(local).length) {
      setFields(local);
      setError(t('sso.fix'));
      return;
    }
    setBusy(true);
    setError(null);
    setFields({});
    try {
      onSaved(provider ? await updateSsoProvider(api, provider.id, changes!) : await createSsoProvider(api, createInput(draft)));
    } catch (e) {
      const p = saveProblem(e, i18n);
      setError(p.error);
      setFields(p.fields);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open wide title={provider ? t('sso.editTitle', { name: provider.name }) : t('sso.addTitle')} onClose={onClose}
      actions={
        <>
          <button type="button" className="btn" onClick={onClose}>{t('record.cancel')}</button>
          <button type="button" className="btn btn--primary" disabled={busy || unchanged} onClick={() => void save()}>
            {busy ? t('sso.checking') : t('record.save')}
          </button>
        </>
      }>
      <CopyText label={t('sso.redirectUri')} value={provider?.redirect_uri ?? redirectUri} testId="redirect-uri" />
      <p className="field__hint">{t('sso.redirectUriHint')}</p>
      {error ? <Alert tone="danger">{error}</Alert> : null}
      <SsoProviderFields draft={draft} onChange={setDraft} errors={fields} roles={roles} teams={teams}
        hasSecret={provider ? provider.has_client_secret : null} />
    </Dialog>
  );
}

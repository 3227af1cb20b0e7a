// Admin › Single sign-on (`admin:settings`): the workspace's OpenID Connect
// providers, each a "Sign in with …" button on the sign-in page while it
// is enabled. Whether everyone must use one is under Admin › Security.
// The redirect URI is the same for every provider of the workspace; the
// form for a new one shows it too, since an identity provider wants it
// before it hands out a client id.
import { useState } from 'react';
import { listSsoProviders } from '../../api/ssoProviders';
import { apiBase } from '../../api/tenant';
import type { Page } from '../../api/types';
import { loadTeams, useShared } from '../../app/directory';
import { Link } from '../../app/router';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { useLoad } from '../../ui/useLoad';
import { AdminPage } from './kit';
import type { Role } from './Roles';
import { SsoProviderCard } from './SsoProviderCard';
import { SsoProviderDialog } from './SsoProviderDialog';

export function SsoProviders({ tenant }: { tenant: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const list = useLoad((signal) => listSsoProviders(api, signal), [api]);
  const roles = useLoad(async (signal) => (await api.get<Page<Role>>('/roles', undefined, signal)).data.items, [api]);
  const teams = useShared(loadTeams);
  const [adding, setAdding] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  // The server's own word once there is a provider (it knows its public
  // address); before, this app's origin, which is the server's.
  const redirectUri = list.data?.[0]?.redirect_uri ?? `${location.origin}${apiBase(tenant)}/auth/sso/callback`;

  return (
    <AdminPage tenant={tenant} title={t('admin.sso')} intro={t('admin.ssoAbout')}
      actions={<button type="button" className="btn btn--primary" onClick={() => { setNote(null); setAdding(true); }}>{t('sso.add')}</button>}>
      <p className="muted">
        {t('sso.requiredWhere')} <Link to={`/t/${tenant}/admin/security`}>{t('admin.security')}</Link>
      </p>
      {note ? <Alert tone="success">{note}</Alert> : null}
      {list.error ? <Alert tone="danger">{describeError(list.error, i18n)}</Alert> : null}
      {list.data === null && !list.error ? <p aria-busy="true">{t('app.loading')}</p> : null}
      {list.data?.length === 0 ? <p className="muted" data-testid="sso-empty">{t('sso.empty')}</p> : null}
      {list.data?.length ? (
        <ul className="webhooks" aria-label={t('sso.list')}>
          {list.data.map((p) => (
            <SsoProviderCard key={p.id} provider={p} roles={roles.data} teams={teams}
              onChange={(saved) => list.set((ps) => ps?.map((x) => (x.id === saved.id ? saved : x)) ?? ps)}
              onDeleted={(id) => {
                list.set((ps) => ps?.filter((x) => x.id !== id) ?? ps);
                setNote(t('sso.deleted', { name: p.name }));
              }} />
          ))}
        </ul>
      ) : null}
      {adding ? (
        <SsoProviderDialog provider={null} redirectUri={redirectUri} roles={roles.data} teams={teams} onClose={() => setAdding(false)}
          onSaved={(made) => {
            setAdding(false);
            list.set((ps) => [...(ps ?? []).filter((x) => x.id !== made.id), made]);
            setNote(t('sso.added', { name: made.name }));
          }} />
      ) : null}
    </AdminPage>
  );
}

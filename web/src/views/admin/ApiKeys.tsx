// API keys for integrations: a name and a role; the key itself is shown
// once, at creation (the server keeps only a hash), and can be revoked.
import { useState, type FormEvent } from 'react';
import type { Page } from '../../api/types';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { Field } from '../../ui/Field';
import { useLoad } from '../../ui/useLoad';
import { AdminPage, SaveState, useSaver } from './kit';
import type { Role } from './Roles';

interface ApiKey {
  id: string;
  name: string;
  role: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at?: string | null;
}

export function ApiKeys({ tenant }: { tenant: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const keys = useLoad(async () => (await api.get<Page<ApiKey>>('/api-keys')).data.items, [api]);
  const roles = useLoad(async () => (await api.get<Page<Role>>('/roles')).data.items.map((r) => r.name), [api]);
  const [name, setName] = useState('');
  const [role, setRole] = useState('viewer');
  const [fresh, setFresh] = useState<{ name: string; key: string } | null>(null);
  const saver = useSaver();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await saver.run(async () => {
      const r = await api.request<ApiKey & { key: string }>('POST', '/api-keys', { body: { name, role } });
      setFresh({ name: r.data.name, key: r.data.key });
      setName('');
      keys.reload();
    }, t('admin.keyCreated'));
  };

  return (
    <AdminPage tenant={tenant} title={t('admin.apiKeys')} intro={t('admin.apiKeysAbout')}>
      {fresh ? (
        <Alert tone="warning" actions={<button type="button" className="btn btn--small" onClick={() => setFresh(null)}>{t('mfa.done')}</button>}>
          <p>{t('admin.keyOnce', { name: fresh.name })}</p>
          <code className="secret" data-testid="new-key">{fresh.key}</code>
        </Alert>
      ) : null}
      <SaveState saver={saver} />
      <div className="table-wrap">
        <table className="table" data-testid="api-keys">
          <thead>
            <tr>
              <th scope="col">{t('contact.name')}</th>
              <th scope="col">{t('admin.prefix')}</th>
              <th scope="col">{t('admin.role')}</th>
              <th scope="col">{t('admin.lastUsed')}</th>
              <th scope="col"><span className="visually-hidden">{t('admin.revoke')}</span></th>
            </tr>
          </thead>
          <tbody>
            {keys.data?.length === 0 ? <tr><td colSpan={5}>{t('admin.noKeys')}</td></tr> : null}
            {keys.data?.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td data-label={t('admin.prefix')}><code>{k.prefix}…</code></td>
                <td data-label={t('admin.role')}>{k.role}</td>
                <td data-label={t('admin.lastUsed')}>{k.last_used_at ? i18n.dateTime(k.last_used_at) : t('admin.never')}</td>
                <td>
                  {k.revoked_at ? <span className="muted">{t('admin.revoked')}</span> : (
                    <button type="button" className="btn btn--small btn--danger" aria-label={t('admin.revokeKey', { name: k.name })}
                      onClick={() => void saver.run(async () => { await api.request('DELETE', `/api-keys/${k.id}`); keys.reload(); }, t('admin.keyRevoked', { name: k.name }))}>
                      {t('admin.revoke')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <section className="panel" aria-labelledby="new-key-h">
        <h2 id="new-key-h">{t('admin.newKey')}</h2>
        <form onSubmit={submit} className="form-grid">
          <Field label={t('contact.name')} required error={saver.fields.name}>
            <input value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field label={t('admin.role')} error={saver.fields.role}>
            <select value={role} onChange={(e) => setRole(e.target.value)}>
              {(roles.data ?? [role]).map((r) => <option key={r} value={r}>{r}</option>)}
            </select>
          </Field>
          <div className="form-actions">
            <button type="submit" className="btn btn--primary" disabled={saver.busy || !name.trim()}>{t('record.create')}</button>
          </div>
        </form>
      </section>
    </AdminPage>
  );
}

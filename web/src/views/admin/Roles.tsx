// Roles and their permissions: each grant is a permission at a scope (own,
// team, all) with fields it hides. Built-in roles are shown, not changed;
// a custom role can build on one (parent) and add to it.
import { useEffect, useState } from 'react';
import type { Page } from '../../api/types';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Field } from '../../ui/Field';
import { useLoad } from '../../ui/useLoad';
import { permissionCatalogue } from './catalogue';
import { permissionLabel, roleAbout, roleLabel } from './permissions';
import { AdminPage, ListInput, SaveState, useSaver } from './kit';

export interface Grant {
  permission: string;
  scope: 'own' | 'team' | 'all';
  hidden_fields: string[];
}

export interface Role {
  name: string;
  parent: string | null;
  description: string;
  builtin?: boolean;
  grants: Grant[];
}

const blank = (): Role => ({ name: '', parent: null, description: '', grants: [] });

export function Roles({ tenant }: { tenant: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const roles = useLoad(async () => (await api.get<Page<Role>>('/roles')).data.items, [api]);
  const [catalogue, setCatalogue] = useState<string[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [draft, setDraft] = useState<Role | null>(null);
  const saver = useSaver();
  useEffect(() => void permissionCatalogue().then(setCatalogue), []);

  const open = (r: Role | null) => {
    saver.clear();
    setSelected(r?.name ?? null);
    setDraft(r ? structuredClone(r) : blank());
  };
  // Something to look at from the start: the first one, opened.
  useEffect(() => {
    if (!draft && roles.data?.[0]) open(roles.data[0]);
  }, [roles.data]);
  const isNew = draft !== null && selected === null;
  const readOnly = !!draft?.builtin;
  const grant = (p: string) => draft?.grants.find((g) => g.permission === p);
  const setGrant = (p: string, g: Grant | null) =>
    setDraft((d) => (d ? { ...d, grants: [...d.grants.filter((x) => x.permission !== p), ...(g ? [g] : [])] } : d));

  const save = async () => {
    if (!draft) return;
    const body = { name: draft.name, parent: draft.parent || null, description: draft.description, grants: draft.grants };
    const ok = await saver.run(() =>
      isNew ? api.request('POST', '/roles', { body }) : api.request('PATCH', `/roles/${encodeURIComponent(selected!)}`, { body: { parent: body.parent, description: body.description, grants: body.grants } }),
    );
    if (ok) {
      setSelected(draft.name);
      roles.reload();
    }
  };
  const remove = async () => {
    if (!selected) return;
    if (await saver.run(() => api.request('DELETE', `/roles/${encodeURIComponent(selected)}`), t('record.deleted'))) {
      setDraft(null);
      setSelected(null);
      roles.reload();
    }
  };

  return (
    <AdminPage tenant={tenant} title={t('admin.roles')} intro={t('admin.rolesAbout')}
      actions={<button type="button" className="btn btn--primary" onClick={() => open(null)}>{t('admin.newRole')}</button>}>
      <div className="master-detail">
        <ul className="master-list" aria-label={t('admin.roles')}>
          {roles.data?.map((r) => (
            <li key={r.name}>
              <button type="button" className="master-list__item" aria-current={selected === r.name ? 'true' : undefined} onClick={() => open(r)}>
                <strong>{roleLabel(i18n, r.name, !!r.builtin)}</strong>
                {r.builtin ? <span className="badge">{t('admin.builtin')}</span> : null}
                <span className="muted">{roleAbout(i18n, r.name, !!r.builtin, r.description)}</span>
              </button>
            </li>
          ))}
        </ul>
        {draft ? (
          <section className="panel" aria-labelledby="role-h">
            <h2 id="role-h">{isNew ? t('admin.newRole') : roleLabel(i18n, draft.name, readOnly)}</h2>
            {readOnly ? <p className="muted">{t('admin.builtinNote')}</p> : null}
            <SaveState saver={saver} />
            <fieldset disabled={readOnly} className="plain-fieldset">
              <div className="form-grid">
                {isNew ? (
                  <Field label={t('admin.roleName')} required error={saver.fields.name} hint={t('admin.roleNameHint')}>
                    <input value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
                  </Field>
                ) : null}
                <Field label={t('admin.parent')} error={saver.fields.parent}>
                  <select value={draft.parent ?? ''} onChange={(e) => setDraft({ ...draft, parent: e.target.value || null })}>
                    <option value="">{t('record.none')}</option>
                    {roles.data?.filter((r) => r.name !== selected).map((r) => <option key={r.name} value={r.name}>{r.name}</option>)}
                  </select>
                </Field>
                <Field label={t('admin.description')} error={saver.fields.description}>
                  <input value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} />
                </Field>
              </div>
              <div className="table-wrap">
                <table className="table table--compact" data-testid="grants">
                  <caption>{t('admin.grants')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('admin.permission')}</th>
                      <th scope="col">{t('admin.scope')}</th>
                      <th scope="col">{t('admin.hiddenFields')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {catalogue.map((p) => {
                      const g = grant(p);
                      return (
                        <tr key={p}>
                          <td>
                            <label className="check">
                              <input type="checkbox" checked={!!g} onChange={(e) => setGrant(p, e.target.checked ? { permission: p, scope: 'all', hidden_fields: [] } : null)} />
                              <span>{permissionLabel(i18n, p)}</span> <code className="muted">{p}</code>
                            </label>
                          </td>
                          <td data-label={t('admin.scope')}>
                            {g ? (
                              <select aria-label={t('admin.scopeOf', { permission: p })} value={g.scope} onChange={(e) => setGrant(p, { ...g, scope: e.target.value as Grant['scope'] })}>
                                <option value="own">{t('admin.scope_own')}</option>
                                <option value="team">{t('admin.scope_team')}</option>
                                <option value="all">{t('admin.scope_all')}</option>
                              </select>
                            ) : null}
                          </td>
                          <td data-label={t('admin.hiddenFields')}>
                            {g ? (
                              <ListInput aria-label={t('admin.hiddenOf', { permission: p })} value={g.hidden_fields} placeholder="amount, phone"
                                onChange={(v) => setGrant(p, { ...g, hidden_fields: v })} />
                            ) : null}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            </fieldset>
            {readOnly ? null : (
              <div className="form-actions">
                <button type="button" className="btn btn--primary" onClick={() => void save()} disabled={saver.busy}>{isNew ? t('record.create') : t('record.save')}</button>
                {!isNew ? <button type="button" className="btn btn--danger" onClick={() => void remove()} disabled={saver.busy}>{t('record.delete')}</button> : null}
              </div>
            )}
          </section>
        ) : (
          <p className="muted">{t('admin.pickRole')}</p>
        )}
      </div>
    </AdminPage>
  );
}

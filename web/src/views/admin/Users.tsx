// Users and teams: who may sign in, as what (staff, customer, supplier),
// with which roles and teams; disable someone without deleting them. For
// the privacy duties, a user's data can be exported and someone who has
// left erased (UserRow.tsx).
import { useState, type FormEvent } from 'react';
import type { Page } from '../../api/types';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { useLoad } from '../../ui/useLoad';
import type { UserSummary } from '../support/hooks';
import { AdminPage, SaveState, useSaver } from './kit';
import type { Role } from './Roles';
import { UserRow } from './UserRow';

interface Team {
  id: string;
  name: string;
}

function Checks({ legend, options, value, onChange }: {
  legend: string;
  options: { value: string; label: string }[];
  value: string[];
  onChange(v: string[]): void;
}) {
  return (
    <fieldset className="field checks">
      <legend>{legend}</legend>
      {options.map((o) => (
        <label key={o.value} className="check">
          <input type="checkbox" checked={value.includes(o.value)}
            onChange={(e) => onChange(e.target.checked ? [...value, o.value] : value.filter((x) => x !== o.value))} />
          {o.label}
        </label>
      ))}
    </fieldset>
  );
}

export function Users({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  const { api } = useServices();
  const users = useLoad(async () => (await api.get<Page<UserSummary>>('/users', { limit: 200 })).data.items, [api]);
  const teams = useLoad(async () => (await api.get<Page<Team>>('/teams')).data.items, [api]);
  const roles = useLoad(async () => (await api.get<Page<Role>>('/roles')).data.items.map((r) => r.name), [api]);
  const [editing, setEditing] = useState<UserSummary | null>(null);
  const [draft, setDraft] = useState({ email: '', name: '', password: '', kind: 'staff', roles: ['agent'], teams: [] as string[] });
  const [teamName, setTeamName] = useState('');
  /** What the last erasure did, said until the next one. */
  const [erased, setErased] = useState<string | null>(null);
  const create = useSaver();
  const edit = useSaver();
  const team = useSaver();
  const teamName_ = (id: string) => teams.data?.find((x) => x.id === id)?.name ?? id;
  const roleOptions = (roles.data ?? []).map((r) => ({ value: r, label: r }));
  const teamOptions = (teams.data ?? []).map((x) => ({ value: x.id, label: x.name }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await create.run(() => api.request('POST', '/users', { body: draft }), t('admin.userCreated', { name: draft.name }));
    if (ok) {
      setDraft({ ...draft, email: '', name: '', password: '' });
      users.reload();
    }
  };

  const kindRoles: Record<string, string[]> = { staff: ['agent'], customer: ['customer'], supplier: ['supplier'] };

  return (
    <AdminPage tenant={tenant} title={t('admin.users')} intro={t('admin.usersAbout')}>
      {erased ? <Alert tone="success">{erased}</Alert> : null}
      <div className="table-wrap">
        <table className="table" data-testid="users">
          <thead>
            <tr>
              <th scope="col">{t('contact.name')}</th>
              <th scope="col">{t('login.email')}</th>
              <th scope="col">{t('admin.kind')}</th>
              <th scope="col">{t('admin.rolesColumn')}</th>
              <th scope="col">{t('admin.teams')}</th>
              <th scope="col">{t('admin.status')}</th>
              <th scope="col"><span className="visually-hidden">{t('users.actions')}</span></th>
            </tr>
          </thead>
          <tbody>
            {users.data?.map((u) => (
              <UserRow key={u.id} tenant={tenant} user={u} teams={u.teams.map(teamName_).join(', ')}
                onEdit={() => { edit.clear(); setEditing(u); }}
                onErased={(r) => {
                  setErased(t('users.erased', { count: r.sessions_ended }));
                  users.reload();
                }} />
            ))}
          </tbody>
        </table>
      </div>

      <div className="admin-columns">
        <section className="panel" aria-labelledby="new-user">
          <h2 id="new-user">{t('admin.newUser')}</h2>
          <SaveState saver={create} />
          <form onSubmit={submit} className="form-grid form-grid--narrow">
            <Field label={t('login.email')} required error={create.fields.email}>
              <input type="email" value={draft.email} onChange={(e) => setDraft({ ...draft, email: e.target.value })} required autoComplete="off" />
            </Field>
            <Field label={t('contact.name')} required error={create.fields.name}>
              <input value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} required />
            </Field>
            <Field label={t('login.password')} required error={create.fields.password} hint={t('admin.passwordHint')}>
              <input type="password" value={draft.password} onChange={(e) => setDraft({ ...draft, password: e.target.value })} required autoComplete="new-password" />
            </Field>
            <Field label={t('admin.kind')} error={create.fields.kind}>
              <select value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: e.target.value, roles: kindRoles[e.target.value] ?? [] })}>
                {['staff', 'customer', 'supplier'].map((k) => <option key={k} value={k}>{t(`admin.kind_${k}` as 'admin.kind_staff')}</option>)}
              </select>
            </Field>
            <Checks legend={t('admin.rolesColumn')} options={roleOptions} value={draft.roles} onChange={(v) => setDraft({ ...draft, roles: v })} />
            {teamOptions.length ? <Checks legend={t('admin.teams')} options={teamOptions} value={draft.teams} onChange={(v) => setDraft({ ...draft, teams: v })} /> : null}
            <div className="form-actions">
              <button type="submit" className="btn btn--primary" disabled={create.busy}>{t('record.create')}</button>
            </div>
          </form>
        </section>

        <section className="panel" aria-labelledby="teams-h">
          <h2 id="teams-h">{t('admin.teams')}</h2>
          <ul className="plain-list">{teams.data?.map((x) => <li key={x.id}>{x.name}</li>)}</ul>
          <SaveState saver={team} />
          <form className="inline-form" onSubmit={async (e) => {
            e.preventDefault();
            if (await team.run(() => api.request('POST', '/teams', { body: { name: teamName } }))) {
              setTeamName('');
              teams.reload();
            }
          }}>
            <label className="inline-field">
              <span>{t('admin.newTeam')}</span>
              <input value={teamName} onChange={(e) => setTeamName(e.target.value)} required />
            </label>
            <button type="submit" className="btn" disabled={team.busy || !teamName.trim()}>{t('record.create')}</button>
          </form>
        </section>
      </div>

      <Dialog open={editing !== null} title={editing ? t('admin.editUser', { name: editing.name }) : ''} onClose={() => setEditing(null)}
        actions={editing ? (
          <>
            <button type="button" className="btn" onClick={() => setEditing(null)}>{t('record.cancel')}</button>
            <button type="button" className="btn btn--primary" disabled={edit.busy} onClick={async () => {
              const u = editing;
              const ok = await edit.run(() => api.request('PATCH', `/users/${u.id}`, { body: { name: u.name, roles: u.roles, teams: u.teams, status: u.status } }));
              if (ok) {
                setEditing(null);
                users.reload();
              }
            }}>{t('record.save')}</button>
          </>
        ) : null}>
        {editing ? (
          <>
            <SaveState saver={edit} />
            <Field label={t('contact.name')} error={edit.fields.name}>
              <input value={editing.name} onChange={(e) => setEditing({ ...editing, name: e.target.value })} />
            </Field>
            <Checks legend={t('admin.rolesColumn')} options={roleOptions} value={editing.roles} onChange={(v) => setEditing({ ...editing, roles: v })} />
            {teamOptions.length ? <Checks legend={t('admin.teams')} options={teamOptions} value={editing.teams} onChange={(v) => setEditing({ ...editing, teams: v })} /> : null}
            <Field label={t('admin.status')}>
              <select value={editing.status} onChange={(e) => setEditing({ ...editing, status: e.target.value })}>
                <option value="active">{t('admin.active')}</option>
                <option value="disabled">{t('admin.disabled')}</option>
              </select>
            </Field>
          </>
        ) : null}
      </Dialog>
    </AdminPage>
  );
}

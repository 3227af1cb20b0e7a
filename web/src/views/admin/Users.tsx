// Users and teams: who may sign in, as what (staff, customer, supplier),
// with which roles and teams; disable someone without deleting them. For
// the privacy duties, a user's data can be exported and someone who has
// left erased (UserRow.tsx). New people are invited by e-mail to set their
// password (UserCreateForm.tsx), and can be invited again from their row.
import { useState } from 'react';
import type { Page } from '../../api/types';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { useLoad } from '../../ui/useLoad';
import type { UserSummary } from '../support/hooks';
import { Checks } from './Checks';
import { AdminPage, SaveState, useSaver } from './kit';
import type { Role } from './Roles';
import { UserCreateForm } from './UserCreateForm';
import { UserRow } from './UserRow';

interface Team {
  id: string;
  name: string;
}

export function Users({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  const { api } = useServices();
  const users = useLoad(async () => (await api.get<Page<UserSummary>>('/users', { limit: 200 })).data.items, [api]);
  const teams = useLoad(async () => (await api.get<Page<Team>>('/teams')).data.items, [api]);
  const roles = useLoad(async () => (await api.get<Page<Role>>('/roles')).data.items.map((r) => r.name), [api]);
  const [editing, setEditing] = useState<UserSummary | null>(null);
  const [teamName, setTeamName] = useState('');
  /** What the last erasure did, said until the next one. */
  const [erased, setErased] = useState<string | null>(null);
  const edit = useSaver();
  const team = useSaver();
  const teamName_ = (id: string) => teams.data?.find((x) => x.id === id)?.name ?? id;
  const roleOptions = (roles.data ?? []).map((r) => ({ value: r, label: r }));
  const teamOptions = (teams.data ?? []).map((x) => ({ value: x.id, label: x.name }));

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
        <UserCreateForm roleOptions={roleOptions} teamOptions={teamOptions} onCreated={users.reload} />

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

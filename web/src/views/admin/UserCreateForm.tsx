// Admin > Users, "New user": who, as what, with which roles and teams, and
// how they get a password. By default they are invited by e-mail and set
// it themselves (`invite: true`, no password: the server refuses both),
// so no admin ever knows it; "Set a password now" is for when mail cannot
// reach them.
import { useId, useState, type FormEvent } from 'react';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Field } from '../../ui/Field';
import { passwordProblem } from '../setPassword';
import { Checks } from './Checks';
import { SaveState, useSaver } from './kit';

type Option = { value: string; label: string };

const KIND_ROLES: Record<string, string[]> = { staff: ['agent'], customer: ['customer'], supplier: ['supplier'] };

const emptyDraft = () => ({ email: '', name: '', password: '', kind: 'staff', roles: ['agent'], teams: [] as string[], invite: true });

/** The body of `POST /users`: with an invitation, no password. */
export function newUserBody(d: ReturnType<typeof emptyDraft>) {
  const { invite, password, ...rest } = d;
  return invite ? { ...rest, invite: true } : { ...rest, password };
}

export function UserCreateForm({ roleOptions, teamOptions, onCreated }: { roleOptions: Option[]; teamOptions: Option[]; onCreated(): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const id = useId();
  const [draft, setDraft] = useState(emptyDraft);
  const create = useSaver();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const done = draft.invite ? t('users.createdInvited', { name: draft.name, email: draft.email }) : t('admin.userCreated', { name: draft.name });
    const ok = await create.run(() => api.request('POST', '/users', { body: newUserBody(draft) }), done);
    if (ok) {
      setDraft({ ...draft, email: '', name: '', password: '' });
      onCreated();
    }
  };

  return (
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
        <fieldset className="field checks">
          <legend>{t('users.passwordChoice')}</legend>
          <label className="check">
            <input type="radio" name={`${id}-password`} checked={draft.invite} onChange={() => setDraft({ ...draft, invite: true, password: '' })} />
            {t('users.invite')}
          </label>
          <label className="check">
            <input type="radio" name={`${id}-password`} checked={!draft.invite} onChange={() => setDraft({ ...draft, invite: false })} />
            {t('users.setNow')}
          </label>
        </fieldset>
        {draft.invite ? (
          <p className="muted">{t('users.inviteHint')}</p>
        ) : (
          <Field label={t('login.password')} required hint={t('admin.passwordHint')}
            error={create.fields.password ? passwordProblem(i18n, create.fields.password) : undefined}>
            <input type="password" value={draft.password} onChange={(e) => setDraft({ ...draft, password: e.target.value })} required autoComplete="new-password" />
          </Field>
        )}
        <Field label={t('admin.kind')} error={create.fields.kind}>
          <select value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: e.target.value, roles: KIND_ROLES[e.target.value] ?? [] })}>
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
  );
}

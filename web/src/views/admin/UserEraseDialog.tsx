// "Erase…" on a user's row (GDPR Art. 17), for someone who has left: says
// what goes (name, e-mail, password, second factor, teams, who they were
// in the sign-in log), that every session ends at once, and what stays
// (what they own or wrote, under "Erased person"); asks for their name or
// e-mail to be typed before the button works, then erases through
// `POST /users/{id}/erase`. A refusal is said in words; a portal account
// that is a contact gets a way to that contact's page, whose own erasure
// takes the account along. Like the contact's dialog, the page mounts it
// only while open, so every opening starts with nothing typed.
import { useState, type FormEvent } from 'react';
import { eraseUser, type UserErased } from '../../api/privacy';
import { Link } from '../../app/router';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { confirmsUser, userEraseRefusal, type Refusal } from './userErasure';

interface Props {
  tenant: string;
  user: { id: string; name: string; email: string };
  onClose(): void;
  onErased(result: UserErased): void;
}

export function UserEraseDialog({ tenant, user, onClose, onErased }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api, erasure } = useServices();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const ready = confirmsUser(typed, user) && !busy;
  const formId = `erase-user-${user.id}`;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    setRefusal(null);
    try {
      const r = await eraseUser(api, user.id);
      // This browser's saved answers (the user list among them) still
      // hold their name and address: swept now, not when an event comes.
      erasure.note([user.id]);
      void erasure.flush();
      onErased(r);
    } catch (err) {
      setRefusal(userEraseRefusal(err, i18n));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      title={t('userErase.title', { name: user.name })}
      onClose={() => !busy && onClose()}
      role="alertdialog"
      actions={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            {t('record.cancel')}
          </button>
          <button type="submit" form={formId} className="btn btn--danger" disabled={!ready}>
            {busy ? t('erase.busy') : t('erase.confirm')}
          </button>
        </>
      }
    >
      <p>{t('userErase.intro', { name: user.name })}</p>
      <ul className="erase-list">
        <li>{t('userErase.identity')}</li>
        <li>{t('userErase.access')}</li>
        <li>{t('userErase.signIns')}</li>
      </ul>
      <p>{t('userErase.sessions')}</p>
      <p>{t('userErase.kept')}</p>
      <p>
        <strong>{t('erase.final')}</strong>
      </p>
      {refusal ? (
        <Alert tone="danger">
          {refusal.text}
          {refusal.contact ? (
            <>
              {' '}
              <Link to={`/t/${tenant}/contacts/${refusal.contact}`}>{t('userErase.openContact')}</Link>
            </>
          ) : null}
        </Alert>
      ) : null}
      <form id={formId} onSubmit={(e) => void submit(e)} noValidate>
        <Field label={t('userErase.type', { name: user.name, email: user.email })} hint={t('erase.typeHint')}>
          <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} disabled={busy} />
        </Field>
      </form>
    </Dialog>
  );
}

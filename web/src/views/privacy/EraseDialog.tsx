// "Erase person…" (GDPR Art. 17): says what goes and what stays, asks for
// the person's name to be typed before the button works, then erases
// through `POST /contacts/{id}/erase`. The tab's own caches are swept at
// once (app/erasure.ts); other tabs sweep when the events reach them.
// A refusal (a legal hold on the person or on something the erasure would
// take along) is said with the hold's reason. The page mounts it only while
// open: every opening starts with nothing typed, and a closed dialog leaves
// no labelled field behind in the page.
import { useState, type FormEvent } from 'react';
import { eraseContact, type Erased } from '../../api/privacy';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { deleteError } from '../../ui/errors';
import { nameMatches } from './erase';

interface Props {
  contactId: string;
  /** As the page shows it: what must be typed. */
  name: string;
  onClose(): void;
  onErased(result: Erased): void;
}

export function EraseDialog({ contactId, name, onClose, onErased }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api, erasure } = useServices();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ready = nameMatches(typed, name) && !busy;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    setError(null);
    try {
      const r = await eraseContact(api, contactId);
      erasure.note([contactId, r.portal_user]);
      void erasure.flush();
      onErased(r);
    } catch (err) {
      setError(deleteError(err, i18n, contactId, 'erase.refused'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      title={t('erase.title', { name })}
      onClose={() => !busy && onClose()}
      role="alertdialog"
      actions={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            {t('record.cancel')}
          </button>
          <button type="submit" form={`erase-${contactId}`} className="btn btn--danger" disabled={!ready}>
            {busy ? t('erase.busy') : t('erase.confirm')}
          </button>
        </>
      }
    >
      <p>{t('erase.intro', { name })}</p>
      <ul className="erase-list">
        <li>{t('erase.contact')}</li>
        <li>{t('erase.tickets')}</li>
        <li>{t('erase.activities')}</li>
        <li>{t('erase.portal')}</li>
      </ul>
      <p>{t('erase.deals')}</p>
      <p>
        <strong>{t('erase.final')}</strong>
      </p>
      {error ? <Alert tone="danger">{error}</Alert> : null}
      <form id={`erase-${contactId}`} onSubmit={(e) => void submit(e)} noValidate>
        <Field label={t('erase.typeName', { name })} hint={t('erase.typeHint')}>
          <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} disabled={busy} />
        </Field>
      </form>
    </Dialog>
  );
}

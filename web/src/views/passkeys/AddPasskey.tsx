// "Add a passkey": asks for a name (this browser and system, to start
// with), then runs the ceremony: the server's options, the browser's
// dialog, the answer back to the server. Whatever goes wrong stays in the
// dialog in words, so the person may try again or give up.
import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/problem';
import { createCredential, finishRegistration, passkeysHere, startRegistration, type Passkey } from '../../api/passkeys';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { addError, defaultPasskeyName } from './words';

/** What the server takes as a name: 1–100 characters, no control characters. */
export function nameProblem(name: string): 'empty' | 'long' | 'control' | null {
  const n = name.trim();
  if (!n) return 'empty';
  if ([...n].length > 100) return 'long';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(n)) return 'control';
  return null;
}

export function AddPasskey({ onAdded, primary = false, disabled = false }: {
  onAdded(p: Passkey): void;
  primary?: boolean;
  disabled?: boolean;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const supported = passkeysHere() === 'ok';
  const formId = useId();

  const begin = () => {
    setName(defaultPasskeyName(i18n));
    setNameError(undefined);
    setError(null);
    setOpen(true);
  };
  const close = () => {
    if (!busy) setOpen(false);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setNameError(undefined);
    const problem = nameProblem(name);
    if (problem) {
      setNameError(t(problem === 'empty' ? 'passkey.nameEmpty' : problem === 'long' ? 'passkey.nameLong' : 'passkey.nameControl'));
      return;
    }
    setBusy(true);
    try {
      const ceremony = await startRegistration(api);
      const credential = await createCredential(ceremony.options);
      const added = await finishRegistration(api, ceremony.flow_id, name.trim(), credential);
      setOpen(false);
      onAdded(added);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && err.fieldErrors.name) setNameError(t('passkey.nameRefused'));
      else setError(addError(err, i18n));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <button type="button" className={`btn${primary ? ' btn--primary' : ''}`} disabled={disabled || !supported} onClick={begin}>
        {t('passkey.add')}
      </button>
      {open ? (
        <Dialog open title={t('passkey.addTitle')} onClose={close}
          actions={
            <>
              <button type="button" className="btn" onClick={close} disabled={busy}>{t('record.cancel')}</button>
              <button type="submit" form={formId} className="btn btn--primary" disabled={busy} aria-busy={busy || undefined}>
                {busy ? t('passkey.waiting') : t('passkey.continue')}
              </button>
            </>
          }>
          <form id={formId} onSubmit={(e) => void submit(e)} noValidate>
            <p>{t('passkey.addHint')}</p>
            {error ? <Alert tone="danger">{error}</Alert> : null}
            <Field label={t('passkey.name')} hint={t('passkey.nameHint')} error={nameError} required>
              <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} autoFocus />
            </Field>
          </form>
        </Dialog>
      ) : null}
    </>
  );
}

// Admin › E-mail: the address customers answer to (`settings/mail`). An
// agent's public reply is mailed from the server's sender address with
// this address, tokened, as its Reply-To; the page says what that looks
// like, and what happens while none is set. Saved or cleared on its own
// (not with the rest of the page); whether an address is plain enough is
// the server's word, shown at the field, in its own words as elsewhere.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { getMailSettings, saveMailSettings, tokenedShape } from '../../api/mail';
import { ApiError } from '../../api/problem';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { Field } from '../../ui/Field';
import { describeError } from '../../ui/errors';
import { useLoad } from '../../ui/useLoad';

export function ReplyAddress() {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const loaded = useLoad((signal) => getMailSettings(api, signal), [api]);
  /** What the server holds; undefined until read. */
  const [saved, setSaved] = useState<string | null | undefined>(undefined);
  const [draft, setDraft] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const take = (address: string | null) => {
    setSaved(address);
    setDraft(address ?? '');
  };
  useEffect(() => {
    if (loaded.data) take(loaded.data.reply_address);
  }, [loaded.data]);
  // A refused address: the keyboard goes back to where the reason is.
  useEffect(() => {
    if (fieldError) input.current?.focus();
  }, [fieldError]);

  const save = async (address: string | null) => {
    setBusy(true);
    setFieldError(undefined);
    setError(null);
    setNote(null);
    try {
      const kept = (await saveMailSettings(api, address)).reply_address;
      take(kept);
      setNote(kept ? t('mail.replySaved') : t('mail.replyCleared'));
    } catch (e) {
      const at = e instanceof ApiError && e.status === 422 ? e.fieldErrors.reply_address : undefined;
      if (at) setFieldError(at);
      else setError(describeError(e, i18n));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save(draft);
  };

  const shape = saved ? tokenedShape(saved) : null;
  return (
    <section className="panel" aria-labelledby="reply-address-h" data-testid="reply-address">
      <h2 id="reply-address-h">{t('mail.replyTitle')}</h2>
      <p className="muted">{t('mail.replyAbout')}</p>
      {loaded.error && saved === undefined ? <Alert tone="danger">{describeError(loaded.error, i18n)}</Alert> : null}
      {saved === undefined && !loaded.error ? <p aria-busy="true">{t('app.loading')}</p> : null}
      {saved !== undefined ? (
        // The server judges the address (no `+`, 40 characters before the @), not the browser.
        <form onSubmit={submit} noValidate>
          {error ? <Alert tone="danger">{error}</Alert> : null}
          {note ? <Alert tone="success">{note}</Alert> : null}
          <Field label={t('mail.replyAddress')} error={fieldError} hint={t('mail.replyHint')}>
            <input ref={input} type="email" autoComplete="off" spellCheck={false} value={draft} placeholder="help@example.com"
              onChange={(e) => setDraft(e.target.value)} />
          </Field>
          <p data-testid="reply-now">
            {shape ? <>{t('mail.replyNow')} <code>{shape}</code></> : t('mail.replyUnset')}
          </p>
          <div className="form-actions">
            <button type="submit" className="btn btn--primary" disabled={busy || draft.trim() === (saved ?? '')}>
              {busy ? t('mail.saving') : t('record.save')}
            </button>
            {saved ? (
              <button type="button" className="btn" disabled={busy} onClick={() => void save(null)}>{t('mail.replyClear')}</button>
            ) : null}
          </div>
        </form>
      ) : null}
    </section>
  );
}

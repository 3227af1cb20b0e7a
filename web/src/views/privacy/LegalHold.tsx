// Legal holds on a record's page: a banner while it is held ("Under legal
// hold: <reason> (since <date>)"), and for those with `privacy:hold` a
// way to place one (with a reason: the server's refusal of it is shown
// at the field) and to lift it. The server answers with the record's new
// version, which the page takes, so its next write's If-Match fits.
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/problem';
import { liftHold, placeHold, type HoldAnswer, type HoldPath } from '../../api/privacy';
import type { LegalHold } from '../../api/types';
import { useServices, useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { describeError } from '../../ui/errors';
import { mayHold } from './access';

/** The server's longest reason (src/records/privacy.rs `REASON_MAX`). */
const REASON_MAX = 500;

interface BannerProps {
  hold: LegalHold | null | undefined;
  kind: HoldPath;
  id: string;
  onChanged(answer: HoldAnswer): void;
}

/** Says that (and why) the record is held; offers lifting to those who may. */
export function HoldBanner({ hold, kind, id, onChanged }: BannerProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { me } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!hold) return null;

  const lift = async () => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await liftHold(api, kind, id));
    } catch (e) {
      setError(describeError(e, i18n));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="hold" data-testid="legal-hold">
      <Alert
        tone="warning"
        actions={
          mayHold(me) ? (
            <button type="button" className="btn btn--small" disabled={busy} onClick={() => void lift()}>
              {t('hold.lift')}
            </button>
          ) : null
        }
      >
        {t('hold.banner', { reason: hold.reason, date: i18n.date(hold.at) })}
      </Alert>
      {error ? <Alert tone="danger">{error}</Alert> : null}
    </div>
  );
}

interface PlaceProps {
  held: boolean;
  kind: HoldPath;
  id: string;
  /** The record as the page names it, for the dialog's title. */
  name: string;
  onChanged(answer: HoldAnswer): void;
  className?: string;
}

/** "Place legal hold…": a button (for those who may, on a record not held) and its dialog. */
export function PlaceHold({ held, kind, id, name, onChanged, className = 'btn' }: PlaceProps) {
  const { t } = useI18n();
  const { me } = useSession();
  const [open, setOpen] = useState(false);
  if (held || !mayHold(me)) return null;
  return (
    <>
      <button type="button" className={className} onClick={() => setOpen(true)}>
        {t('hold.place')}
      </button>
      {open ? (
        <PlaceHoldDialog kind={kind} id={id} name={name} onClose={() => setOpen(false)}
          onPlaced={(answer) => {
            setOpen(false);
            onChanged(answer);
          }} />
      ) : null}
    </>
  );
}

/**
 * The dialog, mounted only while open: every opening starts with no reason
 * and no error, and a closed dialog leaves no labelled field in the page.
 */
function PlaceHoldDialog({ kind, id, name, onClose, onPlaced }: {
  kind: HoldPath;
  id: string;
  name: string;
  onClose(): void;
  onPlaced(answer: HoldAnswer): void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFieldError(undefined);
    setError(null);
    try {
      onPlaced(await placeHold(api, kind, id, reason));
    } catch (err) {
      // The reason's problem belongs at the field; anything else above it.
      const at = err instanceof ApiError && err.status === 422 ? err.fieldErrors.reason ?? err.fieldErrors[''] : undefined;
      if (at) setFieldError(at);
      else setError(describeError(err, i18n));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      title={t('hold.placeTitle', { name })}
      onClose={onClose}
      actions={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            {t('record.cancel')}
          </button>
          <button type="submit" form={`hold-${id}`} className="btn btn--primary" disabled={busy || !reason.trim()}>
            {t('hold.confirm')}
          </button>
        </>
      }
    >
      <p>{t('hold.placeIntro')}</p>
      {error ? <Alert tone="danger">{error}</Alert> : null}
      <form id={`hold-${id}`} onSubmit={(e) => void submit(e)} noValidate>
        <Field label={t('hold.reason')} hint={t('hold.reasonHint')} error={fieldError} required>
          <input value={reason} maxLength={REASON_MAX} onChange={(e) => setReason(e.target.value)} disabled={busy} />
        </Field>
      </form>
    </Dialog>
  );
}

/** A record after a hold changed: the new hold (or none) and version. */
export function withHold<T extends { version: number; legal_hold?: LegalHold | null }>(record: T, answer: HoldAnswer): T {
  if (answer.version < record.version) return record;
  const next = { ...record, version: answer.version };
  if (answer.legal_hold) next.legal_hold = answer.legal_hold;
  else delete next.legal_hold;
  return next;
}

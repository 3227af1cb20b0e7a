// Canned replies: the workspace's ready-made answers that agents put into
// the reply box (console), filled in for the ticket at hand. The list is
// edited here and saved whole; placeholders are offered as chips that go
// in at the body's cursor, and explained once above the list. What the
// server refuses (an unknown placeholder, a name used twice) is shown at
// the reply and field its `errors[].field` (`replies.1.name`) names.
import { useEffect, useId, useRef, useState } from 'react';
import { CANNED_LIMITS, PLACEHOLDERS, getCannedReplies, saveCannedReplies, type CannedReply } from '../../api/canned';
import { ApiError } from '../../api/problem';
import { useServices } from '../../app/session';
import { useI18n, type Key } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { Field } from '../../ui/Field';
import { describeError } from '../../ui/errors';
import { useLoad } from '../../ui/useLoad';
import { insertAt } from '../support/insert';
import { AdminPage } from './kit';
import { changed, draftOf, newDraft, otherErrors, repliesOf, replyErrors, token, type ReplyDraft } from './cannedReplies';

export function CannedReplies({ tenant }: { tenant: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const loaded = useLoad((signal) => getCannedReplies(api, signal), [api]);
  const [saved, setSaved] = useState<CannedReply[] | null>(null);
  const [drafts, setDrafts] = useState<ReplyDraft[]>([]);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** A reply just added: its name box takes the focus. */
  const [fresh, setFresh] = useState<number | null>(null);

  const take = (r: CannedReply[]) => {
    setSaved(r);
    setDrafts(r.map(draftOf));
  };
  useEffect(() => {
    if (loaded.data) take(loaded.data);
  }, [loaded.data]);

  if (!saved) {
    return (
      <AdminPage tenant={tenant} title={t('admin.canned')} intro={t('admin.cannedAbout')}>
        {loaded.error ? <Alert tone="danger">{describeError(loaded.error, i18n)}</Alert> : <p aria-busy="true">{t('app.loading')}</p>}
      </AdminPage>
    );
  }

  const dirty = changed(drafts, saved);
  const setDraft = (key: number, next: Partial<ReplyDraft>) => setDrafts((ds) => ds.map((d) => (d.key === key ? { ...d, ...next } : d)));

  const save = async () => {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      take(await saveCannedReplies(api, repliesOf(drafts)));
      setFields({});
      setNote(t('canned.saved'));
    } catch (e) {
      if (e instanceof ApiError && e.status === 422 && Object.keys(e.fieldErrors).length) {
        setFields(e.fieldErrors);
        setError([t('canned.fix'), ...otherErrors(e.fieldErrors)].join(' '));
      } else setError(describeError(e, i18n));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AdminPage tenant={tenant} title={t('admin.canned')} intro={t('admin.cannedAbout')}>
      <section className="panel" aria-labelledby="canned-ph-h">
        <h2 id="canned-ph-h">{t('canned.placeholders')}</h2>
        <p className="muted">{t('canned.placeholdersAbout')}</p>
        <dl className="canned-placeholders" data-testid="placeholders">
          {PLACEHOLDERS.map((p) => (
            <div key={p}>
              <dt><code>{token(p)}</code></dt>
              <dd>{t(`canned.ph.${p}` as Key)}</dd>
            </div>
          ))}
        </dl>
      </section>
      {error ? <Alert tone="danger">{error}</Alert> : null}
      {note ? <Alert tone="success">{note}</Alert> : null}
      {drafts.length === 0 ? <p className="muted">{t('canned.empty')}</p> : null}
      <ol className="canned-replies" aria-label={t('canned.title')}>
        {drafts.map((d, i) => (
          <ReplyEditor key={d.key} draft={d} errors={replyErrors(fields, i)} focus={fresh === d.key}
            onChange={(next) => setDraft(d.key, next)}
            onRemove={() => {
              // The server's errors name replies by position, which this moves.
              setFields({});
              setDrafts((ds) => ds.filter((x) => x.key !== d.key));
            }} />
        ))}
      </ol>
      <div className="form-actions">
        <button type="button" className="btn" disabled={drafts.length >= CANNED_LIMITS.replies}
          onClick={() => {
            const d = newDraft();
            setFresh(d.key);
            setDrafts((ds) => [...ds, d]);
          }}>
          {t('canned.add')}
        </button>
        <button type="button" className="btn btn--primary" disabled={busy || !dirty} onClick={() => void save()}>
          {busy ? t('canned.saving') : t('record.save')}
        </button>
      </div>
    </AdminPage>
  );
}

/** One reply's name and body, the placeholder chips, and the server's word on each field. */
function ReplyEditor({ draft: d, errors, focus, onChange, onRemove }: {
  draft: ReplyDraft;
  errors: ReturnType<typeof replyErrors>;
  focus: boolean;
  onChange(next: Partial<ReplyDraft>): void;
  onRemove(): void;
}) {
  const { t } = useI18n();
  const id = useId();
  const body = useRef<HTMLTextAreaElement>(null);
  const name = useRef<HTMLInputElement>(null);
  const caret = useRef<number | null>(null);
  const title = d.name.trim() || t('canned.unnamed');
  useEffect(() => {
    if (focus) name.current?.focus();
  }, [focus]);
  useEffect(() => {
    const el = body.current;
    if (caret.current === null || !el) return;
    el.focus();
    el.setSelectionRange(caret.current, caret.current);
    caret.current = null;
  }, [d.body]);
  const put = (p: string) => {
    const el = body.current;
    const at = insertAt(d.body, el?.selectionStart ?? d.body.length, el?.selectionEnd ?? d.body.length, token(p), false);
    caret.current = at.caret;
    onChange({ body: at.value });
  };
  return (
    <li className="panel canned-reply" data-reply={d.name}>
      <div className="panel__head">
        <h2>{title}</h2>
        <button type="button" className="btn btn--small" onClick={onRemove} aria-label={t('canned.removeReply', { name: title })}>
          {t('canned.remove')}
        </button>
      </div>
      <Field label={t('canned.name')} required error={errors.name}>
        <input ref={name} value={d.name} maxLength={CANNED_LIMITS.name} onChange={(e) => onChange({ name: e.target.value })} />
      </Field>
      <Field label={t('canned.body')} required error={errors.body} hint={t('canned.bodyHint')}>
        <textarea ref={body} rows={5} value={d.body} maxLength={CANNED_LIMITS.body} onChange={(e) => onChange({ body: e.target.value })} />
      </Field>
      <div className="chips canned-chips" role="group" aria-labelledby={`${id}-chips`}>
        <span id={`${id}-chips`} className="muted">{t('canned.insert')}</span>
        {PLACEHOLDERS.map((p) => (
          <button key={p} type="button" className="chip" title={t(`canned.ph.${p}` as Key)}
            aria-label={t('canned.insertOne', { placeholder: token(p), meaning: t(`canned.ph.${p}` as Key) })}
            // Keep the body's cursor where it is: the chip must not take the focus first.
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => put(p)}>
            {token(p)}
          </button>
        ))}
      </div>
    </li>
  );
}

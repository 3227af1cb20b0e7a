// A ticket's conversation: public replies and (for those who may) internal
// notes, oldest first, and the box to write the next one. Writing tells
// everyone else on the ticket that this person is editing (presence).
// The console adds tools beside the box (a canned reply) that put text at
// its cursor.
import { useEffect, useId, useLayoutEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { insertAt } from './insert';
import type { Comment } from '../../api/support';
import { useI18n } from '../../i18n';
import { describeError } from '../../ui/errors';

interface Props {
  comments: Comment[];
  selfId: string | undefined;
  /** A name for a comment's author; null when unknown to this person. */
  nameOf(c: Comment): string | null;
  /** What to call an author we cannot name (portal: "Support team"). */
  unknownAuthor: string;
  canReply: boolean;
  canInternal: boolean;
  onSend(body: string, internal: boolean): Promise<void>;
  onEditing?(editing: boolean): void;
  /** Tools above the box; `insert` puts text at its cursor (in place of a selection). */
  tools?(insert: (text: string) => void): ReactNode;
}

export function Thread({ comments, selfId, nameOf, unknownAuthor, canReply, canInternal, onSend, onEditing, tools }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const [body, setBody] = useState('');
  const [internal, setInternal] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState('');
  const id = useId();
  const box = useRef<HTMLTextAreaElement>(null);
  /** Where the cursor goes once inserted text is in the box. */
  const caret = useRef<number | null>(null);
  const editing = body.trim().length > 0;
  useLayoutEffect(() => {
    const el = box.current;
    if (caret.current === null || !el) return;
    el.focus();
    el.setSelectionRange(caret.current, caret.current);
    caret.current = null;
  }, [body]);
  const insert = (text: string) => {
    const el = box.current;
    // The box keeps its selection while a tool has the focus.
    setBody((b) => {
      const at = insertAt(b, el?.selectionStart ?? b.length, el?.selectionEnd ?? b.length, text);
      caret.current = at.caret;
      return at.value;
    });
  };
  useEffect(() => onEditing?.(editing), [editing, onEditing]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!body.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await onSend(body.trim(), internal);
      setBody('');
      setSent(t(internal ? 'thread.noteSent' : 'thread.replySent'));
    } catch (err) {
      setError(describeError(err, i18n));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="thread" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t('thread.title')}</h2>
      {comments.length === 0 ? <p className="muted">{t('thread.empty')}</p> : null}
      <ol className="thread__list" data-testid="thread">
        {comments.map((c) => {
          const author = c.author_id === selfId ? t('thread.you') : nameOf(c) ?? unknownAuthor;
          return (
            <li key={c.id} className={`comment${c.internal ? ' comment--internal' : ''}`} data-internal={c.internal}>
              <div className="comment__head">
                <strong>{author}</strong>
                {c.internal ? <span className="badge badge--pending">{t('thread.internal')}</span> : null}
                <time className="muted" dateTime={c.created_at}>{i18n.dateTime(c.created_at)}</time>
              </div>
              <p className="comment__body">{c.body}</p>
            </li>
          );
        })}
      </ol>
      {canReply ? (
        <form className="reply" onSubmit={submit}>
          {canInternal ? (
            <fieldset className="reply__kind">
              <legend className="visually-hidden">{t('thread.kind')}</legend>
              <label className="check">
                <input type="radio" name={`${id}-kind`} checked={!internal} onChange={() => setInternal(false)} />
                {t('thread.public')}
              </label>
              <label className="check">
                <input type="radio" name={`${id}-kind`} checked={internal} onChange={() => setInternal(true)} />
                {t('thread.internalNote')}
              </label>
            </fieldset>
          ) : null}
          <label htmlFor={`${id}-body`} className="visually-hidden">
            {t(internal ? 'thread.internalNote' : 'thread.reply')}
          </label>
          {tools ? <div className="reply__tools">{tools(insert)}</div> : null}
          <textarea
            ref={box}
            id={`${id}-body`}
            className={internal ? 'reply__box reply__box--internal' : 'reply__box'}
            rows={4}
            value={body}
            onChange={(e) => setBody(e.target.value)}
            placeholder={t(internal ? 'thread.notePlaceholder' : 'thread.replyPlaceholder')}
            aria-describedby={error ? `${id}-err` : undefined}
          />
          {error ? <p id={`${id}-err`} className="field__error" role="alert">{error}</p> : null}
          <div className="form-actions">
            <button type="submit" className="btn btn--primary" disabled={busy || !body.trim()}>
              {t(internal ? 'thread.sendNote' : 'thread.send')}
            </button>
          </div>
          <p className="visually-hidden" role="status" aria-live="polite">{sent}</p>
        </form>
      ) : null}
    </section>
  );
}

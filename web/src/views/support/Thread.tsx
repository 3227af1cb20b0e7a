// A ticket's conversation: public replies and (for those who may) internal
// notes, oldest first, and the box to write the next one. Writing tells
// everyone else on the ticket that this person is editing (presence).
// The console adds tools beside the box (a canned reply) that put text at
// its cursor. Files go with a message (never alone: the server wants a
// comment's words): chosen or dropped on the box, they are uploaded to the
// ticket when it is sent (internal or public as the message, each with its
// bar), and the comment then names them; a comment's files are links that
// download them.
import { useEffect, useId, useLayoutEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { insertAt } from './insert';
import { MAX_ATTACHMENTS } from '../../api/files';
import type { Comment } from '../../api/support';
import { useI18n } from '../../i18n';
import { describeError } from '../../ui/errors';
import { fileSize } from '../../ui/size';
import { CommentFiles } from '../files/CommentFiles';
import { FileDrop } from '../files/FileDrop';
import { UploadList } from '../files/UploadList';
import { useUploads, type Uploader } from '../files/useUploads';

interface Props {
  comments: Comment[];
  selfId: string | undefined;
  /** A name for a comment's author; null when unknown to this person. */
  nameOf(c: Comment): string | null;
  /** What to call an author we cannot name (portal: "Support team"). */
  unknownAuthor: string;
  canReply: boolean;
  canInternal: boolean;
  /** `attachments`: the ids of the files uploaded for it (none without `uploader`). */
  onSend(body: string, internal: boolean, attachments: string[]): Promise<void>;
  /** Sends a reply's files to the ticket; without it the box takes no files. */
  uploader?: Uploader;
  onEditing?(editing: boolean): void;
  /** Tools above the box; `insert` puts text at its cursor (in place of a selection). */
  tools?(insert: (text: string) => void): ReactNode;
}

const NO_UPLOADS: Uploader = { send: () => Promise.reject(new Error('no uploads here')) };

export function Thread({ comments, selfId, nameOf, unknownAuthor, canReply, canInternal, onSend, onEditing, tools, uploader }: Props) {
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
  const uploads = useUploads(uploader ?? NO_UPLOADS);
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
    if (uploads.items.length > MAX_ATTACHMENTS) {
      setError(t('files.tooMany', { max: MAX_ATTACHMENTS }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // The files first (a portal person's are public whatever: theirs name no `internal`).
      const keys = uploads.items.map((u) => u.key);
      const files = await uploads.send(keys, canInternal ? internal : undefined);
      if (files.some((f) => !f)) {
        setError(t('files.notAll'));
        return;
      }
      await onSend(body.trim(), internal, files.map((f) => f!.id));
      setBody('');
      uploads.clear(keys);
      setSent(t(internal ? 'thread.noteSent' : 'thread.replySent'));
    } catch (err) {
      setError(describeError(err, i18n));
    } finally {
      setBusy(false);
    }
  };

  const textarea = (
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
  );

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
              {c.attachments?.length ? <CommentFiles files={c.attachments} /> : null}
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
          {uploader ? (
            <FileDrop onFiles={(f) => uploads.add(f)} label={t('files.attach')} disabled={busy}
              hint={uploader.maxBytes ? t('files.hint', { max: fileSize(uploader.maxBytes, i18n) }) : t('files.hintAny')}>
              {textarea}
              <UploadList items={uploads.items} onRemove={uploads.remove} busy={busy} />
            </FileDrop>
          ) : (
            textarea
          )}
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

// A ticket's tags: shown as small labels in lists, and as chips that can be
// removed plus a field to add more on the ticket itself. Saving is the
// caller's (a PATCH with If-Match, like every other edit of the ticket).
import { useId, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n';
import { addTags, removeTag, MAX_TAG_LENGTH, MAX_TAGS } from './tags';

export function TagList({ tags }: { tags?: string[] }) {
  const { t } = useI18n();
  if (!tags?.length) return null;
  return (
    <ul className="tags" aria-label={t('record.tags')} data-testid="tags">
      {tags.map((tag) => (
        <li key={tag} className="tag">
          {tag}
        </li>
      ))}
    </ul>
  );
}

interface EditorProps {
  tags: string[];
  canEdit: boolean;
  /** Stores the new list; resolves when the server answered. */
  onChange(tags: string[]): Promise<void>;
}

export function TagEditor({ tags, canEdit, onChange }: EditorProps) {
  const { t } = useI18n();
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const id = useId();

  const save = async (next: string[]) => {
    setBusy(true);
    try {
      await onChange(next);
    } finally {
      setBusy(false);
    }
  };
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const r = addTags(tags, draft);
    if (r.problem) {
      setProblem(r.problem === 'tooLong' ? t('tags.tooLong', { max: MAX_TAG_LENGTH }) : t('tags.tooMany', { max: MAX_TAGS }));
      return;
    }
    setProblem(null);
    setDraft('');
    if (r.tags.length !== tags.length) await save(r.tags);
  };

  return (
    <section className="tag-editor" aria-labelledby={`${id}-h`} data-testid="tag-editor">
      <h3 id={`${id}-h`} className="tag-editor__title">{t('record.tags')}</h3>
      {tags.length ? (
        <ul className="chips" aria-label={t('record.tags')}>
          {tags.map((tag) => (
            <li key={tag} className="chip" data-tag={tag}>
              {tag}
              {canEdit ? (
                <button type="button" className="chip__remove" disabled={busy} onClick={() => void save(removeTag(tags, tag))}
                  aria-label={t('tags.remove', { tag })}>
                  ×
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted tag-editor__none">{t('tags.none')}</p>
      )}
      {canEdit ? (
        <form className="tag-editor__add" onSubmit={(e) => void add(e)}>
          <input
            type="text"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            aria-label={t('tags.add')}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? `${id}-problem` : `${id}-hint`}
            placeholder={t('tags.placeholder')}
            disabled={busy}
          />
          <button type="submit" className="btn btn--small" disabled={busy || !draft.trim()}>
            {t('tags.addButton')}
          </button>
          {problem ? (
            <div id={`${id}-problem`} className="field__error" role="alert">{problem}</div>
          ) : (
            <div id={`${id}-hint`} className="visually-hidden">{t('record.tagsHint')}</div>
          )}
        </form>
      ) : null}
    </section>
  );
}

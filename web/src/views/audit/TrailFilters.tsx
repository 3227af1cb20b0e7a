// The trail's filter form: who (a person), kind, action, record, and a
// span of days. It edits a draft; "Apply" puts the draft in the address,
// which is what the list follows (and what a link to it carries). A
// filter the server refused is marked at its field in words.
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useUsers } from '../../app/directory';
import { useI18n } from '../../i18n';
import { en } from '../../i18n/en';
import { Field } from '../../ui/Field';
import { TRAIL_KINDS, kindLabel } from './describe';
import { NO_FILTER, searchOf, type TrailFilter } from './filters';

/** The actions the trail knows, offered while typing one. */
const ACTIONS = [
  ...Object.keys(en).filter((k) => k.startsWith('audit.do.')).map((k) => k.slice('audit.do.'.length)),
  ...['contact', 'company', 'deal', 'ticket', 'activity'].flatMap((k) => ['created', 'updated', 'deleted', 'erased'].map((v) => `${k}.${v}`)),
].sort();

interface Props {
  value: TrailFilter;
  /** Field → words, for filters the server refused. */
  errors: Partial<Record<keyof TrailFilter, string>>;
  onApply(next: TrailFilter): void;
}

export function TrailFilters({ value, errors, onApply }: Props) {
  const { t } = useI18n();
  const users = useUsers();
  const actionsId = useId();
  const [draft, setDraft] = useState<TrailFilter>(value);
  const applied = searchOf(value).toString();
  // A new address (a link followed, "Clear", back) is the new draft.
  useEffect(() => setDraft(value), [applied]);

  const set = (k: keyof TrailFilter) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(draft);
  };
  const people = [...users.values()].sort((a, b) => (a.name || a.email).localeCompare(b.name || b.email));
  const knownActor = !draft.actor || users.has(draft.actor);
  const knownKind = !draft.kind || (TRAIL_KINDS as readonly string[]).includes(draft.kind);

  return (
    <form className="audit-filters" onSubmit={submit} aria-label={t('audit.filters')}>
      <div className="audit-filters__fields">
        <Field label={t('audit.who')} error={errors.actor}>
          {people.length ? (
            <select value={draft.actor} onChange={set('actor')}>
              <option value="">{t('audit.anyone')}</option>
              {people.map((u) => <option key={u.id} value={u.id}>{u.name || u.email}</option>)}
              {/* An actor from a link that the list does not name (an API key, say). */}
              {knownActor ? null : <option value={draft.actor}>{draft.actor}</option>}
            </select>
          ) : (
            <input value={draft.actor} onChange={set('actor')} spellCheck={false} autoComplete="off" />
          )}
        </Field>
        <Field label={t('audit.kind')} error={errors.kind}>
          <select value={draft.kind} onChange={set('kind')}>
            <option value="">{t('audit.anyKind')}</option>
            {TRAIL_KINDS.map((k) => <option key={k} value={k}>{kindLabel(k, t)}</option>)}
            {knownKind ? null : <option value={draft.kind}>{draft.kind}</option>}
          </select>
        </Field>
        <Field label={t('audit.action')} error={errors.action} hint={t('audit.actionHint')}>
          <input value={draft.action} onChange={set('action')} list={actionsId} spellCheck={false} autoComplete="off" />
        </Field>
        <Field label={t('audit.record')} error={errors.record}>
          <input value={draft.record} onChange={set('record')} spellCheck={false} autoComplete="off" />
        </Field>
        <Field label={t('audit.from')} error={errors.from}>
          <input type="date" value={draft.from} onChange={set('from')} />
        </Field>
        <Field label={t('audit.to')} error={errors.to}>
          <input type="date" value={draft.to} onChange={set('to')} />
        </Field>
      </div>
      <datalist id={actionsId}>
        {ACTIONS.map((a) => <option key={a} value={a} />)}
      </datalist>
      <div className="audit-filters__actions">
        <button type="submit" className="btn btn--primary">{t('audit.apply')}</button>
        {applied || searchOf(draft).toString() ? (
          <button type="button" className="btn" onClick={() => { setDraft(NO_FILTER); onApply(NO_FILTER); }}>
            {t('audit.clear')}
          </button>
        ) : null}
      </div>
    </form>
  );
}

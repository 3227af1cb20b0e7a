// Activities (notes, calls, meetings, tasks) about one record, newest
// first, live over the `activities` topic, with a form to add one and a
// checkbox to tick off a task.
import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/problem';
import { createRecord, list, updateRecord } from '../../api/records';
import type { Activity } from '../../api/types';
import { useServices, useSession } from '../../app/session';
import { useI18n, type Key } from '../../i18n';
import { useTopic } from '../../realtime/hooks';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { useLoad } from '../../ui/useLoad';

const TYPES: Activity['type'][] = ['note', 'call', 'meeting', 'task'];

export function ActivityList({ relatedKind, relatedId }: { relatedKind: 'contact' | 'company'; relatedId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { can } = useSession();
  const headingId = useId();
  const [type, setType] = useState<Activity['type']>('note');
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ tone: 'danger' | 'info'; text: string } | null>(null);
  const filters = { related_kind: relatedKind, related_id: relatedId };

  const items = useLoad(
    async (signal) => (await list<Activity>(api, 'activities', { filters, sort: '-created_at', limit: 100 }, signal)).data.items,
    [api, relatedKind, relatedId],
  );

  useTopic(can('activities:read') ? 'activities' : null, {
    onEvent: (f) => {
      const a = f.data as unknown as Activity;
      if (f.event.endsWith('.deleted')) {
        items.set((s) => s?.filter((x) => x.id !== a.id) ?? s);
        return;
      }
      if (a.related_id !== relatedId) return;
      items.set((s) => {
        if (!s) return s;
        const known = s.find((x) => x.id === a.id);
        if (!known) return [a, ...s];
        return s.map((x) => (x.id === a.id && a.version > x.version ? a : x));
      });
    },
    onResync: () => items.reload(),
  });

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setErrors({});
    setMessage(null);
    try {
      const r = await createRecord<Activity>(
        api,
        'activities',
        { type, subject, ...(body ? { body } : {}), related_kind: relatedKind, related_id: relatedId },
        `${t('activity.add')}: ${subject}`,
      );
      setSubject('');
      setBody('');
      if (r.queued) setMessage({ tone: 'info', text: t('sync.queued') });
      else items.set((s) => (s && !s.some((x) => x.id === r.data.id) ? [r.data, ...s] : s));
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) setErrors(err.fieldErrors);
      setMessage({ tone: 'danger', text: describeError(err, i18n) });
    }
  };

  const toggle = async (a: Activity) => {
    try {
      const r = await updateRecord<Activity>(api, 'activities', a.id, { done: !a.done }, a.version, `${t('activity.done')}: ${a.subject}`);
      if (!r.queued) items.set((s) => s?.map((x) => (x.id === a.id ? r.data : x)) ?? s);
      else setMessage({ tone: 'info', text: t('sync.queued') });
    } catch (err) {
      setMessage({ tone: 'danger', text: describeError(err, i18n) });
      items.reload();
    }
  };

  return (
    <section className="activities" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('activity.title')}</h2>
      {message ? <Alert tone={message.tone}>{message.text}</Alert> : null}
      {can('activities:write') ? (
        <form className="activity-form" onSubmit={add} noValidate aria-label={t('activity.add')}>
          <Field label={t('activity.type')}>
            <select value={type} onChange={(e) => setType(e.target.value as Activity['type'])}>
              {TYPES.map((ty) => (
                <option key={ty} value={ty}>
                  {t(`activity.${ty}` as Key)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('activity.subject')} error={errors.subject} required>
            <input value={subject} onChange={(e) => setSubject(e.target.value)} />
          </Field>
          <Field label={t('activity.body')} error={errors.body}>
            <textarea rows={2} value={body} onChange={(e) => setBody(e.target.value)} />
          </Field>
          <button type="submit" className="btn btn--primary" disabled={!subject.trim()}>
            {t('activity.add')}
          </button>
        </form>
      ) : null}
      {items.data && items.data.length === 0 ? <p className="muted">{t('activity.empty')}</p> : null}
      <ol className="timeline">
        {items.data?.map((a) => (
          <li key={a.id} className={`timeline__item timeline__item--${a.type}`}>
            <div className="timeline__head">
              <span className="badge">{t(`activity.${a.type}` as Key)}</span>
              <strong>{a.subject}</strong>
              <time dateTime={a.created_at} className="muted">
                {i18n.dateTime(a.created_at)}
              </time>
            </div>
            {a.body ? <p>{a.body}</p> : null}
            {a.type === 'task' ? (
              <label className="check">
                <input type="checkbox" checked={a.done === true} onChange={() => void toggle(a)} disabled={!can('activities:write')} />{' '}
                {t('activity.done')}
                {a.due_at ? <span className="muted"> · {t('activity.due_at')} {i18n.dateTime(a.due_at)}</span> : null}
              </label>
            ) : null}
          </li>
        ))}
      </ol>
    </section>
  );
}

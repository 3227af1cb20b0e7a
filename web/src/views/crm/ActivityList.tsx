// Activities (notes, calls, meetings, tasks) about one record, newest
// first, live over the `activities` topic, with a form to add one and a
// checkbox to tick off a task.
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../../api/problem';
import { createRecord, list, updateRecord } from '../../api/records';
import type { Activity } from '../../api/types';
import { useUsers } from '../../app/directory';
import { useServices, useSession } from '../../app/session';
import { useI18n, type Key } from '../../i18n';
import { isGone } from '../../realtime/gone';
import { useTopic } from '../../realtime/hooks';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { useLoad } from '../../ui/useLoad';

const TYPES: Activity['type'][] = ['note', 'call', 'meeting', 'task'];

/** Something else shown in the timeline among the activities (a stage change). */
export interface ExtraEntry {
  at: string;
  key: string;
  node: ReactNode;
}

/** A datetime-local value (local time) as an instant. */
export function localToIso(v: string): string | null {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

interface Props {
  relatedKind: 'contact' | 'company' | 'deal';
  relatedId: string;
  /** Entries merged into the timeline by time (newest first). */
  extra?: ExtraEntry[];
  title?: string;
}

export function ActivityList({ relatedKind, relatedId, extra = [], title }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { can, me } = useSession();
  const users = useUsers();
  const headingId = useId();
  const [type, setType] = useState<Activity['type']>('note');
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [due, setDue] = useState('');
  const [assignee, setAssignee] = useState('');
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
      if (isGone(f)) {
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
        {
          type,
          subject,
          ...(body ? { body } : {}),
          ...(due && localToIso(due) ? { due_at: localToIso(due), done: false } : type === 'task' ? { done: false } : {}),
          ...(assignee ? { owner_id: assignee } : {}),
          related_kind: relatedKind,
          related_id: relatedId,
        },
        `${t('activity.add')}: ${subject}`,
      );
      setSubject('');
      setBody('');
      setDue('');
      setAssignee('');
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
      <h2 id={headingId}>{title ?? t('activity.title')}</h2>
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
          <Field label={t('activity.due_at')} error={errors.due_at}>
            <input type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} />
          </Field>
          {users.size > 1 ? (
            <Field label={t('activity.assignee')} error={errors.owner_id}>
              <select value={assignee} onChange={(e) => setAssignee(e.target.value)}>
                <option value="">{t('activity.me')}</option>
                {[...users.values()]
                  .filter((u) => u.kind === 'staff' && u.id !== me?.user.id && u.status !== 'disabled')
                  .map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name}
                    </option>
                  ))}
              </select>
            </Field>
          ) : null}
          <button type="submit" className="btn btn--primary" disabled={!subject.trim()}>
            {t('activity.add')}
          </button>
        </form>
      ) : null}
      {items.data && items.data.length === 0 && extra.length === 0 ? <p className="muted">{t('activity.empty')}</p> : null}
      <ol className="timeline" data-testid="timeline">
        {merge(items.data ?? [], extra).map((e) =>
          'node' in e ? (
            <li key={e.key} className="timeline__item timeline__item--stage" data-entry="stage">
              {e.node}
            </li>
          ) : (
            <li key={e.id} className={`timeline__item timeline__item--${e.type}`} data-entry="activity" data-activity={e.id}>
              <ActivityEntry a={e} owner={e.owner_id ? users.get(e.owner_id)?.name : undefined} canWrite={can('activities:write')} onToggle={() => void toggle(e)} />
            </li>
          ),
        )}
      </ol>
    </section>
  );
}

function merge(items: Activity[], extra: ExtraEntry[]): (Activity | ExtraEntry)[] {
  if (!extra.length) return items;
  const at = (e: Activity | ExtraEntry) => ('node' in e ? e.at : e.created_at);
  return [...items, ...extra].sort((x, y) => at(y).localeCompare(at(x)));
}

/** One activity: type, subject, when; for one with a due date, its owner and a done box. */
export function ActivityEntry({ a, owner, canWrite, onToggle, children }: { a: Activity; owner?: string; canWrite: boolean; onToggle(): void; children?: ReactNode }) {
  const i18n = useI18n();
  const { t } = i18n;
  const overdue = a.due_at && a.done !== true && new Date(a.due_at).getTime() < Date.now();
  return (
    <>
      <div className="timeline__head">
        <span className="badge">{t(`activity.${a.type}` as Key)}</span>
        <strong>{a.subject}</strong>
        {a.legal_hold ? (
          <span className="badge badge--hold" title={t('hold.badgeTitle', { reason: a.legal_hold.reason })} data-testid="activity-hold">
            {t('hold.badge')}
          </span>
        ) : null}
        <time dateTime={a.created_at} className="muted">
          {i18n.dateTime(a.created_at)}
        </time>
      </div>
      {a.body ? <p>{a.body}</p> : null}
      {children}
      {a.type === 'task' || a.due_at ? (
        <label className="check">
          <input type="checkbox" checked={a.done === true} onChange={onToggle} disabled={!canWrite} /> {t('activity.done')}
          {a.due_at ? (
            <span className={overdue ? 'task-overdue' : 'muted'} data-testid="due">
              {' '}· {t(overdue ? 'activity.overdue' : 'activity.dueOn', { date: i18n.dateTime(a.due_at) })}
            </span>
          ) : null}
          {owner ? <span className="muted"> · {owner}</span> : null}
        </label>
      ) : null}
    </>
  );
}

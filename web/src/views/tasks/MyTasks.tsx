// "My tasks": the person's open activities with a due date (and tasks
// without one), overdue first, then today, then later; each ticks off in
// place, links to what it is about, and a quick form adds one. Live over
// the `activities` topic: a task someone assigns to me appears at once.
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/problem';
import { createRecord, getRecord, listAll, updateRecord, type KindPath } from '../../api/records';
import type { Activity } from '../../api/types';
import { useUsers } from '../../app/directory';
import { Link } from '../../app/router';
import { useServices, useSession } from '../../app/session';
import { useI18n, type Key } from '../../i18n';
import { isGone } from '../../realtime/gone';
import { useTopic } from '../../realtime/hooks';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { useNow } from '../../ui/useNow';
import { useLiveLoad, useLoad } from '../../ui/useLoad';
import { ActivityEntry, localToIso } from '../crm/ActivityList';
import { taskBuckets } from '../deal/deal-state';

const RELATED: Record<string, string> = { deal: 'deals', contact: 'contacts', company: 'companies', ticket: 'console' };
const KIND_PATH: Record<string, KindPath> = { deal: 'deals', contact: 'contacts', company: 'companies', ticket: 'tickets' };

/** What a record is called, for "about …" links. */
function recordName(kind: string, r: Record<string, unknown>): string {
  if (kind === 'deal') return String(r.title ?? '');
  if (kind === 'ticket') return String(r.subject ?? '');
  if (kind === 'company') return String(r.name ?? '');
  return [r.first_name, r.last_name].filter(Boolean).join(' ');
}

export function MyTasks({ tenant }: { tenant: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { me, can } = useSession();
  const users = useUsers();
  const selfId = me?.user.id;
  const now = useNow();
  const [message, setMessage] = useState<{ tone: 'danger' | 'info'; text: string } | null>(null);
  const [subject, setSubject] = useState('');
  const [due, setDue] = useState('');
  const [assignee, setAssignee] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  // Ticked off here: kept in view (struck through) until the page is left.
  const [ticked, setTicked] = useState<Record<string, Activity>>({});

  const items = useLiveLoad(
    async () => (selfId ? (await listAll<Activity>(api, 'activities', { filters: { owner_id: selfId, done: 'false' }, sort: 'due_at' }, 1000)).items : []),
    [api, selfId],
  );

  useTopic(can('activities:read') ? 'activities' : null, {
    onEvent: (f) => {
      const a = f.data as unknown as Activity;
      if (!a?.id) return;
      items.apply((s) => {
        const rest = s.filter((x) => x.id !== a.id);
        if (isGone(f) || a.owner_id !== selfId || a.done === true) return rest;
        const old = s.find((x) => x.id === a.id);
        return old && old.version > a.version ? s : [...rest, a];
      });
    },
    onResync: () => items.reload(),
  });

  const toggle = async (a: Activity) => {
    setMessage(null);
    const before = ticked[a.id];
    const done = !(before?.done ?? a.done);
    // Ticked at once; the server's answer (or refusal) follows.
    setTicked((s) => ({ ...s, [a.id]: { ...(before ?? a), done } }));
    try {
      const r = await updateRecord<Activity>(api, 'activities', a.id, { done }, before?.version ?? a.version, `${t('activity.done')}: ${a.subject}`);
      const next = r.queued ? { ...a, done } : r.data;
      setTicked((s) => ({ ...s, [a.id]: next }));
      if (!done) items.apply((s) => (s.some((x) => x.id === a.id) ? s : [...s, next]));
    } catch (e) {
      setTicked((s) => {
        const rest = { ...s };
        if (before) rest[a.id] = before;
        else delete rest[a.id];
        return rest;
      });
      setMessage({ tone: 'danger', text: describeError(e, i18n) });
      items.reload();
    }
  };

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setErrors({});
    setMessage(null);
    try {
      const r = await createRecord<Activity>(
        api,
        'activities',
        { type: 'task', subject, done: false, ...(localToIso(due) ? { due_at: localToIso(due) } : {}), ...(assignee ? { owner_id: assignee } : {}) },
        `${t('tasks.add')}: ${subject}`,
      );
      setSubject('');
      setDue('');
      setAssignee('');
      if (r.queued) setMessage({ tone: 'info', text: t('sync.queued') });
      else if (r.data.owner_id === selfId) items.apply((s) => (s.some((x) => x.id === r.data.id) ? s : [...s, r.data]));
      else setMessage({ tone: 'info', text: t('tasks.assigned', { name: users.get(r.data.owner_id ?? '')?.name ?? '' }) });
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) setErrors(err.fieldErrors);
      setMessage({ tone: 'danger', text: describeError(err, i18n) });
    }
  };

  // The names of what the tasks are about (a few records, read once each).
  const relatedKey = [...new Set((items.data ?? []).filter((a) => a.related_kind && a.related_id).map((a) => `${a.related_kind}:${a.related_id}`))].sort().join(',');
  const related = useLoad(
    async (signal) => {
      const out = new Map<string, string>();
      await Promise.all(
        relatedKey
          .split(',')
          .filter(Boolean)
          .slice(0, 100)
          .map(async (k) => {
            const [kind, id] = k.split(':') as [string, string];
            try {
              out.set(k, recordName(kind, (await getRecord<Record<string, unknown>>(api, KIND_PATH[kind]!, id, signal)).data));
            } catch {
              // not readable: the link says what kind it is
            }
          }),
      );
      return out;
    },
    [api, relatedKey],
  );

  const list = [...(items.data ?? []), ...Object.values(ticked).filter((a) => !(items.data ?? []).some((x) => x.id === a.id))];
  const shown = list.map((a) => ticked[a.id] ?? a);
  // Ticked ones keep their place: bucket them as if still open.
  const buckets = taskBuckets(shown.map((a) => ({ ...a, done: false })), selfId, new Date(now));
  const groups: { key: 'overdue' | 'today' | 'later'; title: Key }[] = [
    { key: 'overdue', title: 'tasks.overdue' },
    { key: 'today', title: 'tasks.today' },
    { key: 'later', title: 'tasks.later' },
  ];

  return (
    <section className="tasks-view">
      <div className="view-head">
        <h1>{t('tasks.title')}</h1>
        <p className="muted" data-testid="tasks-summary">
          {t('tasks.summary', { overdue: buckets.overdue.filter((a) => !ticked[a.id]?.done).length, today: buckets.today.filter((a) => !ticked[a.id]?.done).length })}
        </p>
      </div>
      {message ? <Alert tone={message.tone}>{message.text}</Alert> : null}
      {items.error && !items.data ? <Alert tone="danger">{describeError(items.error, i18n)}</Alert> : null}
      {can('activities:write') ? (
        <form className="activity-form tasks-form" onSubmit={add} noValidate aria-label={t('tasks.add')}>
          <Field label={t('activity.subject')} error={errors.subject} required>
            <input value={subject} onChange={(e) => setSubject(e.target.value)} />
          </Field>
          <Field label={t('activity.due_at')} error={errors.due_at}>
            <input type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} />
          </Field>
          {users.size > 1 ? (
            <Field label={t('activity.assignee')} error={errors.owner_id}>
              <select value={assignee} onChange={(e) => setAssignee(e.target.value)}>
                <option value="">{t('activity.me')}</option>
                {[...users.values()]
                  .filter((u) => u.kind === 'staff' && u.id !== selfId)
                  .map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name}
                    </option>
                  ))}
              </select>
            </Field>
          ) : null}
          <button type="submit" className="btn btn--primary" disabled={!subject.trim()}>
            {t('tasks.add')}
          </button>
        </form>
      ) : null}
      {!items.data ? <p aria-busy="true">{t('app.loading')}</p> : null}
      {items.data && shown.length === 0 ? <p className="muted">{t('tasks.none')}</p> : null}
      {groups.map((g) =>
        buckets[g.key].length ? (
          <section key={g.key} className={`tasks-group tasks-group--${g.key}`} data-group={g.key} aria-labelledby={`tasks-${g.key}`}>
            <h2 id={`tasks-${g.key}`}>
              {t(g.title)} <span className="badge">{buckets[g.key].length}</span>
            </h2>
            <ol className="timeline">
              {buckets[g.key].map((a0) => {
                const a = ticked[a0.id] ?? list.find((x) => x.id === a0.id) ?? a0;
                const to = a.related_kind && a.related_id ? `/t/${tenant}/${RELATED[a.related_kind]}/${a.related_id}` : null;
                return (
                  <li key={a.id} className={`timeline__item timeline__item--${a.type}${a.done ? ' timeline__item--done' : ''}`} data-task={a.id}>
                    <ActivityEntry a={a} canWrite={can('activities:write')} onToggle={() => void toggle(a)}>
                      {to ? (
                        <p className="muted">
                          <Link to={to}>{related.data?.get(`${a.related_kind}:${a.related_id}`) || t(`tasks.about.${a.related_kind}` as Key)}</Link>
                        </p>
                      ) : null}
                    </ActivityEntry>
                  </li>
                );
              })}
            </ol>
          </section>
        ) : null,
      )}
    </section>
  );
}

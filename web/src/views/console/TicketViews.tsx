// The console's ticket views beside the live queue: all open tickets, my
// team's, the unassigned ones and the closed ones, with a search (`q=`)
// and filters by priority, status, queue and tag, kept live by `tickets`.
// The choice lives in the address (`?view=team&q=…`), so it survives a
// reload and can be shared.
import { useEffect, useMemo, useRef, useState } from 'react';
import { listAll } from '../../api/records';
import { PRIORITIES, type Queue, type Ticket, type Workflow } from '../../api/support';
import { useUsers } from '../../app/directory';
import { Link, useSearchParams } from '../../app/router';
import { useServices, useSession } from '../../app/session';
import { useI18n, type Key } from '../../i18n';
import { isGone } from '../../realtime/gone';
import { useTopic } from '../../realtime/hooks';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { useLiveLoad } from '../../ui/useLoad';
import { priorityLabel, statusLabel } from '../support/labels';
import { PriorityBadge, SlaBadge } from '../support/SlaBadge';
import { TagList } from '../support/Tags';
import { inView, sortTickets, VIEWS, viewQuery, type TicketView } from './ticket-views';

interface Props {
  view: TicketView;
  base: string;
  selected?: string;
  wf: Workflow | null;
  queues: Queue[];
  names: Map<string, string>;
}

export function ViewTabs({ current, base }: { current: TicketView | 'queue'; base: string }) {
  const { t } = useI18n();
  const [sp] = useSearchParams();
  const href = (v: TicketView | 'queue') => {
    const next = new URLSearchParams(sp);
    if (v === 'queue') next.delete('view');
    else next.set('view', v);
    const s = next.toString();
    return `${base}${s ? `?${s}` : ''}`;
  };
  return (
    <nav className="view-tabs" aria-label={t('console.views')}>
      {(['queue', ...VIEWS] as const).map((v) => (
        <Link key={v} to={href(v)} className="view-tabs__tab" aria-current={current === v ? 'page' : undefined} data-view={v}>
          {t(`console.view.${v}` as Key)}
        </Link>
      ))}
    </nav>
  );
}

export function TicketViews({ view, base, selected, wf, queues, names }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { me } = useSession();
  const users = useUsers();
  const [sp, setSp] = useSearchParams();
  const f = { q: sp.get('q') ?? '', priority: sp.get('priority') ?? '', status: sp.get('status') ?? '', queue: sp.get('queue_id') ?? '', tag: sp.get('tag') ?? '' };
  const query = viewQuery(f);
  const key = JSON.stringify(query);
  const setF = (k: string, v: string) => {
    const next = new URLSearchParams(sp);
    if (v) next.set(k, v);
    else next.delete(k);
    setSp(next);
  };

  // What the server's search found (it reads more than the subject).
  const matched = useRef(new Set<string>());
  // Every tag seen in this view, offered while typing a tag to filter by.
  const knownTags = useRef(new Set<string>());
  const data = useLiveLoad<Record<string, Ticket>>(
    async () => {
      const r = await listAll<Ticket>(api, 'tickets', { ...query, sort: '-updated_at' }, 600);
      matched.current = new Set(r.items.map((x) => x.id));
      for (const x of r.items) for (const tg of x.tags ?? []) knownTags.current.add(tg);
      return Object.fromEntries(r.items.map((x) => [x.id, x]));
    },
    [api, key],
  );
  // A tag matches exactly, so it is asked for once it is whole: picked from
  // the suggestions, or confirmed with Enter or by leaving the field.
  const [tagDraft, setTagDraft] = useState(f.tag);
  useEffect(() => setTagDraft(f.tag), [f.tag]);
  const commitTag = (v: string) => {
    if (v.trim() !== f.tag) setF('tag', v.trim());
  };

  useTopic('tickets', {
    onEvent: (fr) => {
      if (!fr.event.startsWith('ticket.')) return;
      const tk = fr.data as unknown as Ticket;
      const goneNow = isGone(fr);
      data.apply((s) => {
        const have = s[tk.id];
        if (!goneNow && have && have.version > tk.version) return s;
        const next = { ...s };
        // Deleted or erased: an erased ticket's older events have no fields to show.
        if (goneNow) delete next[tk.id];
        else next[tk.id] = tk;
        return next;
      });
    },
    onResync: () => data.reload(),
  });

  const teams = me?.teams ?? [];
  const teamMembers = useMemo(
    () => new Set([...users.values()].filter((u) => u.teams.some((x) => teams.includes(x))).map((u) => u.id)),
    [users, teams.join(',')],
  );
  const words = f.q.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = sortTickets(
    Object.values(data.data ?? {}).filter((tk) => {
      if (!inView(tk, view, { wf, teams, teamMembers, status: f.status })) return false;
      if (f.priority && tk.priority !== f.priority) return false;
      if (f.status && tk.status !== f.status) return false;
      if (f.queue && tk.queue_id !== f.queue) return false;
      if (f.tag && !(tk.tags ?? []).includes(f.tag)) return false;
      // Live arrivals were not searched by the server: match them here.
      return !words.length || matched.current.has(tk.id) || words.every((w) => `${tk.subject} ${tk.description ?? ''}`.toLowerCase().includes(w));
    }),
  );
  const nameOf = (uid: string) => (uid === me?.user.id ? t('thread.you') : names.get(uid) ?? users.get(uid)?.name ?? t('ticket.someone'));
  const title = t(`console.view.${view}` as Key);

  return (
    <section className="panel ticket-views" aria-labelledby="views-h" data-testid="ticket-views" data-view={view}>
      <header className="panel__head">
        <h2 id="views-h">{title}</h2>
        {data.data ? <span className="badge" role="status" data-testid="views-count">{shown.length}</span> : null}
      </header>
      <div className="ticket-views__filters" role="search" aria-label={t('list.filters')}>
        <input type="search" aria-label={t('console.searchTickets')} placeholder={t('console.searchTickets')} value={f.q} onChange={(e) => setF('q', e.target.value)} />
        <select aria-label={t('ticket.priority')} value={f.priority} onChange={(e) => setF('priority', e.target.value)}>
          <option value="">{t('console.anyPriority')}</option>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {priorityLabel(i18n, p)}
            </option>
          ))}
        </select>
        {wf ? (
          <select aria-label={t('ticket.status')} value={f.status} onChange={(e) => setF('status', e.target.value)}>
            <option value="">{t('console.anyStatus')}</option>
            {wf.statuses.map((s) => (
              <option key={s} value={s}>
                {statusLabel(i18n, s)}
              </option>
            ))}
          </select>
        ) : null}
        <input type="search" className="ticket-views__tag" list="ticket-tags" aria-label={t('console.tagFilter')} placeholder={t('console.tagFilter')}
          value={tagDraft}
          onChange={(e) => {
            setTagDraft(e.target.value);
            if (!e.target.value || knownTags.current.has(e.target.value)) commitTag(e.target.value);
          }}
          onBlur={() => commitTag(tagDraft)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commitTag(tagDraft);
          }}
        />
        <datalist id="ticket-tags">
          {[...knownTags.current].sort().map((tg) => <option key={tg} value={tg} />)}
        </datalist>
        {queues.length > 1 ? (
          <select aria-label={t('console.queue')} value={f.queue} onChange={(e) => setF('queue_id', e.target.value)}>
            <option value="">{t('console.anyQueue')}</option>
            {queues.map((q) => (
              <option key={q.id} value={q.id}>
                {q.name}
              </option>
            ))}
          </select>
        ) : null}
      </div>
      {data.error && !data.data ? (
        <Alert tone="danger" actions={<button type="button" className="btn btn--small" onClick={data.reload}>{t('app.retry')}</button>}>
          {describeError(data.error, i18n)}
        </Alert>
      ) : null}
      {!data.data && !data.error ? <p aria-busy="true">{t('app.loading')}</p> : null}
      {data.data && shown.length === 0 ? <p className="muted">{t('list.empty')}</p> : null}
      <ul className="ticket-list">
        {shown.map((tk) => (
          <li key={tk.id} className={`ticket-row${selected === tk.id ? ' ticket-row--selected' : ''}`} data-ticket={tk.id}>
            <div className="ticket-row__main">
              <Link to={`${base}/${tk.id}?${sp.toString()}`} className="ticket-row__subject" aria-current={selected === tk.id ? 'true' : undefined}>
                {tk.subject}
              </Link>
              <div className="ticket-row__meta">
                <PriorityBadge priority={tk.priority} />
                <span className="status-pill">{statusLabel(i18n, tk.status)}</span>
                <SlaBadge sla={tk.sla} compact />
                <span className="muted" data-testid="row-assignee">{tk.assignee_id ? nameOf(tk.assignee_id) : t('ticket.unassigned')}</span>
                <TagList tags={tk.tags} />
              </div>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

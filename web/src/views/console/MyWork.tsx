// The agent's own work across every queue: offers made to them (answer
// before they expire) and the open tickets assigned to them. Read once,
// then kept live by the `tickets` topic, which carries every ticket event
// this person may see (offers, assignments, status changes).
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { listAll } from '../../api/records';
import { isDone, queueTickets, type Queue, type Ticket, type Workflow } from '../../api/support';
import { Link } from '../../app/router';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { isGone } from '../../realtime/gone';
import { useTopic } from '../../realtime/hooks';
import { useLiveLoad } from '../../ui/useLoad';
import { useNow } from '../../ui/useNow';
import { PriorityBadge, SlaBadge } from '../support/SlaBadge';
import { TagList } from '../support/Tags';
import { statusLabel } from '../support/labels';
import { offerTo } from './queue-state';
import { TicketActions } from './TicketActions';

interface Props {
  queues: Queue[];
  base: string;
  selected?: string;
  selfId: string | undefined;
  wf: Workflow | null;
  canAssign: boolean;
  onDone(ticket: Ticket | null, message: string): void;
  onError(message: string): void;
  /** Shown between the offers and the own tickets (the live queue). */
  children?: ReactNode;
}

type Mine = Record<string, Ticket>;

function keep(t: Ticket, selfId: string | undefined, wf: Workflow | null, now: number) {
  const done = wf ? isDone(wf, t.status) : false;
  return {
    offer: !t.assignee_id && !done && offerTo(t, selfId, now) !== null,
    mine: !!selfId && t.assignee_id === selfId && !done,
  };
}

export function MyWork({ queues, base, selected, selfId, wf, canAssign, onDone, onError, children }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const now = useNow();
  const [announce, setAnnounce] = useState('');
  const data = useLiveLoad<Mine>(
    async () => {
      if (!selfId) return {};
      const [mine, ...waiting] = await Promise.all([
        listAll<Ticket>(api, 'tickets', { filters: { assignee_id: selfId }, sort: '-updated_at' }, 200),
        ...(canAssign ? queues.map((q) => queueTickets(api, q.id).then((r) => r.data.items).catch(() => [])) : []),
      ]);
      const all = [...mine.items, ...waiting.flat()];
      return Object.fromEntries(all.map((x) => [x.id, x]));
    },
    [api, selfId, queues, canAssign],
  );

  useTopic('tickets', {
    onEvent: (f) => {
      if (!f.event.startsWith('ticket.')) return;
      const tk = f.data as unknown as Ticket;
      if (f.event === 'ticket.offered' && tk.offer?.user_id === selfId) {
        setAnnounce(t('console.newOffer', { subject: tk.subject }));
      }
      if (isGone(f)) {
        data.apply((s) => {
          if (!s[tk.id]) return s;
          const next = { ...s };
          delete next[tk.id];
          return next;
        });
        return;
      }
      data.apply((s) => {
        const have = s[tk.id];
        if (have && have.version > tk.version) return s;
        const merged = tk; // events carry the whole record: a field that is gone (offer) must go
        const k = keep(merged, selfId, wf, Date.now());
        if (!have && !k.offer && !k.mine) return s;
        const next = { ...s };
        if (!k.offer && !k.mine) delete next[tk.id];
        else next[tk.id] = merged;
        return next;
      });
    },
    onResync: () => data.reload(),
    onSubscribed: () => data.reload(),
  });

  const all = Object.values(data.data ?? {});
  const offers = all.filter((x) => keep(x, selfId, wf, now).offer);
  const mine = all
    .filter((x) => keep(x, selfId, wf, now).mine)
    .sort((a, b) => b.updated_at.localeCompare(a.updated_at));

  // Expired offers fall out of the list; drop their data too.
  const lastSweep = useRef(0);
  useEffect(() => {
    if (now - lastSweep.current < 30_000) return;
    lastSweep.current = now;
    data.set((s) => {
      if (!s) return s;
      const next = Object.fromEntries(Object.entries(s).filter(([, x]) => {
        const k = keep(x, selfId, wf, now);
        return k.offer || k.mine;
      }));
      return Object.keys(next).length === Object.keys(s).length ? s : next;
    });
  }, [now]);

  return (
    <>
      <div className="visually-hidden" role="status" aria-live="assertive">{announce}</div>
      {canAssign ? (
        <section className="panel offers" aria-labelledby="offers-h" data-testid="offers">
          <header className="panel__head">
            <h2 id="offers-h">{t('console.offers')}</h2>
            {offers.length ? <span className="badge badge--pending">{offers.length}</span> : null}
          </header>
          {offers.length === 0 ? <p className="muted">{t('console.noOffers')}</p> : null}
          <ul className="ticket-list">
            {offers.map((tk) => (
              <li key={tk.id} className="ticket-row ticket-row--offer" data-ticket={tk.id}>
                <div className="ticket-row__main">
                  <Link to={`${base}/${tk.id}`} className="ticket-row__subject">{tk.subject}</Link>
                  <div className="ticket-row__meta">
                    <PriorityBadge priority={tk.priority} />
                    <SlaBadge sla={tk.sla} compact />
                    <TicketActions ticket={tk} selfId={selfId} canAssign={canAssign} onDone={onDone} onError={onError} />
                  </div>
                </div>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {children}
      <section className="panel mine" aria-labelledby="mine-h" data-testid="mine">
        <header className="panel__head">
          <h2 id="mine-h">{t('console.mine')}</h2>
          {data.data ? <span className="badge">{mine.length}</span> : null}
        </header>
        {data.data && mine.length === 0 ? <p className="muted">{t('console.noneMine')}</p> : null}
        <ul className="ticket-list">
          {mine.map((tk) => (
            <li key={tk.id} className={`ticket-row${selected === tk.id ? ' ticket-row--selected' : ''}`} data-ticket={tk.id}>
              <div className="ticket-row__main">
                <Link to={`${base}/${tk.id}`} className="ticket-row__subject" aria-current={selected === tk.id ? 'true' : undefined}>
                  {tk.subject}
                </Link>
                <div className="ticket-row__meta">
                  <PriorityBadge priority={tk.priority} />
                  <span className="status-pill">{statusLabel(i18n, tk.status)}</span>
                  <SlaBadge sla={tk.sla} compact />
                  <TagList tags={tk.tags} />
                </div>
              </div>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

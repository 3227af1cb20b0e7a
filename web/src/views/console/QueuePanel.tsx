// One queue, live: its waiting tickets in queue order with priority and
// SLA countdown, and what this agent may do with each. The list comes
// from the server and is then kept by `queue:<id>`: ticket events bring
// the data, `queue` frames the places. Those frames are not replayed after
// a reconnect, so every (re)subscription reads the list again.
import { useRef, useState } from 'react';
import { getRecord } from '../../api/records';
import { queueTickets, type Queue, type Ticket } from '../../api/support';
import { Link } from '../../app/router';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { isGone } from '../../realtime/gone';
import { useTopic } from '../../realtime/hooks';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { useLiveLoad } from '../../ui/useLoad';
import { PriorityBadge, SlaBadge } from '../support/SlaBadge';
import { TagList } from '../support/Tags';
import { applyPlace, applyTicket, dropTicket, fromPage, visible, type QueueState } from './queue-state';
import { TicketActions } from './TicketActions';

interface Props {
  queue: Queue;
  /** Every queue, to switch to another one. */
  queues: Queue[];
  onPick(id: string): void;
  base: string;
  selected?: string;
  selfId: string | undefined;
  canAssign: boolean;
  onClaimed(ticket: Ticket | null, message: string): void;
}

export function QueuePanel({ queue, queues, onPick, base, selected, selfId, canAssign, onClaimed }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const [live, setLive] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const state = useLiveLoad<QueueState>(
    async (signal) => fromPage(queue.id, (await queueTickets(api, queue.id, signal)).data),
    [api, queue.id],
  );

  // What this panel already knows, read synchronously by the frame handler
  // (state updaters run later): tickets shown, and ids whose event arrived.
  const shown = useRef<QueueState | null>(null);
  shown.current = state.data;
  const heard = useRef(new Set<string>());

  const fetchMissing = async (id: string) => {
    try {
      const r = await getRecord<Ticket>(api, 'tickets', id);
      state.apply((s) => applyTicket(s, r.data));
    } catch {
      // Not visible to us after all: the frame's size still counts it.
    }
  };

  useTopic(`queue:${queue.id}`, {
    onEvent: (f) => {
      if (!f.event.startsWith('ticket.')) return;
      const tk = f.data as unknown as Ticket;
      if (isGone(f)) {
        // Deleted or erased: out at once (the queue frame that follows says the size).
        heard.current.delete(tk.id);
        state.apply((s) => dropTicket(s, tk.id));
        return;
      }
      heard.current.add(tk.id);
      state.apply((s) => applyTicket(s, tk));
    },
    onQueue: (f) => {
      state.apply((s) => applyPlace(s, f).state);
      if (f.position === null) heard.current.delete(f.ticket_id);
      else if (!heard.current.has(f.ticket_id) && !shown.current?.tickets[f.ticket_id]) void fetchMissing(f.ticket_id);
    },
    onResync: () => state.reload(),
    onSubscribed: () => {
      // Also after every reconnect: `queue` frames missed meanwhile are not replayed.
      state.reload();
      setLive(true);
    },
  });

  const items = state.data ? visible(state.data) : [];
  return (
    <section className="panel queue-panel" aria-labelledby={`queue-${queue.id}`} data-testid="queue" data-queue={queue.id} data-live={live}>
      <header className="panel__head">
        <h2 id={`queue-${queue.id}`}>{t('console.queueTitle', { name: queue.name })}</h2>
        {state.data ? <span className="badge" role="status">{t('console.waiting', { count: state.data.size })}</span> : null}
      </header>
      {queues.length > 1 ? (
        <label className="inline-field console__pick">
          <span>{t('console.queue')}</span>
          <select value={queue.id} onChange={(e) => onPick(e.target.value)}>
            {queues.map((q) => <option key={q.id} value={q.id}>{q.name}</option>)}
          </select>
        </label>
      ) : null}
      {error ? <Alert tone="warning" actions={<button type="button" className="btn btn--small" onClick={() => setError(null)}>{t('app.dismiss')}</button>}>{error}</Alert> : null}
      {state.error && !state.data ? (
        <Alert tone="danger" actions={<button type="button" className="btn btn--small" onClick={state.reload}>{t('app.retry')}</button>}>
          {describeError(state.error, i18n)}
        </Alert>
      ) : null}
      {!state.data && !state.error ? <p aria-busy="true">{t('app.loading')}</p> : null}
      {state.data && items.length === 0 ? <p className="muted">{t('console.queueEmpty')}</p> : null}
      <ol className="ticket-list">
        {items.map((tk, i) => (
          <li key={tk.id} className={`ticket-row${selected === tk.id ? ' ticket-row--selected' : ''}`} data-ticket={tk.id}>
            <span className="ticket-row__pos" aria-label={t('console.position', { n: i + 1 })}>{i + 1}</span>
            <div className="ticket-row__main">
              <Link to={`${base}/${tk.id}?queue=${queue.id}`} className="ticket-row__subject" aria-current={selected === tk.id ? 'true' : undefined}>
                {tk.subject}
              </Link>
              <div className="ticket-row__meta">
                <PriorityBadge priority={tk.priority} />
                <SlaBadge sla={tk.sla} compact />
                <span className="muted">{i18n.dateTime(tk.created_at)}</span>
                <TagList tags={tk.tags} />
              </div>
            </div>
            <div className="ticket-row__actions">
              <TicketActions ticket={tk} selfId={selfId} canAssign={canAssign}
                onDone={(done, message) => {
                  if (done) state.apply((s) => applyTicket(s, done));
                  onClaimed(done, message);
                }}
                onError={(message) => {
                  setError(message);
                  state.reload();
                }}
              />
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}

// The agent console: the live queue (pick one of the queues), the agent's
// offers and own tickets, their availability, and the ticket open beside
// them. On a phone the open ticket takes the whole screen, with a way back.
import { useState } from 'react';
import type { Ticket } from '../../api/support';
import { navigate, useSearchParams } from '../../app/router';
import { useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { useQueues, useUserNames, useWorkflow } from '../support/hooks';
import { Availability } from './Availability';
import { MyWork } from './MyWork';
import { QueuePanel } from './QueuePanel';
import { NewTicket } from './NewTicket';
import { isView } from './ticket-views';
import { TicketPanel } from './TicketPanel';
import { TicketViews, ViewTabs } from './TicketViews';

export function AgentConsole({ tenant, ticketId }: { tenant: string; ticketId?: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { me, can } = useSession();
  const [sp] = useSearchParams();
  const { queues, error } = useQueues();
  const wf = useWorkflow();
  const names = useUserNames();
  const [message, setMessage] = useState<{ tone: 'success' | 'danger'; text: string } | null>(null);
  const [creating, setCreating] = useState(false);
  const viewParam = sp.get('view');
  const view = isView(viewParam) ? viewParam : null;
  const base = `/t/${tenant}/console`;
  const selfId = me?.user.id;
  const canAssign = can('tickets:assign');
  const queueId = sp.get('queue') ?? queues?.[0]?.id;
  const queue = queues?.find((q) => q.id === queueId) ?? queues?.[0];
  const back = view ? `${base}?${sp.toString()}` : queue ? `${base}?queue=${queue.id}` : base;

  const done = (ticket: Ticket | null, text: string) => {
    setMessage({ tone: 'success', text });
    if (ticket) navigate(`${base}/${ticket.id}${queue ? `?queue=${queue.id}` : ''}`);
  };

  return (
    <section className={`console${ticketId ? ' console--detail' : ''}`}>
      <div className="view-head">
        <h1>{t('nav.console')}</h1>
        <div className="view-head__actions">
          {can('tickets:write') ? (
            <button type="button" className="btn btn--primary" onClick={() => setCreating(true)}>
              {t('console.newTicket')}
            </button>
          ) : null}
          {canAssign ? <Availability /> : null}
        </div>
      </div>
      {creating ? (
        <NewTicket
          queues={queues ?? []}
          queueId={queue?.id}
          onClose={() => setCreating(false)}
          onCreated={(tk) => {
            setCreating(false);
            if (tk) done(tk, t('console.ticketCreated', { subject: tk.subject }));
            else setMessage({ tone: 'success', text: t('sync.queued') });
          }}
        />
      ) : null}
      {message ? (
        <Alert tone={message.tone} actions={<button type="button" className="btn btn--small" onClick={() => setMessage(null)}>{t('app.dismiss')}</button>}>
          {message.text}
        </Alert>
      ) : null}
      {error ? <Alert tone="danger">{describeError(error, i18n)}</Alert> : null}
      <div className="console__grid">
        <div className="console__side">
          <ViewTabs current={view ?? 'queue'} base={ticketId ? `${base}/${ticketId}` : base} />
          {queues ? (
            <MyWork queues={queues} base={base} selected={ticketId} selfId={selfId} wf={wf} canAssign={canAssign}
              onDone={done} onError={(text) => setMessage({ tone: 'danger', text })}>
              {view ? (
                <TicketViews view={view} base={base} selected={ticketId} wf={wf} queues={queues} names={names} />
              ) : queue ? (
                <QueuePanel key={queue.id} queue={queue} queues={queues} base={base} selected={ticketId} selfId={selfId} canAssign={canAssign} onClaimed={done}
                  onPick={(id) => navigate(`${ticketId ? `${base}/${ticketId}` : base}?queue=${id}`, { replace: true })} />
              ) : (
                <p className="muted">{t('console.noQueues')}</p>
              )}
            </MyWork>
          ) : (
            <p aria-busy="true">{t('app.loading')}</p>
          )}
        </div>
        <div className="console__detail">
          {ticketId ? (
            <TicketPanel key={ticketId} tenant={tenant} id={ticketId} queues={queues ?? []} wf={wf} names={names} back={back}
              ticketHref={(id) => `${base}/${id}${sp.toString() ? `?${sp.toString()}` : ''}`} />
          ) : (
            <div className="panel console__empty"><p className="muted">{t('console.pick')}</p></div>
          )}
        </div>
      </div>
    </section>
  );
}

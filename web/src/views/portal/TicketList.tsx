// The tickets a portal person may see (the server shows a customer only
// their own, a supplier only what was shared with them), newest first,
// kept live by the `tickets` topic, which carries exactly the same.
import { listAll } from '../../api/records';
import type { Ticket } from '../../api/support';
import { Link } from '../../app/router';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { isGone } from '../../realtime/gone';
import { useTopic } from '../../realtime/hooks';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { useLoad } from '../../ui/useLoad';
import { statusLabel } from '../support/labels';

export function TicketList({ base, title, empty }: { base: string; title: string; empty: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const list = useLoad(async () => (await listAll<Ticket>(api, 'tickets', { sort: '-updated_at' }, 500)).items, [api]);

  useTopic('tickets', {
    onEvent: (f) => {
      if (!f.event.startsWith('ticket.')) return;
      const tk = f.data as unknown as Ticket;
      list.set((items) => {
        if (!items) return items;
        if (isGone(f)) return items.filter((x) => x.id !== tk.id);
        const rest = items.filter((x) => x.id !== tk.id);
        const have = items.find((x) => x.id === tk.id);
        if (have && have.version > tk.version) return items;
        return [tk, ...rest].sort((a, b) => b.updated_at.localeCompare(a.updated_at));
      });
    },
    onResync: () => list.reload(),
  });

  return (
    <section className="portal-list" aria-labelledby="portal-list-h">
      <h2 id="portal-list-h">{title}</h2>
      {list.error && !list.data ? (
        <Alert tone="danger" actions={<button type="button" className="btn btn--small" onClick={list.reload}>{t('app.retry')}</button>}>
          {describeError(list.error, i18n)}
        </Alert>
      ) : null}
      {!list.data && !list.error ? <p aria-busy="true">{t('app.loading')}</p> : null}
      {list.data && list.data.length === 0 ? <p className="muted">{empty}</p> : null}
      {list.data && list.data.length > 0 ? (
        <ul className="card-list" data-testid="portal-tickets">
          {list.data.map((tk) => (
            <li key={tk.id} className="card-list__item" data-ticket={tk.id}>
              <Link to={`${base}/tickets/${tk.id}`} className="card-list__title">{tk.subject}</Link>
              <span className="status-pill">{statusLabel(i18n, tk.status)}</span>
              <span className="muted">{t('record.updated_at')}: {i18n.dateTime(tk.updated_at)}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

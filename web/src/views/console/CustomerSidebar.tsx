// Who asked, beside the ticket: the requester's contact details (name,
// e-mail, phone, company) and their other tickets, newest first, with
// status. Everything comes from the ordinary record API (`GET
// /contacts/{id}`, `/companies/{id}`, `/tickets?requester_id=…`), so the
// server's rules hold: a field a role may not read is not in the answer and
// simply has no row here, and a list shows only tickets this person may see.
import { getRecord, list } from '../../api/records';
import type { Ticket } from '../../api/support';
import type { Company, Contact } from '../../api/types';
import { Link } from '../../app/router';
import { useServices, useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { useLoad } from '../../ui/useLoad';
import { statusLabel } from '../support/labels';
import { contactName, otherTickets, OTHER_TICKETS_SHOWN } from './customer';

interface Props {
  tenant: string;
  ticket: Ticket;
  /** The requester, as far as this person may read it (null: none, or not readable). */
  requester: Contact | null;
  /** Where a ticket of the list opens (the console keeps its view). */
  ticketHref(id: string): string;
}

export function CustomerSidebar({ tenant, ticket, requester, ticketHref }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { can } = useSession();
  const requesterId = ticket.requester_id ?? null;
  const companyId = requester?.company_id ?? null;

  const company = useLoad<Company | null>(
    async (signal) => (companyId && can('companies:read') ? (await getRecord<Company>(api, 'companies', companyId, signal)).data : null),
    [api, companyId],
  );
  // One more than shown, so the list can say there are more.
  const others = useLoad<{ items: Ticket[]; more: boolean }>(
    async (signal) => {
      if (!requesterId) return { items: [], more: false };
      const r = await list<Ticket>(api, 'tickets', { filters: { requester_id: requesterId }, sort: '-created_at', limit: OTHER_TICKETS_SHOWN + 2 }, signal);
      return otherTickets(r.data.items, ticket.id, !!r.data.next_cursor);
    },
    [api, requesterId, ticket.id],
  );

  const name = requester ? contactName(requester) : '';
  return (
    <aside className="customer" aria-labelledby="customer-h" data-testid="customer">
      <h3 id="customer-h" className="customer__title">{t('customer.title')}</h3>
      {!requesterId ? <p className="muted">{t('customer.none')}</p> : null}
      {requester ? (
        <>
          {name ? (
            <p className="customer__name" data-testid="customer-name">
              <Link to={`/t/${tenant}/contacts/${requester.id}`}>{name}</Link>
            </p>
          ) : null}
          <dl className="customer__details">
            {requester.email ? (
              <div data-field="email"><dt>{t('contact.email')}</dt><dd><a href={`mailto:${requester.email}`}>{requester.email}</a></dd></div>
            ) : null}
            {requester.phone ? (
              <div data-field="phone"><dt>{t('contact.phone')}</dt><dd><a href={`tel:${requester.phone.replace(/[^\d+]/g, '')}`}>{requester.phone}</a></dd></div>
            ) : null}
            {company.data?.name ? (
              <div data-field="company"><dt>{t('contact.company_id')}</dt><dd><Link to={`/t/${tenant}/companies/${company.data.id}`}>{company.data.name}</Link></dd></div>
            ) : null}
          </dl>
        </>
      ) : null}
      {requesterId ? (
        <section aria-labelledby="customer-tickets-h" data-testid="customer-tickets">
          <h4 id="customer-tickets-h" className="customer__subtitle">{t('customer.otherTickets')}</h4>
          {others.data && others.data.items.length === 0 ? <p className="muted">{t('customer.noOtherTickets')}</p> : null}
          {!others.data && !others.error ? <p aria-busy="true" className="muted">{t('app.loading')}</p> : null}
          {others.error && !others.data ? (
            <p className="muted">
              {t('customer.ticketsFailed')}{' '}
              <button type="button" className="btn btn--small" onClick={others.reload}>{t('app.retry')}</button>
            </p>
          ) : null}
          {others.data?.items.length ? (
            <ul className="customer__tickets">
              {others.data.items.map((tk) => (
                <li key={tk.id} data-ticket={tk.id}>
                  <Link to={ticketHref(tk.id)}>{tk.subject}</Link>
                  <span className="customer__meta">
                    <span className="status-pill">{statusLabel(i18n, tk.status)}</span>
                    <span className="muted">{i18n.date(tk.created_at)}</span>
                  </span>
                </li>
              ))}
            </ul>
          ) : null}
          {others.data?.more ? <p className="muted customer__more">{t('customer.newestOnly', { count: OTHER_TICKETS_SHOWN })}</p> : null}
        </section>
      ) : null}
    </aside>
  );
}

// The customer portal (/t/{t}/portal): the customer's own tickets, a new
// one, and each ticket's conversation.
import type { Branding } from '../../branding/branding';
import { match } from '../../app/router';
import { useI18n } from '../../i18n';
import { NotFound } from '../NotFound';
import { NewTicket } from './NewTicket';
import { PortalFrame } from './PortalFrame';
import { PortalTicket } from './PortalTicket';
import { TicketList } from './TicketList';

export function CustomerPortal({ tenant, branding, rest }: { tenant: string; branding: Branding | null; rest: string }) {
  const { t } = useI18n();
  const base = `/t/${tenant}/portal`;
  let view;
  let p: Record<string, string> | null;
  if (rest === '/portal' || rest === '/portal/') {
    view = (
      <>
        <div className="view-head">
          <h1>{t('portal.welcome')}</h1>
        </div>
        <TicketList base={base} title={t('portal.myTickets')} empty={t('portal.none')} />
      </>
    );
  } else if (match('/portal/new', rest)) view = <NewTicket base={base} />;
  else if ((p = match('/portal/tickets/:id', rest))) view = <PortalTicket key={p.id} id={p.id!} back={base} canSetStatus={false} />;
  else view = <NotFound />;
  return (
    <PortalFrame
      tenant={tenant}
      branding={branding}
      title={t('login.portal')}
      links={[
        { to: base, label: t('portal.myTickets') },
        { to: `${base}/new`, label: t('portal.new') },
      ]}
    >
      {view}
    </PortalFrame>
  );
}

// The supplier portal (/t/{t}/supplier): what staff shared with this
// supplier (`shared_with`). The supplier role reads those tickets, deals
// and companies, and may update the tickets: reply and move their status
// (src/identity/builtin.rs). Deals and companies are read-only.
import { listAll } from '../../api/records';
import type { Company, Deal } from '../../api/types';
import type { Branding } from '../../branding/branding';
import { match } from '../../app/router';
import { useServices, useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { useLoad } from '../../ui/useLoad';
import { NotFound } from '../NotFound';
import { PortalFrame } from './PortalFrame';
import { PortalTicket } from './PortalTicket';
import { TicketList } from './TicketList';

function Shared() {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { can } = useSession();
  const deals = useLoad(async () => (can('deals:read') ? (await listAll<Deal>(api, 'deals', { sort: 'title' }, 500)).items : []), [api]);
  const companies = useLoad(async () => (can('companies:read') ? (await listAll<Company>(api, 'companies', { sort: 'name' }, 500)).items : []), [api]);
  return (
    <div className="supplier-grid">
      <section aria-labelledby="sup-deals" data-testid="supplier-deals">
        <h2 id="sup-deals">{t('supplier.deals')}</h2>
        {deals.data?.length === 0 ? <p className="muted">{t('supplier.none')}</p> : null}
        <ul className="card-list">
          {deals.data?.map((d) => (
            <li key={d.id} className="card-list__item">
              <strong>{d.title}</strong>
              {typeof d.amount === 'number' ? <span>{i18n.money(d.amount, d.currency)}</span> : null}
              {d.expected_close ? <span className="muted">{t('pipeline.expected', { date: i18n.date(d.expected_close) })}</span> : null}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="sup-companies" data-testid="supplier-companies">
        <h2 id="sup-companies">{t('supplier.companies')}</h2>
        {companies.data?.length === 0 ? <p className="muted">{t('supplier.none')}</p> : null}
        <ul className="card-list">
          {companies.data?.map((c) => (
            <li key={c.id} className="card-list__item">
              <strong>{c.name}</strong>
              {c.website ? <a href={c.website} rel="noreferrer noopener" target="_blank">{c.domain ?? c.website}</a> : null}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

export function SupplierPortal({ tenant, branding, rest }: { tenant: string; branding: Branding | null; rest: string }) {
  const { t } = useI18n();
  const base = `/t/${tenant}/supplier`;
  let view;
  let p: Record<string, string> | null;
  if (rest === '/supplier' || rest === '/supplier/') {
    view = (
      <>
        <div className="view-head">
          <h1>{t('supplier.title')}</h1>
        </div>
        <p className="muted">{t('supplier.intro')}</p>
        <TicketList base={base} title={t('supplier.tickets')} empty={t('supplier.none')} />
        <Shared />
      </>
    );
  } else if ((p = match('/supplier/tickets/:id', rest))) view = <PortalTicket key={p.id} id={p.id!} back={base} canSetStatus />;
  else view = <NotFound />;
  return (
    <PortalFrame tenant={tenant} branding={branding} title={t('nav.supplier')} links={[{ to: base, label: t('supplier.shared') }]}>
      {view}
    </PortalFrame>
  );
}

// /dashboards: the support and sales dashboards, one at a time, each on
// its own address so it can be bookmarked or shown on a wall screen.
import { Link } from '../../app/router';
import { useSession } from '../../app/session';
import { visibleBoards } from './access';
import { useI18n, type Key } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { NotFound } from '../NotFound';
import { SalesDashboard } from './SalesDashboard';
import { SupportDashboard } from './SupportDashboard';

export function Dashboards({ tenant, board, features }: { tenant: string; board?: string; features?: Record<string, boolean> }) {
  const { t } = useI18n();
  const { me, online } = useSession();
  // Until `/me` says who this is, the boards they may see are unknown:
  // offering both would flash a tab and fetch a board that answers 403.
  // Offline without `/me`, show both; the server still decides.
  if (!me && online) return <p aria-busy="true">…</p>;
  const allowed = visibleBoards(me, features);
  const boards: { name: 'support' | 'sales'; label: Key }[] = [
    { name: 'support' as const, label: 'dash.support' as Key },
    { name: 'sales' as const, label: 'dash.sales' as Key },
  ].filter((b) => allowed.includes(b.name));
  const current = boards.find((b) => b.name === board) ?? (board ? null : boards[0]);
  if (!current) {
    // A board this person may not see: say why, rather than "no such page".
    if ((board === 'support' || board === 'sales') && features?.[board] !== false) {
      return (
        <section data-testid="dashboard-forbidden">
          <h1 tabIndex={-1}>{t('nav.dashboards')}</h1>
          <Alert tone="warning">{t('dash.forbidden')}</Alert>
        </section>
      );
    }
    return <NotFound />;
  }
  const base = `/t/${tenant}/dashboards`;
  return (
    <section className="dashboards">
      <div className="view-head">
        <h1>{t('nav.dashboards')}: {t(current.label)}</h1>
        <nav aria-label={t('nav.dashboards')} className="tabs">
          {boards.map((b) => (
            <Link key={b.name} to={`${base}/${b.name}`} className="tabs__tab" aria-current={b.name === current.name ? 'page' : undefined}>
              {t(b.label)}
            </Link>
          ))}
        </nav>
      </div>
      {current.name === 'support' ? <SupportDashboard key="support" tenant={tenant} /> : <SalesDashboard key="sales" />}
    </section>
  );
}

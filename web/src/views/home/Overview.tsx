// The administrators' home: how the workspace is used (people, teams,
// records, open tickets, queues and who waits in them), read from the list
// endpoints, with the way into each admin page. The API has no count
// endpoint: lists are paged through up to a cap, shown as "2000+".
import type { ReactNode } from 'react';
import { listAll, type KindPath } from '../../api/records';
import { queueTickets } from '../../api/support';
import { loadQueues, loadTeams, loadUsers } from '../../app/directory';
import { Link } from '../../app/router';
import { useServices, useSession } from '../../app/session';
import { useI18n, type Key } from '../../i18n';
import { useLoad } from '../../ui/useLoad';
import { roleLabel } from '../admin/permissions';

const CAP = 2000;

function Stat({ label, value, to, testid }: { label: string; value: ReactNode; to?: string; testid: string }) {
  return (
    <div className="stat" data-testid={testid}>
      <div className="stat__value">{value}</div>
      <div className="stat__label">{to ? <Link to={to}>{label}</Link> : label}</div>
    </div>
  );
}

export function Overview({ tenant, features }: { tenant: string; features?: Record<string, boolean> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { can, me } = useSession();
  const base = `/t/${tenant}`;
  const on = (f: string) => features?.[f] !== false;
  const count = (kind: KindPath, perm: string, feature: string, filters?: Record<string, string>) =>
    useLoad(async () => (can(perm) && on(feature) ? (await listAll(api, kind, { filters }, CAP)).items.length : null), [api, features?.[feature]]);
  const users = useLoad(async () => (can('users:read') ? await loadUsers(api) : null), [api]);
  const teams = useLoad(async () => (can('users:read') ? await loadTeams(api) : null), [api]);
  const contacts = count('contacts', 'contacts:read', 'crm');
  const companies = count('companies', 'companies:read', 'crm');
  const deals = count('deals', 'deals:read', 'sales');
  const tickets = count('tickets', 'tickets:read', 'support');
  const queues = useLoad(async () => {
    if (!can('queues:read') || !on('support')) return null;
    const qs = await loadQueues(api);
    return Promise.all(qs.map(async (q) => ({ q, waiting: await queueTickets(api, q.id).then((r) => r.data.size).catch(() => null) })));
  }, [api, features?.support]);

  const n = (v: number | null | undefined) => (v == null ? '…' : v >= CAP ? `${i18n.number(CAP)}+` : i18n.number(v));
  const active = users.data?.filter((u) => u.status !== 'disabled');
  const staff = active?.filter((u) => u.kind === 'staff').length;
  const portal = active?.filter((u) => u.kind !== 'staff').length;

  return (
    <section className="overview" data-testid="overview">
      <div className="view-head">
        <h1>{t('overview.title')}</h1>
        <p className="muted">{t('overview.hello', { name: me?.user.name ?? '' })}</p>
      </div>
      <div className="stats" aria-label={t('overview.usage')} role="group">
        {users.data ? <Stat testid="stat-users" label={t('overview.staff')} value={n(staff)} to={`${base}/admin/users`} /> : null}
        {users.data ? <Stat testid="stat-portal" label={t('overview.portalUsers')} value={n(portal)} to={`${base}/admin/users`} /> : null}
        {teams.data ? <Stat testid="stat-teams" label={t('overview.teams')} value={n(teams.data.length)} to={`${base}/admin/users`} /> : null}
        {contacts.data !== null ? <Stat testid="stat-contacts" label={t('nav.contacts')} value={n(contacts.data)} to={`${base}/contacts`} /> : null}
        {companies.data !== null ? <Stat testid="stat-companies" label={t('nav.companies')} value={n(companies.data)} to={`${base}/companies`} /> : null}
        {deals.data !== null ? <Stat testid="stat-deals" label={t('overview.deals')} value={n(deals.data)} to={`${base}/pipeline`} /> : null}
        {tickets.data !== null ? <Stat testid="stat-tickets" label={t('overview.tickets')} value={n(tickets.data)} to={`${base}/console?view=all`} /> : null}
      </div>
      {queues.data?.length ? (
        <section className="panel" aria-labelledby="ov-queues">
          <h2 id="ov-queues">{t('overview.queues')}</h2>
          <table className="table" data-testid="overview-queues">
            <thead>
              <tr>
                <th scope="col">{t('console.queue')}</th>
                <th scope="col">{t('overview.waiting')}</th>
                <th scope="col">{t('overview.routing')}</th>
              </tr>
            </thead>
            <tbody>
              {queues.data.map(({ q, waiting }) => (
                <tr key={q.id} data-queue={q.id}>
                  <td>
                    <Link to={`${base}/console?queue=${q.id}`}>{q.name}</Link>
                  </td>
                  <td>{waiting == null ? '—' : i18n.number(waiting)}</td>
                  <td>{t(`routing.${q.routing ?? 'manual'}` as Key)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {users.data ? (
        <section className="panel" aria-labelledby="ov-people">
          <h2 id="ov-people">{t('overview.people')}</h2>
          <ul className="plain-list">
            {users.data
              .filter((u) => u.kind === 'staff')
              .map((u) => (
                <li key={u.id}>
                  {u.name} <span className="muted">· {u.roles.map((r) => roleLabel(i18n, r, true)).join(', ')}</span>
                  {u.status === 'disabled' ? <span className="badge"> {t('overview.disabled')}</span> : null}
                </li>
              ))}
          </ul>
        </section>
      ) : null}
    </section>
  );
}

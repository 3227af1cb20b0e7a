// One tenant's app: services made once per page, the session, branding,
// language, and the routes (signed out: login, the way back from single
// sign-on, and setting a password from a mailed link; MFA enrolment when
// the tenant requires it; otherwise the shell with the areas).
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useWorkspace, type useBranding } from '../branding/useBranding';
import { I18nProvider, useI18n, type Key } from '../i18n';
import { Alert } from '../ui/Alert';
import { RECENT_KEY, recentTenants } from '../views/TenantPicker';
import { Account } from '../views/Account';
import { Login } from '../views/Login';
import { MfaEnroll } from '../views/MfaEnroll';
import { NotFound } from '../views/NotFound';
import { SetPassword } from '../views/SetPassword';
import { SsoCallback } from '../views/sso/SsoCallback';
import { Admin } from '../views/admin/Admin';
import { AgentConsole } from '../views/console/AgentConsole';
import { Dashboards } from '../views/dashboards/Dashboards';
import { CustomerPortal } from '../views/portal/CustomerPortal';
import { SupplierPortal } from '../views/portal/SupplierPortal';
import { rememberTenant } from '../views/TenantPicker';
import { RecordDetail } from '../views/crm/RecordDetail';
import { RecordForm } from '../views/crm/RecordForm';
import { RecordList } from '../views/crm/RecordList';
import { KINDS } from '../views/crm/kinds';
import { PipelineBoard } from '../views/pipeline/PipelineBoard';
import { DealPage } from '../views/deal/DealPage';
import { MyTasks } from '../views/tasks/MyTasks';
import { homePath } from '../views/home/home';
import { Overview } from '../views/home/Overview';
import { Search } from '../views/home/Search';
import { AccessNotice, NoAccess } from './AccessNotice';
import { AREAS, featureOn, visibleAreas } from './areas';
import { match, navigate, useLocation } from './router';
import { createServices } from './services';
import { SessionProvider, useSession } from './session';
import { Shell } from './Shell';

export function TenantApp({ tenant }: { tenant: string }) {
  const services = useMemo(() => createServices(tenant), [tenant]);
  const { branding, missing } = useWorkspace(tenant);
  const switchedOff = useSwitchedOff(branding?.features);
  useEffect(() => {
    if (missing) forgetTenant(tenant);
    else rememberTenant(tenant);
  }, [tenant, missing]);
  if (missing) {
    return (
      <I18nProvider>
        <WorkspaceNotFound slug={tenant} />
      </I18nProvider>
    );
  }
  return (
    <I18nProvider tenantLocale={branding?.locale}>
      <SessionProvider services={services}>
        <Routes tenant={tenant} branding={branding} switchedOff={switchedOff} />
      </SessionProvider>
    </I18nProvider>
  );
}

function forgetTenant(slug: string) {
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(recentTenants().filter((s) => s !== slug)));
  } catch {
    // Only a convenience.
  }
}

/** The features switched off while this page was open (not those off from the start). */
function useSwitchedOff(features: Record<string, boolean> | undefined): { list: string[]; dismiss(): void } {
  const last = useRef<Record<string, boolean> | undefined>(undefined);
  const [list, setList] = useState<string[]>([]);
  useEffect(() => {
    const before = last.current;
    last.current = features;
    if (!before || !features) return;
    const off = Object.keys(before).filter((f) => before[f] !== false && features[f] === false);
    const on = Object.keys(features).filter((f) => features[f] !== false);
    setList((l) => {
      const next = [...l.filter((f) => !on.includes(f)), ...off.filter((f) => !l.includes(f))];
      return next.length === l.length && next.every((f, i) => f === l[i]) ? l : next;
    });
  }, [features]);
  return { list, dismiss: () => setList([]) };
}

export function featureNames(t: (k: Key) => string, list: string[]): string {
  return list.map((f) => t(`feature.${f}` as Key)).join(', ');
}

/** `/t/{slug}` for a workspace the server does not know (its branding answered 404). */
function WorkspaceNotFound({ slug }: { slug: string }) {
  const { t } = useI18n();
  return (
    <div className="auth-page">
      <main className="auth-card" id="main" data-testid="workspace-not-found">
        <h1>{t('app.noWorkspace')}</h1>
        <p>{t('app.noWorkspaceBody', { slug })}</p>
        <a className="btn btn--primary" href="/?choose">
          {t('app.chooseWorkspace')}
        </a>
      </main>
    </div>
  );
}

/** Goes to `to` after every render, not only the first: a route change
 *  that lands on the same Redirect again must still move on. */
function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }));
  return null;
}

function Routes({ tenant, branding, switchedOff }: { tenant: string; branding: ReturnType<typeof useBranding>; switchedOff: { list: string[]; dismiss(): void } }) {
  const { pathname, search } = useLocation();
  const { signedIn, me, can, online, accessChanged } = useSession();
  const base = `/t/${tenant}`;
  const rest = pathname.slice(base.length) || '/';

  if (rest === '/portal' || rest.startsWith('/portal/')) {
    if (!signedIn) return <Login tenant={tenant} branding={branding} portal />;
    // Staff have the console for tickets; the portal is the customers'.
    if (me && me.user.kind !== 'customer') return <Redirect to={`${base}/`} />;
    return <CustomerPortal tenant={tenant} branding={branding} rest={rest} />;
  }
  if (rest === '/login') {
    const params = new URLSearchParams(search);
    const next = params.get('next');
    const safeNext = next && next.startsWith(`${base}/`) ? next : `${base}/`;
    return signedIn ? <Redirect to={safeNext} /> : <Login tenant={tenant} branding={branding} forgot={params.has('forgot')} next={next} />;
  }
  // Back from single sign-on, signed in or not: its code replaces whatever
  // session the tab had, as signing in again would.
  if (rest === '/login/sso') return <SsoCallback tenant={tenant} branding={branding} />;
  // Signed in or not: a mailed link may be opened in a tab where someone
  // (perhaps that very person) is signed in.
  if (rest === '/set-password') return <SetPassword tenant={tenant} branding={branding} />;
  if (!signedIn) return <Redirect to={`${base}/login?next=${encodeURIComponent(pathname + search)}`} />;
  if (me?.mfa_enrollment_required) return <MfaEnroll />;
  // Portal people have their own homes, and nothing else.
  if (me?.user.kind === 'customer') return <Redirect to={`${base}/portal`} />;
  if (me?.user.kind === 'supplier') {
    return rest === '/supplier' || rest.startsWith('/supplier/')
      ? <SupplierPortal tenant={tenant} branding={branding} rest={rest} />
      : <Redirect to={`${base}/supplier`} />;
  }

  const areas = visibleAreas(me, can, branding?.features);
  let view: ReactNode;
  const m = (p: string) => match(p, rest);
  let p: Record<string, string> | null;
  // A switched-off feature's pages do not exist, like its endpoints.
  const area = AREAS.find((a) => rest === `/${a.path}` || rest.startsWith(`/${a.path}/`));
  if (area && !featureOn(branding?.features, area.feature)) {
    // Switched off while open: say so; otherwise it simply does not exist.
    view = area.feature && switchedOff.list.includes(area.feature) ? <FeatureOff features={[area.feature]} /> : <NotFound />;
  } else if (area && me && accessChanged && !areas.includes(area) && !(area.path === 'dashboards' && can('dashboards:read'))) {
    // An administrator just took this area away: the page says so, instead
    // of its calls failing one by one (its routes below would still render).
    view = <NoAccess />;
  } else if (rest === '/') {
    // Wait for /me: before it, every area looks allowed, and the first one
    // may be one this person cannot open.
    // Each role has its home: admins the overview, agents the console,
    // sales people the board (views/home/home.ts).
    const home = me ? homePath(me, areas) : areas[0]?.path;
    view = !me && online ? <p aria-busy="true">…</p> : home ? <Redirect to={`${base}/${home}`} /> : <NotFound />;
  } else if (m('/account')) {
    // Everyone's own: no area, no permission.
    view = <Account />;
  } else if ((p = m('/deals/:id'))) {
    view = featureOn(branding?.features, 'sales') && can('deals:read') ? (
      <DealPage key={p.id} tenant={tenant} id={p.id!} />
    ) : switchedOff.list.includes('sales') ? (
      <FeatureOff features={['sales']} />
    ) : (
      <NoAccess />
    );
  } else if (m('/pipeline')) view = <PipelineBoard tenant={tenant} />;
  else if ((p = m('/pipeline/:id'))) view = <PipelineBoard tenant={tenant} pipelineId={p.id} />;
  else if ((p = m('/:kind')) && isKind(p.kind)) view = <RecordList key={p.kind} meta={KINDS[p.kind]} tenant={tenant} />;
  else if ((p = m('/:kind/new')) && isKind(p.kind)) view = <RecordForm key={`${p.kind}-new`} meta={KINDS[p.kind]} tenant={tenant} />;
  else if ((p = m('/:kind/import')) && isKind(p.kind)) view = <RecordList key={p.kind} meta={KINDS[p.kind]} tenant={tenant} importing />;
  else if ((p = m('/:kind/:id')) && isKind(p.kind)) view = <RecordDetail key={p.id} meta={KINDS[p.kind]} tenant={tenant} id={p.id!} />;
  else if ((p = m('/:kind/:id/edit')) && isKind(p.kind)) view = <RecordForm key={`${p.id}-edit`} meta={KINDS[p.kind]} tenant={tenant} id={p.id} />;
  // A board this person may not see still explains itself (Dashboards does).
  else if (area && !areas.includes(area) && !(area.path === 'dashboards' && can('dashboards:read'))) view = <NoAccess />;
  else if (m('/search')) view = <Search tenant={tenant} features={branding?.features} />;
  else if (m('/overview')) view = <Overview tenant={tenant} features={branding?.features} />;
  else if (m('/tasks')) view = <MyTasks tenant={tenant} />;
  else if (m('/console')) view = <AgentConsole tenant={tenant} />;
  else if ((p = m('/console/:id'))) view = <AgentConsole tenant={tenant} ticketId={p.id} />;
  else if (m('/dashboards')) view = <Dashboards tenant={tenant} features={branding?.features} />;
  else if ((p = m('/dashboards/:board'))) view = <Dashboards key={p.board} tenant={tenant} board={p.board} features={branding?.features} />;
  else if (m('/admin')) view = <Admin tenant={tenant} features={branding?.features} />;
  else if ((p = m('/admin/:section'))) view = <Admin key={p.section} tenant={tenant} section={p.section} features={branding?.features} />;
  else view = <NotFound />;

  return (
    <Shell tenant={tenant} branding={branding}>
      {switchedOff.list.length ? <FeatureNotice list={switchedOff.list} onDismiss={switchedOff.dismiss} /> : null}
      <AccessNotice />
      {view}
    </Shell>
  );
}

function isKind(k: string | undefined): k is keyof typeof KINDS {
  return k === 'contacts' || k === 'companies';
}

function FeatureNotice({ list, onDismiss }: { list: string[]; onDismiss(): void }) {
  const { t } = useI18n();
  return (
    <div data-testid="feature-notice">
      <Alert tone="warning" actions={<button type="button" className="btn btn--small" onClick={onDismiss}>{t('app.dismiss')}</button>}>
        {t('app.featureOff', { features: featureNames(t, list) })}
      </Alert>
    </div>
  );
}

function FeatureOff({ features }: { features: string[] }) {
  const { t } = useI18n();
  return (
    <section data-testid="feature-off">
      <h1 tabIndex={-1}>{t('app.featureOffPage', { features: featureNames(t, features) })}</h1>
    </section>
  );
}

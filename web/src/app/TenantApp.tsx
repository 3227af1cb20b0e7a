// One tenant's app: services made once per page, the session, branding,
// language, and the routes (signed out: login; MFA enrolment when the
// tenant requires it; otherwise the shell with the areas).
import { useEffect, useMemo, type ReactNode } from 'react';
import { useBranding } from '../branding/useBranding';
import { I18nProvider } from '../i18n';
import { Login } from '../views/Login';
import { MfaEnroll } from '../views/MfaEnroll';
import { NotFound } from '../views/NotFound';
import { Admin } from '../views/admin/Admin';
import { AgentConsole } from '../views/console/AgentConsole';
import { Dashboards } from '../views/dashboards/Dashboards';
import { CustomerPortal } from '../views/portal/CustomerPortal';
import { SupplierPortal } from '../views/portal/SupplierPortal';
import { rememberTenant } from '../views/TenantPicker';
import { CsvImport } from '../views/crm/CsvImport';
import { RecordDetail } from '../views/crm/RecordDetail';
import { RecordForm } from '../views/crm/RecordForm';
import { RecordList } from '../views/crm/RecordList';
import { KINDS } from '../views/crm/kinds';
import { PipelineBoard } from '../views/pipeline/PipelineBoard';
import { AREAS, featureOn, visibleAreas } from './areas';
import { match, navigate, useLocation } from './router';
import { createServices } from './services';
import { SessionProvider, useSession } from './session';
import { Shell } from './Shell';

export function TenantApp({ tenant }: { tenant: string }) {
  const services = useMemo(() => createServices(tenant), [tenant]);
  const branding = useBranding(tenant);
  useEffect(() => rememberTenant(tenant), [tenant]);
  return (
    <I18nProvider tenantLocale={branding?.locale}>
      <SessionProvider services={services}>
        <Routes tenant={tenant} branding={branding} />
      </SessionProvider>
    </I18nProvider>
  );
}

/** Goes to `to` after every render, not only the first: a route change
 *  that lands on the same Redirect again must still move on. */
function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }));
  return null;
}

function Routes({ tenant, branding }: { tenant: string; branding: ReturnType<typeof useBranding> }) {
  const { pathname, search } = useLocation();
  const { signedIn, me, can, online } = useSession();
  const base = `/t/${tenant}`;
  const rest = pathname.slice(base.length) || '/';

  if (rest === '/portal' || rest.startsWith('/portal/')) {
    if (!signedIn) return <Login tenant={tenant} branding={branding} portal />;
    // Staff have the console for tickets; the portal is the customers'.
    if (me && me.user.kind !== 'customer') return <Redirect to={`${base}/`} />;
    return <CustomerPortal tenant={tenant} branding={branding} rest={rest} />;
  }
  if (rest === '/login') {
    const next = new URLSearchParams(search).get('next');
    const safeNext = next && next.startsWith(`${base}/`) ? next : `${base}/`;
    return signedIn ? <Redirect to={safeNext} /> : <Login tenant={tenant} branding={branding} />;
  }
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
    view = <NotFound />;
  } else if (rest === '/') {
    // Wait for /me: before it, every area looks allowed, and the first one
    // may be one this person cannot open.
    const first = areas[0];
    view = !me && online ? <p aria-busy="true">…</p> : first ? <Redirect to={`${base}/${first.path}`} /> : <NotFound />;
  } else if (m('/pipeline')) view = <PipelineBoard tenant={tenant} />;
  else if ((p = m('/pipeline/:id'))) view = <PipelineBoard tenant={tenant} pipelineId={p.id} />;
  else if ((p = m('/:kind')) && isKind(p.kind)) view = <RecordList key={p.kind} meta={KINDS[p.kind]} tenant={tenant} />;
  else if ((p = m('/:kind/new')) && isKind(p.kind)) view = <RecordForm key={`${p.kind}-new`} meta={KINDS[p.kind]} tenant={tenant} />;
  else if ((p = m('/:kind/import')) && isKind(p.kind)) view = <CsvImport meta={KINDS[p.kind]} tenant={tenant} />;
  else if ((p = m('/:kind/:id')) && isKind(p.kind)) view = <RecordDetail key={p.id} meta={KINDS[p.kind]} tenant={tenant} id={p.id!} />;
  else if ((p = m('/:kind/:id/edit')) && isKind(p.kind)) view = <RecordForm key={`${p.id}-edit`} meta={KINDS[p.kind]} tenant={tenant} id={p.id} />;
  else if (area && !areas.includes(area)) view = <NotFound />;
  else if (m('/console')) view = <AgentConsole tenant={tenant} />;
  else if ((p = m('/console/:id'))) view = <AgentConsole tenant={tenant} ticketId={p.id} />;
  else if (m('/dashboards')) view = <Dashboards tenant={tenant} features={branding?.features} />;
  else if ((p = m('/dashboards/:board'))) view = <Dashboards key={p.board} tenant={tenant} board={p.board} features={branding?.features} />;
  else if (m('/admin')) view = <Admin tenant={tenant} features={branding?.features} />;
  else if ((p = m('/admin/:section'))) view = <Admin key={p.section} tenant={tenant} section={p.section} features={branding?.features} />;
  else view = <NotFound />;

  return (
    <Shell tenant={tenant} branding={branding}>
      {view}
    </Shell>
  );
}

function isKind(k: string | undefined): k is keyof typeof KINDS {
  return k === 'contacts' || k === 'companies';
}

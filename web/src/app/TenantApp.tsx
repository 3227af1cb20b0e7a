// One tenant's app: services made once per page, the session, branding,
// language, and the routes (signed out: login; MFA enrolment when the
// tenant requires it; otherwise the shell with the areas).
import { useEffect, useMemo, type ReactNode } from 'react';
import { useBranding } from '../branding/useBranding';
import { I18nProvider } from '../i18n';
import { Login } from '../views/Login';
import { MfaEnroll } from '../views/MfaEnroll';
import { NotFound, Placeholder } from '../views/Placeholder';
import { Portal } from '../views/Portal';
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
  const { signedIn, me, can } = useSession();
  const base = `/t/${tenant}`;
  const rest = pathname.slice(base.length) || '/';

  if (rest === '/portal' || rest.startsWith('/portal/')) {
    return signedIn ? <Portal tenant={tenant} branding={branding} /> : <Login tenant={tenant} branding={branding} portal />;
  }
  if (rest === '/login') {
    const next = new URLSearchParams(search).get('next');
    const safeNext = next && next.startsWith(`${base}/`) ? next : `${base}/`;
    return signedIn ? <Redirect to={safeNext} /> : <Login tenant={tenant} branding={branding} />;
  }
  if (!signedIn) return <Redirect to={`${base}/login?next=${encodeURIComponent(pathname + search)}`} />;
  if (me?.mfa_enrollment_required) return <MfaEnroll />;
  // Portal users have their own home.
  if (me && (me.user.kind === 'customer') && !rest.startsWith('/portal')) return <Redirect to={`${base}/portal`} />;

  const areas = visibleAreas(me, can, branding?.features);
  let view: ReactNode;
  const m = (p: string) => match(p, rest);
  let p: Record<string, string> | null;
  // A switched-off feature's pages do not exist, like its endpoints.
  const area = AREAS.find((a) => rest === `/${a.path}` || rest.startsWith(`/${a.path}/`));
  if (area && !featureOn(branding?.features, area.feature)) {
    view = <NotFound />;
  } else if (rest === '/') {
    const first = areas[0];
    view = first ? <Redirect to={`${base}/${first.path}`} /> : <NotFound />;
  } else if (m('/pipeline')) view = <PipelineBoard tenant={tenant} />;
  else if ((p = m('/pipeline/:id'))) view = <PipelineBoard tenant={tenant} pipelineId={p.id} />;
  else if ((p = m('/:kind')) && isKind(p.kind)) view = <RecordList key={p.kind} meta={KINDS[p.kind]} tenant={tenant} />;
  else if ((p = m('/:kind/new')) && isKind(p.kind)) view = <RecordForm key={`${p.kind}-new`} meta={KINDS[p.kind]} tenant={tenant} />;
  else if ((p = m('/:kind/import')) && isKind(p.kind)) view = <CsvImport meta={KINDS[p.kind]} tenant={tenant} />;
  else if ((p = m('/:kind/:id')) && isKind(p.kind)) view = <RecordDetail key={p.id} meta={KINDS[p.kind]} tenant={tenant} id={p.id!} />;
  else if ((p = m('/:kind/:id/edit')) && isKind(p.kind)) view = <RecordForm key={`${p.id}-edit`} meta={KINDS[p.kind]} tenant={tenant} id={p.id} />;
  else if (m('/console')) view = <Placeholder title="nav.console" body="placeholder.console" />;
  else if (m('/dashboards')) view = <Placeholder title="nav.dashboards" body="placeholder.dashboards" />;
  else if (m('/admin')) view = <Placeholder title="nav.admin" body="placeholder.admin" />;
  else if (m('/supplier')) view = <Placeholder title="nav.supplier" body="placeholder.supplier" />;
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

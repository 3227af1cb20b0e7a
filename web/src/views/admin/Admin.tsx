// /admin and /admin/<section>: a section this person may not use does not
// exist for them (the server would refuse its writes anyway).
import type { ReactNode } from 'react';
import { useSession } from '../../app/session';
import { NoAccess } from '../../app/AccessNotice';
import { NotFound } from '../NotFound';
import { AdminHome } from './AdminHome';
import { ApiKeys } from './ApiKeys';
import { AuditTrail } from './AuditTrail';
import { Branding } from './Branding';
import { Calendar } from './Calendar';
import { CannedReplies } from './CannedReplies';
import { CustomFields } from './CustomFields';
import { DataRequests } from './DataRequests';
import { Mail } from './Mail';
import { Pipelines } from './Pipelines';
import { Queues } from './Queues';
import { Retention } from './Retention';
import { Roles } from './Roles';
import { Scim } from './Scim';
import { Security } from './Security';
import { SlaPolicies } from './SlaPolicies';
import { SsoProviders } from './SsoProviders';
import { Users } from './Users';
import { Webhooks } from './Webhooks';
import { visibleSections } from './sections';

const PAGES: Record<string, (tenant: string) => ReactNode> = {
  users: (t) => <Users tenant={t} />,
  roles: (t) => <Roles tenant={t} />,
  fields: (t) => <CustomFields tenant={t} />,
  pipelines: (t) => <Pipelines tenant={t} />,
  queues: (t) => <Queues tenant={t} />,
  sla: (t) => <SlaPolicies tenant={t} />,
  'canned-replies': (t) => <CannedReplies tenant={t} />,
  calendar: (t) => <Calendar tenant={t} />,
  'api-keys': (t) => <ApiKeys tenant={t} />,
  webhooks: (t) => <Webhooks tenant={t} />,
  mail: (t) => <Mail tenant={t} />,
  retention: (t) => <Retention tenant={t} />,
  'data-requests': (t) => <DataRequests tenant={t} />,
  audit: (t) => <AuditTrail tenant={t} />,
  security: (t) => <Security tenant={t} />,
  sso: (t) => <SsoProviders tenant={t} />,
  provisioning: (t) => <Scim tenant={t} />,
  branding: (t) => <Branding tenant={t} />,
};

export function Admin({ tenant, section, features }: { tenant: string; section?: string; features?: Record<string, boolean> }) {
  const { can } = useSession();
  if (!section) return <AdminHome tenant={tenant} features={features} />;
  const page = PAGES[section];
  if (!page) return <NotFound />;
  if (!visibleSections(can, features).some((s) => s.path === section)) return <NoAccess />;
  return <>{page(tenant)}</>;
}

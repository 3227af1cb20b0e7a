// The root: a tenant from the URL (/t/{slug}/…), or the workspace picker.
import { tenantFromPath } from './api/tenant';
import { useLocation } from './app/router';
import { TenantApp } from './app/TenantApp';
import { I18nProvider } from './i18n';
import { recentTenants, TenantPicker } from './views/TenantPicker';

export function App() {
  const { pathname } = useLocation();
  const tenant = tenantFromPath(pathname);
  if (tenant) return <TenantApp key={tenant} tenant={tenant} />;
  // The installed app starts at "/": go back to the last workspace.
  const last = recentTenants()[0];
  if (pathname === '/' && last && !new URLSearchParams(location.search).has('choose')) {
    location.replace(`/t/${last}/`);
    return null;
  }
  return (
    <I18nProvider>
      <TenantPicker />
    </I18nProvider>
  );
}

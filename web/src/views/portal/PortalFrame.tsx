// The frame of the customer and supplier portals: the tenant's brand, a
// short navigation, language, connection state and sign-out. No staff
// navigation: portal people only ever see their own things.
import type { ReactNode } from 'react';
import { ConnectionBadge } from '../../app/ConnectionBadge';
import { Link, useLocation } from '../../app/router';
import { useSession } from '../../app/session';
import type { Branding } from '../../branding/branding';
import { useI18n } from '../../i18n';
import { BrandMark } from '../BrandMark';
import { LanguageSwitch } from '../LanguageSwitch';

export interface PortalLink {
  to: string;
  label: string;
}

export function PortalFrame({ tenant, branding, title, links, children }: {
  tenant: string;
  branding: Branding | null;
  title: string;
  links: PortalLink[];
  children: ReactNode;
}) {
  const { t } = useI18n();
  const { me, signOut } = useSession();
  const { pathname } = useLocation();
  return (
    <div className="portal shell">
      <a className="skip-link" href="#main">{t('app.skip')}</a>
      <header className="topbar portal__bar">
        <BrandMark branding={branding} fallbackName={tenant} />
        <span className="portal__title">{title}</span>
        <nav className="nav portal__nav" aria-label={t('nav.main')}>
          <ul>
            {links.map((l) => (
              <li key={l.to}>
                <Link to={l.to} aria-current={pathname === l.to ? 'page' : undefined}>{l.label}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar__tools">
          <ConnectionBadge />
          <LanguageSwitch />
          {me ? <span className="topbar__user">{me.user.name}</span> : null}
          <button type="button" className="btn btn--ghost" onClick={() => void signOut()}>
            {t('app.signOut')}
          </button>
        </div>
      </header>
      <main id="main" className="main portal__main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

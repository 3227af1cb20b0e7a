// The frame around every signed-in view: brand, navigation, connection
// state, offline changes, language and account.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Branding } from '../branding/branding';
import { useI18n } from '../i18n';
import { BrandMark } from '../views/BrandMark';
import { LanguageSwitch } from '../views/LanguageSwitch';
import { SearchBox } from '../views/home/Search';
import { visibleAreas } from './areas';
import { ConnectionBadge } from './ConnectionBadge';
import { Link, useLocation } from './router';
import { useSession } from './session';
import { SyncPanel } from './SyncPanel';

export function Shell({ tenant, branding, children }: { tenant: string; branding: Branding | null; children: ReactNode }) {
  const { t } = useI18n();
  const { me, can, signOut, online } = useSession();
  const { pathname } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // A new page: close the phone menu and move focus to its heading, so a
  // screen reader announces where we are (a SPA gives no page load to do it).
  useEffect(() => {
    setMenuOpen(false);
    if (first.current) {
      first.current = false;
      return;
    }
    const h = main.current?.querySelector<HTMLElement>('h1');
    if (h) {
      if (!h.hasAttribute('tabindex')) h.setAttribute('tabindex', '-1');
      h.focus();
    }
  }, [pathname]);

  const areas = visibleAreas(me, can, branding?.features);
  const base = `/t/${tenant}`;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">{t('app.skip')}</a>
      <header className="topbar">
        <Link to={`${base}/`} className="topbar__brand">
          <BrandMark branding={branding} fallbackName={tenant} />
        </Link>
        <button
          type="button"
          className="btn btn--ghost topbar__menu"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          {t('app.menu')}
        </button>
        <nav id="main-nav" className={`nav${menuOpen ? ' nav--open' : ''}`} aria-label={t('nav.main')}>
          <ul>
            {areas.map((a) => {
              const href = `${base}/${a.path}`;
              const current = pathname === href || pathname.startsWith(`${href}/`);
              return (
                <li key={a.path}>
                  <Link to={href} aria-current={current ? 'page' : undefined}>
                    {t(a.label)}
                  </Link>
                </li>
              );
            })}
          </ul>
          <SearchBox tenant={tenant} />
        </nav>
        <div className="topbar__tools">
          <ConnectionBadge />
          <LanguageSwitch />
          {me ? (
            // Their own page (passkeys): the name is its link.
            <Link to={`${base}/account`} className="topbar__user" title={me.user.email}
              aria-current={pathname === `${base}/account` ? 'page' : undefined}>
              <span className="visually-hidden">{t('app.signedInAs', { name: me.user.name })}</span>
              <span aria-hidden="true">{me.user.name}</span>
            </Link>
          ) : null}
          <button type="button" className="btn btn--ghost" onClick={() => void signOut()}>
            {t('app.signOut')}
          </button>
        </div>
      </header>
      {!online ? <div className="offline-note" role="status">{t('conn.offlineNote')}</div> : null}
      <SyncPanel />
      <main id="main" ref={main} className="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

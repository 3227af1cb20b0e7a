// "Sign in with <provider>": one button per enabled provider. A button
// leaves the app for the server's start address, which sends the browser
// on to the identity provider (a page load, not a fetch: see api/sso.ts).
import { useEffect, useState } from 'react';
import type { ApiClient } from '../../api/client';
import { ssoStartUrl, type SsoProviderButton } from '../../api/sso';
import { browser } from '../../app/leave';
import { useI18n } from '../../i18n';

export function SsoButtons({ api, providers, returnTo, primary }: {
  api: ApiClient;
  providers: SsoProviderButton[];
  /** A path in this tenant to come back to, already checked (`safeReturnTo`). */
  returnTo: string | null;
  /** The way to sign in here (single sign-on required), not an alternative. */
  primary: boolean;
}) {
  const { t } = useI18n();
  // A second click while the provider's page loads would start a second
  // sign-in, whose cookie replaces the first's and fails its callback.
  const [leaving, setLeaving] = useState(false);
  // Back from the provider's page, the browser may show this one as it was
  // left (back/forward cache): the buttons must work again.
  useEffect(() => {
    const back = (e: PageTransitionEvent) => {
      if (e.persisted) setLeaving(false);
    };
    window.addEventListener('pageshow', back);
    return () => window.removeEventListener('pageshow', back);
  }, []);
  return (
    <div className="sso-buttons" role="group" aria-label={t('sso.group')} data-testid="sso-buttons">
      {providers.map((p) => (
        <button key={p.id} type="button" className={`btn btn--block${primary ? ' btn--primary' : ''}`} disabled={leaving}
          onClick={() => {
            setLeaving(true);
            browser.leave(ssoStartUrl(api, p.id, returnTo));
          }}>
          {t('sso.signInWith', { name: p.name })}
        </button>
      ))}
    </div>
  );
}

// /t/{slug}/login/sso: where the server sends the browser back after single
// sign-on. The fragment's one-time code is exchanged for a token pair,
// which is kept exactly as a password sign-in keeps it (the session's
// `signIn`); then on to `return_to` if it is a path in this workspace, else
// home. A refusal (`#error=…`, or an exchange that fails) is said on the
// sign-in page. The fragment leaves the address bar at once: the code
// works once, and the history should not keep it.
import { useEffect, useState } from 'react';
import { exchangeSsoCode } from '../../api/sso';
import type { ApiClient } from '../../api/client';
import type { TokenPair } from '../../api/types';
import { navigate } from '../../app/router';
import { useSession } from '../../app/session';
import type { Branding } from '../../branding/branding';
import { useI18n } from '../../i18n';
import { BrandMark } from '../BrandMark';
import { loginPath } from '../Login';
import { readCallbackHash, safeReturnTo } from './callback';
import { exchangeFailure, leaveSsoFailure } from './failure';

// One exchange per code for the page's life: React's StrictMode runs an
// effect twice, and a second POST of a one-time code would be refused and
// sign the person out of the attempt the first one just won.
const exchanges = new Map<string, Promise<TokenPair>>();
function exchangeOnce(api: ApiClient, code: string) {
  let p = exchanges.get(code);
  if (!p) exchanges.set(code, (p = exchangeSsoCode(api, code)));
  return p;
}

export function SsoCallback({ tenant, branding }: { tenant: string; branding: Branding | null }) {
  const { t } = useI18n();
  const { services, signIn, signedIn } = useSession();
  // Read while the page first renders, before the effect below clears it.
  const [fragment] = useState(() => readCallbackHash(location.hash));
  // Only the first render's: signing in below changes it.
  const [wasSignedIn] = useState(signedIn);

  useEffect(() => {
    if (location.hash) history.replaceState(history.state, '', location.pathname + location.search);
  }, []);

  useEffect(() => {
    let live = true;
    const home = `/t/${tenant}/`;
    const toSignIn = (f: Parameters<typeof leaveSsoFailure>[1]) => {
      leaveSsoFailure(tenant, f);
      navigate(loginPath(tenant), { replace: true });
    };
    if (fragment.kind === 'error') toSignIn({ code: fragment.error });
    // Opened again without a code (reload, back) while signed in: nothing went wrong.
    else if (fragment.kind === 'none') wasSignedIn ? navigate(home, { replace: true }) : toSignIn({ code: 'sso_no_code' });
    else {
      exchangeOnce(services.api, fragment.code).then(
        async (pair) => {
          if (!live) return;
          // Tokens kept as the password sign-in keeps them. `/me` failing
          // here is not a failed sign-in: the app reads it again as after
          // a reload.
          await signIn(pair).catch(() => undefined);
          if (live) navigate(safeReturnTo(tenant, fragment.returnTo) ?? home, { replace: true });
        },
        (e: unknown) => {
          if (live) toSignIn(exchangeFailure(e));
        },
      );
    }
    return () => {
      live = false;
    };
    // Once per page: the fragment was read on the first render.
  }, []);

  return (
    <div className="auth-page">
      <main className="auth-card" id="main" data-testid="sso-callback">
        <div className="auth-card__top">
          <BrandMark branding={branding} fallbackName={tenant} />
        </div>
        <p aria-busy="true" role="status">{t('sso.signingIn')}</p>
      </main>
    </div>
  );
}

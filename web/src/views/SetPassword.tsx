// /t/{slug}/set-password#token=…: where password-reset and invitation
// mails link to. Reachable signed out, with the workspace's branding like
// the sign-in page. The token rides in the fragment, which browsers never
// send to a server; once read it leaves the address bar too, so it does
// not stay in the history. Once the password is set the server has ended
// every session of the account, and the person signs in with it anew.
import { useEffect, useState, type FormEvent } from 'react';
import { setPassword } from '../api/account';
import { ApiError } from '../api/problem';
import { leaveNotice } from '../app/notice';
import { Link, navigate } from '../app/router';
import { useSession } from '../app/session';
import type { Branding } from '../branding/branding';
import { useI18n } from '../i18n';
import { Alert } from '../ui/Alert';
import { describeError } from '../ui/errors';
import { Field } from '../ui/Field';
import { BrandMark } from './BrandMark';
import { LanguageSwitch } from './LanguageSwitch';
import { loginPath } from './Login';
import { linkProblemText, passwordProblem, tokenFromHash, tokenProblem, type LinkProblem } from './setPassword';

export function SetPassword({ tenant, branding }: { tenant: string; branding: Branding | null }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { services, signedIn, signOut } = useSession();
  // Read while the page first renders, before the effect below clears it.
  const [token] = useState(() => tokenFromHash(location.hash));
  useEffect(() => {
    if (location.hash) history.replaceState(history.state, '', location.pathname + location.search);
  }, []);
  const [password, setPasswordText] = useState('');
  const [repeat, setRepeat] = useState('');
  // Kept as what went wrong, put in words when shown: the language may
  // be switched on this very page.
  /** The server's `password` message, or '' for none typed. */
  const [passwordError, setPasswordError] = useState<string | null>(null);
  const [mismatch, setMismatch] = useState(false);
  /** The link does not work (any more): said for the page, not a field. */
  const [linkProblem, setLinkProblem] = useState<LinkProblem | null>(token ? null : 'missing');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const name = branding?.name ?? tenant;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setPasswordError(password ? null : '');
    setMismatch(!!password && password !== repeat);
    if (!password || password !== repeat || !token) return;
    setBusy(true);
    try {
      await setPassword(services.api, token, password);
    } catch (err) {
      setBusy(false);
      const f = err instanceof ApiError && err.status === 422 ? err.fieldErrors : {};
      if (f.token) setLinkProblem(tokenProblem(f.token));
      else if (f.password) setPasswordError(f.password);
      else setError(err);
      return;
    }
    // This tab may be signed in, perhaps as that very account, whose
    // sessions just ended: the sign-in page shows only signed out. It
    // stays here rather than going on to an identity provider's sign-out,
    // or the notice below would be lost.
    if (signedIn) await signOut({ leaveProvider: false }).catch(() => undefined);
    leaveNotice(loginPath(tenant), t('setPassword.done'));
    navigate(loginPath(tenant), { replace: true });
  };

  return (
    <div className="auth-page">
      <main className="auth-card" id="main" data-testid="set-password">
        <div className="auth-card__top">
          <BrandMark branding={branding} fallbackName={tenant} />
          <LanguageSwitch />
        </div>
        <h1>{t('setPassword.title', { name })}</h1>
        {linkProblem ? (
          <>
            <Alert tone="danger">{linkProblemText(i18n, linkProblem)}</Alert>
            <div className="auth-card__links">
              <Link to={`${loginPath(tenant)}?forgot`}>{t('login.forgot')}</Link>
              <Link to={loginPath(tenant)}>{t('setPassword.toSignIn')}</Link>
            </div>
          </>
        ) : (
          <form onSubmit={submit} noValidate>
            <p>{t('setPassword.hint')}</p>
            {error ? <Alert tone="danger">{describeError(error, i18n)}</Alert> : null}
            <Field label={t('setPassword.password')} required hint={t('admin.passwordHint')}
              error={passwordError === null ? undefined : passwordError ? passwordProblem(i18n, passwordError) : t('setPassword.missing')}>
              <input type="password" name="password" autoComplete="new-password" value={password}
                onChange={(e) => setPasswordText(e.target.value)} required autoFocus />
            </Field>
            <Field label={t('setPassword.repeat')} required error={mismatch ? t('setPassword.mismatch') : undefined}>
              <input type="password" name="repeat" autoComplete="new-password" value={repeat}
                onChange={(e) => setRepeat(e.target.value)} required />
            </Field>
            <button className="btn btn--primary btn--block" type="submit" disabled={busy}>
              {t('setPassword.submit')}
            </button>
          </form>
        )}
      </main>
    </div>
  );
}

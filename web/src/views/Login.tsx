// Sign-in with optional TOTP: the server answers `401 mfa_required` when the
// account has MFA and no code was sent (src/identity/service.rs); we then
// ask for the code and send email, password and `totp_code` (or
// `recovery_code`) together, since the API keeps no half-signed-in state.
// "Forgot your password?" swaps the form for ForgotPassword.tsx; a notice
// left for this page (a password just set) is said once above the form.
// Single sign-on: the workspace's providers (public) are buttons below the
// form. When the workspace requires it, or a password was just refused
// with `403 sso_required`, they come first and the password form folds
// behind "Sign in with a password (owners)": only owners with MFA may
// still use one (break-glass). A single sign-on that failed is said here,
// the buttons beside it (views/sso/failure.ts).
// Passkeys: "Sign in with a passkey" below the form, no password needed
// (views/passkeys/PasskeySignIn.tsx), where passkeys can work (WebAuthn,
// and the page at a name: an IP address is never a relying party). An
// account that holds passkeys gets a passkey challenge with
// `mfa_required`: "Use your passkey" answers it, posting email and
// password again with the browser's answer; a challenge is spent once
// sent, so the next try asks the server for a fresh one.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { getCredential, passkeysHere, secondFactorChallenge, PasskeyError, type Ceremony, type RequestOptionsJSON } from '../api/passkeys';
import { ApiError } from '../api/problem';
import { getSsoSignIn, type SsoSignIn } from '../api/sso';
import type { TokenPair } from '../api/types';
import { peekNotice, takeNotice } from '../app/notice';
import { useSession } from '../app/session';
import type { Branding } from '../branding/branding';
import { useI18n } from '../i18n';
import { Alert } from '../ui/Alert';
import { describeError } from '../ui/errors';
import { Field } from '../ui/Field';
import { useLoad } from '../ui/useLoad';
import { BrandMark } from './BrandMark';
import { ForgotPassword } from './ForgotPassword';
import { LanguageSwitch } from './LanguageSwitch';
import { PasskeySignIn } from './passkeys/PasskeySignIn';
import { browserProblem, signInError } from './passkeys/words';
import { safeReturnTo } from './sso/callback';
import { peekSsoFailure, ssoFailureText, takeSsoFailure } from './sso/failure';
import { SsoButtons } from './sso/SsoButtons';

interface Props {
  tenant: string;
  branding: Branding | null;
  /** The customer portal's variant of the page. */
  portal?: boolean;
  /** Open on "Forgot your password?" (`?forgot`, linked from a spent reset link). */
  forgot?: boolean;
  /** `?next=`: where to go once signed in (checked here before single sign-on carries it). */
  next?: string | null;
}

const NO_SSO: SsoSignIn = { providers: [], sso_required: false };

/** Where notices for the sign-in page are left (app/notice.ts). */
export const loginPath = (tenant: string) => `/t/${tenant}/login`;

export function Login({ tenant, branding, portal, forgot: forgotFirst = false, next }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { services, signIn, online, expired } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [step, setStep] = useState<'password' | 'mfa'>('password');
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** A passkey the browser did not give (cancelled, unsupported): a warning, not a refusal. */
  const [passkeyNote, setPasskeyNote] = useState<string | null>(null);
  /** The account holds passkeys (the `mfa_required` answer carried a challenge). */
  const [hasPasskey, setHasPasskey] = useState(false);
  /** That challenge, until it is sent. */
  const [challenge, setChallenge] = useState<Ceremony<RequestOptionsJSON> | null>(null);
  const [codeError, setCodeError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [forgot, setForgot] = useState(forgotFirst);
  const [notice] = useState(() => peekNotice(loginPath(tenant)));
  useEffect(() => takeNotice(loginPath(tenant)), [tenant]);
  const [ssoFailure, setSsoFailure] = useState(() => peekSsoFailure(tenant));
  useEffect(() => takeSsoFailure(tenant), [tenant]);
  // The portal signs in customers, who are not in the staff's identity
  // provider. A server without single sign-on (404), or none reachable,
  // leaves the password form as it always was.
  const sso = useLoad(
    (signal) => (portal ? Promise.resolve(NO_SSO) : getSsoSignIn(services.api, signal).catch(() => NO_SSO)),
    [services.api, portal],
  );
  const providers = sso.data?.providers ?? [];
  const [refusedForSso, setRefusedForSso] = useState(false);
  const ssoFirst = providers.length > 0 && (sso.data?.sso_required === true || refusedForSso);
  /** Opened or folded by the person; null: folded unless they began typing before the list arrived. */
  const [passwordOpen, setPasswordOpen] = useState<boolean | null>(null);
  const showPassword = !ssoFirst || step === 'mfa' || (passwordOpen ?? (email !== '' || password !== ''));
  const formId = useId();
  const returnTo = safeReturnTo(tenant, next);
  const codeInput = useRef<HTMLInputElement>(null);
  const name = branding?.name ?? tenant;
  /** 'ok', or why passkeys cannot work in this page (no WebAuthn, an IP address). */
  const passkeyState = passkeysHere();
  const canPasskey = passkeyState === 'ok';
  // Customers have no page to add a passkey on; staff do (their account).
  const offerPasskey = !portal && canPasskey && step === 'password' && showPassword;
  const otherWays = offerPasskey || (!ssoFirst && providers.length > 0);

  const clearMessages = () => {
    setError(null);
    setPasskeyNote(null);
    setSsoFailure(null);
    setCodeError(undefined);
  };

  /** Single sign-on is the way in (a password or passkey was refused for it): the form folds away. */
  const refusedForSsoNow = () => {
    setRefusedForSso(true);
    setPasswordOpen(false);
    setStep('password');
    setCode('');
    setPassword('');
    setHasPasskey(false);
    setChallenge(null);
    setError(t(providers.length ? 'login.ssoRequired' : 'login.ssoRequiredNone'));
  };

  const startOver = () => {
    setStep('password');
    setCode('');
    setPassword('');
    setHasPasskey(false);
    setChallenge(null);
    setPasskeyNote(null);
  };

  const passkeySignInFailed = (err: unknown) => {
    if (err instanceof ApiError && err.code === 'sso_required') refusedForSsoNow();
    else if (err instanceof PasskeyError) setPasskeyNote(browserProblem(err, i18n));
    else setError(signInError(err, i18n));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    clearMessages();
    const body: Record<string, string> = { email, password };
    if (step === 'mfa') body[recovery ? 'recovery_code' : 'totp_code'] = code.replace(/\s+/g, '');
    try {
      const r = await services.api.request<TokenPair>('POST', '/auth/login', { body, auth: false });
      // The routes move on (to ?next=) once signed in; navigating here too
      // would race them (this call returns after they already moved).
      await signIn(r.data);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'mfa_required') {
        const offered = secondFactorChallenge(err.problem);
        setChallenge(offered);
        setHasPasskey(offered !== null);
        setStep('mfa');
        setTimeout(() => codeInput.current?.focus(), 0);
      } else if (err instanceof ApiError && err.code === 'mfa_invalid') {
        setCodeError(t('login.mfaInvalid'));
        codeInput.current?.focus();
      } else if (err instanceof ApiError && err.code === 'sso_required') {
        // Not an owner with MFA: the buttons become the way in, the form folds away.
        refusedForSsoNow();
      } else if (err instanceof ApiError && (err.code === 'invalid_credentials' || err.code === 'unauthorized')) {
        setError(t('login.invalid'));
      } else {
        setError(describeError(err, i18n));
      }
    } finally {
      setBusy(false);
    }
  };

  /**
   * The second factor by passkey: the challenge that came with
   * `mfa_required` (or a fresh one, by posting the password again), the
   * browser's answer, and the password once more with that answer.
   */
  const verifyWithPasskey = async () => {
    setBusy(true);
    clearMessages();
    try {
      let ceremony = challenge;
      if (!ceremony) {
        const fresh = await freshChallenge();
        if ('pair' in fresh) {
          // The account has no second factor any more: signed in already.
          await signIn(fresh.pair);
          return;
        }
        ceremony = fresh.challenge;
        setChallenge(ceremony);
      }
      const credential = await getCredential(ceremony.options);
      // Sent is spent, accepted or not.
      setChallenge(null);
      const body = { email, password, passkey: { flow_id: ceremony.flow_id, credential } };
      const r = await services.api.request<TokenPair>('POST', '/auth/login', { body, auth: false });
      await signIn(r.data);
    } catch (err) {
      if (err instanceof PasskeyError) setPasskeyNote(browserProblem(err, i18n));
      else if (err instanceof ApiError && err.code === 'mfa_invalid') setError(t('passkey.secondFactorRefused'));
      else if (err instanceof ApiError && err.code === 'sso_required') refusedForSsoNow();
      else if (err instanceof ApiError && (err.code === 'invalid_credentials' || err.code === 'unauthorized')) {
        startOver();
        setError(t('login.invalid'));
      } else setError(describeError(err, i18n));
    } finally {
      setBusy(false);
    }
  };

  const freshChallenge = async (): Promise<{ pair: TokenPair } | { challenge: Ceremony<RequestOptionsJSON> }> => {
    try {
      const r = await services.api.request<TokenPair>('POST', '/auth/login', { body: { email, password }, auth: false });
      return { pair: r.data };
    } catch (err) {
      const offered = err instanceof ApiError && err.code === 'mfa_required' ? secondFactorChallenge(err.problem) : null;
      if (offered) return { challenge: offered };
      // No passkey any more (removed meanwhile): the code is the way.
      if (err instanceof ApiError && err.code === 'mfa_required') setHasPasskey(false);
      throw err;
    }
  };

  return (
    <div className="auth-page">
      <main className="auth-card" id="main">
        <div className="auth-card__top">
          <BrandMark branding={branding} fallbackName={tenant} />
          <LanguageSwitch />
        </div>
        <h1>{portal ? `${t('login.portal')} · ${name}` : t('login.title', { name })}</h1>
        {/* The installed app opens offline too: say why signing in cannot work yet. */}
        {!online ? <Alert tone="warning">{t('login.offline')}</Alert> : null}
        {notice && !error ? <Alert tone="success">{notice}</Alert> : null}
        {expired && !error && !notice ? <Alert tone="warning">{t('app.expired')}</Alert> : null}
        {forgot ? (
          <ForgotPassword initialEmail={email} onBack={() => setForgot(false)} />
        ) : (
          <>
            {ssoFailure && !error ? <Alert tone="danger">{ssoFailureText(i18n, ssoFailure)}</Alert> : null}
            {error ? <Alert tone="danger">{error}</Alert> : null}
            {passkeyNote && !error ? <Alert tone="warning">{passkeyNote}</Alert> : null}
            {ssoFirst ? <SsoButtons api={services.api} providers={providers} returnTo={returnTo} primary /> : null}
            {ssoFirst && step === 'password' ? (
              <button type="button" className="link-button auth-card__disclosure" aria-expanded={showPassword} aria-controls={showPassword ? formId : undefined}
                onClick={() => setPasswordOpen(!showPassword)}>
                {t('sso.passwordOwners')}
              </button>
            ) : null}
            {showPassword ? (
              <form id={formId} onSubmit={submit} noValidate>
                {step === 'password' ? (
                  <>
                    <Field label={t('login.email')} required>
                      <input type="email" name="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
                    </Field>
                    <Field label={t('login.password')} required>
                      <input type="password" name="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
                    </Field>
                    <button className="btn btn--primary btn--block" type="submit" disabled={busy}>
                      {t('login.submit')}
                    </button>
                    <div className="auth-card__links">
                      <button type="button" className="link-button" onClick={() => { setError(null); setForgot(true); }}>
                        {t('login.forgot')}
                      </button>
                    </div>
                  </>
                ) : (
                  <>
                    <h2>{t('login.mfaTitle')}</h2>
                    {hasPasskey ? (
                      <>
                        <p>{t('passkey.secondFactorHint')}</p>
                        {canPasskey ? (
                          <button type="button" className="btn btn--primary btn--block" disabled={busy} onClick={() => void verifyWithPasskey()}>
                            {t('passkey.useYours')}
                          </button>
                        ) : (
                          <Alert tone="warning">{t(passkeyState === 'address' ? 'passkey.address' : 'passkey.unsupported')}</Alert>
                        )}
                        <p className="auth-card__or">{t('sso.or')}</p>
                      </>
                    ) : null}
                    <p>{t('login.mfaHint')}</p>
                    <Field label={recovery ? t('login.recovery') : t('login.code')} error={codeError} required>
                      <input
                        ref={codeInput}
                        name="code"
                        value={code}
                        onChange={(e) => setCode(e.target.value)}
                        autoComplete="one-time-code"
                        inputMode={recovery ? 'text' : 'numeric'}
                        pattern={recovery ? undefined : '[0-9 ]*'}
                        required
                      />
                    </Field>
                    <button className={`btn btn--block${hasPasskey && canPasskey ? '' : ' btn--primary'}`} type="submit" disabled={busy}>
                      {t('login.verify')}
                    </button>
                    <div className="auth-card__links">
                      <button type="button" className="link-button" onClick={() => { setRecovery(!recovery); setCode(''); }}>
                        {recovery ? t('login.useCode') : t('login.useRecovery')}
                      </button>
                      <button type="button" className="link-button" onClick={startOver}>
                        {t('login.cancel')}
                      </button>
                    </div>
                  </>
                )}
              </form>
            ) : null}
            {otherWays ? <p className="auth-card__or">{t('sso.or')}</p> : null}
            {offerPasskey ? (
              <PasskeySignIn disabled={busy} onStart={clearMessages} onPair={signIn} onError={passkeySignInFailed} />
            ) : null}
            {!ssoFirst && providers.length ? (
              <SsoButtons api={services.api} providers={providers} returnTo={returnTo} primary={false} />
            ) : null}
          </>
        )}
      </main>
    </div>
  );
}

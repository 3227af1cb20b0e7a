// Sign-in with optional TOTP: the server answers `401 mfa_required` when the
// account has MFA and no code was sent (src/identity/service.rs); we then
// ask for the code and send email, password and `totp_code` (or
// `recovery_code`) together, since the API keeps no half-signed-in state.
// "Forgot your password?" swaps the form for ForgotPassword.tsx; a notice
// left for this page (a password just set) is said once above the form.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/problem';
import type { TokenPair } from '../api/types';
import { peekNotice, takeNotice } from '../app/notice';
import { useSession } from '../app/session';
import type { Branding } from '../branding/branding';
import { useI18n } from '../i18n';
import { Alert } from '../ui/Alert';
import { describeError } from '../ui/errors';
import { Field } from '../ui/Field';
import { BrandMark } from './BrandMark';
import { ForgotPassword } from './ForgotPassword';
import { LanguageSwitch } from './LanguageSwitch';

interface Props {
  tenant: string;
  branding: Branding | null;
  /** The customer portal's variant of the page. */
  portal?: boolean;
  /** Open on "Forgot your password?" (`?forgot`, linked from a spent reset link). */
  forgot?: boolean;
}

/** Where notices for the sign-in page are left (app/notice.ts). */
export const loginPath = (tenant: string) => `/t/${tenant}/login`;

export function Login({ tenant, branding, portal, forgot: forgotFirst = false }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { services, signIn, online, expired } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [step, setStep] = useState<'password' | 'mfa'>('password');
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [codeError, setCodeError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [forgot, setForgot] = useState(forgotFirst);
  const [notice] = useState(() => peekNotice(loginPath(tenant)));
  useEffect(() => takeNotice(loginPath(tenant)), [tenant]);
  const codeInput = useRef<HTMLInputElement>(null);
  const name = branding?.name ?? tenant;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setCodeError(undefined);
    const body: Record<string, string> = { email, password };
    if (step === 'mfa') body[recovery ? 'recovery_code' : 'totp_code'] = code.replace(/\s+/g, '');
    try {
      const r = await services.api.request<TokenPair>('POST', '/auth/login', { body, auth: false });
      // The routes move on (to ?next=) once signed in; navigating here too
      // would race them (this call returns after they already moved).
      await signIn(r.data);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'mfa_required') {
        setStep('mfa');
        setTimeout(() => codeInput.current?.focus(), 0);
      } else if (err instanceof ApiError && err.code === 'mfa_invalid') {
        setCodeError(t('login.mfaInvalid'));
        codeInput.current?.focus();
      } else if (err instanceof ApiError && (err.code === 'invalid_credentials' || err.code === 'unauthorized')) {
        setError(t('login.invalid'));
      } else {
        setError(describeError(err, i18n));
      }
    } finally {
      setBusy(false);
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
            {error ? <Alert tone="danger">{error}</Alert> : null}
            <form onSubmit={submit} noValidate>
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
                  <button className="btn btn--primary btn--block" type="submit" disabled={busy}>
                    {t('login.verify')}
                  </button>
                  <div className="auth-card__links">
                    <button type="button" className="link-button" onClick={() => { setRecovery(!recovery); setCode(''); }}>
                      {recovery ? t('login.useCode') : t('login.useRecovery')}
                    </button>
                    <button type="button" className="link-button" onClick={() => { setStep('password'); setCode(''); setPassword(''); }}>
                      {t('login.cancel')}
                    </button>
                  </div>
                </>
              )}
            </form>
          </>
        )}
      </main>
    </div>
  );
}

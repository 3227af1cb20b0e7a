// The tenant requires MFA for this person's role and they have none yet:
// everything else answers 403 mfa_enrollment_required until they enrol.
// A passkey is a second factor too: adding one instead frees the session
// at once (the server says so with `changed: access`; /me is read again
// here as well, so the app opens without waiting for the frame).
import { useEffect, useState, type FormEvent } from 'react';
import { passkeysHere } from '../api/passkeys';
import { ApiError } from '../api/problem';
import { useSession } from '../app/session';
import { useI18n } from '../i18n';
import { Alert } from '../ui/Alert';
import { describeError } from '../ui/errors';
import { Field } from '../ui/Field';
import { AddPasskey } from './passkeys/AddPasskey';

export function MfaEnroll() {
  const i18n = useI18n();
  const { t } = i18n;
  const { services, reloadMe } = useSession();
  const [enrollment, setEnrollment] = useState<{ secret: string; otpauth_uri: string } | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [codeError, setCodeError] = useState<string | undefined>();

  useEffect(() => {
    services.api
      .request<{ secret: string; otpauth_uri: string }>('POST', '/me/mfa/enroll')
      .then((r) => setEnrollment(r.data))
      .catch((e: unknown) => setError(describeError(e, i18n)));
    // Enrol once per visit of this page.
  }, [services.api]);

  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    setCodeError(undefined);
    try {
      const r = await services.api.request<{ recovery_codes: string[] }>('POST', '/me/mfa/confirm', { body: { code } });
      setCodes(r.data.recovery_codes);
    } catch (err) {
      if (err instanceof ApiError && err.status < 500) setCodeError(err.fieldErrors.code ?? t('login.mfaInvalid'));
      else setError(describeError(err, i18n));
    }
  };

  return (
    <div className="auth-page">
      <main className="auth-card" id="main">
        {codes ? (
          <>
            <h1>{t('mfa.recoveryTitle')}</h1>
            <p>{t('mfa.recoveryHint')}</p>
            <ul className="codes">
              {codes.map((c) => (
                <li key={c}><code>{c}</code></li>
              ))}
            </ul>
            <button className="btn btn--primary btn--block" onClick={() => void reloadMe()}>
              {t('mfa.done')}
            </button>
          </>
        ) : (
          <>
            <h1>{t('mfa.enrollTitle')}</h1>
            <p>{t('mfa.enrollHint')}</p>
            {error ? <Alert tone="danger">{error}</Alert> : null}
            {enrollment ? (
              <>
                <p>
                  {t('mfa.secret')}: <code className="secret">{enrollment.secret}</code>
                </p>
                <p>
                  <a href={enrollment.otpauth_uri}>{t('mfa.openApp')}</a>
                </p>
                <form onSubmit={confirm}>
                  <Field label={t('login.code')} error={codeError} required>
                    <input value={code} onChange={(e) => setCode(e.target.value)} autoComplete="one-time-code" inputMode="numeric" required />
                  </Field>
                  <button className="btn btn--primary btn--block" type="submit">
                    {t('mfa.confirm')}
                  </button>
                </form>
              </>
            ) : null}
            {passkeysHere() === 'ok' ? (
              <section aria-labelledby="mfa-passkey-h" data-testid="mfa-passkey">
                <p className="auth-card__or">{t('sso.or')}</p>
                <h2 id="mfa-passkey-h">{t('passkey.enrollTitle')}</h2>
                <p>{t('passkey.enrollHint')}</p>
                <AddPasskey onAdded={() => void reloadMe().catch(() => undefined)} />
              </section>
            ) : null}
          </>
        )}
      </main>
    </div>
  );
}

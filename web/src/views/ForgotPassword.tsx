// "Forgot your password?" on the sign-in page: the address to send a link
// to. The server answers the same whether or not an account has it (so
// nobody learns which addresses do); we say that in the person's language
// rather than show its English `detail`.
import { useState, type FormEvent } from 'react';
import { requestPasswordReset } from '../api/account';
import { ApiError } from '../api/problem';
import { useSession } from '../app/session';
import { useI18n } from '../i18n';
import { Alert } from '../ui/Alert';
import { describeError } from '../ui/errors';
import { Field } from '../ui/Field';

export function ForgotPassword({ initialEmail, onBack }: { initialEmail: string; onBack(): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { services } = useSession();
  const [email, setEmail] = useState(initialEmail);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | undefined>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setFieldError(undefined);
    setSent(false);
    if (!email.trim()) {
      setFieldError(t('forgot.emailMissing'));
      return;
    }
    setBusy(true);
    try {
      await requestPasswordReset(services.api, email.trim());
      setSent(true);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'rate_limited') {
        setError(err.retryAfter !== null ? t('forgot.throttled', { seconds: err.retryAfter }) : t('forgot.throttledLater'));
      } else if (err instanceof ApiError && err.fieldErrors.email) {
        setFieldError(err.fieldErrors.email);
      } else {
        setError(describeError(err, i18n));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate data-testid="forgot-password">
      <h2>{t('forgot.title')}</h2>
      <p>{t('forgot.hint')}</p>
      {sent ? <Alert tone="success">{t('forgot.sent')}</Alert> : null}
      {error ? <Alert tone="danger">{error}</Alert> : null}
      <Field label={t('login.email')} required error={fieldError}>
        <input type="email" name="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
      </Field>
      <button className="btn btn--primary btn--block" type="submit" disabled={busy}>
        {t('forgot.submit')}
      </button>
      <div className="auth-card__links">
        <button type="button" className="link-button" onClick={onBack}>
          {t('forgot.back')}
        </button>
      </div>
    </form>
  );
}

// A single sign-on that did not end signed in, for the sign-in page: the
// callback route leaves it there (as `app/notice.ts` does a sentence) and
// the page says it in the person's language, the provider buttons still
// beside it. Kept as the code, not the words, so switching the language
// on the sign-in page translates it too.
import { ApiError } from '../../api/problem';
import type { I18n, Key } from '../../i18n';
import { describeError } from '../../ui/errors';

/** A code from the server's `#error=` or one of the app's own below; or a failed exchange as thrown. */
export type SsoFailure = { code: string } | { error: unknown };

/** The codes the server's redirect names, and the app's own (`sso_code_spent`, `sso_no_code`). */
const MESSAGES: Record<string, Key> = {
  sso_state_invalid: 'sso.error.stateInvalid',
  sso_denied: 'sso.error.denied',
  sso_token_invalid: 'sso.error.tokenInvalid',
  sso_email_unverified: 'sso.error.emailUnverified',
  sso_domain_not_allowed: 'sso.error.domainNotAllowed',
  sso_user_disabled: 'sso.error.userDisabled',
  sso_provider_unavailable: 'sso.error.providerUnavailable',
  quota_exceeded: 'sso.error.quotaExceeded',
  // The exchange said `401`: the one-time code was used, unknown or older than 60 s.
  sso_code_spent: 'sso.error.codeSpent',
  // `/login/sso` opened without a code or an error (a bookmark, a reload).
  sso_no_code: 'sso.error.noCode',
};

export const SSO_ERROR_CODES = Object.keys(MESSAGES);

export function ssoFailureText(i18n: I18n, f: SsoFailure): string {
  if ('code' in f) {
    const key = MESSAGES[f.code];
    return key ? i18n.t(key) : i18n.t('sso.error.other', { code: f.code });
  }
  return describeError(f.error, i18n);
}

/** A failed exchange as a failure: `401` is the code's, anything else is said as it is. */
export const exchangeFailure = (e: unknown): SsoFailure =>
  e instanceof ApiError && e.status === 401 ? { code: 'sso_code_spent' } : { error: e };

const waiting = new Map<string, SsoFailure>();

export function leaveSsoFailure(tenant: string, f: SsoFailure) {
  waiting.set(tenant, f);
}

/** The failure waiting for the sign-in page, without taking it (React may render twice). */
export function peekSsoFailure(tenant: string): SsoFailure | null {
  return waiting.get(tenant) ?? null;
}

export function takeSsoFailure(tenant: string) {
  waiting.delete(tenant);
}

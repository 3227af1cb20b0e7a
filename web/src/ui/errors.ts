import { ApiError, NetworkError } from '../api/problem';
import type { I18n } from '../i18n';

/** One sentence for a person, from whatever a call threw. */
export function describeError(e: unknown, i18n: I18n): string {
  if (e instanceof NetworkError) return i18n.t('error.offline');
  if (e instanceof ApiError) {
    if (e.code === 'rate_limited' && e.retryAfter !== null) return i18n.t('login.throttled', { seconds: e.retryAfter });
    return e.detail;
  }
  return i18n.t('error.generic', { detail: e instanceof Error ? e.message : String(e) });
}

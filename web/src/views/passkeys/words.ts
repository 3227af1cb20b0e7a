// Passkeys in words: what went wrong at the browser or the server, said
// in the person's language (never a DOMException's own message), and the
// name a new passkey is offered ("Chrome on Linux").
import { ApiError } from '../../api/problem';
import { PasskeyError, type PasskeyProblem } from '../../api/passkeys';
import type { I18n, Key } from '../../i18n';
import { describeError } from '../../ui/errors';

const BROWSER_WORDS: Record<PasskeyProblem, Key> = {
  unsupported: 'passkey.unsupported',
  cancelled: 'passkey.cancelled',
  exists: 'passkey.exists',
  address: 'passkey.address',
  failed: 'passkey.failed',
};

/** A browser-side failure in words, or null when `e` is not one. */
export function browserProblem(e: unknown, i18n: I18n): string | null {
  return e instanceof PasskeyError ? i18n.t(BROWSER_WORDS[e.kind]) : null;
}

/** Why signing in with a passkey (without a password) did not work. */
export function signInError(e: unknown, i18n: I18n): string {
  const browser = browserProblem(e, i18n);
  if (browser) return browser;
  if (e instanceof ApiError) {
    if (e.status === 401) return i18n.t('passkey.notAccepted');
    if (e.code === 'sso_required') return i18n.t('login.ssoRequired');
    // 404: a server without passkeys; 403 (not sso_required): one without a public host to bind them to.
    if (e.status === 404 || e.status === 403) return i18n.t('passkey.notOffered');
  }
  return describeError(e, i18n);
}

/** Why adding a passkey did not work (a refused name is said at its field instead). */
export function addError(e: unknown, i18n: I18n): string {
  const browser = browserProblem(e, i18n);
  if (browser) return browser;
  if (e instanceof ApiError) {
    if (e.status === 401) return i18n.t('passkey.addRefused');
    if (e.status === 409) return i18n.t('passkey.tooMany');
    // The web app signs in people, never API keys: a 403 is a server without a public host for passkeys.
    if (e.status === 403) return i18n.t('passkey.addForbidden');
  }
  return describeError(e, i18n);
}

const BROWSERS: [RegExp, string][] = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\b(OPR|Opera)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(Firefox|FxiOS)\//, 'Firefox'],
  [/\b(Chrome|HeadlessChrome|CriOS|Chromium)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*Safari\//, 'Safari'],
];

const SYSTEMS: [RegExp, string][] = [
  [/\bWindows\b/, 'Windows'],
  [/\bAndroid\b/, 'Android'],
  [/\biPhone\b/, 'iOS'],
  [/\biPad\b/, 'iPadOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

/**
 * A name for a passkey made in this browser, such as "Chrome on Linux", so
 * the list tells the person's devices apart; they may change it.
 */
export function defaultPasskeyName(i18n: I18n, userAgent: string = typeof navigator === 'undefined' ? '' : navigator.userAgent): string {
  const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1];
  const os = SYSTEMS.find(([re]) => re.test(userAgent))?.[1];
  if (browser && os) return i18n.t('passkey.defaultName', { browser, os });
  return browser ?? os ?? i18n.t('passkey.defaultNameBare');
}

// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { PasskeyError } from '../../api/passkeys';
import { ApiError } from '../../api/problem';
import { translate, type I18n, type Key, type Lang } from '../../i18n';
import { addError, defaultPasskeyName, signInError } from './words';

const i18n = (lang: Lang) => ({ t: (k: Key, p?: Record<string, string | number>) => translate(lang, k, p) }) as I18n;

const UA = {
  chromeLinux: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  edgeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  firefoxAndroid: 'Mozilla/5.0 (Android 14; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0',
  chromeAndroid: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
};

describe('a new passkey’s name', () => {
  it('is the browser and system, in the person’s language', () => {
    expect(defaultPasskeyName(i18n('en'), UA.chromeLinux)).toBe('Chrome on Linux');
    expect(defaultPasskeyName(i18n('en'), UA.edgeWindows)).toBe('Edge on Windows');
    expect(defaultPasskeyName(i18n('en'), UA.safariMac)).toBe('Safari on macOS');
    expect(defaultPasskeyName(i18n('en'), UA.safariIphone)).toBe('Safari on iOS');
    expect(defaultPasskeyName(i18n('en'), UA.firefoxAndroid)).toBe('Firefox on Android');
    expect(defaultPasskeyName(i18n('de'), UA.chromeAndroid)).toBe('Chrome unter Android');
    expect(defaultPasskeyName(i18n('en'), UA.chromeLinux.replace('Chrome/', 'HeadlessChrome/'))).toBe('Chrome on Linux');
    expect(defaultPasskeyName(i18n('de'), 'curl/8.0')).toBe('Dieser Browser');
  });
});

describe('passkey failures in words', () => {
  const en = i18n('en');
  it('says what the browser did, never its exception', () => {
    expect(signInError(new PasskeyError('cancelled'), en)).toMatch(/^No passkey was used/);
    expect(addError(new PasskeyError('exists'), en)).toMatch(/^This device already holds a passkey/);
    expect(addError(new PasskeyError('address'), en)).toMatch(/not an IP address/);
  });

  it('says what the server refused', () => {
    const problem = (status: number, code: string) => new ApiError({ status, code, detail: 'English detail' });
    expect(signInError(problem(401, 'unauthorized'), en)).toBe('This passkey was not accepted. Try again, or sign in with your password.');
    expect(signInError(problem(403, 'sso_required'), en)).toMatch(/single sign-on/);
    expect(signInError(problem(404, 'not_found'), en)).toBe('This workspace does not offer passkeys. Sign in with your password.');
    expect(signInError(problem(403, 'forbidden'), en)).toBe('This workspace does not offer passkeys. Sign in with your password.');
    expect(addError(problem(403, 'forbidden'), en)).toBe('Passkeys are not set up on this server yet. Ask an administrator.');
    expect(signInError(new ApiError({ status: 429, code: 'rate_limited' }, 30), en)).toBe('Too many attempts. Try again in 30 s.');
    expect(addError(problem(409, 'conflict'), en)).toBe('You have the most passkeys allowed (20). Remove one first.');
    expect(addError(problem(401, 'unauthorized'), en)).toMatch(/^The passkey was not added/);
  });
});

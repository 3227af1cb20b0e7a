// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { ApiError, NetworkError } from '../../api/problem';
import { translate, type I18n, type Lang } from '../../i18n';
import { exchangeFailure, SSO_ERROR_CODES, ssoFailureText } from './failure';

const i18n = (lang: Lang) => ({ lang, t: (k, p) => translate(lang, k, p) }) as I18n;

describe('a single sign-on that failed, in words', () => {
  it('has its own sentence for every code the server names, in English and German', () => {
    const server = ['sso_state_invalid', 'sso_denied', 'sso_token_invalid', 'sso_email_unverified', 'sso_domain_not_allowed',
      'sso_user_disabled', 'sso_provider_unavailable', 'quota_exceeded'];
    expect(SSO_ERROR_CODES).toEqual(expect.arrayContaining(server));
    for (const lang of ['en', 'de'] as const) {
      const texts = SSO_ERROR_CODES.map((code) => ssoFailureText(i18n(lang), { code }));
      expect(new Set(texts).size, lang).toBe(SSO_ERROR_CODES.length);
      for (const [n, text] of texts.entries()) {
        expect(text, SSO_ERROR_CODES[n]).not.toMatch(/^sso\.|\(sso_|quota_exceeded/);
      }
    }
    expect(ssoFailureText(i18n('de'), { code: 'sso_denied' })).toMatch(/^Ihr Identitätsanbieter hat Sie nicht angemeldet/);
  });

  it('names a code it does not know, rather than saying nothing', () => {
    expect(ssoFailureText(i18n('en'), { code: 'sso_new_thing' })).toBe('Single sign-on did not work (sso_new_thing). Try again, or ask an administrator.');
  });

  it('takes a refused exchange as a spent code, and says anything else as it is', () => {
    expect(exchangeFailure(new ApiError({ status: 401, code: 'unauthorized' }))).toEqual({ code: 'sso_code_spent' });
    const offline = exchangeFailure(new NetworkError());
    expect(ssoFailureText(i18n('en'), offline)).toBe(translate('en', 'error.offline'));
  });
});

// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { ApiClient, refresher } from './client';
import { ApiError } from './problem';
import { endSessionUrl, exchangeSsoCode, getSsoSignIn, ssoStartUrl } from './sso';
import { TokenStore } from './tokens';

function memStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, v),
  };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' } });

/** A client (signed in, so a bearer token would show) whose fetch answers with `handler`. */
function setup(handler: (url: string, init: RequestInit) => Response) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchImpl = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    calls.push({ url: String(input), init });
    return handler(String(input), init);
  }) as unknown as typeof fetch;
  const tokens = new TokenStore('acme', refresher('acme', fetchImpl), memStorage());
  tokens.set({ access_token: 'a1', refresh_token: 'r1', token_type: 'Bearer', expires_in: 900 });
  return { api: new ApiClient('acme', tokens, {}, fetchImpl), calls };
}
const headers = (init: RequestInit) => init.headers as Record<string, string>;

describe('signing in with single sign-on', () => {
  it('reads the providers without a bearer token, and a server without them as none', async () => {
    const { api, calls } = setup(() => json(200, { providers: [{ id: 'p1', name: 'Acme Okta' }], sso_required: true }));
    expect(await getSsoSignIn(api)).toEqual({ providers: [{ id: 'p1', name: 'Acme Okta' }], sso_required: true });
    expect(calls[0]!.url).toBe('/t/acme/api/v1/auth/sso/providers');
    expect(headers(calls[0]!.init).authorization).toBeUndefined();

    const sparse = setup(() => json(200, {}));
    expect(await getSsoSignIn(sparse.api)).toEqual({ providers: [], sso_required: false });
  });

  it('starts at the server with the way back as a query parameter', () => {
    const { api } = setup(() => json(500, {}));
    expect(ssoStartUrl(api, 'p1', '/t/acme/deals?stage=won')).toBe('/t/acme/api/v1/auth/sso/p1/start?return_to=%2Ft%2Facme%2Fdeals%3Fstage%3Dwon');
    expect(ssoStartUrl(api, 'a/b', null)).toBe('/t/acme/api/v1/auth/sso/a%2Fb/start');
  });

  it('exchanges the one-time code without a bearer token, and hands over a refusal without refreshing', async () => {
    const pair = { access_token: 'a2', refresh_token: 'r2', token_type: 'Bearer', expires_in: 900 };
    const { api, calls } = setup((url) => (url.endsWith('/exchange') ? json(200, pair) : json(404, {})));
    expect(await exchangeSsoCode(api, 'c0de')).toEqual(pair);
    expect(calls[0]!.init.method).toBe('POST');
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ code: 'c0de' });
    expect(headers(calls[0]!.init).authorization).toBeUndefined();

    const spent = setup(() => json(401, { status: 401, code: 'unauthorized', detail: 'The code is spent.' }));
    const e = await exchangeSsoCode(spent.api, 'c0de').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(401);
    expect(spent.calls.map((c) => c.url)).toEqual(['/t/acme/api/v1/auth/sso/exchange']);
  });

  it("follows only an http(s) address to the provider's sign-out", () => {
    expect(endSessionUrl({ end_session_url: 'https://idp.example/logout?id_token_hint=x' })).toBe('https://idp.example/logout?id_token_hint=x');
    expect(endSessionUrl({ end_session_url: 'http://127.0.0.1:9000/logout' })).toBe('http://127.0.0.1:9000/logout');
    expect(endSessionUrl({ end_session_url: 'javascript:alert(1)' })).toBeNull();
    expect(endSessionUrl({ end_session_url: '/relative' })).toBeNull();
    expect(endSessionUrl({})).toBeNull();
    expect(endSessionUrl(undefined)).toBeNull();
  });
});

// The way back from single sign-on, through the whole tenant app:
// `/t/acme/login/sso#code=…` takes the code out of the address bar at
// once, exchanges it (once, even under StrictMode), keeps the tokens as a
// password sign-in does, and goes on to `return_to` only when it is a path
// in this workspace. `#error=…` and a refused exchange are said on the
// sign-in page, with the provider buttons still there.
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, expect, it, vi } from 'vitest';
import type { Me } from '../../api/types';
import { TenantApp } from '../../app/TenantApp';
import { translate, type Key } from '../../i18n';
import { FakeSocket } from '../../realtime/fake-socket';
import { json } from '../../test/render';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  history.replaceState(null, '', '/');
});

const pair = { access_token: 'x.eyJzdWIiOiJ1MSJ9.y', refresh_token: 'r-sso', token_type: 'Bearer', expires_in: 900 };
// Nobody with an area: home is a page of its own, and nothing else is asked for.
const me: Me = {
  user: { id: 'u1', email: 'ann@acme.example', name: 'Ann', kind: 'staff', mfa_enabled: false },
  tenant: { id: 't', slug: 'acme', name: 'Acme' },
  roles: [], teams: [], permissions: [], mfa_enrollment_required: false,
};

/** Opens `/t/acme/login/sso<hash>`; `exchange` plays the server's `POST /auth/sso/exchange`. */
function open(hash: string, exchange: (body: unknown) => Response = () => json(200, pair), strict = false) {
  const calls: { method: string; path: string; body: unknown; headers: Record<string, string> }[] = [];
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const path = new URL(String(input), 'http://localhost').pathname.replace(/^\/t\/acme\/api\/v1/, '');
      const method = init.method ?? 'GET';
      const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
      calls.push({ method, path, body, headers: (init.headers ?? {}) as Record<string, string> });
      if (path === '/branding') return json(200, { slug: 'acme', name: 'Acme GmbH' });
      if (path === '/auth/sso/providers') return json(200, { providers: [{ id: 'p1', name: 'Acme Okta' }], sso_required: false });
      if (path === '/auth/sso/exchange') return exchange(body);
      if (path === '/me') return json(200, me);
      if (path === '/realtime/ticket') return json(200, { ticket: 't', expires_in: 30 });
      return json(404, { status: 404, code: 'not_found', detail: 'no route' });
    }),
  );
  localStorage.clear();
  localStorage.setItem('mandant:lang', 'en');
  history.replaceState(null, '', `/t/acme/login/sso${hash}`);
  const app = <TenantApp tenant="acme" />;
  render(strict ? <StrictMode>{app}</StrictMode> : app);
  return calls;
}

const exchanges = <C extends { path: string }>(calls: C[]) => calls.filter((c) => c.path === '/auth/sso/exchange');
const stored = () => JSON.parse(localStorage.getItem('mandant:session:acme') ?? 'null') as Record<string, unknown> | null;

it('takes the code out of the address, exchanges it once, keeps the tokens as a password sign-in does, and returns', async () => {
  const calls = open('#code=code-one&return_to=%2Ft%2Facme%2Fcontacts%3Fq%3Dann', undefined, true);
  // Out of the address (and so the history) before the exchange has answered.
  expect(location.hash).toBe('');
  expect(location.pathname).toBe('/t/acme/login/sso');
  expect(screen.getByRole('status').textContent).toBe('Signing you in…');

  await waitFor(() => expect(location.pathname + location.search).toBe('/t/acme/contacts?q=ann'));
  const posted = exchanges(calls);
  expect(posted).toHaveLength(1);
  expect(posted[0]!.method).toBe('POST');
  expect(posted[0]!.body).toEqual({ code: 'code-one' });
  expect(posted[0]!.headers.authorization).toBeUndefined();
  // The session's own `signIn`: the pair under the tenant's key, with its expiry, and `/me` read with it.
  const s = stored();
  expect(Object.keys(s ?? {}).sort()).toEqual(['access_token', 'expires_at', 'refresh_token']);
  expect(s).toMatchObject({ access_token: pair.access_token, refresh_token: 'r-sso' });
  expect(calls.find((c) => c.path === '/me')?.headers.authorization).toBe(`Bearer ${pair.access_token}`);
});

it.each([
  ['an absolute address', 'https://evil.example/t/acme/contacts'],
  ['a scheme-relative address', '//evil.example/t/acme/contacts'],
  ["another workspace's path", '/t/other/contacts'],
])('goes home instead of following %s', async (_what, returnTo) => {
  open(`#code=code-${encodeURIComponent(returnTo)}&return_to=${encodeURIComponent(returnTo)}`);
  await waitFor(() => expect(stored()?.refresh_token).toBe('r-sso'));
  await waitFor(() => expect(location.pathname).toBe('/t/acme/'));
  expect(location.href).toBe(`${location.origin}/t/acme/`);
});

it('goes home without a way back', async () => {
  open('#code=code-home');
  await waitFor(() => expect(location.pathname).toBe('/t/acme/'));
  expect(stored()?.refresh_token).toBe('r-sso');
});

it('says on the sign-in page when the code was spent, and keeps no session', async () => {
  const calls = open('#code=code-spent&return_to=%2Ft%2Facme%2Fcontacts', () =>
    json(401, { status: 401, code: 'unauthorized', detail: 'The code is unknown, spent or expired.' }),
  );
  expect((await screen.findByRole('alert')).textContent).toBe('This sign-in has expired or was already used. Please sign in again.');
  expect(location.pathname).toBe('/t/acme/login');
  expect(location.hash).toBe('');
  expect(stored()).toBeNull();
  expect(await screen.findByRole('button', { name: 'Sign in with Acme Okta' })).toBeTruthy();
  expect(exchanges(calls)).toHaveLength(1);
});

const ERRORS: [string, Key][] = [
  ['sso_state_invalid', 'sso.error.stateInvalid'],
  ['sso_denied', 'sso.error.denied'],
  ['sso_token_invalid', 'sso.error.tokenInvalid'],
  ['sso_email_unverified', 'sso.error.emailUnverified'],
  ['sso_domain_not_allowed', 'sso.error.domainNotAllowed'],
  ['sso_user_disabled', 'sso.error.userDisabled'],
  ['sso_provider_unavailable', 'sso.error.providerUnavailable'],
  ['quota_exceeded', 'sso.error.quotaExceeded'],
];

it.each(ERRORS)('says %s on the sign-in page, in words, with the providers still offered', async (code, key) => {
  const calls = open(`#error=${code}`);
  const alert = await screen.findByRole('alert');
  expect(alert.textContent).toBe(translate('en', key));
  expect(location.pathname).toBe('/t/acme/login');
  expect(location.hash).toBe('');
  expect(await screen.findByRole('button', { name: 'Sign in with Acme Okta' })).toBeTruthy();
  expect(screen.getByLabelText(/E-mail/)).toBeTruthy();
  expect(exchanges(calls)).toHaveLength(0);
});

it('says when it was opened without a code', async () => {
  open('');
  expect((await screen.findByRole('alert')).textContent).toBe('No sign-in came back from the identity provider. Please sign in again.');
  expect(location.pathname).toBe('/t/acme/login');
});

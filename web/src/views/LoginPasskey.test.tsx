// The sign-in page with passkeys: "Sign in with a passkey" without a
// password, its refusals in words, and a passkey as the second factor
// after a password (`401 mfa_required` with a challenge).
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { json, renderApp, type Handler } from '../test/render';
import { ASSERTION_JSON, cancelled, installWebAuthn, removeWebAuthn, REQUEST } from '../test/webauthn';
import { Login } from './Login';

afterEach(() => {
  cleanup();
  removeWebAuthn();
  vi.unstubAllGlobals();
});

const pair = { access_token: 'a.eyJzdWIiOiJ1MSJ9.b', refresh_token: 'r-passkey', token_type: 'Bearer', expires_in: 900 };
const me = { user: { id: 'u1', email: 'ann@acme.example', name: 'Ann', kind: 'staff', mfa_enabled: false }, tenant: { id: 't', slug: 'acme', name: 'Acme' }, roles: [], teams: [], permissions: [], mfa_enrollment_required: false };

function page(handler: Handler, opts: { portal?: boolean; sso?: unknown } = {}) {
  return renderApp(<Login tenant="acme" branding={{ slug: 'acme', name: 'Acme GmbH' }} portal={opts.portal} />, (method, path, body, headers) => {
    if (path === '/me') return json(200, me);
    if (path === '/auth/sso/providers') return opts.sso ? json(200, opts.sso) : undefined;
    return handler(method, path, body, headers);
  });
}

const signInButton = () => screen.getByRole('button', { name: 'Sign in with a passkey' });

it('signs in with a passkey alone, keeping the pair as a password sign-in does', async () => {
  const { get } = installWebAuthn();
  const finishes: unknown[] = [];
  const { services, calls } = page((method, path, body) => {
    if (method === 'POST' && path === '/auth/passkey/start') return json(200, { flow_id: 'f-sign', options: REQUEST });
    if (method === 'POST' && path === '/auth/passkey/finish') {
      finishes.push(body);
      return json(200, pair);
    }
    return undefined;
  });
  // Below the password form, which stays the first way.
  expect(screen.getByLabelText(/E-mail/).compareDocumentPosition(signInButton()) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  fireEvent.click(signInButton());
  await waitFor(() => expect(services.tokens.get()?.refresh_token).toBe('r-passkey'));
  expect(finishes).toEqual([{ flow_id: 'f-sign', credential: ASSERTION_JSON }]);
  // A dialog, not the autofill webauthn-rs marks its challenge for.
  const asked = get.mock.calls[0]![0];
  expect(asked.mediation).toBeUndefined();
  expect([...new Uint8Array(asked.publicKey!.challenge as ArrayBuffer)]).toEqual([9, 9, 9]);
  // Signed out: no bearer token on either call; then /me, as after a password.
  expect(calls.filter((c) => c.path.startsWith('/auth/passkey/')).map((c) => c.headers.authorization)).toEqual([undefined, undefined]);
  await waitFor(() => expect(calls.some((c) => c.path === '/me')).toBe(true));
});

it('says in words when the passkey is not accepted, the person cancels, or single sign-on is required', async () => {
  const { get } = installWebAuthn();
  let answer = 401;
  page((_method, path) => {
    if (path === '/auth/passkey/start') return json(200, { flow_id: 'f', options: REQUEST });
    if (path === '/auth/passkey/finish') {
      return answer === 401
        ? json(401, { status: 401, code: 'unauthorized', detail: 'The passkey was not accepted, or the ceremony expired.' })
        : json(403, { status: 403, code: 'sso_required', detail: 'Sign in with single sign-on.' });
    }
    return undefined;
  }, { sso: { providers: [{ id: 'p1', name: 'Acme Okta' }], sso_required: false } });
  await screen.findByRole('button', { name: 'Sign in with Acme Okta' });

  fireEvent.click(signInButton());
  expect((await screen.findByRole('alert')).textContent).toBe('This passkey was not accepted. Try again, or sign in with your password.');

  get.mockRejectedValueOnce(cancelled());
  fireEvent.click(signInButton());
  await screen.findByText('No passkey was used: it was cancelled, or the time ran out. Try again when you are ready.');
  expect(screen.queryByRole('alert')).toBeNull();

  answer = 403;
  fireEvent.click(signInButton());
  expect((await screen.findByRole('alert')).textContent).toBe("This workspace signs in with single sign-on. Choose your organisation's sign-in below.");
  // As after a password refused for it: the providers first, the rest folded away.
  expect(screen.queryByLabelText(/E-mail/)).toBeNull();
  expect(screen.queryByRole('button', { name: 'Sign in with a passkey' })).toBeNull();
  expect(screen.getByRole('button', { name: 'Sign in with a password (owners)' })).toBeTruthy();
});

it('offers no passkey button where the browser has none, nor on the customer portal', async () => {
  removeWebAuthn();
  const first = page(() => undefined);
  await waitFor(() => expect(first.calls.some((c) => c.path === '/auth/sso/providers')).toBe(true));
  expect(screen.queryByRole('button', { name: 'Sign in with a passkey' })).toBeNull();
  cleanup();
  installWebAuthn();
  page(() => undefined, { portal: true });
  expect(screen.getByLabelText(/E-mail/)).toBeTruthy();
  expect(screen.queryByRole('button', { name: 'Sign in with a passkey' })).toBeNull();
});

it('answers the second factor with a passkey: the challenge from mfa_required, then the password again with the answer', async () => {
  const { get } = installWebAuthn();
  const logins: Record<string, unknown>[] = [];
  const { services } = page((_method, path, body) => {
    if (path !== '/auth/login') return undefined;
    const b = body as Record<string, unknown>;
    logins.push(b);
    if (!b.passkey && !b.totp_code) return json(401, { status: 401, code: 'mfa_required', detail: 'MFA', passkey: { flow_id: 'f-2nd', options: { publicKey: REQUEST.publicKey } } });
    return json(200, pair);
  });
  fireEvent.change(screen.getByLabelText(/E-mail/), { target: { value: 'ann@acme.example' } });
  fireEvent.change(screen.getByLabelText(/Password/), { target: { value: 'secret-pass' } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));

  const use = await screen.findByRole('button', { name: 'Use your passkey' });
  // The code stays an option beside it.
  expect(screen.getByLabelText(/Authentication code/)).toBeTruthy();
  expect(screen.getByText('Confirm with your passkey, or enter a code from your authenticator app.')).toBeTruthy();
  fireEvent.click(use);
  await waitFor(() => expect(services.tokens.get()?.refresh_token).toBe('r-passkey'));
  expect(get).toHaveBeenCalledTimes(1);
  expect(logins).toEqual([
    { email: 'ann@acme.example', password: 'secret-pass' },
    { email: 'ann@acme.example', password: 'secret-pass', passkey: { flow_id: 'f-2nd', credential: ASSERTION_JSON } },
  ]);
});

it('says when the passkey is refused as second factor, and asks for a fresh challenge on the next try', async () => {
  const { get } = installWebAuthn();
  const logins: Record<string, unknown>[] = [];
  let challenges = 0;
  let refuse = true;
  const { services } = page((_m, path, body) => {
    if (path !== '/auth/login') return undefined;
    const b = body as Record<string, unknown>;
    logins.push(b);
    if (!b.passkey) {
      challenges++;
      return json(401, { status: 401, code: 'mfa_required', passkey: { flow_id: `f-${challenges}`, options: { publicKey: REQUEST.publicKey } } });
    }
    if (refuse) return json(401, { status: 401, code: 'mfa_invalid', detail: 'Invalid code.' });
    return json(200, pair);
  });
  fireEvent.change(screen.getByLabelText(/E-mail/), { target: { value: 'ann@acme.example' } });
  fireEvent.change(screen.getByLabelText(/Password/), { target: { value: 'pw' } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));

  // Cancelled at the browser: nothing sent, the challenge kept.
  get.mockRejectedValueOnce(cancelled());
  fireEvent.click(await screen.findByRole('button', { name: 'Use your passkey' }));
  await screen.findByText('No passkey was used: it was cancelled, or the time ran out. Try again when you are ready.');
  expect(logins).toHaveLength(1);

  fireEvent.click(screen.getByRole('button', { name: 'Use your passkey' }));
  expect((await screen.findByRole('alert')).textContent).toBe('Your passkey was not accepted. Try again, or enter a code instead.');
  expect((logins[1]!.passkey as { flow_id: string }).flow_id).toBe('f-1');

  refuse = false;
  fireEvent.click(screen.getByRole('button', { name: 'Use your passkey' }));
  await waitFor(() => expect(services.tokens.get()?.refresh_token).toBe('r-passkey'));
  // The first challenge was spent: the password once more for a new one.
  expect(logins.slice(2).map((b) => (b.passkey as { flow_id: string } | undefined)?.flow_id ?? 'password')).toEqual(['password', 'f-2']);
});

it('keeps the code as the only way for an account without passkeys', async () => {
  installWebAuthn();
  page((_m, path) => (path === '/auth/login' ? json(401, { status: 401, code: 'mfa_required' }) : undefined));
  fireEvent.change(screen.getByLabelText(/E-mail/), { target: { value: 'a@x' } });
  fireEvent.change(screen.getByLabelText(/Password/), { target: { value: 'pw' } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  await screen.findByLabelText(/Authentication code/);
  expect(screen.queryByRole('button', { name: 'Use your passkey' })).toBeNull();
  expect(screen.getByRole('button', { name: 'Verify' }).className).toContain('btn--primary');
});

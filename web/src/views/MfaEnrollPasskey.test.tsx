// MFA enrolment required by the workspace: a passkey is a second factor
// too, so adding one instead of an authenticator app frees the session.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { json, renderApp } from '../test/render';
import { CREATION, installWebAuthn, removeWebAuthn } from '../test/webauthn';
import { MfaEnroll } from './MfaEnroll';

afterEach(() => {
  cleanup();
  removeWebAuthn();
  vi.unstubAllGlobals();
});

const me = (required: boolean) => ({ user: { id: 'u1', email: 'a@x', name: 'Ann', kind: 'staff', mfa_enabled: false }, tenant: { id: 't', slug: 'acme', name: 'Acme' }, roles: ['agent'], teams: [], permissions: [], mfa_enrollment_required: required });

it('offers a passkey instead of the app, and reads /me again once it is added', async () => {
  installWebAuthn();
  let enrolled = false;
  const { calls } = renderApp(<MfaEnroll />, (method, path) => {
    if (path === '/me') return json(200, me(!enrolled));
    if (path === '/me/mfa/enroll') return json(200, { secret: 'JBSWY3DPEHPK3PXP', otpauth_uri: 'otpauth://totp/x' });
    if (path === '/me/passkeys/register/start') return json(200, { flow_id: 'f', options: CREATION });
    if (method === 'POST' && path === '/me/passkeys/register/finish') {
      enrolled = true;
      return json(201, { id: 'p1', name: 'Laptop', created_at: '2026-05-01T09:00:00Z', last_used_at: null });
    }
    return undefined;
  }, { signedIn: true });
  const section = await screen.findByTestId('mfa-passkey');
  expect(within(section).getByRole('heading', { name: 'Use a passkey instead' })).toBeTruthy();
  const mesBefore = calls.filter((c) => c.path === '/me').length;
  fireEvent.click(within(section).getByRole('button', { name: 'Add a passkey' }));
  const dialog = await screen.findByRole('dialog');
  fireEvent.change(within(dialog).getByLabelText(/Name/), { target: { value: 'Laptop' } });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Continue' }));
  await waitFor(() => expect(calls.filter((c) => c.path === '/me').length).toBeGreaterThan(mesBefore));
  expect(calls.some((c) => c.path === '/me/passkeys/register/finish')).toBe(true);
});

it('offers no passkey where the browser has none', async () => {
  removeWebAuthn();
  renderApp(<MfaEnroll />, (_m, path) => (path === '/me/mfa/enroll' ? json(200, { secret: 'S', otpauth_uri: 'otpauth://totp/x' }) : undefined), { signedIn: true });
  await screen.findByText('S');
  expect(screen.queryByTestId('mfa-passkey')).toBeNull();
});

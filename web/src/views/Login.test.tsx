import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { cleanup } from '@testing-library/react';
import { json, renderApp } from '../test/render';
import { Login } from './Login';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const pair = { access_token: 'a.eyJzdWIiOiJ1MSJ9.b', refresh_token: 'r1', token_type: 'Bearer', expires_in: 900 };
const me = { user: { id: 'u1', email: 'a@x', name: 'Ann', kind: 'staff', mfa_enabled: true }, tenant: { id: 't', slug: 'acme', name: 'Acme' }, roles: [], teams: [], permissions: [], mfa_enrollment_required: false };

it('asks for the TOTP code when the server says mfa_required, then sends it with the password', async () => {
  const logins: unknown[] = [];
  const { services } = renderApp(<Login tenant="acme" branding={{ slug: 'acme', name: 'Acme GmbH' }} />, (_method, path, body) => {
    if (path === '/auth/login') {
      logins.push(body);
      const b = body as { totp_code?: string };
      if (!b.totp_code) return json(401, { status: 401, code: 'mfa_required', detail: 'Enter your code.' });
      if (b.totp_code !== '123456') return json(401, { status: 401, code: 'mfa_invalid', detail: 'Wrong code.' });
      return json(200, pair);
    }
    if (path === '/me') return json(200, me);
    return undefined;
  });
  expect(screen.getByRole('heading', { name: 'Sign in to Acme GmbH' })).toBeTruthy();
  fireEvent.change(screen.getByLabelText(/E-mail/), { target: { value: 'ann@acme.example' } });
  fireEvent.change(screen.getByLabelText(/Password/), { target: { value: 'secret-pass' } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));

  const code = await screen.findByLabelText(/Authentication code/);
  fireEvent.change(code, { target: { value: '000 000' } });
  fireEvent.click(screen.getByRole('button', { name: 'Verify' }));
  expect(await screen.findByText('That code is not valid. Try the next one.')).toBeTruthy();
  expect(code.getAttribute('aria-invalid')).toBe('true');

  fireEvent.change(code, { target: { value: '123 456' } });
  fireEvent.click(screen.getByRole('button', { name: 'Verify' }));
  await waitFor(() => expect(services.tokens.get()?.refresh_token).toBe('r1'));
  expect(logins).toEqual([
    { email: 'ann@acme.example', password: 'secret-pass' },
    { email: 'ann@acme.example', password: 'secret-pass', totp_code: '000000' },
    { email: 'ann@acme.example', password: 'secret-pass', totp_code: '123456' },
  ]);
});

it('offers a recovery code instead, and says when the password is wrong', async () => {
  const bodies: unknown[] = [];
  renderApp(<Login tenant="acme" branding={null} />, (_m, path, body) => {
    if (path !== '/auth/login') return undefined;
    bodies.push(body);
    const b = body as { password: string; recovery_code?: string };
    if (b.password !== 'right') return json(401, { status: 401, code: 'invalid_credentials', detail: 'Invalid credentials' });
    if (!b.recovery_code) return json(401, { status: 401, code: 'mfa_required' });
    return json(429, { status: 429, code: 'rate_limited', detail: 'slow down' }, { 'retry-after': '30' });
  });
  fireEvent.change(screen.getByLabelText(/E-mail/), { target: { value: 'a@x' } });
  fireEvent.change(screen.getByLabelText(/Password/), { target: { value: 'wrong' } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  expect((await screen.findByRole('alert')).textContent).toBe('E-mail or password is wrong.');

  fireEvent.change(screen.getByLabelText(/Password/), { target: { value: 'right' } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  fireEvent.click(await screen.findByRole('button', { name: 'Use a recovery code instead' }));
  fireEvent.change(screen.getByLabelText(/Recovery code/), { target: { value: 'abcd-efgh' } });
  fireEvent.click(screen.getByRole('button', { name: 'Verify' }));
  expect((await screen.findByRole('alert')).textContent).toBe('Too many attempts. Try again in 30 s.');
  expect(bodies.at(-1)).toEqual({ email: 'a@x', password: 'right', recovery_code: 'abcd-efgh' });
});

import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { json, renderApp } from '../test/render';
import { Login } from './Login';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const ACCEPTED = { status: 'accepted', detail: 'SERVER WORDING' };

it('sends a reset link for the address typed, and says the same neutral sentence whatever the server knows', async () => {
  const { calls } = renderApp(<Login tenant="acme" branding={{ slug: 'acme', name: 'Acme GmbH' }} />, (method, path) =>
    method === 'POST' && path === '/auth/password-reset' ? json(202, ACCEPTED) : undefined,
  );
  fireEvent.change(screen.getByLabelText(/E-mail/), { target: { value: 'ann@acme.example' } });
  fireEvent.click(screen.getByRole('button', { name: 'Forgot your password?' }));

  // The address typed for signing in is taken along.
  const email = screen.getByLabelText(/E-mail/) as HTMLInputElement;
  expect(email.value).toBe('ann@acme.example');
  expect(screen.queryByLabelText(/Password/)).toBeNull();
  fireEvent.change(email, { target: { value: ' nobody@acme.example ' } });
  fireEvent.click(screen.getByRole('button', { name: 'Send link' }));

  expect((await screen.findByRole('status')).textContent).toBe(
    'If an account has this address, a link to set a new password is on its way. Check your inbox; the link works once, for 30 minutes.',
  );
  // Our words, not the server's English `detail`.
  expect(document.body.textContent).not.toContain('SERVER WORDING');
  const post = calls.find((c) => c.path === '/auth/password-reset');
  expect(post?.body).toEqual({ email: 'nobody@acme.example' });
  expect(post?.headers.authorization).toBeUndefined();

  fireEvent.click(screen.getByRole('button', { name: 'Back to sign-in' }));
  expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy();
});

it('says when to try again when the server throttles, and asks for an address before sending', async () => {
  let retryAfter: string | null = '42';
  const { calls } = renderApp(<Login tenant="acme" branding={null} forgot />, (method, path) => {
    if (method !== 'POST' || path !== '/auth/password-reset') return undefined;
    return json(429, { status: 429, code: 'rate_limited', detail: 'Too many requests' }, retryAfter ? { 'retry-after': retryAfter } : {});
  });
  fireEvent.click(screen.getByRole('button', { name: 'Send link' }));
  expect(await screen.findByText('Enter your e-mail address.')).toBeTruthy();
  expect(calls.filter((c) => c.path === '/auth/password-reset')).toEqual([]);

  fireEvent.change(screen.getByLabelText(/E-mail/), { target: { value: 'ann@acme.example' } });
  fireEvent.click(screen.getByRole('button', { name: 'Send link' }));
  expect((await screen.findByRole('alert')).textContent).toBe('Too many requests. Try again in 42 s.');
  expect(screen.queryByRole('status')).toBeNull();

  retryAfter = null;
  fireEvent.click(screen.getByRole('button', { name: 'Send link' }));
  expect(await screen.findByText('Too many requests. Try again in a few minutes.')).toBeTruthy();
});

// Admin > Users and invitations: a new user is invited by e-mail unless
// the admin sets a password now, and anyone active can be invited again.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { Me } from '../../api/types';
import { FakeSocket } from '../../realtime/fake-socket';
import { json, renderApp, type Handler } from '../../test/render';
import type { UserSummary } from '../support/hooks';
import { Users } from './Users';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const me: Me = {
  user: { id: 'u1', email: 'admin@x.example', name: 'Ada Admin', kind: 'staff', mfa_enabled: false },
  tenant: { id: 't', slug: 'acme', name: 'Acme' },
  roles: ['admin'],
  teams: [],
  permissions: ['users:read', 'admin:users'].map((permission) => ({ permission, scope: 'all', hidden_fields: [] })),
  mfa_enrollment_required: false,
};

const user = (id: string, name: string, email: string, extra: Partial<UserSummary> = {}): UserSummary => ({
  id, name, email, kind: 'staff', roles: ['agent'], teams: [], status: 'active', ...extra,
});
const ADA = user('u1', 'Ada Admin', 'admin@x.example', { roles: ['admin'] });
const BEN = user('u2', 'Ben Boss', 'ben@x.example', { roles: ['owner'] });
const CARL = user('u3', 'Carl Clerk', 'carl@x.example');
const DORA = user('u4', 'Dora Gone', 'dora@x.example', { status: 'disabled' });

function page(more: Handler = () => undefined) {
  FakeSocket.all = [];
  history.replaceState(null, '', '/t/acme/admin/users');
  return renderApp(<Users tenant="acme" />, (method, path, body, headers) => {
    const answer = more(method, path, body, headers);
    if (answer) return answer;
    if (path === '/me') return json(200, me);
    if (method === 'GET' && path.startsWith('/users')) return json(200, { items: [ADA, BEN, CARL, DORA], next_cursor: null });
    if (path.startsWith('/teams')) return json(200, { items: [], next_cursor: null });
    if (path.startsWith('/roles')) return json(200, { items: [{ name: 'admin' }, { name: 'agent' }, { name: 'owner' }], next_cursor: null });
    return undefined;
  }, { signedIn: true });
}

const created = (body: unknown) => json(201, { ...user('u9', 'x', 'x'), ...(body as object) });

it('invites a new user by e-mail by default: invite true, and no password sent', async () => {
  const { calls } = page((method, path, body) => (method === 'POST' && path === '/users' ? created(body) : undefined));
  const form = await screen.findByRole('region', { name: 'New user' });
  const invite = within(form).getByRole('radio', { name: 'Send an invitation by e-mail' }) as HTMLInputElement;
  expect(invite.checked).toBe(true);
  // No password to type while inviting.
  expect(within(form).queryByLabelText(/^Password/)).toBeNull();
  fireEvent.change(within(form).getByLabelText(/^E-mail/), { target: { value: 'eva@x.example' } });
  fireEvent.change(within(form).getByLabelText(/^Name/), { target: { value: 'Eva Neu' } });
  fireEvent.click(within(form).getByRole('button', { name: 'Create' }));

  expect((await within(form).findByRole('status')).textContent).toBe('Eva Neu was added; an invitation is on its way to eva@x.example.');
  const post = calls.find((c) => c.method === 'POST' && c.path === '/users');
  expect(post?.body).toEqual({ email: 'eva@x.example', name: 'Eva Neu', kind: 'staff', roles: ['agent'], teams: [], invite: true });
  expect(post?.body).not.toHaveProperty('password');
});

it('sets a password now when chosen: the password sent, and no invitation', async () => {
  const { calls } = page((method, path, body) => {
    if (method !== 'POST' || path !== '/users') return undefined;
    const b = body as { password: string };
    return b.password.length < 12
      ? json(422, { status: 422, code: 'validation_failed', detail: 'Invalid input', errors: [{ field: 'password', message: 'must be at least 12 characters long' }] })
      : created(body);
  });
  const form = await screen.findByRole('region', { name: 'New user' });
  fireEvent.click(within(form).getByRole('radio', { name: 'Set a password now' }));
  fireEvent.change(within(form).getByLabelText(/^E-mail/), { target: { value: 'eva@x.example' } });
  fireEvent.change(within(form).getByLabelText(/^Name/), { target: { value: 'Eva Neu' } });
  fireEvent.change(within(form).getByLabelText(/^Password/), { target: { value: 'short' } });
  fireEvent.click(within(form).getByRole('button', { name: 'Create' }));
  expect(await within(form).findByText('Must be at least 12 characters long.')).toBeTruthy();

  fireEvent.change(within(form).getByLabelText(/^Password/), { target: { value: 'a-long-first-password' } });
  fireEvent.click(within(form).getByRole('button', { name: 'Create' }));
  expect((await within(form).findByRole('status')).textContent).toBe('Eva Neu can sign in now.');
  const posts = calls.filter((c) => c.method === 'POST' && c.path === '/users');
  expect(posts.at(-1)?.body).toEqual({ email: 'eva@x.example', name: 'Eva Neu', kind: 'staff', roles: ['agent'], teams: [], password: 'a-long-first-password' });
});

it('sends an invitation again from a user’s row, and says why when the server refuses', async () => {
  const { calls } = page((method, path) => {
    if (method === 'POST' && path === '/users/u3/invite') return json(202, { status: 'queued', mail_id: 'm1' });
    if (method === 'POST' && path === '/users/u2/invite') {
      return json(403, { status: 403, code: 'forbidden', detail: 'This user holds permissions you do not hold; only someone who holds them may invite the user.' });
    }
    return undefined;
  });
  const row = (id: string) => document.querySelector<HTMLElement>(`tr[data-user="${id}"]`)!;
  const notice = (id: string) => document.querySelector<HTMLElement>(`tr[data-invite="${id}"]`);
  await waitFor(() => expect(row('u3')).toBeTruthy());

  fireEvent.click(within(row('u3')).getByRole('button', { name: 'Send invitation again to Carl Clerk' }));
  await waitFor(() => expect(notice('u3')?.textContent).toContain('An invitation is on its way to carl@x.example. Links sent earlier no longer work.'));
  expect(within(notice('u3')!).getByRole('status')).toBeTruthy();
  expect(calls.filter((c) => c.path === '/users/u3/invite')).toHaveLength(1);

  fireEvent.click(within(row('u2')).getByRole('button', { name: 'Send invitation again to Ben Boss' }));
  await waitFor(() => expect(within(notice('u2')!).getByRole('alert').querySelector('.alert__body')?.textContent).toBe(
    'Not sent: this user holds permissions you do not hold; only someone who holds them may invite the user.',
  ));
  fireEvent.click(within(notice('u2')!).getByRole('button', { name: 'Dismiss' }));
  expect(notice('u2')).toBeNull();

  // A disabled account cannot sign in: nothing to invite it to.
  expect(within(row('u4')).queryByRole('button', { name: /Send invitation/ })).toBeNull();
});

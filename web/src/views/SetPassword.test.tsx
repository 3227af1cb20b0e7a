// The page a reset or invitation mail links to, through the whole tenant
// app: reachable signed out, the token taken from the fragment and out of
// the address bar, the two passwords compared here, the server's refusals
// put where they belong, and on success the sign-in page with a notice.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { TenantApp } from '../app/TenantApp';
import { FakeSocket } from '../realtime/fake-socket';
import { json } from '../test/render';

const TOKEN = 'ab'.repeat(32);

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  history.replaceState(null, '', '/');
});

/** Opens `/t/acme/set-password<hash>`; `answer` plays the server's `POST /auth/set-password`. */
function open(hash: string, answer: (body: unknown) => Response = () => new Response(null, { status: 204 }), session = false) {
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
      if (path === '/auth/set-password') return answer(body);
      if (path === '/auth/logout') return new Response(null, { status: 204 });
      if (path === '/realtime/ticket') return json(200, { ticket: 't', expires_in: 30 });
      return json(404, { status: 404, code: 'not_found', detail: 'no route' });
    }),
  );
  localStorage.clear();
  localStorage.setItem('mandant:lang', 'en');
  if (session) {
    localStorage.setItem('mandant:session:acme', JSON.stringify({ access_token: 'x.eyJzdWIiOiJ1MSJ9.y', refresh_token: 'r', expires_at: Date.now() + 900_000 }));
  }
  history.replaceState(null, '', `/t/acme/set-password${hash}`);
  render(<TenantApp tenant="acme" />);
  return calls;
}

const posts = <C extends { path: string }>(calls: C[]) => calls.filter((c) => c.path === '/auth/set-password');

function fill(password: string, repeat = password) {
  fireEvent.change(screen.getByLabelText(/^New password/), { target: { value: password } });
  fireEvent.change(screen.getByLabelText(/^Repeat the new password/), { target: { value: repeat } });
  fireEvent.click(screen.getByRole('button', { name: 'Set password' }));
}

it('reads the token from the fragment, takes it out of the address bar, sets the password and goes to sign-in with a notice', async () => {
  const calls = open(`#token=${TOKEN}`);
  expect(await screen.findByRole('heading', { name: 'Set your password for Acme GmbH' })).toBeTruthy();
  // Out of the address (and so the history), before anything is typed.
  expect(location.hash).toBe('');
  expect(location.pathname).toBe('/t/acme/set-password');

  fill('a-long-new-password');
  await screen.findByRole('heading', { name: 'Sign in to Acme GmbH' });
  expect(location.pathname).toBe('/t/acme/login');
  expect(screen.getByRole('status').textContent).toBe('Your password is set. Sign in with it.');
  const [post] = posts(calls);
  expect(post?.body).toEqual({ token: TOKEN, password: 'a-long-new-password' });
  expect(post?.headers.authorization).toBeUndefined();
});

it('compares the two passwords before asking the server', async () => {
  const calls = open(`#token=${TOKEN}`);
  await screen.findByRole('heading', { name: 'Set your password for Acme GmbH' });
  fill('a-long-new-password', 'a-long-new-passwort');
  const repeat = screen.getByLabelText(/^Repeat the new password/);
  expect(await screen.findByText('The two passwords are not the same.')).toBeTruthy();
  expect(repeat.getAttribute('aria-invalid')).toBe('true');
  expect(posts(calls)).toEqual([]);
});

it('puts a refused password next to its field, in words', async () => {
  const calls = open(`#token=${TOKEN}`, () =>
    json(422, { status: 422, code: 'validation_failed', errors: [{ field: 'password', message: 'must be at least 12 characters long' }] }),
  );
  await screen.findByRole('heading', { name: 'Set your password for Acme GmbH' });
  fill('short');
  expect(await screen.findByText('Must be at least 12 characters long.')).toBeTruthy();
  expect(screen.getByLabelText(/^New password/).getAttribute('aria-invalid')).toBe('true');
  // The link still works: the form stays for another try.
  expect(screen.getByRole('button', { name: 'Set password' })).toBeTruthy();
  expect(posts(calls)).toHaveLength(1);
});

it('says for the page when the link is spent, with the way to a new one', async () => {
  open(`#token=${TOKEN}`, () =>
    json(422, { status: 422, code: 'validation_failed', errors: [{ field: 'token', message: 'is used, expired or unknown: ask for a new link' }] }),
  );
  await screen.findByRole('heading', { name: 'Set your password for Acme GmbH' });
  fill('a-long-new-password');
  expect((await screen.findByRole('alert')).textContent).toBe(
    'This link was used already, has expired, or was replaced by a newer one. Ask for a new link.',
  );
  expect(screen.queryByRole('button', { name: 'Set password' })).toBeNull();
  fireEvent.click(screen.getByRole('link', { name: 'Forgot your password?' }));
  // The sign-in page, open on "Forgot your password?".
  await screen.findByRole('button', { name: 'Send link' });
  expect(location.pathname + location.search).toBe('/t/acme/login?forgot');
});

it('tells a link the server did not send from a spent one, and a page opened without a token', async () => {
  open('#token=nonsense', () =>
    json(422, { status: 422, code: 'validation_failed', errors: [{ field: 'token', message: 'is not a link this server sent' }] }),
  );
  await screen.findByRole('heading', { name: 'Set your password for Acme GmbH' });
  fill('a-long-new-password');
  expect((await screen.findByRole('alert')).textContent).toContain('This link is not complete.');
  cleanup();

  open('');
  expect((await screen.findByRole('alert')).textContent).toBe(
    'This page needs the link from your e-mail. Open the link again, or ask for a new one.',
  );
  expect(screen.queryByLabelText(/^New password/)).toBeNull();
});

it('signs out a tab that was signed in, since the server ended that account’s sessions', async () => {
  const calls = open(`#token=${TOKEN}`, undefined, true);
  await screen.findByRole('heading', { name: 'Set your password for Acme GmbH' });
  fill('a-long-new-password');
  await screen.findByRole('heading', { name: 'Sign in to Acme GmbH' });
  expect(calls.some((c) => c.path === '/auth/logout')).toBe(true);
  await waitFor(() => expect(localStorage.getItem('mandant:session:acme')).toBeNull());
});

// The sign-in page with single sign-on: a button per provider that leaves
// for the server's start address (with the way back), and the password
// form folded away when the workspace requires single sign-on or refuses
// a password with `403 sso_required`.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { browser } from '../app/leave';
import { json, renderApp, type Handler } from '../test/render';
import { Login } from './Login';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const OKTA = { id: '7f0c6a1e-0000-4000-8000-000000000001', name: 'Acme Okta' };
const ENTRA = { id: '7f0c6a1e-0000-4000-8000-000000000002', name: 'Entra ID' };

function page(sso: { providers: { id: string; name: string }[]; sso_required: boolean } | null, more: Handler = () => undefined, next?: string) {
  const leave = vi.spyOn(browser, 'leave').mockImplementation(() => undefined);
  const r = renderApp(<Login tenant="acme" branding={{ slug: 'acme', name: 'Acme GmbH' }} next={next} />, (method, path, body, headers) => {
    if (path === '/auth/sso/providers') return sso ? json(200, sso) : undefined;
    return more(method, path, body, headers);
  });
  return { ...r, leave };
}

const passwordToggle = () => screen.getByRole('button', { name: 'Sign in with a password (owners)' });

it('offers a button per provider below the form, leaving for the start address with the way back', async () => {
  const { leave, calls } = page({ providers: [OKTA, ENTRA], sso_required: false }, undefined, '/t/acme/deals/42?tab=timeline');
  const buttons = await screen.findByRole('group', { name: 'Single sign-on' });
  expect(within(buttons).getAllByRole('button').map((b) => b.textContent)).toEqual(['Sign in with Acme Okta', 'Sign in with Entra ID']);
  // The password form comes first, and stays: single sign-on is an alternative here.
  expect(screen.getByLabelText(/E-mail/)).toBeTruthy();
  expect(screen.queryByRole('button', { name: 'Sign in with a password (owners)' })).toBeNull();
  expect(screen.getByLabelText(/E-mail/).compareDocumentPosition(buttons) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  expect(within(buttons).getByRole('button', { name: 'Sign in with Acme Okta' }).className).not.toContain('btn--primary');
  // The providers are public: no bearer token went along.
  expect(calls.find((c) => c.path === '/auth/sso/providers')?.headers.authorization).toBeUndefined();

  fireEvent.click(within(buttons).getByRole('button', { name: 'Sign in with Entra ID' }));
  expect(leave).toHaveBeenCalledTimes(1);
  expect(leave).toHaveBeenCalledWith(`/t/acme/api/v1/auth/sso/${ENTRA.id}/start?return_to=%2Ft%2Facme%2Fdeals%2F42%3Ftab%3Dtimeline`);
  // Started once: a second click would replace the first attempt's cookie.
  fireEvent.click(within(buttons).getByRole('button', { name: 'Sign in with Acme Okta' }));
  expect(leave).toHaveBeenCalledTimes(1);
  // Not a fetch: the browser itself goes there.
  expect(calls.some((c) => c.path.includes('/start'))).toBe(false);
});

it('sends no way back that is not a path in this workspace', async () => {
  const { leave } = page({ providers: [OKTA], sso_required: false }, undefined, 'https://evil.example/t/acme/');
  fireEvent.click(await screen.findByRole('button', { name: 'Sign in with Acme Okta' }));
  expect(leave).toHaveBeenCalledWith(`/t/acme/api/v1/auth/sso/${OKTA.id}/start`);
});

it('shows the password form alone when the workspace has no provider, or the server no single sign-on', async () => {
  const { calls } = page(null);
  await waitFor(() => expect(calls.some((c) => c.path === '/auth/sso/providers')).toBe(true));
  expect(screen.getByLabelText(/E-mail/)).toBeTruthy();
  expect(screen.queryByRole('group', { name: 'Single sign-on' })).toBeNull();
  expect(screen.queryByRole('button', { name: /Sign in with a password/ })).toBeNull();
});

it('puts the providers first and folds the password form away when single sign-on is required', async () => {
  const logins: unknown[] = [];
  page({ providers: [OKTA], sso_required: true }, (_m, path, body) => {
    if (path !== '/auth/login') return undefined;
    logins.push(body);
    return json(401, { status: 401, code: 'mfa_required' });
  });
  const okta = await screen.findByRole('button', { name: 'Sign in with Acme Okta' });
  expect(okta.className).toContain('btn--primary');
  await waitFor(() => expect(screen.queryByLabelText(/E-mail/)).toBeNull());
  expect(passwordToggle().getAttribute('aria-expanded')).toBe('false');

  // Owners with MFA may still use their password (break-glass).
  fireEvent.click(passwordToggle());
  expect(passwordToggle().getAttribute('aria-expanded')).toBe('true');
  fireEvent.change(screen.getByLabelText(/E-mail/), { target: { value: 'owner@acme.example' } });
  fireEvent.change(screen.getByLabelText(/Password/), { target: { value: 'secret-pass' } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  expect(await screen.findByLabelText(/Authentication code/)).toBeTruthy();
  expect(logins).toEqual([{ email: 'owner@acme.example', password: 'secret-pass' }]);
  // The provider is still offered beside the code.
  expect(screen.getByRole('button', { name: 'Sign in with Acme Okta' })).toBeTruthy();

  fireEvent.click(screen.getByRole('button', { name: 'Start over' }));
  expect(screen.getByLabelText(/E-mail/)).toBeTruthy();
});

it('keeps the form open for someone who began typing before the providers arrived', async () => {
  let answer: (r: Response) => void = () => undefined;
  const later = new Promise<Response>((resolve) => (answer = resolve));
  vi.spyOn(browser, 'leave').mockImplementation(() => undefined);
  // The fake server's answer is awaited, so a promise holds it back until `answer`.
  renderApp(<Login tenant="acme" branding={null} />, (_m, path) => (path === '/auth/sso/providers' ? (later as unknown as Response) : undefined));
  fireEvent.change(screen.getByLabelText(/E-mail/), { target: { value: 'ow' } });
  answer(json(200, { providers: [OKTA], sso_required: true }));
  expect(await screen.findByRole('button', { name: 'Sign in with Acme Okta' })).toBeTruthy();
  expect((screen.getByLabelText(/E-mail/) as HTMLInputElement).value).toBe('ow');
  expect(passwordToggle().getAttribute('aria-expanded')).toBe('true');
});

it('says so when a password is refused for single sign-on, and makes the providers the way in', async () => {
  page({ providers: [OKTA], sso_required: false }, (_m, path) =>
    path === '/auth/login' ? json(403, { status: 403, code: 'sso_required', detail: 'This workspace signs in with single sign-on.' }) : undefined,
  );
  expect((await screen.findByRole('button', { name: 'Sign in with Acme Okta' })).className).not.toContain('btn--primary');
  fireEvent.change(screen.getByLabelText(/E-mail/), { target: { value: 'ann@acme.example' } });
  fireEvent.change(screen.getByLabelText(/Password/), { target: { value: 'secret-pass' } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));

  expect((await screen.findByRole('alert')).textContent).toBe("This workspace signs in with single sign-on. Choose your organisation's sign-in below.");
  expect(screen.getByRole('button', { name: 'Sign in with Acme Okta' }).className).toContain('btn--primary');
  expect(screen.queryByLabelText(/Password/)).toBeNull();
  expect(passwordToggle().getAttribute('aria-expanded')).toBe('false');
  // Opened again for an owner, the password is not kept.
  fireEvent.click(passwordToggle());
  expect((screen.getByLabelText(/Password/) as HTMLInputElement).value).toBe('');
  expect((screen.getByLabelText(/E-mail/) as HTMLInputElement).value).toBe('ann@acme.example');
});

it('says a refusal for single sign-on without providers, and keeps the form', async () => {
  page({ providers: [], sso_required: true }, (_m, path) =>
    path === '/auth/login' ? json(403, { status: 403, code: 'sso_required' }) : undefined,
  );
  fireEvent.change(screen.getByLabelText(/E-mail/), { target: { value: 'ann@acme.example' } });
  fireEvent.change(screen.getByLabelText(/Password/), { target: { value: 'secret-pass' } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  expect((await screen.findByRole('alert')).textContent).toMatch(/^This workspace signs in with single sign-on, but no sign-in provider is enabled/);
  expect(screen.getByLabelText(/E-mail/)).toBeTruthy();
});

it('offers no provider on the customer portal, whose customers are not in the staff’s identity provider', async () => {
  vi.spyOn(browser, 'leave').mockImplementation(() => undefined);
  const { calls } = renderApp(<Login tenant="acme" branding={null} portal />, (_m, path) =>
    path === '/auth/sso/providers' ? json(200, { providers: [OKTA], sso_required: false }) : undefined,
  );
  expect(screen.getByLabelText(/E-mail/)).toBeTruthy();
  await new Promise((r) => setTimeout(r, 20));
  expect(screen.queryByRole('button', { name: 'Sign in with Acme Okta' })).toBeNull();
  expect(calls.some((c) => c.path === '/auth/sso/providers')).toBe(false);
});

// Admin › Security: the single sign-on switch beside the MFA roles, saved
// together (the PUT replaces both); switching it on asks first, since it
// ends password sessions, and warns when no provider is enabled.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { SecuritySettings } from '../../api/security';
import type { Me } from '../../api/types';
import { FakeSocket } from '../../realtime/fake-socket';
import { json, renderApp } from '../../test/render';
import { Admin } from './Admin';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const me: Me = {
  user: { id: 'u1', email: 'owner@acme.example', name: 'Olga Owner', kind: 'staff', mfa_enabled: true },
  tenant: { id: 't', slug: 'acme', name: 'Acme' },
  roles: ['owner'], teams: [],
  permissions: [{ permission: 'admin:settings', scope: 'all', hidden_fields: [] }],
  mfa_enrollment_required: false,
};
const ROLES = { items: [{ name: 'owner', builtin: true }, { name: 'agent', builtin: true }], next_cursor: null };
const okta = (enabled: boolean) => ({ id: 'p1', name: 'Acme Okta', enabled });

function page(held: SecuritySettings, providers = [okta(true)]) {
  FakeSocket.all = [];
  history.replaceState(null, '', '/t/acme/admin/security');
  return renderApp(<Admin tenant="acme" section="security" />, (method, path) => {
    if (path === '/me') return json(200, me);
    if (method === 'GET' && path === '/roles') return json(200, ROLES);
    if (method === 'GET' && path === '/settings/security') return json(200, held);
    if (method === 'GET' && path === '/sso/providers') return json(200, { items: providers });
    if (method === 'PUT' && path === '/settings/security') return new Response(null, { status: 204 });
    return undefined;
  }, { signedIn: true });
}

const ssoSwitch = () => screen.getByRole('switch', { name: 'Everyone signs in with single sign-on' }) as HTMLInputElement;
const puts = (calls: { method: string; path: string; body: unknown }[]) => calls.filter((c) => c.method === 'PUT').map((c) => c.body);

it('requires single sign-on only after asking, and sends it with the MFA roles', async () => {
  const { calls } = page({ mfa_required_roles: ['owner'], sso_required: false });
  await waitFor(() => expect(ssoSwitch().checked).toBe(false));
  expect(screen.getByTestId('sso-required').textContent).toContain('Owners with two-step verification keep their password');
  fireEvent.click(ssoSwitch());
  fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  const ask = screen.getByRole('alertdialog', { name: 'Require single sign-on?' });
  expect(ask.textContent).toContain('Every password session ends now');
  fireEvent.click(within(ask).getByRole('button', { name: 'Cancel' }));
  expect(puts(calls)).toEqual([]);

  fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Require single sign-on' }));
  expect(await screen.findByText('Saved.')).toBeTruthy();
  expect(puts(calls)).toEqual([{ mfa_required_roles: ['owner'], sso_required: true }]);

  // Saved on, it no longer asks; switching it off never does.
  fireEvent.click(screen.getByRole('checkbox', { name: 'agent' }));
  fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  await waitFor(() => expect(puts(calls)).toHaveLength(2));
  fireEvent.click(ssoSwitch());
  fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  await waitFor(() => expect(puts(calls)).toHaveLength(3));
  expect(screen.queryByRole('alertdialog')).toBeNull();
  expect(puts(calls).slice(1)).toEqual([
    { mfa_required_roles: ['owner', 'agent'], sso_required: true },
    { mfa_required_roles: ['owner', 'agent'], sso_required: false },
  ]);
});

it('warns that only owners could sign in while no provider is enabled', async () => {
  page({ mfa_required_roles: [], sso_required: false }, [okta(false)]);
  await waitFor(() => expect(ssoSwitch().checked).toBe(false));
  expect(screen.queryByText(/No sign-in provider is enabled/)).toBeNull();
  fireEvent.click(ssoSwitch());
  expect(await screen.findByText(/^No sign-in provider is enabled: only owners with two-step verification could sign in\./)).toBeTruthy();
  expect(screen.getByRole('link', { name: 'Set one up under Single sign-on.' }).getAttribute('href')).toBe('/t/acme/admin/sso');
});

it('offers no switch, and sends none, to a server without single sign-on', async () => {
  const { calls } = page({ mfa_required_roles: ['owner'] });
  await screen.findByRole('checkbox', { name: 'owner' });
  expect(screen.queryByRole('switch')).toBeNull();
  fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  await waitFor(() => expect(puts(calls)).toEqual([{ mfa_required_roles: ['owner'] }]));
});

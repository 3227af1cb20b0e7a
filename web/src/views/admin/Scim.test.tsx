// Admin › Provisioning (SCIM): the base URL to copy, a token made and
// shown once (with copy), replaced and revoked only after asking, and the
// role of the users SCIM creates, with the server's refusal at the field.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { ScimSettings } from '../../api/scim';
import type { Me } from '../../api/types';
import { FakeSocket } from '../../realtime/fake-socket';
import { json, renderApp } from '../../test/render';
import { Admin } from './Admin';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const me = (permissions: string[]): Me => ({
  user: { id: 'u1', email: 'owner@acme.example', name: 'Olga Owner', kind: 'staff', mfa_enabled: true },
  tenant: { id: 't', slug: 'acme', name: 'Acme' },
  roles: ['owner'], teams: [],
  permissions: permissions.map((permission) => ({ permission, scope: 'all' as const, hidden_fields: [] })),
  mfa_enrollment_required: false,
});
const ROLES = { items: [{ name: 'agent', builtin: true }, { name: 'viewer', builtin: true }, { name: 'admin', builtin: true }], next_cursor: null };
const BASE = 'https://crm.example/t/acme/scim/v2';
const off: ScimSettings = { enabled: false, base_url: BASE, default_role: 'agent', token_created_at: null, token_last_used_at: null };
const on: ScimSettings = { ...off, enabled: true, token_created_at: '2026-12-01T10:00:00Z', token_last_used_at: '2026-12-06T08:30:00Z' };

/** A fake server that holds the settings and plays the token's life. */
function page(start: ScimSettings, perms = ['admin:users']) {
  let held = start;
  let n = 0;
  FakeSocket.all = [];
  history.replaceState(null, '', '/t/acme/admin/provisioning');
  const r = renderApp(<Admin tenant="acme" section="provisioning" />, (method, path, body) => {
    if (path === '/me') return json(200, me(perms));
    if (method === 'GET' && path === '/roles') return json(200, ROLES);
    if (method === 'GET' && path === '/settings/scim') return json(200, held);
    if (method === 'PUT' && path === '/settings/scim') {
      const role = (body as { default_role: string }).default_role;
      if (role === 'admin') return json(422, { status: 422, code: 'validation_failed', errors: [{ field: 'default_role', message: 'may not be more than agent' }] });
      held = { ...held, default_role: role };
      return json(200, held);
    }
    if (method === 'POST' && path === '/settings/scim/token') {
      held = { ...held, enabled: true, token_created_at: '2026-12-07T09:00:00Z', token_last_used_at: null };
      return json(201, { ...held, token: `scim_token_${++n}` });
    }
    if (method === 'DELETE' && path === '/settings/scim/token') {
      held = { ...held, enabled: false, token_created_at: null, token_last_used_at: null };
      return new Response(null, { status: 204 });
    }
    return undefined;
  }, { signedIn: true });
  return r;
}

const connection = () => screen.getByTestId('scim-connection');
const writes = (calls: { method: string; path: string; body: unknown }[]) =>
  calls.filter((c) => c.method !== 'GET' && c.path.startsWith('/settings/scim')).map((c) => [c.method, c.path]);

it('makes a token, shows it once with a copy button, replaces it and revokes it only after asking', async () => {
  const writeText = vi.fn(async (_text: string) => undefined);
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
  const { calls } = page(off);
  expect(await screen.findByRole('heading', { level: 1, name: 'Provisioning (SCIM)' })).toBeTruthy();
  await waitFor(() => expect(within(connection()).getByTestId('scim-state').textContent).toBe('Off'));
  const base = within(connection()).getByTestId('scim-base-url');
  expect(within(base).getByText(BASE)).toBeTruthy();
  fireEvent.click(within(base).getByRole('button', { name: 'Copy SCIM base URL' }));
  await waitFor(() => expect(writeText).toHaveBeenCalledWith(BASE));

  fireEvent.click(within(connection()).getByRole('button', { name: 'Create token' }));
  const once = await screen.findByTestId('secret-once');
  expect(within(once).getByTestId('secret').textContent).toBe('scim_token_1');
  expect(once.textContent).toContain('Copy it into your identity provider now: it will not be shown again.');
  fireEvent.click(within(once).getByRole('button', { name: 'Copy' }));
  await waitFor(() => expect(writeText).toHaveBeenLastCalledWith('scim_token_1'));
  expect(within(connection()).getByTestId('scim-state').textContent).toBe('On');
  expect(within(connection()).getByText('Provisioning is on.')).toBeTruthy();
  fireEvent.click(within(once).getByRole('button', { name: 'I saved it' }));
  expect(screen.queryByTestId('secret-once')).toBeNull();
  expect(document.body.textContent).not.toContain('scim_token_1');

  // Replacing asks first: the old token stops working at once.
  fireEvent.click(within(connection()).getByRole('button', { name: 'Replace token' }));
  const ask = screen.getByRole('alertdialog', { name: 'Replace the SCIM token?' });
  fireEvent.click(within(ask).getByRole('button', { name: 'Cancel' }));
  expect(writes(calls)).toEqual([['POST', '/settings/scim/token']]);
  fireEvent.click(within(connection()).getByRole('button', { name: 'Replace token' }));
  fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Replace token' }));
  expect(within(await screen.findByTestId('secret-once')).getByTestId('secret').textContent).toBe('scim_token_2');
  expect(within(connection()).getByText('The new token is in use: the previous one no longer works.')).toBeTruthy();

  fireEvent.click(within(connection()).getByRole('button', { name: 'Revoke token' }));
  const revoke = screen.getByRole('alertdialog', { name: 'Revoke the SCIM token?' });
  fireEvent.click(within(revoke).getByRole('button', { name: 'Revoke token' }));
  expect(await within(connection()).findByText('Token revoked: provisioning is off.')).toBeTruthy();
  expect(within(connection()).getByTestId('scim-state').textContent).toBe('Off');
  // Revoked, the token is not left on the screen either.
  expect(screen.queryByTestId('secret-once')).toBeNull();
  expect(within(connection()).getByRole('button', { name: 'Create token' })).toBeTruthy();
  expect(writes(calls)).toEqual([['POST', '/settings/scim/token'], ['POST', '/settings/scim/token'], ['DELETE', '/settings/scim/token']]);
});

it('shows when the token was made and last used', async () => {
  page(on);
  await waitFor(() => expect(within(connection()).getByTestId('scim-state').textContent).toBe('On'));
  expect(within(connection()).getByText('Token created')).toBeTruthy();
  expect(within(connection()).getByText('Last used')).toBeTruthy();
  expect(within(connection()).queryByRole('button', { name: 'Create token' })).toBeNull();
});

it('saves the role of the users SCIM creates, and shows a refusal at the field', async () => {
  const { calls } = page(on);
  const region = await screen.findByRole('region', { name: 'New users' });
  const role = await waitFor(() => {
    const el = within(region).getByLabelText('Default role') as HTMLSelectElement;
    expect(el.value).toBe('agent');
    return el;
  });
  const save = within(region).getByRole('button', { name: 'Save' }) as HTMLButtonElement;
  expect(save.disabled).toBe(true);
  fireEvent.change(role, { target: { value: 'admin' } });
  fireEvent.click(save);
  expect(await within(region).findByText('may not be more than agent')).toBeTruthy();
  expect(role.getAttribute('aria-invalid')).toBe('true');

  fireEvent.change(role, { target: { value: 'viewer' } });
  fireEvent.click(save);
  expect(await within(region).findByText('Saved.')).toBeTruthy();
  expect(calls.filter((c) => c.method === 'PUT').map((c) => c.body)).toEqual([{ default_role: 'admin' }, { default_role: 'viewer' }]);
  expect(save.disabled).toBe(true);
});

it('is not there for someone without admin:users', async () => {
  page(on, ['admin:settings']);
  // As a page that does not exist, like every section one may not use.
  expect(await screen.findByRole('heading', { name: 'This page does not exist.' })).toBeTruthy();
  expect(screen.queryByRole('heading', { name: 'Provisioning (SCIM)' })).toBeNull();
});

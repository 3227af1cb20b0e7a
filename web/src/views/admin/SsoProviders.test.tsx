// Admin › Single sign-on: providers listed with their redirect URI (copy),
// added and edited in a dialog (the secret write-only: never shown, sent
// only when typed; an edit sends only what changed), the server's 422 at
// the fields and mapping rows it names, and deleting after a confirmation.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { SsoProvider } from '../../api/ssoProviders';
import type { Me } from '../../api/types';
import { FakeSocket } from '../../realtime/fake-socket';
import { json, renderApp, type Handler } from '../../test/render';
import { Admin } from './Admin';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const me: Me = {
  user: { id: 'u1', email: 'owner@acme.example', name: 'Olga Owner', kind: 'staff', mfa_enabled: true },
  tenant: { id: 't', slug: 'acme', name: 'Acme' },
  roles: ['owner'], teams: [],
  permissions: ['admin:settings', 'admin:users'].map((permission) => ({ permission, scope: 'all' as const, hidden_fields: [] })),
  mfa_enrollment_required: false,
};
const ROLES = { items: [{ name: 'agent', builtin: true }, { name: 'admin', builtin: true }, { name: 'billing', builtin: false }], next_cursor: null };
const TEAMS = { items: [{ id: 'team-emea', name: 'EMEA' }, { id: 'team-us', name: 'Americas' }], next_cursor: null };
const SECRET = 'okta-client-secret-3f9a';
const REDIRECT = 'https://crm.example/t/acme/api/v1/auth/sso/callback';

const provider = (extra: Partial<SsoProvider> = {}): SsoProvider => ({
  id: 'p1', name: 'Acme Okta', issuer: 'https://acme.okta.example', client_id: '0oa1client', has_client_secret: true,
  scopes: ['openid', 'email', 'profile'], allowed_domains: ['acme.example'], role_claim: 'groups',
  role_mappings: [{ value: 'crm-admins', role: 'admin' }], team_mappings: [], default_role: 'agent', enabled: true,
  redirect_uri: REDIRECT, created_at: '2026-12-01T10:00:00Z', updated_at: '2026-12-01T10:00:00Z', ...extra,
});

function page(providers: SsoProvider[], more: Handler = () => undefined) {
  FakeSocket.all = [];
  history.replaceState(null, '', '/t/acme/admin/sso');
  return renderApp(<Admin tenant="acme" section="sso" />, (method, path, body, headers) => {
    const answer = more(method, path, body, headers);
    if (answer) return answer;
    if (path === '/me') return json(200, me);
    if (method === 'GET' && path === '/sso/providers') return json(200, { items: providers });
    if (method === 'GET' && path === '/roles') return json(200, ROLES);
    if (method === 'GET' && path.startsWith('/teams')) return json(200, TEAMS);
    return undefined;
  }, { signedIn: true });
}

const card = (id: string) => {
  const el = document.querySelector<HTMLElement>(`li[data-provider="${id}"]`);
  if (!el) throw new Error(`no provider ${id} listed`);
  return el;
};
const writes = (calls: { method: string; path: string; body: unknown }[]) =>
  calls.filter((c) => c.method !== 'GET' && c.path.startsWith('/sso/')).map((c) => [c.method, c.path, c.body]);

it('adds a provider with mappings; the secret goes to the server once and is never shown', async () => {
  const writeText = vi.fn(async (_text: string) => undefined);
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
  const { calls } = page([], (method, path, body) => {
    if (method !== 'POST' || path !== '/sso/providers') return undefined;
    const { client_secret: _kept, ...rest } = body as Record<string, unknown>;
    return json(201, provider({ id: 'p9', ...rest, has_client_secret: true }));
  });
  expect(await screen.findByTestId('sso-empty')).toBeTruthy();
  fireEvent.click(screen.getByRole('button', { name: 'Add provider' }));
  const dialog = screen.getByRole('dialog', { name: 'New sign-in provider' });
  // What the identity provider wants before it gives out a client id, with a copy button.
  const redirect = within(dialog).getByTestId('redirect-uri');
  expect(within(redirect).getByText(`${location.origin}/t/acme/api/v1/auth/sso/callback`)).toBeTruthy();
  fireEvent.click(within(redirect).getByRole('button', { name: 'Copy Redirect URI' }));
  await waitFor(() => expect(writeText).toHaveBeenCalledWith(`${location.origin}/t/acme/api/v1/auth/sso/callback`));
  expect(await within(redirect).findByText('Copied.')).toBeTruthy();

  // The server's defaults are there to see.
  expect((within(dialog).getByLabelText('Scopes') as HTMLInputElement).value).toBe('openid, email, profile');
  expect((within(dialog).getByLabelText('Group claim') as HTMLInputElement).value).toBe('groups');
  expect((within(dialog).getByLabelText('Default role') as HTMLSelectElement).value).toBe('agent');
  fireEvent.change(within(dialog).getByLabelText(/^Name/), { target: { value: 'Acme Okta' } });
  fireEvent.change(within(dialog).getByLabelText(/^Issuer URL/), { target: { value: ' https://acme.okta.example ' } });
  fireEvent.change(within(dialog).getByLabelText(/^Client ID/), { target: { value: '0oa1client' } });
  const secret = within(dialog).getByLabelText(/^Client secret/) as HTMLInputElement;
  expect(secret.type).toBe('password');
  fireEvent.change(secret, { target: { value: SECRET } });
  fireEvent.change(within(dialog).getByLabelText('Allowed e-mail domains'), { target: { value: 'Acme.example, acme.de' } });

  fireEvent.click(within(dialog).getByRole('button', { name: 'Add role mapping' }));
  const roleRow = within(dialog).getByTestId('role-mappings-0');
  fireEvent.change(within(roleRow).getByLabelText('Value'), { target: { value: 'crm-admins' } });
  const roleChoice = within(roleRow).getByLabelText('Role') as HTMLSelectElement;
  expect([...roleChoice.options].map((o) => o.textContent)).toEqual(['Choose…', 'Agent', 'Administrator', 'billing']);
  fireEvent.change(roleChoice, { target: { value: 'admin' } });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Add team mapping' }));
  const teamRow = within(dialog).getByTestId('team-mappings-0');
  fireEvent.change(within(teamRow).getByLabelText('Value'), { target: { value: 'emea' } });
  fireEvent.change(within(teamRow).getByLabelText('Team'), { target: { value: 'team-emea' } });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));

  expect(await screen.findByText('Acme Okta added.')).toBeTruthy();
  expect(writes(calls)).toEqual([['POST', '/sso/providers', {
    name: 'Acme Okta', issuer: 'https://acme.okta.example', client_id: '0oa1client', client_secret: SECRET,
    scopes: ['openid', 'email', 'profile'], allowed_domains: ['acme.example', 'acme.de'], role_claim: 'groups',
    role_mappings: [{ value: 'crm-admins', role: 'admin' }], team_mappings: [{ value: 'emea', team_id: 'team-emea' }],
    default_role: 'agent', enabled: true,
  }]]);
  expect(screen.queryByRole('dialog')).toBeNull();
  const added = card('p9');
  expect(within(added).getByText(REDIRECT)).toBeTruthy();
  expect(within(added).getByText('Stored (never shown)')).toBeTruthy();
  expect(document.body.textContent).not.toContain(SECRET);
  expect([...document.querySelectorAll('input')].some((i) => i.value === SECRET)).toBe(false);
});

it('edits only what changed, keeps the secret unless one is typed, and puts the server’s refusals at the fields', async () => {
  let refuse = true;
  const { calls } = page([provider()], (method, _path, body) => {
    if (method !== 'PATCH') return undefined;
    if (refuse) {
      refuse = false;
      return json(422, {
        status: 422, code: 'validation_failed', detail: 'validation failed',
        // As the server names them: a mapping's errors name no row.
        errors: [
          { field: 'issuer', message: 'https://login.acme.example/.well-known/openid-configuration could not be read' },
          { field: 'role_mappings.value', message: 'must be 1-200 characters without control characters' },
          { field: 'role_mappings', message: 'unknown role "ghost"' },
          { field: 'pkce', message: 'is unknown' },
        ],
      });
    }
    const { client_secret: _kept, ...rest } = body as Record<string, unknown>;
    return json(200, provider({ ...rest, has_client_secret: true }));
  });
  fireEvent.click(within(await waitFor(() => card('p1'))).getByRole('button', { name: 'Edit' }));
  const dialog = screen.getByRole('dialog', { name: 'Edit Acme Okta' });
  const secret = within(dialog).getByLabelText(/^Client secret/) as HTMLInputElement;
  expect(secret.value).toBe('');
  expect(secret.placeholder).toBe('Unchanged');
  expect(within(dialog).getByText(/^A secret is stored\. Leave this empty to keep it/)).toBeTruthy();
  // Nothing changed yet: nothing to save.
  const save = within(dialog).getByRole('button', { name: 'Save' }) as HTMLButtonElement;
  expect(save.disabled).toBe(true);

  const issuer = within(dialog).getByLabelText(/^Issuer URL/);
  fireEvent.change(issuer, { target: { value: 'https://login.acme.example' } });
  fireEvent.click(save);
  expect(await within(dialog).findByText('https://login.acme.example/.well-known/openid-configuration could not be read')).toBeTruthy();
  expect(issuer.getAttribute('aria-invalid')).toBe('true');
  const roles = within(dialog).getByTestId('role-mappings');
  expect(within(roles).getByText('unknown role "ghost"')).toBeTruthy();
  expect(within(roles).getByText('must be 1-200 characters without control characters')).toBeTruthy();
  expect(within(dialog).getByTestId('team-mappings').querySelector('.field__error')).toBeNull();
  // A field the form does not show is named above it; the placed ones are not repeated there.
  expect(within(dialog).getByRole('alert').textContent).toBe('Please correct the marked fields. pkce: is unknown');

  fireEvent.change(secret, { target: { value: SECRET } });
  fireEvent.click(save);
  expect(await screen.findByText('Provider saved.')).toBeTruthy();
  expect(writes(calls)).toEqual([
    ['PATCH', '/sso/providers/p1', { issuer: 'https://login.acme.example' }],
    ['PATCH', '/sso/providers/p1', { issuer: 'https://login.acme.example', client_secret: SECRET }],
  ]);
  expect(document.body.textContent).not.toContain(SECRET);

  // Opened again, the secret field is empty as ever.
  fireEvent.click(within(card('p1')).getByRole('button', { name: 'Edit' }));
  expect((within(screen.getByRole('dialog')).getByLabelText(/^Client secret/) as HTMLInputElement).value).toBe('');
});

it('says what the form can tell before asking, and a role beyond the administrator’s own at the mappings', async () => {
  const { calls } = page([provider({ role_mappings: [] })], (method) =>
    method === 'PATCH' ? json(403, { status: 403, code: 'forbidden', detail: 'role_mappings: you cannot hand out permissions you do not hold yourself' }) : undefined,
  );
  fireEvent.click(within(await waitFor(() => card('p1'))).getByRole('button', { name: 'Edit' }));
  const dialog = screen.getByRole('dialog');
  fireEvent.click(within(dialog).getByRole('button', { name: 'Add role mapping' }));
  fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
  const row = within(dialog).getByTestId('role-mappings-0');
  expect(within(row).getByText('Enter the value to match.')).toBeTruthy();
  expect(within(row).getByText('Choose a role.')).toBeTruthy();
  expect(writes(calls)).toEqual([]);

  fireEvent.change(within(row).getByLabelText('Value'), { target: { value: 'crm-admins' } });
  fireEvent.change(within(row).getByLabelText('Role'), { target: { value: 'admin' } });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
  expect((await within(dialog).findByRole('alert')).textContent).toBe('Please correct the marked fields.');
  expect(within(within(dialog).getByTestId('role-mappings')).getByText('You cannot hand out a role with permissions you do not have yourself.')).toBeTruthy();
  expect(writes(calls)).toEqual([['PATCH', '/sso/providers/p1', { role_mappings: [{ value: 'crm-admins', role: 'admin' }] }]]);

  // A row taken out again is gone from what is sent.
  fireEvent.click(within(dialog).getByRole('button', { name: 'Remove row 1 of “Roles from groups”' }));
  expect(within(dialog).queryByTestId('role-mappings-0')).toBeNull();
  expect((within(dialog).getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(true);
});

it('deletes a provider only after asking', async () => {
  const { calls } = page([provider(), provider({ id: 'p2', name: 'Entra ID', enabled: false, allowed_domains: [] })], (method) =>
    method === 'DELETE' ? new Response(null, { status: 204 }) : undefined,
  );
  const entra = await waitFor(() => card('p2'));
  expect(within(entra).getByText('Disabled')).toBeTruthy();
  expect(within(entra).getByText('None: existing users only')).toBeTruthy();
  fireEvent.click(within(card('p1')).getByRole('button', { name: 'Delete' }));
  const ask = screen.getByRole('alertdialog', { name: 'Delete Acme Okta?' });
  expect(ask.textContent).toContain('everyone who signed in through it is signed out now');
  fireEvent.click(within(ask).getByRole('button', { name: 'Cancel' }));
  expect(writes(calls)).toEqual([]);

  fireEvent.click(within(card('p1')).getByRole('button', { name: 'Delete' }));
  fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Delete provider' }));
  expect(await screen.findByText('Acme Okta deleted.')).toBeTruthy();
  expect(writes(calls)).toEqual([['DELETE', '/sso/providers/p1', undefined]]);
  expect(document.querySelector('li[data-provider="p1"]')).toBeNull();
  expect(card('p2')).toBeTruthy();
});

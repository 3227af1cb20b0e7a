import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { Me } from '../../api/types';
import { FakeSocket } from '../../realtime/fake-socket';
import { json, renderApp, type Handler } from '../../test/render';
import { Admin } from './Admin';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const me = (permissions: string[]): Me => ({
  user: { id: 'u1', email: 'admin@x.example', name: 'Ada Admin', kind: 'staff', mfa_enabled: false },
  tenant: { id: 't', slug: 'acme', name: 'Acme' },
  roles: ['admin'],
  teams: [],
  permissions: permissions.map((permission) => ({ permission, scope: 'all', hidden_fields: [] })),
  mfa_enrollment_required: false,
});

const REFUSED = 'must be a plain address (no +, at most 40 characters before the @)';

/** Admin › E-mail against a server holding `held` as the reply address; `put` answers its saves. */
function page(held: string | null, put: Handler = (_m, _p, body) => json(200, body), perms = ['admin:settings', 'admin:api_keys']) {
  FakeSocket.all = [];
  history.replaceState(null, '', '/t/acme/admin/mail');
  return renderApp(<Admin tenant="acme" section="mail" />, (method, path, body, headers) => {
    if (path === '/me') return json(200, me(perms));
    if (method === 'GET' && path === '/settings/mail') return json(200, { reply_address: held });
    if (method === 'PUT' && path === '/settings/mail') return put(method, path, body, headers);
    if (method === 'GET' && path === '/mail/outbox') return json(200, { smtp: true, next_cursor: null, items: [] });
    return undefined;
  }, { signedIn: true });
}

const panel = () => screen.getByRole('region', { name: 'Reply address' });
const field = () => within(panel()).getByLabelText(/^Reply address/) as HTMLInputElement;
const saveButton = () => within(panel()).getByRole('button', { name: 'Save' }) as HTMLButtonElement;
const puts = (calls: { method: string; path: string; body: unknown }[]) => calls.filter((c) => c.method === 'PUT').map((c) => c.body);

it('sets a reply address (sent trimmed) and says what a reply’s Reply-To then looks like', async () => {
  const { calls } = page(null);
  expect(await screen.findByRole('heading', { level: 1, name: 'E-mail' })).toBeTruthy();
  await waitFor(() => expect(field().value).toBe(''));
  expect(screen.getByTestId('reply-now').textContent).toMatch(/^Not set: replies carry the server's own sender address/);
  expect(saveButton().disabled).toBe(true);
  expect(within(panel()).queryByRole('button', { name: 'Clear' })).toBeNull();
  expect(within(panel()).getByText(/no \+, at most 40 characters before the @/)).toBeTruthy();

  fireEvent.change(field(), { target: { value: '  Help@Acme.example ' } });
  expect(saveButton().disabled).toBe(false);
  fireEvent.click(saveButton());

  expect(await within(panel()).findByText('Reply address saved.')).toBeTruthy();
  expect(puts(calls)).toEqual([{ reply_address: 'Help@Acme.example' }]);
  expect(field().value).toBe('Help@Acme.example');
  expect(screen.getByTestId('reply-now').textContent).toBe('Replies now carry the Reply-To help+r-…@acme.example');
  expect(saveButton().disabled).toBe(true);
  expect(within(panel()).getByRole('button', { name: 'Clear' })).toBeTruthy();
});

it('clears the address, back to the server’s own sender', async () => {
  const { calls } = page('help@acme.example');
  await waitFor(() => expect(field().value).toBe('help@acme.example'));
  expect(screen.getByTestId('reply-now').textContent).toContain('help+r-…@acme.example');

  fireEvent.click(within(panel()).getByRole('button', { name: 'Clear' }));
  expect(await within(panel()).findByText("Reply address cleared: replies carry the server's own sender address.")).toBeTruthy();
  expect(puts(calls)).toEqual([{ reply_address: null }]);
  expect(field().value).toBe('');
  expect(screen.getByTestId('reply-now').textContent).toMatch(/^Not set:/);
  expect(within(panel()).queryByRole('button', { name: 'Clear' })).toBeNull();
});

it('shows the server’s refusal at the field, and keeps what was saved', async () => {
  const { calls } = page('help@acme.example', () =>
    json(422, {
      status: 422, code: 'validation_failed', detail: `reply_address ${REFUSED}`,
      errors: [{ field: 'reply_address', message: REFUSED }],
    }),
  );
  await waitFor(() => expect(field().value).toBe('help@acme.example'));
  fireEvent.change(field(), { target: { value: 'help+desk@acme.example' } });
  fireEvent.click(saveButton());

  expect(await within(panel()).findByText(REFUSED)).toBeTruthy();
  expect(field().getAttribute('aria-invalid')).toBe('true');
  expect(document.getElementById(field().getAttribute('aria-describedby')!.split(' ').pop()!)?.textContent).toBe(REFUSED);
  expect(document.activeElement).toBe(field());
  // Said at the field only: no banner naming the API's field.
  expect(screen.queryByRole('alert')).toBeNull();
  expect(screen.queryByText(/reply_address/)).toBeNull();
  // The address typed stays to be corrected; the saved one still applies.
  expect(field().value).toBe('help+desk@acme.example');
  expect(screen.getByTestId('reply-now').textContent).toContain('help+r-…@acme.example');
  expect(puts(calls)).toEqual([{ reply_address: 'help+desk@acme.example' }]);
});

it('says any other failure above the form', async () => {
  page(null, () => json(403, { status: 403, code: 'forbidden', detail: 'You may not change settings.' }));
  await waitFor(() => expect(field()).toBeTruthy());
  fireEvent.change(field(), { target: { value: 'help@acme.example' } });
  fireEvent.click(saveButton());
  expect((await within(panel()).findByRole('alert')).textContent).toBe('You may not change settings.');
  expect(field().getAttribute('aria-invalid')).toBeNull();
});

it('explains how answers reach the workspace: the hook of this workspace, the key, the threading', async () => {
  page(null);
  const inbound = await screen.findByRole('region', { name: 'Answers into tickets' });
  expect(within(inbound).getByTestId('inbound-url').textContent).toBe(`${location.origin}/t/acme/api/v1/mail/inbound`);
  expect(inbound.textContent).toContain('message/rfc822');
  expect(inbound.textContent).toContain('an API key whose role may write tickets');
  expect(inbound.textContent).toContain('In-Reply-To');
  const link = within(inbound).getByRole('link', { name: 'Make a key under Admin › API keys.' });
  expect(link.getAttribute('href')).toBe('/t/acme/admin/api-keys');
  // The outbox is further down the same page.
  expect(await screen.findByRole('region', { name: 'Outbox' })).toBeTruthy();
});

it('names API keys without a link for someone who may not make them', async () => {
  const { calls } = page(null, undefined, ['admin:settings']);
  await waitFor(() => expect(calls.some((c) => c.path === '/me')).toBe(true));
  const inbound = await screen.findByRole('region', { name: 'Answers into tickets' });
  await waitFor(() => expect(within(inbound).queryByRole('link')).toBeNull());
  expect(inbound.textContent).toContain('An administrator makes one under Admin › API keys.');
});

// The whole tenant app when the server says that the person's access, or
// the workspace's branding or features, changed (`changed` frames): read
// again and applied at once, with a notice.
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { Me } from '../api/types';
import type { Branding } from '../branding/branding';
import { FakeSocket } from '../realtime/fake-socket';
import { json } from '../test/render';
import { TenantApp } from './TenantApp';

let me: Me;
let branding: Branding;
let calls: string[];

const person = (permissions: string[]): Me => ({
  user: { id: 'u1', email: 'erika@x.example', name: 'Erika', kind: 'staff', mfa_enabled: false },
  tenant: { id: 't', slug: 'acme', name: 'Acme' },
  roles: ['sales'],
  teams: [],
  permissions: permissions.map((permission) => ({ permission, scope: 'all', hidden_fields: [] })),
  mfa_enrollment_required: false,
});

beforeEach(() => {
  calls = [];
  me = person(['contacts:read', 'companies:read', 'activities:read']);
  branding = { slug: 'acme', name: 'Acme', features: { crm: true, sales: false, support: false, dashboards: false } };
  FakeSocket.all = [];
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL) => {
      const url = new URL(String(input), 'http://localhost');
      const path = url.pathname.replace(/^\/t\/acme\/api\/v1/, '') + url.search;
      calls.push(path);
      if (path === '/realtime/ticket') return json(200, { ticket: 't', expires_in: 30 });
      if (path === '/me') return json(200, me);
      if (path === '/branding') return json(200, branding);
      if (path.startsWith('/contacts') || path.startsWith('/companies') || path.startsWith('/deals')) return json(200, { items: [], next_cursor: null });
      if (path.startsWith('/custom-fields')) return json(200, { items: [] });
      return json(404, { status: 404, code: 'not_found', detail: 'no route' });
    }),
  );
  localStorage.clear();
  localStorage.setItem('mandant:lang', 'en');
  localStorage.setItem(
    'mandant:session:acme',
    JSON.stringify({ access_token: 'x.eyJzdWIiOiJ1MSJ9.y', refresh_token: 'r', expires_at: Date.now() + 900_000 }),
  );
  history.replaceState(null, '', '/t/acme/contacts');
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

async function live() {
  render(<TenantApp tenant="acme" />);
  const nav = await screen.findByRole('navigation', { name: 'Main' });
  await within(nav).findByRole('link', { name: 'Contacts' });
  await waitFor(() => expect(FakeSocket.all.length).toBeGreaterThan(0));
  const ws = FakeSocket.last();
  act(() => ws.open());
  return { nav, ws };
}

it('reads /me again when an administrator changed the person’s access, and applies it at once', async () => {
  const { nav, ws } = await live();
  expect(screen.queryByTestId('access-notice')).toBeNull();
  const before = calls.filter((p) => p === '/me').length;

  // They lose the CRM's contacts and gain the pipeline.
  me = person(['deals:read', 'pipelines:read', 'activities:read']);
  branding = { ...branding, features: { ...branding.features, sales: true } };
  act(() => ws.receive({ type: 'changed', what: 'access' }));

  expect((await screen.findByTestId('access-notice')).textContent).toContain('Your access was changed by an administrator.');
  expect(calls.filter((p) => p === '/me').length).toBe(before + 1);
  await waitFor(() => expect(within(nav).queryByRole('link', { name: 'Contacts' })).toBeNull());
  // The page open on contacts says so, instead of failing.
  expect(screen.getByRole('heading', { name: 'You no longer have access to this page.' })).toBeTruthy();
  expect(screen.getByRole('link', { name: 'Go to your start page' }).getAttribute('href')).toBe('/t/acme/');

  act(() => screen.getByRole('button', { name: 'Dismiss' }).click());
  expect(screen.queryByTestId('access-notice')).toBeNull();
});

it('reads the branding again when an administrator saved it or switched features: name, and navigation', async () => {
  me = person(['contacts:read', 'companies:read', 'activities:read', 'deals:read']);
  const { nav, ws } = await live();
  expect(screen.getByTestId('brand-name').textContent).toBe('Acme');
  expect(within(nav).queryByRole('link', { name: 'Pipeline' })).toBeNull();

  branding = { ...branding, name: 'Acme Neu' };
  act(() => ws.receive({ type: 'changed', what: 'branding' }));
  await waitFor(() => expect(screen.getByTestId('brand-name').textContent).toBe('Acme Neu'));

  // A feature switched on appears; one switched off leaves, with the notice.
  branding = { ...branding, features: { ...branding.features, sales: true, crm: false } };
  act(() => ws.receive({ type: 'changed', what: 'features' }));
  await within(nav).findByRole('link', { name: 'Pipeline' });
  await waitFor(() => expect(within(nav).queryByRole('link', { name: 'Contacts' })).toBeNull());
  expect((await screen.findByTestId('feature-notice')).textContent).toContain('switched off by an administrator');
  // No access notice: the person's own access did not change.
  expect(screen.queryByTestId('access-notice')).toBeNull();
});

it('reads both again after a reconnect, when a `changed` frame may have been missed', async () => {
  const { ws } = await live();
  await waitFor(() => expect(calls.filter((p) => p === '/me').length).toBeGreaterThan(0));
  const mes = calls.filter((p) => p === '/me').length;
  const brandings = calls.filter((p) => p === '/branding').length;
  branding = { ...branding, name: 'Acme Renamed' };
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  try {
    act(() => ws.drop());
    await act(() => vi.advanceTimersByTimeAsync(60_000));
  } finally {
    vi.useRealTimers();
  }
  await waitFor(() => expect(FakeSocket.all.length).toBeGreaterThan(1));
  act(() => FakeSocket.last().open());
  await waitFor(() => expect(screen.getByTestId('brand-name').textContent).toBe('Acme Renamed'));
  expect(calls.filter((p) => p === '/me').length).toBe(mes + 1);
  expect(calls.filter((p) => p === '/branding').length).toBe(brandings + 1);
  // Nothing is said: nothing may have changed.
  expect(screen.queryByTestId('access-notice')).toBeNull();
});

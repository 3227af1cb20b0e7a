import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { AuditEntry } from '../../api/audit';
import type { Me } from '../../api/types';
import { useSession } from '../../app/session';
import { json, renderApp } from '../../test/render';
import { RecordHistory } from './RecordHistory';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const me = (permissions: string[]): Me => ({
  user: { id: 'u1', email: 'owner@x.example', name: 'Olga Owner', kind: 'staff', mfa_enabled: false },
  tenant: { id: 't', slug: 'acme', name: 'Acme' },
  roles: ['owner'],
  teams: [],
  permissions: permissions.map((permission) => ({ permission, scope: 'all', hidden_fields: [] })),
  mfa_enrollment_required: false,
});

const C1 = '01a24cfc-582e-73b1-a118-5ab80323209b';
const entries: AuditEntry[] = [2, 1].map((seq) => ({
  seq,
  at: `2026-12-0${seq}T10:00:00Z`,
  action: seq === 2 ? 'contact.updated' : 'contact.created',
  actor: { type: 'user', id: 'u1', kind: 'staff' },
  actor_type: 'user',
  actor_id: 'u1',
  kind: 'contact',
  record_id: C1,
  ip: '127.0.0.1',
  request_id: `r${seq}`,
  detail: seq === 2 ? { changes: { email: { changed: true } }, version: { from: 1, to: 2 } } : { changes: { last_name: { changed: true } } },
  prev_hash: '0'.repeat(64),
  hash: String(seq).repeat(64),
}));

/** Says when `/me` has arrived, so a test can tell "not shown" from "not yet shown". */
function MeLoaded() {
  const { me } = useSession();
  return me ? <p data-testid="me-loaded" /> : null;
}

function page(perms: string[], nextCursor: string | null = null) {
  history.replaceState(null, '', `/t/acme/contacts/${C1}`);
  const ui = (
    <>
      <RecordHistory tenant="acme" recordId={C1} />
      <MeLoaded />
    </>
  );
  return renderApp(ui, (_m, path) => {
    if (path === '/me') return json(200, me(perms));
    if (path.startsWith('/users')) return json(200, { items: [{ id: 'u1', name: 'Olga Owner', email: 'owner@x.example', kind: 'staff' }], next_cursor: null });
    if (path.startsWith('/audit/events')) return json(200, { items: entries, next_cursor: nextCursor });
    return undefined;
  }, { signedIn: true });
}

it('opens to the record’s trail entries, read only then, with a link to the whole trail of the record', async () => {
  const { calls } = page(['admin:audit', 'users:read', 'contacts:read']);
  const toggle = await screen.findByRole('button', { name: 'History' });
  expect(toggle.getAttribute('aria-expanded')).toBe('false');
  expect(calls.some((c) => c.path.startsWith('/audit'))).toBe(false);

  fireEvent.click(toggle);
  expect(toggle.getAttribute('aria-expanded')).toBe('true');
  const table = await screen.findByRole('table', { name: 'History' });
  expect(calls.filter((c) => c.path.startsWith('/audit')).map((c) => c.path)).toEqual([`/audit/events?record=${C1}&limit=20`]);
  // The record is the page's own: no "What" column.
  expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['When', 'Who', 'Action', 'From where', 'Details']);
  const rows = within(table).getAllByRole('row').slice(1);
  expect(rows.map((r) => r.getAttribute('data-action'))).toEqual(['contact.updated', 'contact.created']);
  await waitFor(() => expect(rows[0]!.textContent).toContain('Olga Owner'));
  fireEvent.click(within(rows[0]!).getByRole('button', { name: /^Details of “Contact changed”/ }));
  expect(within(table).getByText('E-mail changed')).toBeTruthy();
  expect(screen.getByRole('link', { name: 'This record in the audit trail' }).getAttribute('href')).toBe(`/t/acme/admin/audit?record=${C1}`);
  expect(screen.queryByText('The newest 20 entries are shown.')).toBeNull();

  // Closed again: nothing shown, nothing asked again.
  fireEvent.click(toggle);
  expect(screen.queryByRole('table')).toBeNull();
});

it('says when only the newest entries are shown', async () => {
  page(['admin:audit'], '1');
  fireEvent.click(await screen.findByRole('button', { name: 'History' }));
  expect(await screen.findByText('The newest 20 entries are shown.')).toBeTruthy();
});

it('is not there without admin:audit, and asks nothing of the trail', async () => {
  const { calls } = page(['contacts:read', 'contacts:write', 'users:read']);
  await screen.findByTestId('me-loaded');
  expect(screen.queryByRole('button', { name: 'History' })).toBeNull();
  expect(screen.queryByTestId('record-history')).toBeNull();
  expect(calls.some((c) => c.path.startsWith('/audit'))).toBe(false);
});

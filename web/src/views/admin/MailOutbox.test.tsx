import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { Outbox, OutboxMessage } from '../../api/account';
import type { Me } from '../../api/types';
import { FakeSocket } from '../../realtime/fake-socket';
import { json, renderApp } from '../../test/render';
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

const message = (id: string, extra: Partial<OutboxMessage> = {}): OutboxMessage => ({
  id, kind: 'password_reset', to_addr: 'ann@x.example', subject: 'Reset your Acme password', status: 'sent', attempts: 1,
  next_attempt_at: '2026-12-06T10:00:00Z', last_error: null, created_at: '2026-12-06T10:00:00Z', sent_at: '2026-12-06T10:00:02Z', ...extra,
});

function page(outbox: () => Outbox, perms = ['admin:settings']) {
  FakeSocket.all = [];
  history.replaceState(null, '', '/t/acme/admin/mail');
  return renderApp(<Admin tenant="acme" section="mail" />, (method, path) => {
    if (path === '/me') return json(200, me(perms));
    if (method === 'GET' && path === '/mail/outbox') return json(200, outbox());
    if (method === 'GET' && path === '/settings/mail') return json(200, { reply_address: null });
    return undefined;
  }, { signedIn: true });
}

const row = (id: string) => document.querySelector<HTMLElement>(`tr[data-mail="${id}"]`)!;

it('lists what was sent, what waits and what failed, in words', async () => {
  let reads = 0;
  const { calls } = page(() => {
    reads++;
    return {
      smtp: true,
      next_cursor: null,
      items: [
        message('m4', { kind: 'ticket_reply', to_addr: 'carla@customer.example', subject: 'Re: Printer on fire' }),
        message('m3', { kind: 'invitation', to_addr: 'eva@x.example', subject: 'You are invited to Acme', status: 'failed', attempts: 8, sent_at: null, last_error: '550 mailbox unavailable' }),
        message('m2', { status: 'queued', attempts: 2, sent_at: null, last_error: 'connection refused' }),
        message('m1'),
      ],
    };
  });
  expect(await screen.findByRole('heading', { level: 1, name: 'E-mail' })).toBeTruthy();
  await waitFor(() => expect(row('m1')).toBeTruthy());
  expect(screen.queryByTestId('no-smtp')).toBeNull();

  const cells = (id: string) => [...row(id).querySelectorAll('td')].map((td) => td.textContent);
  expect(cells('m3').slice(1)).toEqual(['Invitation', 'eva@x.example', 'You are invited to Acme', 'Failed', '8', '550 mailbox unavailable']);
  expect(within(row('m3')).getByText('Failed').className).toContain('badge--failed');
  expect(cells('m4')[1]).toBe('Ticket reply');
  expect(cells('m2')[1]).toBe('Password reset');
  expect(cells('m2')[4]).toMatch(/^QueuedNext attempt /);
  expect(cells('m2')[6]).toBe('connection refused');
  expect(cells('m1')[4]).toMatch(/^SentSent /);
  expect(within(row('m1')).getByText('Sent').className).toContain('badge--ready');

  fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
  await waitFor(() => expect(reads).toBe(2));
  expect(calls.filter((c) => c.path === '/mail/outbox')).toHaveLength(2);
});

it('says plainly when no SMTP server is configured and mail only waits', async () => {
  page(() => ({ smtp: false, next_cursor: null, items: [message('m1', { status: 'queued', sent_at: null, attempts: 0 })] }));
  expect((await screen.findByTestId('no-smtp')).textContent).toBe(
    'No SMTP server is configured: messages wait here until the operator sets MANDANT_SMTP_URL.',
  );
  await waitFor(() => expect(row('m1').dataset.status).toBe('queued'));
});

it('shows an empty outbox, and is no page for someone without admin:settings', async () => {
  page(() => ({ smtp: true, next_cursor: null, items: [] }));
  expect(await screen.findByText('No messages yet.')).toBeTruthy();
  cleanup();

  const { calls } = page(() => ({ smtp: true, next_cursor: null, items: [] }), ['admin:users']);
  await waitFor(() => expect(calls.some((c) => c.path === '/me')).toBe(true));
  await waitFor(() => expect(screen.queryByRole('heading', { level: 1, name: 'E-mail' })).toBeNull());
});

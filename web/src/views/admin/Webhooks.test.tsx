import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { Me } from '../../api/types';
import type { Delivery, Webhook } from '../../api/webhooks';
import { FakeSocket } from '../../realtime/fake-socket';
import { json, renderApp, type Handler } from '../../test/render';
import { useSession } from '../../app/session';
import { Webhooks } from './Webhooks';

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
const WRITER = ['webhooks:read', 'webhooks:write'];

const hook = (extra: Partial<Webhook> = {}): Webhook => ({
  id: 'w1', url: 'https://hooks.example/crm', description: 'Billing sync', event_types: ['contact.*', 'deal.updated'], topics: [],
  role: 'viewer', created_by: 'u1', enabled: true, disabled_reason: null, delivered_seq: 41, attempts: 0,
  failing_since: null, next_attempt_at: null, previous_secret_until: null,
  created_at: '2026-12-01T10:00:00Z', updated_at: '2026-12-01T10:00:00Z', ...extra,
});

const delivery = (id: string, extra: Partial<Delivery> = {}): Delivery => ({
  id, webhook_id: 'w1', message_id: `msg_${id}`, seq: 40, event_type: 'contact.created', attempt: 1, status: 200, ok: true,
  error: null, latency_ms: 12, response: 'ok', at: '2026-12-06T10:00:00Z', ...extra,
});

const ROLES = { items: [{ name: 'viewer', builtin: true }, { name: 'admin', builtin: true }, { name: 'billing-bot', builtin: false }], next_cursor: null };

function page(hooks: () => Webhook[], more: Handler = () => undefined, perms = WRITER) {
  FakeSocket.all = [];
  history.replaceState(null, '', '/t/acme/admin/webhooks');
  const ui = (
    <>
      <Webhooks tenant="acme" />
      <MeKnown />
    </>
  );
  return renderApp(ui, (method, path, body, headers) => {
    const answer = more(method, path, body, headers);
    if (answer) return answer;
    if (path === '/me') return json(200, me(perms));
    if (method === 'GET' && path === '/webhooks') return json(200, { items: hooks(), next_cursor: null });
    if (method === 'GET' && path === '/roles') return json(200, ROLES);
    return undefined;
  }, { signedIn: true });
}

/** Says when `/me` has arrived: a control left out must be left out for good, not only until then. */
function MeKnown() {
  const { me } = useSession();
  return me ? <p>Signed in as {me.user.name}</p> : null;
}

/** An endpoint's panel; throws while it is not there (for `waitFor`). */
function card(id: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(`li[data-webhook="${id}"]`);
  if (!el) throw new Error(`no webhook ${id} listed`);
  return el;
}

it('creates an endpoint for the chosen kinds and shows its secret once, with a copy button', async () => {
  const writeText = vi.fn(async (_text: string) => undefined);
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
  const { calls } = page(() => [], (method, path, body) =>
    method === 'POST' && path === '/webhooks'
      ? json(201, { ...hook({ id: 'w9', ...(body as object) }), secret: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=' })
      : undefined,
  );
  expect(await screen.findByText('No webhooks yet.')).toBeTruthy();
  const form = screen.getByRole('region', { name: 'New webhook' });
  fireEvent.change(within(form).getByLabelText(/^URL/), { target: { value: ' https://receiver.example/in ' } });
  fireEvent.change(within(form).getByLabelText('Description'), { target: { value: 'Data warehouse' } });
  // All events by default; unticked, the kinds are offered.
  const all = within(form).getByRole('checkbox', { name: 'All events' }) as HTMLInputElement;
  expect(all.checked).toBe(true);
  expect(within(form).queryByRole('checkbox', { name: /^Contacts/ })).toBeNull();
  fireEvent.click(all);
  fireEvent.click(within(form).getByRole('checkbox', { name: /^Contacts/ }));
  fireEvent.change(within(form).getByLabelText('Further event types'), { target: { value: 'ticket.created deal.updated,' } });
  fireEvent.change(within(form).getByLabelText('Topics'), { target: { value: 'pipeline:p1, contacts' } });
  await within(form).findByRole('option', { name: 'billing-bot' });
  fireEvent.change(within(form).getByLabelText('Role'), { target: { value: 'billing-bot' } });
  fireEvent.click(within(form).getByRole('button', { name: 'Create webhook' }));

  const secret = await screen.findByTestId('secret-once');
  expect(within(secret).getByTestId('secret').textContent).toBe('whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=');
  expect(secret.textContent).toContain('you will not see it again');
  await waitFor(() => expect(document.activeElement).toBe(secret));
  expect(calls.find((c) => c.method === 'POST' && c.path === '/webhooks')?.body).toEqual({
    url: 'https://receiver.example/in', description: 'Data warehouse', event_types: ['contact.*', 'ticket.created', 'deal.updated'],
    topics: ['pipeline:p1', 'contacts'], role: 'billing-bot',
  });
  fireEvent.click(within(secret).getByRole('button', { name: 'Copy' }));
  await within(secret).findByText('Copied.');
  expect(writeText).toHaveBeenCalledWith('whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=');
  // Listed, without its secret; the form is empty again.
  expect(card('w9').textContent).toContain('https://receiver.example/in');
  expect(card('w9').textContent).not.toContain('whsec_');
  expect((within(form).getByLabelText(/^URL/) as HTMLInputElement).value).toBe('');

  fireEvent.click(within(secret).getByRole('button', { name: 'I saved it' }));
  expect(screen.queryByTestId('secret-once')).toBeNull();
  expect(document.body.textContent).not.toContain('whsec_');
});

it('rotates a secret and shows the new one once, with how long the previous one still signs', async () => {
  const { calls } = page(() => [hook()], (method, path) =>
    method === 'POST' && path === '/webhooks/w1/rotate-secret'
      ? json(200, { ...hook({ previous_secret_until: '2026-12-07T10:00:00Z' }), secret: 'whsec_bmV3LXNlY3JldA==' })
      : undefined,
  );
  fireEvent.click(await within(await waitFor(() => card('w1'))).findByRole('button', { name: 'Rotate secret' }));
  const secret = await within(card('w1')).findByTestId('secret-once');
  expect(within(secret).getByTestId('secret').textContent).toBe('whsec_bmV3LXNlY3JldA==');
  expect(secret.textContent).toContain('The previous secret keeps signing beside it until');
  expect(secret.textContent).toContain('you will not see it again');
  expect(calls.filter((c) => c.path === '/webhooks/w1/rotate-secret')).toHaveLength(1);
  fireEvent.click(within(secret).getByRole('button', { name: 'I saved it' }));
  expect(document.body.textContent).not.toContain('whsec_');
});

it('shows the server’s refusals beside the fields they name, and checks the events itself first', async () => {
  let answer = (): Response => json(422, {
    status: 422, code: 'validation_failed', detail: '2 fields are invalid.',
    errors: [
      { field: 'url', message: '127.0.0.1 is an internal address, which webhooks may not reach' },
      { field: 'event_types', message: '"contact.bogus!" is not an event type' },
    ],
  });
  const { calls } = page(() => [], (method, path) => (method === 'POST' && path === '/webhooks' ? answer() : undefined));
  const form = await screen.findByRole('region', { name: 'New webhook' });
  const url = within(form).getByLabelText(/^URL/);
  fireEvent.change(url, { target: { value: 'http://127.0.0.1:9/hook' } });
  // "Some events" with none chosen: said at once, nothing sent.
  fireEvent.click(within(form).getByRole('checkbox', { name: 'All events' }));
  fireEvent.click(within(form).getByRole('button', { name: 'Create webhook' }));
  expect(within(form).getByText('Choose at least one kind of event, or all events.')).toBeTruthy();
  expect(calls.some((c) => c.method === 'POST' && c.path === '/webhooks')).toBe(false);

  fireEvent.change(within(form).getByLabelText('Further event types'), { target: { value: 'contact.bogus!' } });
  fireEvent.click(within(form).getByRole('button', { name: 'Create webhook' }));
  expect((await within(form).findByRole('alert')).textContent).toBe('The webhook was not saved; see the fields marked.');
  expect(url.getAttribute('aria-invalid')).toBe('true');
  expect(document.getElementById(url.getAttribute('aria-describedby')!.split(' ').at(-1)!)?.textContent)
    .toBe('127.0.0.1 is an internal address, which webhooks may not reach');
  const events = within(form).getByRole('group', { name: 'Events' });
  expect(within(events).getByText('"contact.bogus!" is not an event type')).toBeTruthy();

  // A role with more than the admin holds: refused with 403, said at the role.
  answer = () => json(403, { status: 403, code: 'forbidden', detail: 'role: you cannot grant permissions you do not hold yourself' });
  fireEvent.click(within(form).getByRole('button', { name: 'Create webhook' }));
  await within(form).findByText('You can only choose a role whose permissions you hold yourself.');
  expect(within(form).getByLabelText('Role').getAttribute('aria-invalid')).toBe('true');
  expect(url.getAttribute('aria-invalid')).toBeNull();
});

it('shows why a disabled endpoint is off, and enabling it again sends `enabled: true`', async () => {
  const off = hook({ enabled: false, disabled_reason: 'failing since 2026-12-05T09:00:00Z: connection refused', attempts: 14, failing_since: '2026-12-05T09:00:00Z' });
  const { calls } = page(() => [off], (method, path) =>
    method === 'PATCH' && path === '/webhooks/w1' ? json(200, hook({ delivered_seq: 41 })) : undefined,
  );
  const c = await waitFor(() => card('w1'));
  expect(within(c).getByTestId('webhook-state').textContent).toBe('Disabled');
  const reason = within(c).getByTestId('webhook-reason').textContent!;
  expect(reason).toMatch(/^Switched off after failing since .*2026.*: connection refused$/);
  fireEvent.click(await within(c).findByRole('button', { name: 'Enable again' }));
  await within(c).findByText(/Webhook enabled again/);
  expect(calls.find((x) => x.method === 'PATCH')?.body).toEqual({ enabled: true });
  expect(within(c).getByTestId('webhook-state').textContent).toBe('Active');
  expect(within(c).queryByTestId('webhook-reason')).toBeNull();
  expect(within(c).getByRole('button', { name: 'Disable' })).toBeTruthy();
});

it('says since when an endpoint fails, how often, and when it is tried next', async () => {
  page(() => [hook({ attempts: 3, failing_since: '2026-12-06T08:00:00Z', next_attempt_at: '2026-12-06T08:05:00Z' })]);
  const c = await waitFor(() => card('w1'));
  expect(within(c).getByTestId('webhook-state').textContent).toBe('Failing');
  const text = within(c).getByTestId('webhook-failing').textContent!;
  expect(text).toMatch(/^Failing since .+\. 3 failed attempts\. Next attempt .+\.$/);
  expect(c.textContent).toContain('contact.*, deal.updated');
});

it('pages through the delivery log while the server gives a cursor, and shows a ping’s answer', async () => {
  const first = [delivery('d3', { event_type: 'contact.updated' }), delivery('d2', { ok: false, status: 500, error: 'HTTP 500', response: 'upstream\n  exploded' })];
  const { calls } = page(() => [hook()], (method, path) => {
    if (path === '/webhooks/w1/deliveries?limit=50') return json(200, { items: first, next_cursor: 'd2' });
    if (path === '/webhooks/w1/deliveries?limit=50&cursor=d2') return json(200, { items: [delivery('d1', { seq: 39, attempt: 2 })], next_cursor: null });
    if (method === 'POST' && path === '/webhooks/w1/ping') {
      return json(200, delivery('p1', { message_id: 'ping_1', seq: null, event_type: 'webhook.ping', status: 204, latency_ms: 31 }));
    }
    return undefined;
  });
  const c = await waitFor(() => card('w1'));
  fireEvent.click(within(c).getByRole('button', { name: 'Show delivery log' }));
  const table = await within(c).findByTestId('deliveries');
  const rows = () => [...table.querySelectorAll('tbody tr')].map((r) => r.getAttribute('data-delivery'));
  expect(rows()).toEqual(['d3', 'd2']);
  const failed = table.querySelector('tr[data-delivery="d2"]')!;
  expect(failed.textContent).toContain('Failed');
  expect(failed.textContent).toContain('500');
  expect(failed.textContent).toContain('HTTP 500');
  expect(failed.textContent).toContain('upstream exploded');
  expect(failed.textContent).toContain('msg_d2');
  expect(failed.textContent).toContain('12 ms');

  fireEvent.click(await within(c).findByRole('button', { name: 'Load more' }));
  await waitFor(() => expect(rows()).toEqual(['d3', 'd2', 'd1']));
  // The last page: nothing more to load.
  expect(within(c).queryByRole('button', { name: 'Load more' })).toBeNull();

  fireEvent.click(within(c).getByRole('button', { name: 'Send test ping' }));
  const result = await within(c).findByTestId('ping-result');
  expect(result.textContent).toBe('The receiver answered 204 in 31 ms.');
  // The log is read again from its newest page.
  await waitFor(() => expect(calls.filter((x) => x.path === '/webhooks/w1/deliveries?limit=50')).toHaveLength(2));
  await waitFor(() => expect(rows()).toEqual(['d3', 'd2']));
  expect(within(c).getByRole('button', { name: 'Load more' })).toBeTruthy();
});

it('says what a failed ping got back', async () => {
  page(() => [hook()], (method, path) =>
    method === 'POST' && path === '/webhooks/w1/ping'
      ? json(200, delivery('p1', { event_type: 'webhook.ping', ok: false, status: null, error: 'connection refused', latency_ms: 3 }))
      : undefined,
  );
  const c = await waitFor(() => card('w1'));
  fireEvent.click(await within(c).findByRole('button', { name: 'Send test ping' }));
  expect((await within(c).findByTestId('ping-result')).textContent).toBe('The receiver did not answer (3 ms): connection refused');
});

it('replays from an event number, and deletes only after a confirmation', async () => {
  let hooks = [hook()];
  const { calls } = page(() => hooks, (method, path) => {
    if (method === 'POST' && path === '/webhooks/w1/replay') return json(200, hook({ delivered_seq: 10 }));
    if (method === 'DELETE' && path === '/webhooks/w1') {
      hooks = [];
      return new Response(null, { status: 204 });
    }
    return undefined;
  });
  const c = await waitFor(() => card('w1'));
  expect(c.textContent).toContain('#41');
  const since = await within(c).findByLabelText('Replay from event #');
  fireEvent.change(since, { target: { value: '10' } });
  fireEvent.click(within(c).getByRole('button', { name: 'Replay' }));
  await within(c).findByText('Every event after #10 will be delivered again.');
  expect(calls.find((x) => x.path === '/webhooks/w1/replay')?.body).toEqual({ since: 10 });
  expect(c.textContent).toContain('#10');

  fireEvent.click(within(c).getByRole('button', { name: 'Delete…' }));
  const dialog = screen.getByRole('alertdialog', { name: 'Delete this webhook?' });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
  expect(calls.some((x) => x.method === 'DELETE')).toBe(false);
  fireEvent.click(within(c).getByRole('button', { name: 'Delete…' }));
  fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Delete webhook' }));
  await screen.findByText('No webhooks yet.');
  expect(calls.filter((x) => x.method === 'DELETE')).toHaveLength(1);
});

it('edits an endpoint in a dialog, saving the form as shown', async () => {
  const { calls } = page(() => [hook()], (method, path, body) =>
    method === 'PATCH' && path === '/webhooks/w1' ? json(200, hook(body as Partial<Webhook>)) : undefined,
  );
  const c = await waitFor(() => card('w1'));
  fireEvent.click(await within(c).findByRole('button', { name: 'Edit' }));
  const dialog = screen.getByRole('dialog', { name: 'Edit webhook https://hooks.example/crm' });
  // The saved patterns: a kind ticked, the rest as text.
  expect((within(dialog).getByRole('checkbox', { name: /^Contacts/ }) as HTMLInputElement).checked).toBe(true);
  expect((within(dialog).getByLabelText('Further event types') as HTMLInputElement).value).toBe('deal.updated');
  fireEvent.click(within(dialog).getByRole('checkbox', { name: /^Tickets/ }));
  fireEvent.change(within(dialog).getByLabelText('Description'), { target: { value: 'Billing sync v2' } });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
  await within(c).findByText('Webhook saved.');
  expect(calls.find((x) => x.method === 'PATCH')?.body).toEqual({
    url: 'https://hooks.example/crm', description: 'Billing sync v2', event_types: ['contact.*', 'ticket.*', 'deal.updated'], topics: [], role: 'viewer',
  });
  expect(c.textContent).toContain('Billing sync v2');
});

it('reads the list again when the server says the webhooks changed, and after a reconnect', async () => {
  let hooks = [hook()];
  const { calls } = page(() => hooks);
  const c = await waitFor(() => card('w1'));
  expect(within(c).getByTestId('webhook-state').textContent).toBe('Active');
  await waitFor(() => expect(FakeSocket.all.length).toBeGreaterThan(0));
  const ws = FakeSocket.last();
  act(() => ws.open());
  const reads = () => calls.filter((x) => x.method === 'GET' && x.path === '/webhooks').length;
  const before = reads();

  // Something else changed: not read again.
  act(() => ws.receive({ type: 'changed', what: 'branding' }));
  hooks = [hook({ enabled: false, disabled_reason: 'failing since 2026-12-05T09:00:00Z: HTTP 503' })];
  act(() => ws.receive({ type: 'changed', what: 'webhooks' }));
  await waitFor(() => expect(within(card('w1')).getByTestId('webhook-state').textContent).toBe('Disabled'));
  expect(reads()).toBe(before + 1);
  expect(within(card('w1')).getByTestId('webhook-reason').textContent).toContain('HTTP 503');

  // A frame sent while the socket was down is lost: a reconnect reads the list again.
  hooks = [];
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  try {
    act(() => ws.drop());
    await act(() => vi.advanceTimersByTimeAsync(60_000));
  } finally {
    vi.useRealTimers();
  }
  await waitFor(() => expect(FakeSocket.all.length).toBeGreaterThan(1));
  act(() => FakeSocket.last().open());
  await screen.findByText('No webhooks yet.');
  expect(reads()).toBe(before + 2);
});

it('shows endpoints and their log, but no way to change them, without `webhooks:write`', async () => {
  page(() => [hook()], (_m, path) => (path.startsWith('/webhooks/w1/deliveries') ? json(200, { items: [delivery('d1')], next_cursor: null }) : undefined), ['webhooks:read']);
  const c = await waitFor(() => card('w1'));
  await screen.findByText('Signed in as Ada Admin');
  fireEvent.click(within(c).getByRole('button', { name: 'Show delivery log' }));
  await within(c).findByTestId('deliveries');
  for (const name of ['Disable', 'Edit', 'Send test ping', 'Rotate secret', 'Delete…', 'Replay']) {
    expect(within(c).queryByRole('button', { name })).toBeNull();
  }
  expect(screen.queryByRole('region', { name: 'New webhook' })).toBeNull();
});

// The person's passkeys on their account page: the list, adding one
// (name, browser dialog, server), a cancelled or impossible ceremony in
// words, and removing one after asking.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { json, renderApp, type Handler } from '../../test/render';
import { cancelled, CREATION, installWebAuthn, removeWebAuthn } from '../../test/webauthn';
import { PasskeysPanel } from './PasskeysPanel';

afterEach(() => {
  cleanup();
  removeWebAuthn();
  vi.unstubAllGlobals();
});

const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const OLD = { id: 'p1', name: 'Work laptop', created_at: '2026-03-01T09:00:00Z', last_used_at: '2026-03-05T10:30:00Z' };
const PHONE = { id: 'p2', name: 'Phone', created_at: '2026-04-01T09:00:00Z', last_used_at: null };

function panel(handler: Handler, items = [OLD, PHONE]) {
  return renderApp(<PasskeysPanel />, (method, path, body, headers) => {
    if (method === 'GET' && path === '/me/passkeys') return json(200, { items });
    return handler(method, path, body, headers);
  }, { signedIn: true });
}

const rows = () => screen.getAllByTestId('passkey-row').map((r) => within(r).getAllByRole('cell').slice(0, 3).map((c) => c.textContent));

it('lists the passkeys newest first, with when they were added and last used', async () => {
  installWebAuthn();
  panel(() => undefined);
  await screen.findByText('Phone');
  expect(screen.getByRole('heading', { name: 'Passkeys' })).toBeTruthy();
  const [phone, laptop] = rows();
  expect(phone![0]).toBe('Phone');
  expect(phone![2]).toBe('Never');
  expect(laptop![0]).toBe('Work laptop');
  expect(laptop![1]).toMatch(/2026/);
  expect(laptop![2]).toMatch(/2026/);
});

it('adds a passkey under the name given (offered: this browser and system), and lists it', async () => {
  const { create } = installWebAuthn(CHROME_LINUX);
  const finishes: unknown[] = [];
  const { calls } = panel((method, path, body) => {
    if (method === 'POST' && path === '/me/passkeys/register/start') return json(200, { flow_id: 'f-1', options: CREATION });
    if (method === 'POST' && path === '/me/passkeys/register/finish') {
      finishes.push(body);
      return json(201, { id: 'p3', name: 'Desk key', created_at: '2026-05-01T09:00:00Z', last_used_at: null });
    }
    return undefined;
  });
  await screen.findByText('Phone');
  fireEvent.click(screen.getByRole('button', { name: 'Add a passkey' }));
  const dialog = await screen.findByRole('dialog', { name: 'Add a passkey' });
  const name = within(dialog).getByLabelText(/Name/) as HTMLInputElement;
  expect(name.value).toBe('Chrome on Linux');
  fireEvent.change(name, { target: { value: '  Desk key ' } });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Continue' }));

  await screen.findByText('Passkey “Desk key” added.');
  expect(screen.queryByRole('dialog')).toBeNull();
  expect(rows().map((r) => r[0])).toEqual(['Desk key', 'Phone', 'Work laptop']);
  // The browser got bytes where the server sent base64url.
  const asked = create.mock.calls[0]![0].publicKey!;
  expect([...new Uint8Array(asked.challenge as ArrayBuffer)]).toEqual([0, 1, 2]);
  expect([...new Uint8Array(asked.user.id as ArrayBuffer)]).toEqual([1, 2, 3]);
  expect(finishes).toEqual([
    {
      flow_id: 'f-1',
      name: 'Desk key',
      credential: expect.objectContaining({ id: 'BAUG', rawId: 'BAUG', type: 'public-key', response: { clientDataJSON: 'AQ', attestationObject: 'Ag', transports: ['internal'] } }),
    },
  ]);
  expect(calls.find((c) => c.path === '/me/passkeys/register/finish')?.headers.authorization).toMatch(/^Bearer /);
});

it('says so in words when the person cancels at the browser, and sends nothing', async () => {
  const { create } = installWebAuthn();
  create.mockRejectedValueOnce(cancelled());
  const { calls } = panel((method, path) =>
    method === 'POST' && path === '/me/passkeys/register/start' ? json(200, { flow_id: 'f-1', options: CREATION }) : undefined,
  );
  await screen.findByText('Phone');
  fireEvent.click(screen.getByRole('button', { name: 'Add a passkey' }));
  const dialog = await screen.findByRole('dialog');
  fireEvent.click(within(dialog).getByRole('button', { name: 'Continue' }));
  expect((await within(dialog).findByRole('alert')).textContent).toBe(
    'No passkey was used: it was cancelled, or the time ran out. Try again when you are ready.',
  );
  expect(dialog.textContent).not.toContain('NotAllowedError');
  expect(calls.some((c) => c.path === '/me/passkeys/register/finish')).toBe(false);
  // Still there to try again, or to give up.
  fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
  await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
});

it('puts a refused name at its field, and a spent ceremony in words', async () => {
  installWebAuthn();
  let finish = 0;
  panel((_method, path) => {
    if (path === '/me/passkeys/register/start') return json(200, { flow_id: 'f-1', options: CREATION });
    if (path === '/me/passkeys/register/finish') {
      finish++;
      return finish === 1
        ? json(422, { status: 422, code: 'validation_failed', errors: [{ field: 'name', message: 'must be 1-100 characters without control characters' }] })
        : json(401, { status: 401, code: 'unauthorized', detail: 'The passkey was not accepted, or the ceremony expired.' });
    }
    return undefined;
  });
  await screen.findByText('Phone');
  fireEvent.click(screen.getByRole('button', { name: 'Add a passkey' }));
  const dialog = await screen.findByRole('dialog');
  const name = within(dialog).getByLabelText(/Name/);
  fireEvent.change(name, { target: { value: '' } });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Continue' }));
  await within(dialog).findByText('Give the passkey a name.');
  expect(finish).toBe(0);

  fireEvent.change(name, { target: { value: 'Laptop' } });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Continue' }));
  await within(dialog).findByText('This name cannot be used: 1 to 100 characters, without line breaks.');
  expect(name.getAttribute('aria-invalid')).toBe('true');

  fireEvent.click(within(dialog).getByRole('button', { name: 'Continue' }));
  expect((await within(dialog).findByRole('alert')).textContent).toBe('The passkey was not added: it took too long or was not accepted. Try again.');
});

it('tells a browser without passkeys so, instead of a button that cannot work', async () => {
  removeWebAuthn();
  panel(() => undefined);
  await screen.findByText('Phone');
  expect(screen.getByText('This browser cannot use passkeys. Use a current browser, or sign in another way.')).toBeTruthy();
  expect((screen.getByRole('button', { name: 'Add a passkey' }) as HTMLButtonElement).disabled).toBe(true);
  // Removing one still works from here.
  expect((screen.getByRole('button', { name: 'Remove passkey Phone' }) as HTMLButtonElement).disabled).toBe(false);
});

it('removes a passkey only after asking', async () => {
  installWebAuthn();
  const deletes: string[] = [];
  panel((method, path) => {
    if (method === 'DELETE') {
      deletes.push(path);
      return new Response(null, { status: 204 });
    }
    return undefined;
  });
  await screen.findByText('Phone');
  fireEvent.click(screen.getByRole('button', { name: 'Remove passkey Work laptop' }));
  let ask = await screen.findByRole('alertdialog', { name: 'Remove the passkey “Work laptop”?' });
  fireEvent.click(within(ask).getByRole('button', { name: 'Cancel' }));
  await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
  expect(deletes).toEqual([]);

  fireEvent.click(screen.getByRole('button', { name: 'Remove passkey Work laptop' }));
  ask = await screen.findByRole('alertdialog');
  fireEvent.click(within(ask).getByRole('button', { name: 'Remove passkey' }));
  await screen.findByText('Passkey “Work laptop” removed.');
  expect(deletes).toEqual(['/me/passkeys/p1']);
  expect(rows().map((r) => r[0])).toEqual(['Phone']);
});

it('says when there is none yet, and shows nothing on a server without passkeys', async () => {
  installWebAuthn();
  panel(() => undefined, []);
  await screen.findByText('You have no passkey yet.');
  cleanup();
  const { container } = renderApp(<PasskeysPanel />, () => undefined, { signedIn: true });
  await waitFor(() => expect(container.querySelector('[data-testid="passkeys"]')).toBeNull());
  await new Promise((r) => setTimeout(r, 20));
  expect(container.querySelector('[data-testid="passkeys"]')).toBeNull();
});

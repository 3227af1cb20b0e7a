import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { CannedReply } from '../../api/canned';
import { json, renderApp, type Handler } from '../../test/render';
import { CannedReplies } from './CannedReplies';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const SAVED: CannedReply[] = [{ name: 'Greeting', body: 'Hello {{contact.first_name}},' }];

function page(more: Handler = () => undefined) {
  history.replaceState(null, '', '/t/acme/admin/canned-replies');
  return renderApp(<CannedReplies tenant="acme" />, (method, path, body, headers) => {
    const answer = more(method, path, body, headers);
    if (answer) return answer;
    if (method === 'GET' && path === '/canned-replies') return json(200, { replies: SAVED });
    return undefined;
  }, { signedIn: true });
}

const reply = (name: string) => screen.getAllByRole('listitem').find((li) => li.getAttribute('data-reply') === name)!;

it('explains the placeholders, adds a reply with them at the cursor, and saves the whole list', async () => {
  const { calls } = page((method, path, body) =>
    method === 'PUT' && path === '/settings/canned-replies'
      ? json(200, { replies: (body as { replies: CannedReply[] }).replies.map((r) => ({ ...r, name: r.name.trim() })) })
      : undefined,
  );
  await screen.findByDisplayValue('Greeting');
  const explained = screen.getByTestId('placeholders');
  expect(within(explained).getByText('{{contact.first_name}}')).toBeTruthy();
  expect(within(explained).getByText('The requester’s first name')).toBeTruthy();
  const save = screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement;
  expect(save.disabled).toBe(true);

  fireEvent.click(screen.getByRole('button', { name: 'Add reply' }));
  const fresh = reply('');
  const name = within(fresh).getByLabelText(/Name/) as HTMLInputElement;
  expect(document.activeElement).toBe(name);
  fireEvent.change(name, { target: { value: '  Closing ' } });
  const body = within(fresh).getByLabelText(/Text/) as HTMLTextAreaElement;
  fireEvent.change(body, { target: { value: 'Regards, ' } });
  body.setSelectionRange(9, 9);
  fireEvent.click(within(fresh).getByRole('button', { name: 'Insert {{agent.name}}: The name of the agent who sends it' }));
  expect(body.value).toBe('Regards, {{agent.name}}');
  expect(body.selectionStart).toBe(23);
  // In place of a selection, too.
  body.setSelectionRange(0, 7);
  fireEvent.click(within(fresh).getByRole('button', { name: /^Insert \{\{workspace\.name\}\}/ }));
  expect(body.value).toBe('{{workspace.name}}, {{agent.name}}');

  fireEvent.click(save);
  expect(await screen.findByText('Canned replies saved.')).toBeTruthy();
  expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({
    replies: [SAVED[0], { name: '  Closing ', body: '{{workspace.name}}, {{agent.name}}' }],
  });
  // What the server kept (the name trimmed) is what the form now holds.
  expect(screen.getByDisplayValue('Closing')).toBeTruthy();
  expect(save.disabled).toBe(true);
});

it('shows the server’s refusals at the reply and field they name, and removes a reply', async () => {
  const { calls } = page((method, path) =>
    method === 'PUT' && path === '/settings/canned-replies'
      ? json(422, {
          status: 422, code: 'validation_failed', detail: '2 fields are invalid.',
          errors: [
            { field: 'replies.0.body', message: 'unknown placeholder {{contact.iban}}; known: contact.first_name, …' },
            { field: 'replies.1.name', message: 'is already used by another reply' },
          ],
        })
      : undefined,
  );
  await screen.findByDisplayValue('Greeting');
  fireEvent.change(within(reply('Greeting')).getByLabelText(/Text/), { target: { value: 'IBAN: {{contact.iban}}' } });
  fireEvent.click(screen.getByRole('button', { name: 'Add reply' }));
  fireEvent.change(within(reply('')).getByLabelText(/Name/), { target: { value: 'greeting' } });
  fireEvent.change(within(reply('greeting')).getByLabelText(/Text/), { target: { value: 'Hi' } });
  fireEvent.click(screen.getByRole('button', { name: 'Save' }));

  expect((await screen.findByRole('alert')).textContent).toContain('Some replies need a change');
  const body = within(reply('Greeting')).getByLabelText(/Text/);
  expect(body.getAttribute('aria-invalid')).toBe('true');
  expect(within(reply('Greeting')).getByText(/unknown placeholder \{\{contact\.iban\}\}/)).toBeTruthy();
  expect(within(reply('greeting')).getByText('is already used by another reply')).toBeTruthy();
  expect(within(reply('greeting')).getByLabelText(/Name/).getAttribute('aria-invalid')).toBe('true');

  fireEvent.click(within(reply('greeting')).getByRole('button', { name: 'Remove “greeting”' }));
  await waitFor(() => expect(screen.queryByDisplayValue('greeting')).toBeNull());
  // The errors named positions the removal moved.
  expect(screen.queryByText('is already used by another reply')).toBeNull();
  expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
});

import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { CustomField } from '../../api/types';
import { json, renderApp, type Handler } from '../../test/render';
import { CustomFields } from './CustomFields';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const field = (key: string, label: string, extra: Partial<CustomField> = {}): CustomField => ({
  id: `f-${key}`, kind: 'contact', key, label, type: 'text', options: {}, required: false, retired: false, sensitive: false, version: 1, ...extra,
});

/** The page against a server holding `fields` (a list that POST adds to); `more` answers first. */
function page(fields: CustomField[], more: Handler = () => undefined) {
  history.replaceState(null, '', '/t/acme/admin/fields');
  return renderApp(<CustomFields tenant="acme" />, (method, path, body, headers) => {
    const answer = more(method, path, body, headers);
    if (answer) return answer;
    if (method === 'GET' && path === '/custom-fields?kind=contact') return json(200, { items: fields, next_cursor: null });
    if (method === 'POST' && path === '/custom-fields') {
      const made = field((body as CustomField).key, (body as CustomField).label, body as Partial<CustomField>);
      fields.push(made);
      return json(201, made);
    }
    return undefined;
  }, { signedIn: true });
}

const description = (el: HTMLElement) =>
  (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent).join(' ');
const row = (label: string) => screen.getAllByRole('row').find((r) => r.querySelector('td')?.textContent?.startsWith(label))!;
const sensitiveBox = () => screen.getByRole('checkbox', { name: 'Sensitive' }) as HTMLInputElement;

it('makes a field sensitive when asked, says what that means, and marks it in the list in words', async () => {
  const { calls } = page([field('size', 'Team size', { type: 'number' })]);
  await screen.findByText('Team size');
  expect(description(sensitiveBox())).toBe('Encrypted at rest. Not searchable or filterable. Cannot be changed later.');
  expect(sensitiveBox().checked).toBe(false);

  fireEvent.change(screen.getByLabelText(/^Label/), { target: { value: 'Tax ID' } });
  fireEvent.change(screen.getByLabelText(/^Key/), { target: { value: 'tax_id' } });
  fireEvent.click(sensitiveBox());
  fireEvent.click(screen.getByRole('button', { name: 'Create' }));
  await screen.findByText('Field “Tax ID” created.');
  expect(calls.find((c) => c.method === 'POST' && c.path === '/custom-fields')?.body).toEqual({
    kind: 'contact', key: 'tax_id', label: 'Tax ID', type: 'text', required: false, sensitive: true, options: {},
  });

  // The list says it with a lock and a word, not by colour; only for that field.
  await waitFor(() => expect(within(row('Tax ID')).getByTestId('field-sensitive').textContent?.trim()).toBe('Sensitive'));
  expect(within(row('Tax ID')).getByTestId('field-sensitive').querySelector('svg[aria-hidden="true"]')).toBeTruthy();
  expect(within(row('Team size')).queryByTestId('field-sensitive')).toBeNull();
  // The next field is not sensitive unless chosen again.
  expect(sensitiveBox().checked).toBe(false);
});

it('offers no sensitive relation, and shows the server’s refusal at the box', async () => {
  const { calls } = page([], (method, path) =>
    method === 'POST' && path === '/custom-fields'
      ? json(422, {
        status: 422, code: 'validation_failed', detail: 'sensitive a relation cannot be sensitive: it must stay readable to follow deletions',
        errors: [{ field: 'sensitive', message: 'a relation cannot be sensitive: it must stay readable to follow deletions' }],
      })
      : undefined,
  );
  await screen.findByText('No custom fields yet.');
  fireEvent.click(sensitiveBox());
  fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'relation' } });
  expect(sensitiveBox().disabled).toBe(true);
  expect(sensitiveBox().checked).toBe(false);
  expect(description(sensitiveBox())).toBe('Not for a relation: it must stay readable to follow deletions.');
  // Back to text: still off, as the box showed it.
  fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'text' } });
  expect(sensitiveBox().disabled).toBe(false);
  expect(sensitiveBox().checked).toBe(false);
  fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'relation' } });

  fireEvent.change(screen.getByLabelText(/^Label/), { target: { value: 'Partner' } });
  fireEvent.change(screen.getByLabelText(/^Key/), { target: { value: 'partner' } });
  fireEvent.click(screen.getByRole('button', { name: 'Create' }));
  await screen.findByRole('alert');
  expect(calls.find((c) => c.method === 'POST' && c.path === '/custom-fields')?.body).toMatchObject({ type: 'relation', sensitive: false, options: { kind: 'company' } });
  // Had the server refused anyway, its reason stands at the box.
  expect(sensitiveBox().getAttribute('aria-invalid')).toBe('true');
  expect(description(sensitiveBox())).toContain('a relation cannot be sensitive: it must stay readable to follow deletions');
});

it('edits a sensitive field without offering to change that, and never sends it', async () => {
  const fields = [field('tax_id', 'Tax ID', { sensitive: true }), field('note', 'Note')];
  const { calls } = page(fields, (method, path, body) =>
    method === 'PATCH' && path === '/custom-fields/f-tax_id' ? json(200, { ...fields[0], ...(body as object), version: 2 }) : undefined,
  );
  fireEvent.click(await screen.findByRole('button', { name: 'Edit field Tax ID' }));
  const dialog = screen.getByRole('dialog');
  expect(within(dialog).getByTestId('edit-sensitive').textContent).toContain('This cannot be changed');
  expect(within(dialog).queryByRole('checkbox', { name: /Sensitive/ })).toBeNull();
  fireEvent.change(within(dialog).getByLabelText('Label'), { target: { value: 'Tax number' } });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
  await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
  expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ label: 'Tax number', required: false, retired: false });

  // A field that is not sensitive says nothing about it either way.
  await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  fireEvent.click(screen.getByRole('button', { name: 'Edit field Note' }));
  expect(within(screen.getByRole('dialog')).queryByTestId('edit-sensitive')).toBeNull();
  expect(within(screen.getByRole('dialog')).queryByRole('checkbox', { name: /Sensitive/ })).toBeNull();
});

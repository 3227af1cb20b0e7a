import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import { json, renderApp } from '../../test/render';
import { CONTACTS } from './kinds';
import { RecordForm } from './RecordForm';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const contact = (version: number, extra = {}) => ({
  id: 'c1', version, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
  first_name: 'Anna', last_name: 'Schmidt', email: 'anna@x.example', custom: { size: 5 }, ...extra,
});

it('sends only what changed with If-Match, puts server errors next to their fields, and shows a conflict for the person to decide', async () => {
  let patches = 0;
  const { calls } = renderApp(
    <RecordForm meta={CONTACTS} tenant="acme" id="c1" />,
    (method, path) => {
      if (method === 'GET' && path === '/contacts/c1') {
        const v = patches >= 2 ? 4 : 3;
        return json(200, contact(v, v === 4 ? { title: 'CEO' } : {}), { etag: `"${v}"` });
      }
      if (path.startsWith('/custom-fields')) {
        return json(200, { items: [{ id: 'f', kind: 'contact', key: 'size', label: 'Team size', type: 'number', options: {}, required: false, retired: false, version: 1 }], next_cursor: null });
      }
      if (path.startsWith('/companies')) return json(200, { items: [], next_cursor: null });
      if (method === 'PATCH') {
        patches++;
        if (patches === 1) {
          return json(422, {
            status: 422, code: 'validation_failed', detail: 'Some fields are invalid.',
            errors: [{ field: 'email', message: 'is not an e-mail address' }, { field: 'custom.size', message: 'must be a number' }],
          });
        }
        if (patches === 2) return json(412, { status: 412, code: 'version_conflict', detail: 'changed' });
        return json(200, contact(5), { etag: '"5"' });
      }
      return undefined;
    },
    { signedIn: true },
  );
  const email = await screen.findByLabelText(/E-mail/);
  await waitFor(() => expect((screen.getByLabelText(/Team size/) as HTMLInputElement).value).toBe('5'));
  fireEvent.change(email, { target: { value: 'not-an-email' } });
  fireEvent.change(screen.getByLabelText(/Team size/), { target: { value: '7' } });
  fireEvent.click(screen.getByRole('button', { name: 'Save' }));

  expect(await screen.findByText('is not an e-mail address')).toBeTruthy();
  expect(screen.getByText('must be a number')).toBeTruthy();
  expect(email.getAttribute('aria-invalid')).toBe('true');
  await waitFor(() => expect(document.activeElement).toBe(email));
  const first = calls.find((c) => c.method === 'PATCH')!;
  expect(first.body).toEqual({ email: 'not-an-email', custom: { size: 7 } });
  expect(first.headers['if-match']).toBe('"3"');

  fireEvent.change(email, { target: { value: 'anna@y.example' } });
  fireEvent.click(screen.getByRole('button', { name: 'Save' }));
  expect(await screen.findByText('Someone else changed this record while you were editing.')).toBeTruthy();

  fireEvent.click(screen.getByRole('button', { name: 'Save mine anyway' }));
  await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(3));
  const last = calls.filter((c) => c.method === 'PATCH').at(-1)!;
  expect(last.headers['if-match']).toBe('"4"');
  // Only my fields: the other person's new title is not sent back.
  expect(last.body).toEqual({ email: 'anna@y.example', custom: { size: 7 } });
});

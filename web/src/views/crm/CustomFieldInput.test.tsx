import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, expect, it, vi } from 'vitest';
import type { CustomField, CustomFieldType } from '../../api/types';
import { renderApp } from '../../test/render';
import { CustomFieldInput } from './CustomFieldInput';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const NOTE = 'Encrypted at rest: search and filters do not find its values.';

const field = (type: CustomFieldType, label: string, sensitive: boolean, options: CustomField['options'] = {}): CustomField => ({
  id: label, kind: 'contact', key: label.toLowerCase().replace(/\W/g, '_'), label, type, options, required: false, retired: false, sensitive, version: 1,
});

function inputs(fields: CustomField[]) {
  return renderApp(
    <form>
      {fields.map((f) => (
        <CustomFieldInput key={f.id} field={f} value={f.type === 'currency' ? { amount: '', currency: 'EUR' } : ''} onChange={() => undefined} />
      ))}
    </form>,
    () => undefined,
  );
}

/** What a screen reader says after the control's name: its aria-describedby, in order. */
const description = (el: Element) =>
  (el.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean).map((id) => document.getElementById(id)?.textContent).join(' ');

it('puts a lock with its note by a sensitive field’s label, of every type, and keeps the label as the control’s name', () => {
  inputs([
    field('text', 'Tax ID', true),
    field('long_text', 'Diagnosis', true),
    field('select', 'Rating', true, { choices: ['A', 'B'] }),
    field('bool', 'Vip', true),
    field('multi_select', 'Allergies', true, { choices: ['Nuts', 'Milk'] }),
    field('currency', 'Salary', true),
  ]);
  // The name stays the label alone (the lock is for the eye); the note is the description.
  for (const [role, name] of [['textbox', 'Tax ID'], ['textbox', 'Diagnosis'], ['combobox', 'Rating'], ['checkbox', 'Vip']] as const) {
    expect(description(screen.getByRole(role, { name })), name).toBe(NOTE);
  }
  const allergies = screen.getByRole('group', { name: 'Allergies' });
  expect(description(allergies)).toBe(NOTE);
  expect(within(allergies).getByRole('checkbox', { name: 'Nuts' })).toBeTruthy();
  expect(description(screen.getByRole('textbox', { name: 'Salary' }))).toBe(NOTE);
  expect(description(screen.getByRole('textbox', { name: 'Salary (ISO 4217)' }))).toBe(NOTE);

  // Six locks, each a shape with the note as its tooltip, none of them read twice.
  const locks = document.querySelectorAll('.sensitive-mark');
  expect(locks).toHaveLength(6);
  for (const lock of locks) {
    expect(lock.querySelector('[aria-hidden="true"][title]')?.getAttribute('title')).toBe(NOTE);
    expect(lock.querySelector('svg')).toBeTruthy();
  }
});

it('marks nothing on a field that is not sensitive (or that an older cached answer does not call so)', () => {
  const older = { ...field('text', 'Plain', false) } as Partial<CustomField>;
  delete older.sensitive;
  inputs([field('text', 'Website', false), older as CustomField, field('bool', 'Vip', false)]);
  expect(document.querySelector('.sensitive-mark')).toBeNull();
  expect(screen.getByLabelText('Website').getAttribute('aria-describedby')).toBeNull();
  expect(screen.getByLabelText('Plain').getAttribute('aria-describedby')).toBeNull();
  expect(screen.getByLabelText('Vip').getAttribute('aria-describedby')).toBeNull();
});

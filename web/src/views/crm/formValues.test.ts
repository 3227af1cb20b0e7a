// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { Contact, CustomField } from '../../api/types';
import { diff, toFormValues, toJson, withoutNulls } from './formValues';
import { CONTACTS } from './kinds';

const field = (key: string, type: CustomField['type'], options = {}): CustomField => ({
  id: key, kind: 'contact', key, label: key, type, options, required: false, retired: false, version: 1,
});
const customs = [field('size', 'number'), field('vip', 'bool'), field('budget', 'currency'), field('langs', 'multi_select', { choices: ['de', 'en'] })];

const contact: Contact = {
  id: 'c1', version: 3, created_at: '', updated_at: '',
  first_name: 'Anna', last_name: 'Schmidt', email: 'anna@example.com', tags: ['vip', 'demo'],
  custom: { size: 12, vip: true, budget: { amount: 5000, currency: 'EUR' } },
};

describe('record forms', () => {
  it('round-trips a record through the form without inventing changes', () => {
    const v = toFormValues(CONTACTS, customs, contact);
    expect(v.std.tags).toBe('vip, demo');
    expect(v.custom).toMatchObject({ size: '12', vip: true, budget: { amount: '5000', currency: 'EUR' }, langs: [] });
    const before = toJson(CONTACTS, customs, v);
    expect(diff(before, toJson(CONTACTS, customs, v))).toEqual({});
  });

  it('sends only the changed fields, with null for a cleared one', () => {
    const v = toFormValues(CONTACTS, customs, contact);
    const before = toJson(CONTACTS, customs, v);
    v.std.phone = '+49 30 1';
    v.std.email = '';
    v.custom.size = '13,5';
    v.custom.langs = ['de'];
    expect(diff(before, toJson(CONTACTS, customs, v))).toEqual({
      phone: '+49 30 1',
      email: null,
      custom: { size: 13.5, langs: ['de'] },
    });
  });

  it('leaves empty fields out of a new record', () => {
    const v = toFormValues(CONTACTS, customs, null);
    v.std.last_name = 'Weber';
    v.std.tags = ' a, ,b ';
    expect(withoutNulls(toJson(CONTACTS, customs, v))).toEqual({ last_name: 'Weber', tags: ['a', 'b'], custom: { vip: false } });
  });
});

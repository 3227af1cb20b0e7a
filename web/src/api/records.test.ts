// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { mergeLive } from './records';
import type { Contact } from './types';

const erika: Contact = {
  id: 'c1', version: 3, created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z',
  first_name: 'Erika', last_name: 'Muster', email: 'erika@x.example', phone: '+49 30 1', tags: ['vip'], custom: { birthday: '1980-01-01' },
  company_id: 'co1', owner_id: 'u1', legal_hold: null,
};

describe('a live event over the record a page shows', () => {
  it('takes the newer fields, and lets a lifted legal hold go', () => {
    const held = { ...erika, legal_hold: { reason: 'Audit', by: 'u1', at: '2026-01-01T00:00:00Z' } };
    const next = mergeLive(held, { id: 'c1', version: 4, phone: '+49 30 2' });
    expect(next.phone).toBe('+49 30 2');
    expect(next.email).toBe('erika@x.example');
    expect(next).not.toHaveProperty('legal_hold');
  });

  it('replaces an anonymised record whole: what it lost does not linger from the older version', () => {
    const mark = { at: '2026-12-06T10:00:00Z', rule: 'Old contacts' };
    const next = mergeLive(erika, {
      id: 'c1', version: 4, created_at: erika.created_at, updated_at: mark.at, last_name: 'Anonymised', company_id: 'co1', owner_id: 'u1', custom: {},
      anonymised: mark, change: { rule: 'Old contacts' },
    } as Partial<Contact>);
    expect(next).toEqual({
      id: 'c1', version: 4, created_at: erika.created_at, updated_at: mark.at, last_name: 'Anonymised', company_id: 'co1', owner_id: 'u1', custom: {}, anonymised: mark,
    });
  });

  it('keeps the record when the event is an anonymised record’s older one, overwritten to its id', () => {
    expect(mergeLive(erika, { id: 'c1', anonymised: true } as unknown as Partial<Contact>)).toBe(erika);
  });
});

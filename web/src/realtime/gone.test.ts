// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { eventId, gone, isErased, isGone } from './gone';

describe('events that say a record is gone', () => {
  it('takes deleted and erased events, and older events an erasure overwrote', () => {
    expect(gone('contact.deleted', { id: 'c1' })).toBe(true);
    expect(gone('ticket.erased', { id: 't1', erased: true, queue_id: 'q1' })).toBe(true);
    // A replayed `contact.updated` after the erasure: no fields, only that it is gone.
    expect(gone('contact.updated', { id: 'c1', erased: true })).toBe(true);
    expect(isErased({ event: 'contact.updated', data: { id: 'c1', erased: true } })).toBe(true);
    expect(isErased({ event: 'contact.deleted', data: { id: 'c1' } })).toBe(false);
  });

  it('leaves ordinary events alone, whatever their fields are called', () => {
    expect(isGone({ event: 'contact.updated', data: { id: 'c1', version: 3, last_name: 'Erased' } })).toBe(false);
    expect(isGone({ event: 'contact.updated', data: { id: 'c1', erased: 'yes' } })).toBe(false);
    expect(isGone({ event: 'deal.created', data: null as unknown as Record<string, unknown> })).toBe(false);
  });

  it('reads the id of the record an event is about', () => {
    expect(eventId({ data: { id: 'c1', erased: true } })).toBe('c1');
    expect(eventId({ data: {} })).toBeNull();
  });
});

// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { anonymised, isAnonymised, isStub, liveRecord, stub } from './anonymised';
import { isErased, isGone } from './gone';

const MARK = { at: '2026-12-06T10:00:00Z', rule: 'Old tickets' };

describe('events that carry an anonymised record', () => {
  it('takes the `.anonymised` event and any later one whose record carries the mark', () => {
    const record = { id: 't1', version: 4, subject: 'Anonymised', anonymised: MARK };
    expect(anonymised('ticket.anonymised', { ...record, change: { rule: 'Old tickets' } })).toBe(true);
    expect(isAnonymised({ event: 'ticket.updated', data: record })).toBe(true);
    // Neither gone nor erased: the record stays.
    expect(isGone({ event: 'ticket.anonymised', data: record })).toBe(false);
  });

  it('leaves other events alone, and never takes an erased record’s overwritten event for one', () => {
    expect(anonymised('ticket.updated', { id: 't1', version: 3, subject: 'Printer' })).toBe(false);
    expect(anonymised('ticket.updated', { id: 't1', anonymised: null })).toBe(false);
    expect(anonymised('ticket.updated', { id: 't1', erased: true })).toBe(false);
    expect(anonymised('ticket.anonymised', null)).toBe(false);
    expect(anonymised('ticket.anonymised', { anonymised: MARK })).toBe(false);
  });

  it('gives the record without the event’s `change`', () => {
    expect(liveRecord({ id: 't1', version: 4, anonymised: MARK, change: { rule: 'Old tickets' } })).toEqual({ id: 't1', version: 4, anonymised: MARK });
  });
});

describe('an anonymised record’s older events, overwritten', () => {
  const older = { event: 'ticket.updated', data: { id: 't1', anonymised: true } };

  it('are told by their two keys: the id and `anonymised: true`', () => {
    expect(isStub(older)).toBe(true);
    expect(stub({ id: 't1', anonymised: true, version: 3 })).toBe(false);
    expect(stub({ id: 't1', anonymised: MARK })).toBe(false);
    expect(stub({ anonymised: true })).toBe(false);
    expect(stub(null)).toBe(false);
  });

  it('are neither the record, nor its end', () => {
    expect(isAnonymised(older)).toBe(false);
    expect(isAnonymised({ event: 'ticket.anonymised', data: { id: 't1', anonymised: true } })).toBe(false);
    expect(isGone(older)).toBe(false);
    expect(isErased(older)).toBe(false);
  });
});

// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { Ticket } from '../../api/support';
import { applyPlace, applyTicket, dropTicket, fromPage, offerTo, offeredElsewhere, visible } from './queue-state';

const t = (id: string, extra: Partial<Ticket> = {}): Ticket => ({
  id, version: 1, subject: id, status: 'new', queue_id: 'q', created_at: '', updated_at: '', ...extra,
});
const ids = (s: ReturnType<typeof fromPage>) => visible(s).map((x) => x.id);

describe('a live queue', () => {
  const start = () =>
    fromPage('q', { items: [t('b', { position: 1 }), t('a', { position: 0 }), t('c', { position: 2 })], size: 3, next_cursor: null });

  it('starts in the server’s order', () => {
    expect(ids(start())).toEqual(['a', 'b', 'c']);
  });

  it('puts an entering ticket at its position (its event came first) and shifts the rest', () => {
    let s = applyTicket(start(), t('n', { priority: 'urgent' }));
    expect(ids(s)).toEqual(['a', 'b', 'c']); // known, not placed yet
    const r = applyPlace(s, { ticket_id: 'n', position: 0, size: 4 });
    s = r.state;
    expect(r.missing).toBeNull();
    expect(ids(s)).toEqual(['n', 'a', 'b', 'c']);
    expect(s.size).toBe(4);
  });

  it('asks for a ticket that entered without its data', () => {
    const r = applyPlace(start(), { ticket_id: 'x', position: 1, size: 4 });
    expect(r.missing).toBe('x');
    expect(ids(r.state)).toEqual(['a', 'b', 'c']);
    expect(ids({ ...r.state, tickets: { ...r.state.tickets, x: t('x') } })).toEqual(['a', 'x', 'b', 'c']);
  });

  it('moves a ticket, and drops one that left', () => {
    let s = applyPlace(start(), { ticket_id: 'c', position: 0, size: 3 }).state;
    expect(ids(s)).toEqual(['c', 'a', 'b']);
    s = applyPlace(s, { ticket_id: 'a', position: null, size: 2 }).state;
    expect(ids(s)).toEqual(['c', 'b']);
    expect(s.tickets.a).toBeUndefined();
  });

  it('drops a ticket as soon as its event says it is assigned or moved to another queue', () => {
    let s = applyTicket(start(), t('b', { version: 2, assignee_id: 'u2' }));
    expect(ids(s)).toEqual(['a', 'c']);
    s = applyTicket(s, t('c', { version: 2, queue_id: 'other' }));
    expect(ids(s)).toEqual(['a']);
  });

  it('ignores an event older than what it shows', () => {
    const s = applyTicket(start(), t('a', { version: 5, subject: 'new' }));
    expect(applyTicket(s, t('a', { version: 4, subject: 'old' })).tickets.a?.subject).toBe('new');
  });

  it('knows a live offer to me from an expired one or one to someone else', () => {
    const now = Date.parse('2026-05-04T10:00:00Z');
    const offered = t('o', { offer: { user_id: 'me', offered_at: '2026-05-04T09:59:40Z', expires_at: '2026-05-04T10:00:20Z' } });
    expect(offerTo(offered, 'me', now)?.left).toBe(20);
    expect(offerTo(offered, 'me', now + 21_000)).toBeNull();
    expect(offerTo(offered, 'you', now)).toBeNull();
    expect(offeredElsewhere(offered, 'you', now)).toBe(true);
    expect(offeredElsewhere(offered, 'me', now)).toBe(false);
    expect(offeredElsewhere(offered, 'you', now + 21_000)).toBe(false);
  });
});

it('forgets an offer that the newest event no longer carries', () => {
  let s = fromPage('q', { items: [t('a', { position: 0, offer: { user_id: 'me', offered_at: '', expires_at: '2999-01-01T00:00:00Z' } })], size: 1, next_cursor: null });
  s = applyTicket(s, t('a', { version: 2 }));
  expect(s.tickets.a?.offer).toBeUndefined();
});

it('takes a deleted or erased ticket out at once, leaving the size to the next frame', () => {
  const s = fromPage('q', { items: [t('a', { position: 0 }), t('b', { position: 1 })], size: 2, next_cursor: null });
  const next = dropTicket(s, 'a');
  expect(ids(next)).toEqual(['b']);
  expect(next.tickets.a).toBeUndefined();
  expect(next.size).toBe(2);
  expect(dropTicket(next, 'a')).toBe(next);
});

it('shows an anonymised ticket in its place without what it lost (events replace the ticket whole)', () => {
  const start = fromPage('q', { items: [t('a', { position: 0 }), t('b', { position: 1 }), t('c', { position: 2 })], size: 3, next_cursor: null });
  let s = applyTicket(start, t('b', { version: 2, position: 1, description: 'My card number is …', requester_id: 'c1', tags: ['vip'] }));
  s = applyTicket(s, t('b', { version: 3, subject: 'Anonymised', anonymised: { at: '2026-12-06T10:00:00Z', rule: 'Old tickets' } }));
  expect(ids(s)).toEqual(['a', 'b', 'c']);
  const b = s.tickets.b!;
  expect(b.subject).toBe('Anonymised');
  expect(b).not.toHaveProperty('description');
  expect(b).not.toHaveProperty('requester_id');
  expect(b).not.toHaveProperty('tags');
});

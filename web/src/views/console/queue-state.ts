// One queue's waiting tickets, kept live as pure functions so the rules
// are tested without a browser:
// - the server's list (`GET /queues/{id}/tickets`) sets the order;
// - `queue` frames say where one ticket now is (or that it left): it is
//   taken out and put back at that position, so the others shift with it;
// - ticket events bring the ticket's newest data (they come before the
//   frame), and an assigned ticket leaves at once, whatever comes next;
// - a deleted or erased ticket leaves at once too.
import type { QueuePage, Ticket } from '../../api/support';

export interface QueueState {
  queueId: string;
  /** Ticket ids in queue order. */
  order: string[];
  tickets: Record<string, Ticket>;
  /** The whole queue's size, including tickets this person cannot see. */
  size: number;
}

export function fromPage(queueId: string, page: QueuePage): QueueState {
  const items = [...page.items].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  return {
    queueId,
    order: items.map((t) => t.id),
    tickets: Object.fromEntries(items.map((t) => [t.id, t])),
    size: page.size,
  };
}

export interface PlaceFrame {
  ticket_id: string;
  position: number | null;
  size: number;
}

/** Applies a `queue` frame; `missing` names a ticket that entered but whose data we lack. */
export function applyPlace(s: QueueState, f: PlaceFrame): { state: QueueState; missing: string | null } {
  const order = s.order.filter((id) => id !== f.ticket_id);
  const tickets = { ...s.tickets };
  if (f.position === null) {
    delete tickets[f.ticket_id];
    return { state: { ...s, order, tickets, size: f.size }, missing: null };
  }
  order.splice(Math.min(Math.max(f.position, 0), order.length), 0, f.ticket_id);
  return { state: { ...s, order, tickets, size: f.size }, missing: tickets[f.ticket_id] ? null : f.ticket_id };
}

/** Applies a ticket's newest data from an event (or a fetch). */
export function applyTicket(s: QueueState, t: Ticket): QueueState {
  const have = s.tickets[t.id];
  if (have && have.version > t.version) return s;
  const gone = !!t.assignee_id || (t.queue_id != null && t.queue_id !== s.queueId);
  if (gone) {
    if (!have && !s.order.includes(t.id)) return s;
    const tickets = { ...s.tickets };
    delete tickets[t.id];
    return { ...s, order: s.order.filter((id) => id !== t.id), tickets };
  }
  // Events carry the whole ticket: replace, so a field that went (an
  // expired offer) goes here too.
  return { ...s, tickets: { ...s.tickets, [t.id]: t } };
}

/**
 * A ticket deleted or erased: out of the list at once. The size stays
 * until the server's `queue` frame says it (it counts what we cannot see).
 */
export function dropTicket(s: QueueState, id: string): QueueState {
  if (!s.tickets[id] && !s.order.includes(id)) return s;
  const tickets = { ...s.tickets };
  delete tickets[id];
  return { ...s, order: s.order.filter((x) => x !== id), tickets };
}

/** The tickets to show, in order (those we have data for). */
export function visible(s: QueueState): Ticket[] {
  return s.order.flatMap((id) => (s.tickets[id] ? [s.tickets[id]] : []));
}

/** The live offer to `user`, if any (an expired one is no offer). */
export function offerTo(t: Ticket, user: string | undefined, now: number) {
  const o = t.offer;
  if (!o || !user || o.user_id !== user) return null;
  const left = Math.floor((Date.parse(o.expires_at) - now) / 1000);
  return left > 0 ? { ...o, left } : null;
}

/** A live offer to someone else blocks a claim (the server answers 409). */
export function offeredElsewhere(t: Ticket, user: string | undefined, now: number): boolean {
  const o = t.offer;
  return !!o && o.user_id !== user && Date.parse(o.expires_at) > now;
}

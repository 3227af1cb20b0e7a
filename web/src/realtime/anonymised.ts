// Which events say that a retention rule anonymised a record, and what
// a view does with them. `<kind>.anonymised`, then `<kind>.updated`, carry
// the whole anonymised record, marked `anonymised: {at, rule}`; what it
// lost (texts, e-mail, tags, custom fields, `contact_ids`, a ticket's
// `requester_id`) is simply absent, so such a record replaces what a view
// holds instead of being merged over it, or the lost values would linger.
//
// The server overwrites the record's older events with a stub,
// `{"id", "anonymised": true}` (only those two keys), so a replay after a
// reconnect may bring those first. A stub is neither the record (it has
// no fields) nor its end (the record stays): the realtime client hands it
// to no view (client.ts), `mergeLive` keeps the record it is merged over,
// and the `.anonymised` and `.updated` events after it bring the record.
//
// Servers before that overwrote them as an erasure's (`{"id", "erased":
// true}`): a view that took those for the record's erasure (gone.ts)
// still takes the record back when the anonymised version follows.
import type { EventFrame } from './protocol';

type Data = unknown;

/** An anonymised record's older event, overwritten: `{"id", "anonymised": true}` and nothing else. */
export function stub(data: Data): boolean {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Record<string, unknown>;
  const keys = Object.keys(d);
  return d.anonymised === true && typeof d.id === 'string' && keys.length === 2;
}

export const isStub = (f: Pick<EventFrame, 'data'>) => stub(f.data);

/** The event carries an anonymised record: it did the anonymising, or came after it. */
export function anonymised(event: string, data: Data): boolean {
  if (typeof data !== 'object' || data === null || stub(data)) return false;
  const mark = (data as { anonymised?: unknown }).anonymised;
  // An `.anonymised` event always carries the record; the mark says it for any later one.
  return (event.endsWith('.anonymised') || (typeof mark === 'object' && mark !== null)) && typeof (data as { id?: unknown }).id === 'string';
}

export const isAnonymised = (f: Pick<EventFrame, 'event' | 'data'>) => anonymised(f.event, f.data);

/**
 * The record an event carries, without what the event adds about the
 * change (`change`, e.g. `{"rule": …}` on `.anonymised`): not a field.
 */
export function liveRecord<T>(data: Data): T {
  const { change: _, ...record } = data as Record<string, unknown>;
  return record as T;
}

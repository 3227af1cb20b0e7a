// Which events say that a record is gone. A `<kind>.deleted` event and a
// `<kind>.erased` one (GDPR Art. 17) both do; so does any older event
// about an erased record: the server overwrites its data with
// `{"id": …, "erased": true}`, so a replay after a reconnect brings a
// `contact.updated` with no fields at all. Such an event must never be
// merged into a record: it only says "this one is gone".
import type { EventFrame } from './protocol';

type Data = unknown;

/** The record was erased: by this event, or an older one overwritten since. */
export function erased(event: string, data: Data): boolean {
  return event.endsWith('.erased') || (typeof data === 'object' && data !== null && (data as { erased?: unknown }).erased === true);
}

/** The record is gone: deleted or erased. */
export function gone(event: string, data: Data): boolean {
  return event.endsWith('.deleted') || erased(event, data);
}

export const isErased = (f: Pick<EventFrame, 'event' | 'data'>) => erased(f.event, f.data);
export const isGone = (f: Pick<EventFrame, 'event' | 'data'>) => gone(f.event, f.data);

/** The id of the record an event is about (every event's data has it). */
export function eventId(f: Pick<EventFrame, 'data'>): string | null {
  const id = (f.data as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : null;
}

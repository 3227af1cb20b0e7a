// The customer sidebar's rules: how a contact is named, and which of the
// requester's tickets it lists.
import type { Ticket } from '../../api/support';
import type { Contact } from '../../api/types';

/** How many of the requester's other tickets the sidebar lists. */
export const OTHER_TICKETS_SHOWN = 8;

/** First and last name, as far as they are there (a role may hide either). */
export const contactName = (c: Pick<Contact, 'first_name' | 'last_name'>) =>
  [c.first_name, c.last_name].filter(Boolean).join(' ');

/**
 * The requester's tickets other than the open one, newest first, at most
 * `OTHER_TICKETS_SHOWN`; `more` when the server had further ones.
 */
export function otherTickets(items: Ticket[], current: string, serverHasMore: boolean): { items: Ticket[]; more: boolean } {
  const rest = items
    .filter((t) => t.id !== current)
    .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));
  return { items: rest.slice(0, OTHER_TICKETS_SHOWN), more: serverHasMore || rest.length > OTHER_TICKETS_SHOWN };
}

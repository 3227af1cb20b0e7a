// Who may do the privacy duties. Unlike the rest of the app (which shows
// everything until `/me` arrives and lets the server decide), these
// actions appear only once `/me` names the permission: an "Erase" button
// flashing up for a moment for the wrong person would be worse than one
// appearing a moment late.
import type { Me } from '../../api/types';

const has = (me: Me | null, permission: string) => !!me?.permissions.some((p) => p.permission === permission);

/** Place and lift legal holds (`privacy:hold`: admin, owner). */
export const mayHold = (me: Me | null) => has(me, 'privacy:hold');

/** Erase a person (`privacy:erase`: admin, owner). */
export const mayErase = (me: Me | null) => has(me, 'privacy:erase');

/** Export a person's data, and see and fetch every export (`privacy:export`: admin, owner). */
export const mayExport = (me: Me | null) => has(me, 'privacy:export');

/** Read past erasures, which only the audit trail keeps (`admin:audit`). */
export const mayReadTrail = (me: Me | null) => has(me, 'admin:audit');

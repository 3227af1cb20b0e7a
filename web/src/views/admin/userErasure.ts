// Erasing a user (Admin > Users): what must be typed to confirm, whether
// an account was erased already, and the server's refusals in words. The
// server words its refusals in English (src/identity/admin/user_admin.rs);
// the ones it gives today are said in the person's language, any other
// as written.
import { ApiError } from '../../api/problem';
import type { I18n } from '../../i18n';
import { describeError } from '../../ui/errors';
import { nameMatches } from '../privacy/erase';

/** What an erased account's e-mail address ends with (`erased-<id>@erased.invalid`). */
const ERASED_DOMAIN = '@erased.invalid';

/** Erased already: nothing of the person is left to export or erase. */
export const isErasedUser = (u: { email: string }) => u.email.toLowerCase().endsWith(ERASED_DOMAIN);

/** The user's name as shown, or their e-mail address (any case): either proves the right person is meant. */
export function confirmsUser(typed: string, u: { name: string; email: string }): boolean {
  const email = u.email.trim().toLowerCase();
  return nameMatches(typed, u.name) || (email !== '' && typed.trim().toLowerCase() === email);
}

const PORTAL_CONTACT = /^This portal account is contact ([0-9a-fA-F-]{36});/;

export interface Refusal {
  /** The whole sentence, "Not erased: …". */
  text: string;
  /** The contact whose page erases this portal account instead. */
  contact?: string;
}

/** Why the user was not erased. */
export function userEraseRefusal(err: unknown, i18n: I18n): Refusal {
  const { t } = i18n;
  const refused = (detail: string) => t('erase.refused', { detail });
  if (!(err instanceof ApiError)) return { text: refused(describeError(err, i18n)) };
  const detail = err.detail;
  if (err.status === 404) return { text: refused(t('userErase.refusedGone')) };
  if (err.status === 409 && detail.startsWith('You cannot erase yourself')) return { text: refused(t('userErase.refusedSelf')) };
  if (err.status === 409 && /last active owner/.test(detail)) return { text: refused(t('userErase.refusedLastOwner')) };
  const contact = err.status === 409 ? PORTAL_CONTACT.exec(detail)?.[1] : undefined;
  if (contact) return { text: refused(t('userErase.refusedContact')), contact };
  // Today the server says this in the words of granting roles
  // ("roles: you cannot grant permissions you do not hold yourself").
  if (err.status === 403 && /permissions you do not hold/.test(detail)) return { text: refused(t('userErase.refusedHigher')) };
  return { text: refused(describeError(err, i18n)) };
}

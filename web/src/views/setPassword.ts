// What the set-password page reads and says: the token from the link's
// fragment (`#token=<64 hex>`), and the server's refusals in the person's
// language. The server words them in English (src/domain/password.rs,
// src/identity/recovery.rs); the ones it gives today are translated, any
// other is shown as written.
import type { I18n } from '../i18n';

/** The token of `#token=…`, or null when the fragment has none. */
export function tokenFromHash(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token')?.trim();
  return token ? token : null;
}

const TOO_SHORT = /^must be at least (\d+) characters long$/;
const TOO_LONG = /^must be at most (\d+) bytes long$/;

/** A `password` field error in words. */
export function passwordProblem(i18n: I18n, message: string): string {
  const short = TOO_SHORT.exec(message);
  if (short) return i18n.t('password.tooShort', { n: Number(short[1]) });
  const long = TOO_LONG.exec(message);
  if (long) return i18n.t('password.tooLong', { n: Number(long[1]) });
  if (message.startsWith('is one of the most common passwords')) return i18n.t('password.common');
  if (message.startsWith('needs at least three different characters')) return i18n.t('password.fewCharacters');
  return message;
}

/** Why the link does not work (any more): none in the address, not one the server sent, or used or expired. */
export type LinkProblem = 'missing' | 'invalid' | 'spent';

/** A `token` field error as a LinkProblem. */
export const tokenProblem = (message: string): LinkProblem => (message.includes('not a link this server sent') ? 'invalid' : 'spent');

export function linkProblemText(i18n: I18n, p: LinkProblem): string {
  return i18n.t(p === 'missing' ? 'setPassword.noToken' : p === 'invalid' ? 'setPassword.tokenInvalid' : 'setPassword.tokenSpent');
}

// The erasure dialog's rules: the name that must be typed, and what the
// server's answer says in words.
import type { Erased } from '../../api/privacy';
import type { I18n, Key } from '../../i18n';

/**
 * Typed as shown, give or take spaces around it and between words
 * (GitHub-style: the person proves they mean this one).
 */
export function nameMatches(typed: string, name: string): boolean {
  const norm = (s: string) => s.trim().replace(/\s+/g, ' ');
  return norm(name) !== '' && norm(typed) === norm(name);
}

/** The kinds an erasure removes, in the order they are named. */
const GONE = ['contact', 'ticket', 'comment', 'activity'] as const;

/**
 * "Erased: 1 contact, 2 tickets, 3 comments, 1 activity; 1 deal kept
 * without them.", and that their portal account was made anonymous if
 * they had one.
 */
export function eraseSummary(r: Pick<Erased, 'gone' | 'cleared' | 'portal_user'>, t: I18n['t']): string {
  const list = GONE.filter((k) => (r.gone[k] ?? 0) > 0)
    .map((k) => t(`record.n.${k}` as Key, { count: r.gone[k] ?? 0 }))
    .join(', ');
  const deals = r.cleared.deal ?? 0;
  const done = deals > 0
    ? t('erase.summaryKept', { list, kept: t('erase.dealsKept', { count: deals }) })
    : t('erase.summary', { list });
  return r.portal_user ? `${done} ${t('erase.portalDone')}` : done;
}

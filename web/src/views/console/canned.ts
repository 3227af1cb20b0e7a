// The canned-reply picker's rules, apart from its markup.
import type { CannedReply } from '../../api/canned';

/** Replies whose name contains what was typed (any case, any accents typed or not); names starting with it first. */
export function filterReplies(replies: CannedReply[], query: string): CannedReply[] {
  const q = fold(query.trim());
  if (!q) return replies;
  const hits = replies.filter((r) => fold(r.name).includes(q));
  const starts = (r: CannedReply) => (fold(r.name).startsWith(q) ? 0 : 1);
  return hits.map((r, i) => [r, i] as const).sort((a, b) => starts(a[0]) - starts(b[0]) || a[1] - b[1]).map(([r]) => r);
}

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

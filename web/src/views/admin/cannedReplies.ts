// The canned replies page's rules: replies as the form edits them and as
// the server takes them, and the server's field errors put back at their
// reply (`replies.<i>.name`, `replies.<i>.body`).
import type { CannedReply } from '../../api/canned';

export interface ReplyDraft {
  /** Keeps a reply's inputs (and their cursor) in place while others are added or removed. */
  key: number;
  name: string;
  body: string;
}

export type ReplyField = 'name' | 'body';

let keys = 0;

export const draftOf = (r: CannedReply): ReplyDraft => ({ key: ++keys, name: r.name, body: r.body });
export const newDraft = (): ReplyDraft => ({ key: ++keys, name: '', body: '' });

/** What `PUT /settings/canned-replies` takes: the whole list, in this order. */
export const repliesOf = (drafts: ReplyDraft[]): CannedReply[] => drafts.map(({ name, body }) => ({ name, body }));

/** Whether the form holds something other than what is saved. */
export function changed(drafts: ReplyDraft[], saved: CannedReply[]): boolean {
  return JSON.stringify(repliesOf(drafts)) !== JSON.stringify(saved);
}

/** The server's field errors of reply `i`, by field. */
export function replyErrors(fields: Record<string, string>, i: number): Partial<Record<ReplyField, string>> {
  const out: Partial<Record<ReplyField, string>> = {};
  for (const [f, m] of Object.entries(fields)) {
    const hit = /^replies\.(\d+)\.(name|body)$/.exec(f);
    if (hit && Number(hit[1]) === i) out[hit[2] as ReplyField] = m;
  }
  return out;
}

/** Field errors that belong to no reply's field (say, too many replies): shown above the form. */
export function otherErrors(fields: Record<string, string>): string[] {
  return Object.entries(fields)
    .filter(([f]) => !/^replies\.\d+\.(name|body)$/.test(f))
    .map(([f, m]) => (f === 'replies' ? m : `${f}: ${m}`));
}

/** `{{ contact.first_name }}` as it goes into a body. */
export const token = (placeholder: string) => `{{${placeholder}}}`;

// Tags on a record as the server keeps them (src/records/validate.rs
// `Tags`): at most 50, each 1–50 characters, no duplicates. What the person
// types is checked here first, so a long or surplus tag is said in words
// before anything is sent.
export const MAX_TAGS = 50;
export const MAX_TAG_LENGTH = 50;

export type TagProblem = 'tooLong' | 'tooMany';

/** The tags in `input` ("vip, billing"): split at commas, trimmed, no empties. */
export function parseTags(input: string): string[] {
  return input
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `current` with the tags typed in `input` added (each once), or why not. */
export function addTags(current: readonly string[], input: string): { tags: string[]; problem?: TagProblem } {
  const next = [...current];
  for (const tag of parseTags(input)) {
    if ([...tag].length > MAX_TAG_LENGTH) return { tags: [...current], problem: 'tooLong' };
    if (!next.includes(tag)) next.push(tag);
  }
  if (next.length > MAX_TAGS) return { tags: [...current], problem: 'tooMany' };
  return { tags: next };
}

export function removeTag(current: readonly string[], tag: string): string[] {
  return current.filter((t) => t !== tag);
}

/** Same tags, whatever the order (the server keeps them sorted). */
export function sameTags(a: readonly string[] = [], b: readonly string[] = []): boolean {
  return a.length === b.length && a.every((t) => b.includes(t));
}

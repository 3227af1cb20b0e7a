// Putting text into a text box at its cursor (a canned reply, a placeholder).

/**
 * `text` put into `value` in place of the selection (or at the cursor):
 * the new value and where the cursor goes (after what was put in). With
 * `lines` (a whole reply), it gets a line break on a side where it would
 * otherwise run into the words beside it; a placeholder goes in as it is.
 */
export function insertAt(value: string, start: number, end: number, text: string, lines = true): { value: string; caret: number } {
  const before = value.slice(0, start);
  const after = value.slice(end);
  const lead = lines && before && !/\s$/.test(before) ? '\n' : '';
  const trail = lines && after && !/^\s/.test(after) ? '\n' : '';
  const put = lead + text + trail;
  return { value: before + put + after, caret: before.length + lead.length + text.length };
}

// The import's row errors in words, in the person's language: "Row 4:
// E-mail is not a valid e-mail address". The server names each problem by
// field key and an English phrase (src/records/validate.rs, csv_io.rs);
// here the key becomes the field's label, the row its row in the person's
// file, and each known phrase a sentence of ours. A phrase we do not know
// becomes "is not valid": never a field key or a parameter name.
import type { Key } from '../../i18n/en';

export interface RowError {
  line: number;
  field: string;
  message: string;
}

type T = (k: Key, p?: Record<string, string | number>) => string;

const RULES: [RegExp, (m: RegExpMatchArray, t: T) => string][] = [
  [/^(is required|must not be empty)$/, (_, t) => t('import.err.required')],
  [/valid email/, (_, t) => t('import.err.email')],
  [/^must be at most (\d+) characters$/, (m, t) => t('import.err.tooLong', { max: m[1]! })],
  [/^must be an http\(s\) URL$/, (_, t) => t('import.err.url')],
  [/^must be an (array of )?ids?$/, (_, t) => t('import.err.id')],
  [/^refers to a company that does not exist$/, (_, t) => t('import.err.noCompany')],
  [/^refers to a contact that does not exist$/, (_, t) => t('import.err.noContact')],
  [/^refers to a user that does not exist$/, (_, t) => t('import.err.noUser')],
  [/^refers to a team that does not exist$/, (_, t) => t('import.err.noTeam')],
  [/^refers to a \w+ that does not exist$/, (_, t) => t('import.err.noRecord')],
  [/^must be a number$/, (_, t) => t('import.err.number')],
  [/^must be an integer$/, (_, t) => t('import.err.integer')],
  [/^must be between (\S+) and (\S+)$/, (m, t) => t('import.err.between', { min: m[1]!, max: m[2]! })],
  [/^must be true or false$/, (_, t) => t('import.err.bool')],
  [/^must be a date\b/, (_, t) => t('import.err.date')],
  [/date-time$/, (_, t) => t('import.err.dateTime')],
  [/^must be one of (.+)$/, (m, t) => t('import.err.oneOf', { choices: m[1]! })],
  [/currency code|ISO 4217/, (_, t) => t('import.err.currency')],
  [/^must not contain control characters$/, (_, t) => t('import.err.control')],
  [/^must have at most (\d+) entries$/, (m, t) => t('import.err.tooMany', { max: m[1]! })],
  [/^entries must not be empty$/, (_, t) => t('import.err.emptyEntry')],
  [/outside what you may write/, (_, t) => t('import.err.notYours')],
];

/** The problem in words ("is not a valid e-mail address"). */
export function problemText(message: string, t: T): string {
  for (const [re, say] of RULES) {
    const m = message.match(re);
    if (m) return say(m, t);
  }
  return t('import.err.invalid');
}

/** Fields the server checks that the dialog does not offer (it fills them itself). */
const SERVER_FILLED: Record<string, Key> = {
  owner_id: 'import.field.owner',
  team_id: 'import.field.team',
  user_id: 'import.field.user',
  shared_with: 'import.field.sharedWith',
};

export interface RowMessage {
  row: number;
  text: string;
}

/**
 * One line per row with errors, in row order: "Row 4: E-mail is not a
 * valid e-mail address; Last name is missing".
 */
export function rowMessages(errors: RowError[], rowOfLine: Map<number, number>, labelOf: (key: string) => string | undefined, t: T): RowMessage[] {
  const byRow = new Map<number, string[]>();
  for (const e of errors) {
    const row = rowOfLine.get(e.line) ?? e.line;
    const label = labelOf(e.field) ?? (SERVER_FILLED[e.field] ? t(SERVER_FILLED[e.field]!) : t('import.field.unknown'));
    const part = t('import.fieldProblem', { field: label, problem: problemText(e.message, t) });
    byRow.set(row, [...(byRow.get(row) ?? []), part]);
  }
  return [...byRow.entries()]
    .sort(([a], [b]) => a - b)
    .map(([row, parts]) => ({ row, text: t('import.rowError', { row, problems: parts.join('; ') }) }));
}

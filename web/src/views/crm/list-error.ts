// Why the server would not list these records, in sentences a person
// reads. A refused filter (422 `errors[]`, e.g. one on a sensitive field)
// is named by its label rather than its key, and each gets its own
// sentence: with two or more the server's `detail` only counts them
// ("2 fields are invalid.") and its reasons would be lost.
import { ApiError } from '../../api/problem';
import type { I18n } from '../../i18n';
import { describeError } from '../../ui/errors';

export function listErrors(e: unknown, i18n: I18n, labelOf: (key: string) => string | undefined): string[] {
  if (e instanceof ApiError && e.status === 422) {
    const named = Object.entries(e.fieldErrors);
    if (named.length) return named.map(([key, problem]) => i18n.t('list.fieldProblem', { field: labelOf(key) ?? key, problem }));
  }
  return [describeError(e, i18n)];
}

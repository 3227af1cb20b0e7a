// Says on a record's page that a retention rule anonymised it: when, by
// which rule, and in plain words what went and what stayed. Without it a
// ticket titled "Anonymised" with no description or comments would look
// like a broken or emptied record; with it, the page explains itself.
// A status (polite), so that one anonymised while open is announced.
import type { AnonymisedMark } from '../../api/types';
import { useI18n, type Key } from '../../i18n';
import { Alert } from '../../ui/Alert';

/** The kinds with a page of their own. */
export type AnonymisedKind = 'contact' | 'company' | 'deal' | 'ticket';

export function AnonymisedNotice({ kind, mark }: { kind: AnonymisedKind; mark: AnonymisedMark | null | undefined }) {
  const i18n = useI18n();
  const { t } = i18n;
  if (!mark) return null;
  return (
    <div className="anonymised" data-testid="anonymised">
      <Alert>
        <strong>{t('anonymised.notice', { date: i18n.date(mark.at), rule: mark.rule })}</strong>{' '}
        {t(`anonymised.what_${kind}` as Key)}
      </Alert>
    </div>
  );
}

// What the retention rules would do (a dry run) or did (a run), rule by
// rule: the records matched and what happens to them (deleted, erased or
// anonymised), what goes with them per kind, what stays without them, and
// what was held back (a legal hold) or refused (still needed by other
// records).
import type { RetentionReport as Report } from '../../api/retention';
import { useI18n } from '../../i18n';
import { alongWith, countList, matchedText } from './retention';

export function RetentionReport({ report, dry }: { report: Report; dry: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const at = i18n.dateTime(report.at);
  const none = <span className="muted">{t('retention.none')}</span>;
  return (
    <section className="panel retention-report" aria-labelledby="retention-report-h" data-testid="retention-report" data-kind={dry ? 'dry-run' : 'run'}>
      <h2 id="retention-report-h">{dry ? t('retention.previewAt', { time: at }) : t('retention.ranAt', { time: at })}</h2>
      <p className="muted">{dry ? t('retention.previewNote') : t('retention.runNote')}</p>
      {report.rules.length === 0 ? (
        <p>{dry ? t('retention.noRules') : t('retention.noneEnabled')}</p>
      ) : (
        <div className="table-wrap">
          <table className="table table--compact">
            <thead>
              <tr>
                <th scope="col">{t('retention.rule')}</th>
                <th scope="col">{dry ? t('retention.wouldDo') : t('retention.did')}</th>
                <th scope="col">{t('retention.along')}</th>
                <th scope="col">{t('retention.kept')}</th>
                <th scope="col">{t('retention.held')}</th>
                <th scope="col">{t('retention.refused')}</th>
              </tr>
            </thead>
            <tbody>
              {report.rules.map((r) => (
                <tr key={r.name} data-rule={r.name}>
                  <th scope="row">
                    {r.name}
                    {r.enabled ? null : <span className="muted"> ({t('retention.off')})</span>}
                  </th>
                  <td data-label={dry ? t('retention.wouldDo') : t('retention.did')} data-cell="matched" data-action={r.action}>{matchedText(r, t, dry)}</td>
                  <td data-label={t('retention.along')} data-cell="along">{alongWith(r, t) || none}</td>
                  <td data-label={t('retention.kept')} data-cell="kept">{countList(r.cleared, t) || none}</td>
                  <td data-label={t('retention.held')} data-cell="held">{i18n.number(r.held)}</td>
                  <td data-label={t('retention.refused')} data-cell="refused">{i18n.number(r.refused)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

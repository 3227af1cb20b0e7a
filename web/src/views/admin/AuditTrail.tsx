// Audit trail (`admin:audit`): the workspace's tamper-evident record of
// changes and sign-ins, newest first, filtered by who, kind, action,
// record and days. The filters live in the address, so a filtered view
// (a record's History links to one) can be shared and reloaded. More
// entries come with "Load more"; "Download CSV" takes the current filters.
import { useMemo } from 'react';
import { ApiError } from '../../api/problem';
import { useSearchParams } from '../../app/router';
import { useSession } from '../../app/session';
import { useI18n, type I18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { AuditTable } from '../audit/AuditTable';
import { CsvDownload } from '../audit/CsvDownload';
import { filterOf, queryOf, searchOf, FILTER_KEYS, type TrailFilter } from '../audit/filters';
import { TrailFilters } from '../audit/TrailFilters';
import { useTrail } from '../audit/useTrail';
import { mayReadTrail } from '../privacy/access';
import { AdminPage } from './kit';

const PAGE = 50;

type Refused = Partial<Record<keyof TrailFilter, string>>;

const LABELS = {
  actor: 'audit.who',
  kind: 'audit.kind',
  action: 'audit.action',
  record: 'audit.record',
  from: 'audit.from',
  to: 'audit.to',
} as const;

/**
 * A 422's `errors[]` in words, at the filters they name: an id that is
 * none, a date that is none, a word too long; else the server's message.
 */
function refusedFilters(e: unknown, t: I18n['t']): Refused | null {
  if (!(e instanceof ApiError) || e.status !== 422) return null;
  const out: Refused = {};
  for (const [field, message] of Object.entries(e.fieldErrors)) {
    const k = FILTER_KEYS.find((f) => f === field);
    if (!k) continue;
    out[k] = k === 'actor' || k === 'record'
      ? t('audit.err.uuid')
      : k === 'from' || k === 'to'
        ? t('audit.err.date')
        : /at most/.test(message) ? t('audit.err.long') : message;
  }
  return out;
}

export function AuditTrail({ tenant }: { tenant: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { me } = useSession();
  const [sp, setSp] = useSearchParams();
  const filter = filterOf(sp);
  const search = searchOf(filter).toString();
  const query = useMemo(() => queryOf(filter), [search]);
  // Asked only once `/me` names the permission: the section is listed for
  // everyone until `/me` arrives, and the server would only say 403.
  const allowed = mayReadTrail(me);
  const trail = useTrail(query, PAGE, allowed);
  const refused = refusedFilters(trail.error, t);
  const refusedNames = refused ? Object.keys(refused).map((k) => t(LABELS[k as keyof TrailFilter])) : [];

  return (
    <AdminPage tenant={tenant} title={t('admin.audit')} intro={t('admin.auditAbout')} actions={<CsvDownload query={query} />}>
      <TrailFilters value={filter} errors={refused ?? {}} onApply={(f) => setSp(searchOf(f))} />
      {trail.error ? (
        <Alert tone="danger">
          {refusedNames.length ? t('audit.badFilter', { fields: refusedNames.join(', ') }) : describeError(trail.error, i18n)}
        </Alert>
      ) : null}
      {!trail.entries && !trail.error ? <p aria-busy="true">{t('app.loading')}</p> : null}
      {trail.entries && trail.entries.length === 0 ? <p className="muted">{t('audit.empty')}</p> : null}
      {trail.entries?.length ? (
        <>
          <AuditTable entries={trail.entries} tenant={tenant} label={t('admin.audit')} />
          <div className="list-foot">
            <span role="status">{t('audit.count', { count: trail.entries.length })}</span>
            {trail.hasMore ? (
              <button type="button" className="btn" disabled={trail.more.busy} onClick={() => void trail.loadMore()}>
                {trail.more.busy ? t('audit.loadingMore') : t('audit.loadMore')}
              </button>
            ) : null}
          </div>
          {trail.more.error ? <Alert tone="danger">{describeError(trail.more.error, i18n)}</Alert> : null}
        </>
      ) : null}
    </AdminPage>
  );
}

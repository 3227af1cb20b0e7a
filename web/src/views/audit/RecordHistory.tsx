// A record's History on its page: its audit trail entries, newest first,
// for those who may read the trail (`admin:audit`); for others it is not
// there, and nothing is asked of the server. Closed at first and read
// when opened: most visits to a record are not about its past.
import { useId, useState } from 'react';
import { Link } from '../../app/router';
import { useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { mayReadTrail } from '../privacy/access';
import { AuditTable } from './AuditTable';
import { trailOfRecord } from './filters';
import { useTrail } from './useTrail';

const NEWEST = 20;

export function RecordHistory({ tenant, recordId }: { tenant: string; recordId: string }) {
  const { me } = useSession();
  // Only once `/me` names the permission (see privacy/access.ts).
  return mayReadTrail(me) ? <History tenant={tenant} recordId={recordId} /> : null;
}

function History({ tenant, recordId }: { tenant: string; recordId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [open, setOpen] = useState(false);
  const trail = useTrail({ record: recordId }, NEWEST, open);
  const id = useId();

  return (
    <section className="record-history" aria-labelledby={`${id}-h`} data-testid="record-history">
      <h2 id={`${id}-h`}>
        <button type="button" className="record-history__toggle" aria-expanded={open} aria-controls={`${id}-body`} onClick={() => setOpen((o) => !o)}>
          {t('audit.history')}
        </button>
      </h2>
      <div id={`${id}-body`} hidden={!open}>
        {open ? (
          <>
            <p className="muted">{t('audit.historyAbout')}</p>
            {trail.error ? <Alert tone="danger">{describeError(trail.error, i18n)}</Alert> : null}
            {!trail.entries && !trail.error ? <p aria-busy="true">{t('app.loading')}</p> : null}
            {trail.entries?.length === 0 ? <p className="muted">{t('audit.historyEmpty')}</p> : null}
            {trail.entries?.length ? (
              <AuditTable entries={trail.entries} tenant={tenant} showWhat={false} label={t('audit.history')} />
            ) : null}
            {trail.hasMore ? <p className="muted">{t('audit.historyNewest', { count: NEWEST })}</p> : null}
            <p>
              <Link to={trailOfRecord(tenant, recordId)}>{t('audit.historyAll')}</Link>
            </p>
          </>
        ) : null}
      </div>
    </section>
  );
}

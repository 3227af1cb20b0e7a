// "Export personal data" on a contact's page (GDPR Art. 15, 20), for
// those with `privacy:export`: the action in the page's head, and below it
// where the export stands: its steps as a bar and in words while it is
// built, then the archive to download (until it expires), or why it
// failed with a way to try again. The state lives in the page
// (`usePersonExport`), so both parts see the same export. Admin > Users
// uses both for a user's row, with words that name the user (a list has
// one such button per person).
import { useId } from 'react';
import { Link } from '../../app/router';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { ArchiveButton } from './ArchiveButton';
import { exportFailure } from './exports';
import type { PersonExportState } from './useExports';

interface ButtonProps {
  state: PersonExportState;
  /** The words on it (default "Export personal data"). */
  label?: string;
  /** Its accessible name, where the words alone do not say whose data (a row of a list). */
  name?: string;
  small?: boolean;
}

export function ExportButton({ state, label, name, small = false }: ButtonProps) {
  const { t } = useI18n();
  const busy = state.starting || state.current?.status === 'running';
  return (
    <button type="button" className={small ? 'btn btn--small' : 'btn'} disabled={busy} aria-label={state.starting ? undefined : name}
      onClick={() => void state.start()}>
      {state.starting ? t('export.starting') : label ?? t('export.action')}
    </button>
  );
}

/** `title`: the heading, where "Personal data export" alone does not say whose. */
export function ExportStatus({ state, tenant, title }: { state: PersonExportState; tenant: string; title?: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  // Several on one page (a list of users) must not share one heading id.
  const headingId = useId();
  const e = state.current;
  if (state.error) {
    return <Alert tone="danger" actions={<RetryButton state={state} />}>{t('export.notStarted', { detail: describeError(state.error, i18n) })}</Alert>;
  }
  if (!e) return null;
  return (
    <section className="person-export" aria-labelledby={headingId} data-testid="person-export" data-status={e.status}>
      <h2 id={headingId}>{title ?? t('export.title')}</h2>
      {e.status === 'running' ? (
        <label className="person-export__progress" aria-live="polite">
          {t('export.running', { done: e.done, total: e.total })}
          <progress max={e.total} value={e.done} />
        </label>
      ) : null}
      {e.status === 'ready' ? (
        <>
          <p aria-live="polite">{e.expires_at ? t('export.readyUntil', { date: i18n.dateTime(e.expires_at) }) : t('export.ready')}</p>
          <ArchiveButton exp={e} />
          <p className="muted">
            {t('export.listed')} <Link to={`/t/${tenant}/admin/data-requests`}>{t('admin.dataRequests')}</Link>.
          </p>
        </>
      ) : null}
      {e.status === 'failed' ? <Alert tone="danger" actions={<RetryButton state={state} />}>{exportFailure(e, t)}</Alert> : null}
    </section>
  );
}

function RetryButton({ state }: { state: PersonExportState }) {
  const { t } = useI18n();
  return (
    <button type="button" className="btn btn--small" disabled={state.starting} onClick={() => void state.start()}>
      {t('app.retry')}
    </button>
  );
}

// What both dashboards show around their figures: loading, errors, and
// whether the figures are live (frames arriving) and how fresh they are.
import type { ReactNode } from 'react';
import { ApiError } from '../../api/problem';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import type { Live } from './useDashboard';

export function DashboardFrame({ live, children }: { live: Live<unknown>; children: ReactNode }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <div className="dashboard" data-testid="dashboard" data-live={live.live}>
      <p className="dashboard__state muted">
        <span className={`live-dot${live.live ? ' live-dot--on' : ''}`} aria-hidden="true" />
        {live.switchedOff ? t('dash.switchedOff') : live.live ? t('dash.live') : t('dash.notLive')}
        {live.updatedAt ? ` · ${t('dash.updated', { time: new Date(live.updatedAt).toLocaleTimeString(i18n.lang === 'de' ? 'de-DE' : 'en-GB') })}` : null}
      </p>
      {live.error && !live.data ? (
        live.error instanceof ApiError && live.error.status === 403 ? (
          <Alert tone="warning">{t('dash.forbidden')}</Alert>
        ) : (
          <Alert tone="danger">{describeError(live.error, i18n)}</Alert>
        )
      ) : null}
      {!live.data && !live.error ? <p aria-busy="true">{t('app.loading')}</p> : null}
      {children}
    </div>
  );
}

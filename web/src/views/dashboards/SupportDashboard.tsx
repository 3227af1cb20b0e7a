// The live support dashboard: open tickets by status and priority, SLA
// breaches and first responses today, the oldest waiting ticket, and how
// the open count moved while this page was open.
import { isDone, PRIORITIES, type SupportBoard } from '../../api/support';
import { Link } from '../../app/router';
import { useI18n } from '../../i18n';
import { useNow } from '../../ui/useNow';
import { priorityLabel, statusLabel } from '../support/labels';
import { useWorkflow } from '../support/hooks';
import { BarChart, Kpi, Sparkline, type Bar } from './charts';
import { DashboardFrame } from './DashboardFrame';
import { useDashboard } from './useDashboard';

export function SupportDashboard({ tenant }: { tenant: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const live = useDashboard<SupportBoard>('support', (d) => d.open_total);
  const wf = useWorkflow();
  const now = useNow();
  const d = live.data;

  // Every open status of the workflow, in its order, even at zero (a bar
  // that empties stays put); then any the workflow no longer names.
  const open = wf ? wf.statuses.filter((s) => !isDone(wf, s)) : [];
  const statusBars: Bar[] = d
    ? [...new Set([...open, ...Object.keys(d.open_by_status)])].map((s) => ({
        key: s,
        label: statusLabel(i18n, s),
        value: d.open_by_status[s] ?? 0,
      }))
    : [];
  const prioBars: Bar[] = d
    ? PRIORITIES.map((p) => ({ key: p, label: priorityLabel(i18n, p), value: d.open_by_priority[p] ?? 0, tone: p }))
    : [];
  const summary = (bars: Bar[]) => bars.map((b) => `${b.label} ${b.value}`).join(', ');

  return (
    <DashboardFrame live={live}>
      {d ? (
        <>
          <dl className="kpis">
            <Kpi label={t('dash.openTotal')} value={i18n.number(d.open_total)} testId="kpi-open" />
            <Kpi label={t('dash.breaches')} value={i18n.number(d.sla_breaches_today)} tone={d.sla_breaches_today > 0 ? 'danger' : 'ok'} testId="kpi-breaches" />
            <Kpi
              label={t('dash.medianFirst')}
              value={d.median_first_response_secs_today === null ? '—' : i18n.duration(d.median_first_response_secs_today)}
              hint={t('dash.firstResponses', { count: d.first_responses_today })}
              testId="kpi-first"
            />
            <Kpi
              label={t('dash.oldest')}
              value={d.oldest_waiting ? i18n.duration((now - Date.parse(d.oldest_waiting.created_at)) / 1000) : '—'}
              hint={d.oldest_waiting ? <Link to={`/t/${tenant}/console/${d.oldest_waiting.ticket_id}`}>{t('dash.openTicket')}</Link> : undefined}
              testId="kpi-oldest"
              changesWith={d.oldest_waiting?.ticket_id ?? null}
            />
          </dl>
          <div className="charts">
            <BarChart title={t('dash.byStatus')} bars={statusBars} summary={summary(statusBars)} valueHeader={t('dash.tickets')} />
            <BarChart title={t('dash.byPriority')} bars={prioBars} summary={summary(prioBars)} valueHeader={t('dash.tickets')} />
            <Sparkline
              title={t('dash.openTrend')}
              points={live.history}
              format={(v) => i18n.number(v)}
              summary={t('dash.trendSummary', { count: live.history.length, value: d.open_total })}
            />
          </div>
        </>
      ) : null}
    </DashboardFrame>
  );
}

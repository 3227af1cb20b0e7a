// The live sales dashboard: every pipeline's stages by value and count,
// the weighted forecast, what was won and lost this month, and how the
// forecast moved while this page was open.
import type { Money, SalesBoard } from '../../api/support';
import { useI18n, type I18n } from '../../i18n';
import { BarChart, Kpi, Sparkline, type Bar } from './charts';
import { DashboardFrame } from './DashboardFrame';
import { useDashboard } from './useDashboard';

function money(i18n: I18n, m: Money): string {
  const parts = Object.entries(m).map(([cur, v]) => i18n.money(v, cur));
  return parts.length ? parts.join(' · ') : i18n.money(0, 'EUR');
}

/** The trend follows the first currency (most tenants have one). */
const total = (m: Money) => Object.values(m)[0] ?? 0;

export function SalesDashboard() {
  const i18n = useI18n();
  const { t } = i18n;
  const live = useDashboard<SalesBoard>('sales', (d) => total(d.weighted_forecast));
  const d = live.data;
  return (
    <DashboardFrame live={live}>
      {d ? (
        <>
          <dl className="kpis">
            <Kpi label={t('dash.forecast')} value={money(i18n, d.weighted_forecast)} testId="kpi-forecast" />
            <Kpi label={t('dash.won')} value={money(i18n, d.won_this_month.value)} hint={t('dash.deals', { count: d.won_this_month.count })} tone="ok" testId="kpi-won" />
            <Kpi label={t('dash.lost')} value={money(i18n, d.lost_this_month.value)} hint={t('dash.deals', { count: d.lost_this_month.count })} testId="kpi-lost" />
          </dl>
          <div className="charts">
            {d.pipelines.map((p) => {
              const bars: Bar[] = p.stages.map((s) => ({
                key: s.stage_id,
                label: s.name,
                value: total(s.value),
                text: `${money(i18n, s.value)} · ${s.count}`,
                tone: s.won ? 'won' : s.lost ? 'lost' : 'default',
              }));
              return (
                <div key={p.pipeline_id} data-pipeline={p.pipeline_id}>
                  <BarChart
                    title={t('dash.pipeline', { name: p.name })}
                    bars={bars}
                    summary={bars.map((b) => `${b.label} ${b.text}`).join(', ')}
                    valueHeader={t('dash.valueCount')}
                  />
                </div>
              );
            })}
            <Sparkline
              title={t('dash.forecastTrend')}
              points={live.history}
              format={(v) => i18n.money(v, Object.keys(d.weighted_forecast)[0] ?? 'EUR')}
              summary={t('dash.trendSummary', { count: live.history.length, value: money(i18n, d.weighted_forecast) })}
            />
          </div>
        </>
      ) : null}
    </DashboardFrame>
  );
}

// The business calendar SLA clocks count in (for policies that use
// business hours): the time zone, opening hours per weekday (none: closed),
// and holidays.
import { useEffect, useId, useState } from 'react';
import { useServices } from '../../app/session';
import { useI18n, type Key } from '../../i18n';
import { Field } from '../../ui/Field';
import { useLoad } from '../../ui/useLoad';
import { AdminPage, SaveState, useSaver } from './kit';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
type Range = [string, string];

interface CalendarSetting {
  time_zone: string;
  hours: Partial<Record<(typeof DAYS)[number], Range[]>>;
  holidays: string[];
}

function zones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return ['UTC', 'Europe/Berlin', 'Europe/London', 'America/New_York'];
  }
}

export function Calendar({ tenant }: { tenant: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const loaded = useLoad(async () => (await api.get<CalendarSetting>('/settings/business-calendar')).data, [api]);
  const [cal, setCal] = useState<CalendarSetting | null>(null);
  const [holiday, setHoliday] = useState('');
  const saver = useSaver();
  const listId = useId();
  useEffect(() => {
    if (loaded.data) setCal({ ...loaded.data, holidays: loaded.data.holidays ?? [] });
  }, [loaded.data]);

  if (!cal) return <AdminPage tenant={tenant} title={t('admin.calendar')}><p aria-busy="true">{t('app.loading')}</p></AdminPage>;
  const setDay = (d: (typeof DAYS)[number], ranges: Range[]) => setCal({ ...cal, hours: { ...cal.hours, [d]: ranges } });

  return (
    <AdminPage tenant={tenant} title={t('admin.calendar')} intro={t('admin.calendarAbout')}>
      <SaveState saver={saver} />
      <section className="panel">
        <Field label={t('admin.timeZone')} error={saver.fields.time_zone}>
          <input list={listId} value={cal.time_zone} onChange={(e) => setCal({ ...cal, time_zone: e.target.value })} />
        </Field>
        <datalist id={listId}>{zones().map((z) => <option key={z} value={z} />)}</datalist>
        <table className="table table--compact" data-testid="hours">
          <caption>{t('admin.openingHours')}</caption>
          <tbody>
            {DAYS.map((d) => {
              const ranges = cal.hours[d] ?? [];
              const day = t(`day.${d}` as Key);
              return (
                <tr key={d}>
                  <th scope="row">{day}</th>
                  <td>
                    {ranges.length === 0 ? <span className="muted">{t('admin.closed')}</span> : null}
                    {ranges.map((r, i) => (
                      <span key={i} className="time-range">
                        <input type="time" aria-label={t('admin.opensAt', { day })} value={r[0]} onChange={(e) => setDay(d, ranges.map((x, j) => (j === i ? [e.target.value, x[1]] : x)))} />
                        –
                        <input type="time" aria-label={t('admin.closesAt', { day })} value={r[1]} onChange={(e) => setDay(d, ranges.map((x, j) => (j === i ? [x[0], e.target.value] : x)))} />
                        <button type="button" className="btn btn--small" onClick={() => setDay(d, ranges.filter((_, j) => j !== i))} aria-label={t('admin.removeHours', { day })}>✕</button>
                      </span>
                    ))}
                    <button type="button" className="btn btn--small" onClick={() => setDay(d, [...ranges, ['09:00', '17:00']])} aria-label={t('admin.addHoursTo', { day })}>
                      {t('admin.addHours')}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {saver.fields.hours ? <p className="field__error">{saver.fields.hours}</p> : null}
      </section>
      <section className="panel" aria-labelledby="hol-h">
        <h2 id="hol-h">{t('admin.holidays')}</h2>
        <ul className="chips">
          {cal.holidays.map((h) => (
            <li key={h} className="chip">
              {i18n.date(h)}
              <button type="button" className="chip__remove" onClick={() => setCal({ ...cal, holidays: cal.holidays.filter((x) => x !== h) })} aria-label={t('admin.removeHoliday', { date: i18n.date(h) })}>×</button>
            </li>
          ))}
        </ul>
        <div className="inline-form">
          <label className="inline-field">
            <span>{t('admin.addHoliday')}</span>
            <input type="date" value={holiday} onChange={(e) => setHoliday(e.target.value)} />
          </label>
          <button type="button" className="btn" disabled={!holiday} onClick={() => {
            if (!cal.holidays.includes(holiday)) setCal({ ...cal, holidays: [...cal.holidays, holiday].sort() });
            setHoliday('');
          }}>{t('admin.add')}</button>
        </div>
      </section>
      <div className="form-actions">
        <button type="button" className="btn btn--primary" disabled={saver.busy}
          onClick={() => void saver.run(() => api.request('PUT', '/settings/business-calendar', { body: cal }))}>
          {t('record.save')}
        </button>
      </div>
    </AdminPage>
  );
}

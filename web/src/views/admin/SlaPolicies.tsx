// SLA policies: per priority, the minutes allowed for the first response,
// each next response and the resolution; whether they count business hours
// (the business calendar) or wall time; the statuses that pause them; and
// when the warning fires (percent of the target used).
import { useEffect, useState } from 'react';
import { createRecord, listAll, updateRecord } from '../../api/records';
import { PRIORITIES, type SlaPolicy, type SlaTargets } from '../../api/support';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Field } from '../../ui/Field';
import { useLoad } from '../../ui/useLoad';
import { priorityLabel, statusLabel } from '../support/labels';
import { useWorkflow } from '../support/hooks';
import { AdminPage, SaveState, useSaver } from './kit';

const METRICS: (keyof SlaTargets)[] = ['first_response_mins', 'next_response_mins', 'resolution_mins'];
type Draft = Omit<SlaPolicy, 'id' | 'version' | 'created_at' | 'updated_at'> & { id?: string; version?: number };

export function SlaPolicies({ tenant }: { tenant: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const wf = useWorkflow();
  const list = useLoad(async () => (await listAll<SlaPolicy>(api, 'sla-policies', { sort: 'name' })).items, [api]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const saver = useSaver();
  const metricLabel = (m: keyof SlaTargets) => t(`sla.${m.replace('_mins', '')}` as 'sla.resolution');

  const open = (p: SlaPolicy | null) => {
    saver.clear();
    setDraft(p ? structuredClone(p) : { name: '', targets: { urgent: { first_response_mins: 30, resolution_mins: 240 } }, business_hours: true, paused_statuses: ['pending'], warn_percent: 80 });
  };
  // Something to look at from the start: the first one, opened.
  useEffect(() => {
    if (!draft && list.data?.[0]) open(list.data[0]);
  }, [list.data]);
  const setTarget = (prio: string, m: keyof SlaTargets, raw: string) =>
    setDraft((d) => {
      if (!d) return d;
      const row = { ...(d.targets[prio as keyof typeof d.targets] ?? {}) };
      if (raw === '') delete row[m];
      else row[m] = Math.max(0, Math.round(Number(raw)));
      const targets = { ...d.targets, [prio]: row };
      if (Object.keys(row).length === 0) delete targets[prio as keyof typeof targets];
      return { ...d, targets };
    });

  const save = async () => {
    if (!draft) return;
    const body = { name: draft.name, targets: draft.targets, business_hours: !!draft.business_hours, paused_statuses: draft.paused_statuses ?? [], warn_percent: draft.warn_percent ?? 80 };
    await saver.run(async () => {
      const r = draft.id
        ? await updateRecord<SlaPolicy>(api, 'sla-policies', draft.id, body, draft.version, t('admin.saveSla', { name: draft.name }))
        : await createRecord<SlaPolicy>(api, 'sla-policies', body, t('admin.saveSla', { name: draft.name }));
      if (!r.queued) open(r.data);
      list.reload();
    });
  };

  return (
    <AdminPage tenant={tenant} title={t('admin.sla')} intro={t('admin.slaAbout')}
      actions={<button type="button" className="btn btn--primary" onClick={() => open(null)}>{t('admin.newSla')}</button>}>
      <div className="master-detail">
        <ul className="master-list" aria-label={t('admin.sla')}>
          {list.data?.map((p) => (
            <li key={p.id}>
              <button type="button" className="master-list__item" aria-current={draft?.id === p.id ? 'true' : undefined} onClick={() => open(p)}>
                <strong>{p.name}</strong>
                <span className="muted">{p.business_hours ? t('admin.businessHours') : t('admin.wallClock')}</span>
              </button>
            </li>
          ))}
        </ul>
        {draft ? (
          <section className="panel" aria-labelledby="sla-h">
            <h2 id="sla-h">{draft.id ? draft.name : t('admin.newSla')}</h2>
            <SaveState saver={saver} />
            <div className="form-grid">
              <Field label={t('admin.slaName')} required error={saver.fields.name}>
                <input value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
              </Field>
              <Field label={t('admin.warnPercent')} error={saver.fields.warn_percent} hint={t('admin.warnHint')}>
                <input type="number" min={1} max={99} value={draft.warn_percent ?? 80} onChange={(e) => setDraft({ ...draft, warn_percent: Number(e.target.value) })} />
              </Field>
            </div>
            <label className="check">
              <input type="checkbox" checked={!!draft.business_hours} onChange={(e) => setDraft({ ...draft, business_hours: e.target.checked })} />
              {t('admin.countBusinessHours')}
            </label>
            <div className="table-wrap">
              <table className="table table--compact" data-testid="targets">
                <caption>{t('admin.targets')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('ticket.priority')}</th>
                    {METRICS.map((m) => <th key={m} scope="col">{metricLabel(m)}</th>)}
                  </tr>
                </thead>
                <tbody>
                  {PRIORITIES.map((p) => (
                    <tr key={p}>
                      <th scope="row">{priorityLabel(i18n, p)}</th>
                      {METRICS.map((m) => (
                        <td key={m} data-label={metricLabel(m)}>
                          <input type="number" min={1} className="input--short" placeholder="—"
                            aria-label={t('admin.targetOf', { metric: metricLabel(m), priority: priorityLabel(i18n, p) })}
                            value={draft.targets[p]?.[m] ?? ''} onChange={(e) => setTarget(p, m, e.target.value)} />
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <p className="field__hint">{t('admin.targetsHint')}</p>
            <fieldset className="field checks">
              <legend>{t('admin.pausedStatuses')}</legend>
              {(wf?.statuses ?? draft.paused_statuses ?? []).map((s) => (
                <label key={s} className="check">
                  <input type="checkbox" checked={(draft.paused_statuses ?? []).includes(s)}
                    onChange={(e) => setDraft({ ...draft, paused_statuses: e.target.checked ? [...(draft.paused_statuses ?? []), s] : (draft.paused_statuses ?? []).filter((x) => x !== s) })} />
                  {statusLabel(i18n, s)}
                </label>
              ))}
            </fieldset>
            <div className="form-actions">
              <button type="button" className="btn btn--primary" onClick={() => void save()} disabled={saver.busy}>{draft.id ? t('record.save') : t('record.create')}</button>
            </div>
          </section>
        ) : (
          <p className="muted">{t('admin.pickSla')}</p>
        )}
      </div>
    </AdminPage>
  );
}

// Pipelines and their stages, in order: rename, reorder (buttons, so the
// keyboard can do it too), set the win probability, mark won and lost
// stages, add and remove. A stage keeps its id, so deals in it stay put;
// a new one gets its id from the server. Saved with If-Match.
import { useEffect, useState } from 'react';
import { createRecord, listAll, updateRecord } from '../../api/records';
import type { Pipeline, Stage } from '../../api/types';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { useLoad } from '../../ui/useLoad';
import { AdminPage, SaveState, useSaver } from './kit';

type Draft = { id: string | null; version?: number; name: string; stages: Stage[] };

export function Pipelines({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  const { api } = useServices();
  const list = useLoad(async () => (await listAll<Pipeline>(api, 'pipelines', { sort: 'name' })).items, [api]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const saver = useSaver();

  const open = (p: Pipeline | null) => {
    saver.clear();
    setDraft(p ? { id: p.id, version: p.version, name: p.name, stages: structuredClone(p.stages) } : { id: null, name: '', stages: [{ id: '', name: '', probability: 10 }] });
  };
  // Something to look at from the start: the first one, opened.
  useEffect(() => {
    if (!draft && list.data?.[0]) open(list.data[0]);
  }, [list.data]);
  const setStage = (i: number, s: Partial<Stage>) =>
    setDraft((d) => (d ? { ...d, stages: d.stages.map((x, j) => (j === i ? { ...x, ...s } : x)) } : d));
  const move = (i: number, by: number) =>
    setDraft((d) => {
      if (!d || i + by < 0 || i + by >= d.stages.length) return d;
      const stages = [...d.stages];
      [stages[i], stages[i + by]] = [stages[i + by]!, stages[i]!];
      return { ...d, stages };
    });

  const save = async () => {
    if (!draft) return;
    const stages = draft.stages.map(({ id, name, probability, won, lost }) => ({ ...(id ? { id } : {}), name, probability: probability ?? 0, won: !!won, lost: !!lost }));
    const body = { name: draft.name, stages };
    await saver.run(async () => {
      const r = draft.id
        ? await updateRecord<Pipeline>(api, 'pipelines', draft.id, body, draft.version, t('admin.savePipeline', { name: draft.name }))
        : await createRecord<Pipeline>(api, 'pipelines', body, t('admin.savePipeline', { name: draft.name }));
      if (!r.queued) open(r.data);
      list.reload();
    });
  };

  return (
    <AdminPage tenant={tenant} title={t('admin.pipelines')} intro={t('admin.pipelinesAbout')}
      actions={<button type="button" className="btn btn--primary" onClick={() => open(null)}>{t('admin.newPipeline')}</button>}>
      <div className="master-detail">
        <ul className="master-list" aria-label={t('admin.pipelines')}>
          {list.data?.map((p) => (
            <li key={p.id}>
              <button type="button" className="master-list__item" aria-current={draft?.id === p.id ? 'true' : undefined} onClick={() => open(p)}>
                <strong>{p.name}</strong>
                <span className="muted">{t('admin.stageCount', { count: p.stages.length })}</span>
              </button>
            </li>
          ))}
        </ul>
        {draft ? (
          <section className="panel" aria-labelledby="pipe-h">
            <h2 id="pipe-h">{draft.id ? draft.name : t('admin.newPipeline')}</h2>
            <SaveState saver={saver} />
            <label className="inline-field">
              <span>{t('admin.pipelineName')}</span>
              <input value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
            </label>
            <ol className="stage-list" data-testid="stages">
              {draft.stages.map((s, i) => (
                <li key={s.id || `new-${i}`} className="stage-row">
                  <span className="stage-row__n" aria-hidden="true">{i + 1}</span>
                  <label className="inline-field">
                    <span>{t('admin.stageName')}</span>
                    <input value={s.name} onChange={(e) => setStage(i, { name: e.target.value })} />
                  </label>
                  <label className="inline-field inline-field--short">
                    <span>{t('admin.probability')}</span>
                    <input type="number" min={0} max={100} value={s.probability ?? 0} onChange={(e) => setStage(i, { probability: Number(e.target.value) })} />
                  </label>
                  <label className="check"><input type="checkbox" checked={!!s.won} onChange={(e) => setStage(i, { won: e.target.checked, lost: e.target.checked ? false : s.lost })} />{t('admin.won')}</label>
                  <label className="check"><input type="checkbox" checked={!!s.lost} onChange={(e) => setStage(i, { lost: e.target.checked, won: e.target.checked ? false : s.won })} />{t('admin.lost')}</label>
                  <span className="stage-row__tools">
                    <button type="button" className="btn btn--small" onClick={() => move(i, -1)} disabled={i === 0} aria-label={t('admin.stageUp', { name: s.name })}>↑</button>
                    <button type="button" className="btn btn--small" onClick={() => move(i, 1)} disabled={i === draft.stages.length - 1} aria-label={t('admin.stageDown', { name: s.name })}>↓</button>
                    <button type="button" className="btn btn--small btn--danger" onClick={() => setDraft({ ...draft, stages: draft.stages.filter((_, j) => j !== i) })}
                      disabled={draft.stages.length === 1} aria-label={t('admin.stageRemove', { name: s.name })}>✕</button>
                  </span>
                </li>
              ))}
            </ol>
            <div className="form-actions">
              <button type="button" className="btn" onClick={() => setDraft({ ...draft, stages: [...draft.stages, { id: '', name: '', probability: 50 }] })}>{t('admin.addStage')}</button>
              <button type="button" className="btn btn--primary" onClick={() => void save()} disabled={saver.busy}>{draft.id ? t('record.save') : t('record.create')}</button>
            </div>
          </section>
        ) : (
          <p className="muted">{t('admin.pickPipeline')}</p>
        )}
      </div>
    </AdminPage>
  );
}

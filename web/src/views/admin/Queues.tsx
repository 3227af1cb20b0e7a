// Queues and routing: each queue's team, SLA policy, routing mode (manual
// claiming, round robin, least loaded, by skills), its agents and how long
// an offer waits. Below, the agents' routing profiles: capacity and skills.
import { useEffect, useState } from 'react';
import { createRecord, listAll, updateRecord } from '../../api/records';
import { ROUTINGS, type Agent, type Queue, type SlaPolicy } from '../../api/support';
import type { Page } from '../../api/types';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Field } from '../../ui/Field';
import { useLoad } from '../../ui/useLoad';
import type { UserSummary } from '../support/hooks';
import { routingLabel } from '../support/labels';
import { AdminPage, ListInput, SaveState, useSaver } from './kit';

type Draft = Partial<Queue> & { name: string };

export function Queues({ tenant }: { tenant: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const queues = useLoad(async () => (await listAll<Queue>(api, 'queues', { sort: 'name' })).items, [api]);
  const policies = useLoad(async () => (await listAll<SlaPolicy>(api, 'sla-policies', { sort: 'name' })).items, [api]);
  const users = useLoad(async () => (await api.get<Page<UserSummary>>('/users', { limit: 200 })).data.items.filter((u) => u.kind === 'staff'), [api]);
  const teams = useLoad(async () => (await api.get<Page<{ id: string; name: string }>>('/teams')).data.items, [api]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const saver = useSaver();

  const open = (q: Queue | null) => {
    saver.clear();
    setDraft(q ? { ...q } : { name: '', routing: 'manual', agent_ids: [], offer_timeout_secs: 60 });
  };
  // Something to look at from the start: the first one, opened.
  useEffect(() => {
    if (!draft && queues.data?.[0]) open(queues.data[0]);
  }, [queues.data]);

  const save = async () => {
    if (!draft) return;
    const body = {
      name: draft.name,
      description: draft.description ?? '',
      routing: draft.routing ?? 'manual',
      agent_ids: draft.agent_ids ?? [],
      offer_timeout_secs: draft.offer_timeout_secs ?? 60,
      team_id: draft.team_id || null,
      sla_policy_id: draft.sla_policy_id || null,
    };
    await saver.run(async () => {
      const r = draft.id
        ? await updateRecord<Queue>(api, 'queues', draft.id, body, draft.version, t('admin.saveQueue', { name: draft.name }))
        : await createRecord<Queue>(api, 'queues', body, t('admin.saveQueue', { name: draft.name }));
      if (!r.queued) open(r.data);
      queues.reload();
    });
  };

  return (
    <AdminPage tenant={tenant} title={t('admin.queues')} intro={t('admin.queuesAbout')}
      actions={<button type="button" className="btn btn--primary" onClick={() => open(null)}>{t('admin.newQueue')}</button>}>
      <div className="master-detail">
        <ul className="master-list" aria-label={t('admin.queues')}>
          {queues.data?.map((q) => (
            <li key={q.id}>
              <button type="button" className="master-list__item" aria-current={draft?.id === q.id ? 'true' : undefined} onClick={() => open(q)}>
                <strong>{q.name}</strong>
                <span className="muted">{routingLabel(i18n, q.routing)}</span>
              </button>
            </li>
          ))}
        </ul>
        {draft ? (
          <section className="panel" aria-labelledby="queue-h">
            <h2 id="queue-h">{draft.id ? draft.name : t('admin.newQueue')}</h2>
            <SaveState saver={saver} />
            <div className="form-grid">
              <Field label={t('admin.queueName')} required error={saver.fields.name}>
                <input value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
              </Field>
              <Field label={t('admin.description')} error={saver.fields.description}>
                <input value={draft.description ?? ''} onChange={(e) => setDraft({ ...draft, description: e.target.value })} />
              </Field>
              <Field label={t('admin.team')} error={saver.fields.team_id}>
                <select value={draft.team_id ?? ''} onChange={(e) => setDraft({ ...draft, team_id: e.target.value || null })}>
                  <option value="">{t('record.none')}</option>
                  {teams.data?.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
                </select>
              </Field>
              <Field label={t('admin.slaPolicy')} error={saver.fields.sla_policy_id}>
                <select value={draft.sla_policy_id ?? ''} onChange={(e) => setDraft({ ...draft, sla_policy_id: e.target.value || null })}>
                  <option value="">{t('admin.noSla')}</option>
                  {policies.data?.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
                </select>
              </Field>
              <Field label={t('admin.routing')} error={saver.fields.routing} hint={t(`routing.${draft.routing ?? 'manual'}Hint` as 'routing.manualHint')}>
                <select value={draft.routing ?? 'manual'} onChange={(e) => setDraft({ ...draft, routing: e.target.value as Queue['routing'] })}>
                  {ROUTINGS.map((r) => <option key={r} value={r}>{routingLabel(i18n, r)}</option>)}
                </select>
              </Field>
              <Field label={t('admin.offerTimeout')} error={saver.fields.offer_timeout_secs}>
                <input type="number" min={5} max={3600} value={draft.offer_timeout_secs ?? 60} onChange={(e) => setDraft({ ...draft, offer_timeout_secs: Number(e.target.value) })} />
              </Field>
            </div>
            <fieldset className="field checks">
              <legend>{t('admin.queueAgents')}</legend>
              {users.data?.map((u) => (
                <label key={u.id} className="check">
                  <input type="checkbox" checked={(draft.agent_ids ?? []).includes(u.id)}
                    onChange={(e) => setDraft({ ...draft, agent_ids: e.target.checked ? [...(draft.agent_ids ?? []), u.id] : (draft.agent_ids ?? []).filter((x) => x !== u.id) })} />
                  {u.name}
                </label>
              ))}
            </fieldset>
            <div className="form-actions">
              <button type="button" className="btn btn--primary" onClick={() => void save()} disabled={saver.busy}>{draft.id ? t('record.save') : t('record.create')}</button>
            </div>
          </section>
        ) : (
          <p className="muted">{t('admin.pickQueue')}</p>
        )}
      </div>
      <PortalQueue queues={queues.data ?? []} />
      <AgentProfiles users={users.data ?? []} />
    </AdminPage>
  );
}

/** Where tickets opened in the customer and supplier portals go. */
function PortalQueue({ queues }: { queues: Queue[] }) {
  const { t } = useI18n();
  const { api } = useServices();
  const setting = useLoad(async () => (await api.get<{ portal_queue_id: string | null }>('/settings/support')).data, [api]);
  const [choice, setChoice] = useState<string | null>(null);
  const saver = useSaver();
  const current = choice ?? setting.data?.portal_queue_id ?? '';
  return (
    <section className="panel" aria-labelledby="portal-queue-h">
      <h2 id="portal-queue-h">{t('admin.portalQueue')}</h2>
      <p className="muted">{t('admin.portalQueueAbout')}</p>
      <SaveState saver={saver} />
      <div className="form-grid">
        <Field label={t('admin.portalQueue')} error={saver.fields.portal_queue_id}>
          <select value={current} onChange={(e) => setChoice(e.target.value)}>
            <option value="">{t('record.none')}</option>
            {queues.map((q) => <option key={q.id} value={q.id}>{q.name}</option>)}
          </select>
        </Field>
      </div>
      <div className="form-actions">
        <button type="button" className="btn btn--primary" disabled={choice === null || saver.busy} onClick={async () => {
          if (await saver.run(() => api.request('PUT', '/settings/support', { body: { portal_queue_id: current || null } }))) {
            setChoice(null);
            setting.reload();
          }
        }}>{t('record.save')}</button>
      </div>
    </section>
  );
}

function AgentProfiles({ users }: { users: UserSummary[] }) {
  const { t } = useI18n();
  const { api } = useServices();
  const agents = useLoad(async () => (await api.get<Page<Agent>>('/agents')).data.items, [api]);
  const [edits, setEdits] = useState<Record<string, { capacity: number; skills: string[] }>>({});
  const saver = useSaver();
  const row = (u: UserSummary) => {
    const a = agents.data?.find((x) => x.user_id === u.id);
    return { agent: a, value: edits[u.id] ?? { capacity: a?.capacity ?? 10, skills: a?.skills ?? [] } };
  };
  return (
    <section className="panel" aria-labelledby="agents-h">
      <h2 id="agents-h">{t('admin.agents')}</h2>
      <p className="muted">{t('admin.agentsAbout')}</p>
      <SaveState saver={saver} />
      <div className="table-wrap">
        <table className="table" data-testid="agents">
          <thead>
            <tr>
              <th scope="col">{t('contact.name')}</th>
              <th scope="col">{t('admin.availability')}</th>
              <th scope="col">{t('admin.capacity')}</th>
              <th scope="col">{t('admin.skills')}</th>
              <th scope="col"><span className="visually-hidden">{t('record.save')}</span></th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => {
              const { agent, value } = row(u);
              const set = (v: Partial<typeof value>) => setEdits({ ...edits, [u.id]: { ...value, ...v } });
              return (
                <tr key={u.id}>
                  <td>{u.name}</td>
                  <td data-label={t('admin.availability')}>{t(`agent.${agent?.availability ?? 'offline'}` as 'agent.online')}</td>
                  <td data-label={t('admin.capacity')}>
                    <input type="number" min={0} max={1000} className="input--short" aria-label={t('admin.capacityOf', { name: u.name })} value={value.capacity} onChange={(e) => set({ capacity: Number(e.target.value) })} />
                  </td>
                  <td data-label={t('admin.skills')}>
                    <ListInput aria-label={t('admin.skillsOf', { name: u.name })} value={value.skills} placeholder="de, billing" onChange={(v) => set({ skills: v })} />
                  </td>
                  <td>
                    <button type="button" className="btn btn--small" disabled={!edits[u.id] || saver.busy} onClick={async () => {
                      if (await saver.run(() => api.request('PATCH', `/agents/${u.id}`, { body: value }), t('admin.agentSaved', { name: u.name }))) {
                        const next = { ...edits };
                        delete next[u.id];
                        setEdits(next);
                        agents.reload();
                      }
                    }}>{t('record.save')}</button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

// One deal (`/t/{slug}/deals/{id}`): title, value, stage with its
// probability, owner, contacts and company (linked), expected close, the
// tenant's custom fields; a timeline of stage changes and activities, with
// a form to add one. Live over `record:deal:<id>`: someone else's edit
// shows at once (and an edit of ours in progress is told, not lost).
// An edit sends only what changed, with If-Match; a 412 is the person's call.
// A legal hold shows as a banner (placed and lifted here by whoever may);
// a delete it refuses is said in the server's words. Who may read the
// audit trail sees the deal's History there too; its files are above the
// timeline, live on the same topic.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { HoldAnswer } from '../../api/privacy';
import { ApiError } from '../../api/problem';
import { deleteRecord, getRecord, listAll, mergeLive, updateRecord } from '../../api/records';
import type { Contact, CustomField, Deal, Pipeline } from '../../api/types';
import { loadPipelines, useShared, useUsers } from '../../app/directory';
import { Link, navigate } from '../../app/router';
import { useServices, useSession } from '../../app/session';
import { useI18n, type I18n } from '../../i18n';
import { isAnonymised, liveRecord } from '../../realtime/anonymised';
import { isErased, isGone } from '../../realtime/gone';
import { usePresence, useTopic } from '../../realtime/hooks';
import { Alert } from '../../ui/Alert';
import { deleteError, describeError } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { useLoad } from '../../ui/useLoad';
import { RecordHistory } from '../audit/RecordHistory';
import { AttachmentsPanel } from '../files/AttachmentsPanel';
import { ActivityList, type ExtraEntry } from '../crm/ActivityList';
import { CustomFieldInput } from '../crm/CustomFieldInput';
import { diff, toFormValues, toJson, type FormValues } from '../crm/formValues';
import { useCompanyNames, useCustomFields } from '../crm/hooks';
import type { KindMeta } from '../crm/kinds';
import { SensitiveMark } from '../crm/SensitiveMark';
import { HoldBanner, PlaceHold, withHold } from '../privacy/LegalHold';
import { AnonymisedNotice } from '../privacy/AnonymisedNotice';
import { dealPatch, probability, toDraft, type DealDraft } from './deal-state';
import { ConfirmDelete } from '../crm/ConfirmDelete';

/** Just enough of a KindMeta to reuse the custom field form helpers. */
const DEAL_META = { path: 'contacts', kind: 'contact', fields: [], columns: [], display: () => '' } as unknown as KindMeta;

const contactName = (c: Contact) => [c.first_name, c.last_name].filter(Boolean).join(' ');

function customValue(f: CustomField, v: unknown, i18n: I18n): string {
  if (v == null || v === '') return i18n.t('record.none');
  if (f.type === 'bool') return v ? '✓' : '✗';
  if (f.type === 'currency' && typeof v === 'object') {
    const m = v as { amount: number; currency: string };
    return i18n.money(m.amount, m.currency);
  }
  if (f.type === 'date' && typeof v === 'string') return i18n.date(v);
  if (f.type === 'datetime' && typeof v === 'string') return i18n.dateTime(v);
  return Array.isArray(v) ? v.join(', ') : String(v);
}

export function DealPage({ tenant, id }: { tenant: string; id: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { can, me } = useSession();
  const users = useUsers();
  const pipelines = useShared(loadPipelines, can('pipelines:read'));
  const customs = useCustomFields('deal');
  const companies = useCompanyNames(can('companies:read'));
  const [editing, setEditing] = useState(false);
  const [liveNote, setLiveNote] = useState(false);
  const [deleted, setDeleted] = useState(false);
  const [erased, setErased] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [actionNote, setActionNote] = useState<{ tone: 'success' | 'danger'; text: string } | null>(null);
  const topic = `record:deal:${id}`;
  const others = usePresence(topic, editing ? 'editing' : 'viewing', me?.user.id);

  const page = useLoad(async (signal) => (await getRecord<Deal>(api, 'deals', id, signal)).data, [api, id]);
  const deal = page.data;
  const [moving, setMoving] = useState(false);
  const [stageError, setStageError] = useState<string | null>(null);

  // One click on the stage bar moves the deal (If-Match: someone else's
  // change meanwhile is shown, not overwritten).
  const moveTo = async (stageId: string) => {
    if (!deal) return;
    setMoving(true);
    setStageError(null);
    try {
      const name = pipeline?.stages.find((s) => s.id === stageId)?.name ?? stageId;
      const r = await updateRecord<Deal>(api, 'deals', deal.id, { stage_id: stageId }, deal.version, t('pipeline.moveTo', { stage: `${name} (${deal.title})` }));
      if (r.queued) page.set((s) => (s ? { ...s, stage_id: stageId } : s));
      else page.set((s) => (s && s.version > r.data.version ? s : r.data));
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'version_conflict' || e.status === 412)) {
        setStageError(t('record.conflict'));
        page.reload();
      } else setStageError(describeError(e, i18n));
    } finally {
      setMoving(false);
    }
  };
  const pipeline = pipelines?.find((p) => p.id === deal?.pipeline_id) ?? null;

  // The deal's contacts by id, for their names.
  const contactIds = (deal?.contact_ids ?? []).join(',');
  const contacts = useLoad(
    async (signal) => {
      if (!contactIds || !can('contacts:read')) return new Map<string, Contact>();
      const out = new Map<string, Contact>();
      await Promise.all(
        contactIds.split(',').map(async (cid) => {
          try {
            out.set(cid, (await getRecord<Contact>(api, 'contacts', cid, signal)).data);
          } catch {
            // gone, or not ours to read: shown without a name
          }
        }),
      );
      return out;
    },
    [api, contactIds],
  );

  useTopic(topic, {
    onEvent: (f) => {
      // A file's events carry the file, not this deal: the attachments panel's.
      if (f.event.startsWith('file.')) return;
      if (isErased(f)) {
        setErased(true);
        page.set(() => null);
        return;
      }
      if (isGone(f)) {
        setDeleted(true);
        return;
      }
      const d = f.data as unknown as Deal;
      // Anonymised: on servers that overwrote its older events as an
      // erasure's (realtime/anonymised.ts), a replay read it as erased
      // first, so it may come back from that.
      const back = isAnonymised(f);
      if (back) setErased(false);
      page.set((s) => {
        if (!s && back) return liveRecord<Deal>(d);
        if (!s || typeof d.version !== 'number' || d.version <= s.version) return s;
        setLiveNote(true);
        return mergeLive(s, d);
      });
    },
    onResync: () => page.reload(),
  });

  if (erased) {
    return (
      <section data-testid="record-erased">
        <h1>{t('deal.title')}</h1>
        <Alert tone="warning">{t('record.erased')}</Alert>
        <Link to={`/t/${tenant}/pipeline`}>{t('deal.backToBoard')}</Link>
      </section>
    );
  }
  if (page.error && !deal) {
    const notFound = page.error instanceof ApiError && page.error.status === 404;
    return (
      <section>
        <h1>{t('deal.title')}</h1>
        <Alert tone="danger">{notFound ? t('record.notFound') : describeError(page.error, i18n)}</Alert>
        <Link to={`/t/${tenant}/pipeline`}>{t('deal.backToBoard')}</Link>
      </section>
    );
  }
  if (!deal) return <p aria-busy="true">{t('app.loading')}</p>;

  const none = t('record.none');
  const stage = pipeline?.stages.find((s) => s.id === deal.stage_id);
  const prob = probability(pipeline, deal.stage_id);
  const userName = (uid?: string | null) => (uid ? users.get(uid)?.name ?? (uid === me?.user.id ? me.user.name : t('deal.someone')) : none);
  const stageLabel = (sid: string | null) => pipeline?.stages.find((s) => s.id === sid)?.name ?? sid ?? none;
  const history: ExtraEntry[] = (deal.stage_history ?? []).map((h, i) => ({
    at: h.at,
    key: `stage-${i}`,
    node: (
      <div className="timeline__head">
        <span className="badge badge--stage">{t('deal.stageChange')}</span>
        <strong>{h.from ? t('deal.movedFromTo', { from: stageLabel(h.from), to: stageLabel(h.to) }) : t('deal.createdIn', { to: stageLabel(h.to) })}</strong>
        <span className="muted">{h.by ? userName(h.by) : ''}</span>
        <time dateTime={h.at} className="muted">{i18n.dateTime(h.at)}</time>
      </div>
    ),
  }));
  const custom = (deal.custom ?? {}) as Record<string, unknown>;
  const holdChanged = (answer: HoldAnswer) => {
    page.set((s) => (s ? withHold(s, answer) : s));
    setActionNote({ tone: 'success', text: t(answer.legal_hold ? 'hold.placed' : 'hold.lifted') });
  };
  const remove = async () => {
    setConfirm(false);
    setActionNote(null);
    try {
      await deleteRecord(api, 'deals', deal.id, deal.version, `${t('record.delete')}: ${deal.title}`);
      navigate(`/t/${tenant}/pipeline/${deal.pipeline_id}`);
    } catch (e) {
      setActionNote({ tone: 'danger', text: deleteError(e, i18n, deal.id) });
    }
  };

  return (
    <article className="detail deal-page" data-testid="deal-page" data-version={deal.version}>
      <p className="crumbs">
        <Link to={`/t/${tenant}/pipeline/${deal.pipeline_id}`}>{pipeline?.name ?? t('pipeline.title')}</Link>
      </p>
      <div className="view-head">
        <h1>{deal.title}</h1>
        <div className="view-head__actions">
          {can('deals:write') && !editing ? (
            <button type="button" className="btn btn--primary" onClick={() => setEditing(true)}>
              {t('record.edit')}
            </button>
          ) : null}
          {!editing ? <PlaceHold held={!!deal.legal_hold} kind="deals" id={deal.id} name={deal.title} onChanged={holdChanged} /> : null}
          {can('deals:delete') && !editing ? (
            <button type="button" className="btn btn--danger" onClick={() => setConfirm(true)}>
              {t('record.delete')}
            </button>
          ) : null}
        </div>
      </div>
      <HoldBanner hold={deal.legal_hold} kind="deals" id={deal.id} onChanged={holdChanged} />
      <AnonymisedNotice kind="deal" mark={deal.anonymised} />
      {actionNote ? <Alert tone={actionNote.tone}>{actionNote.text}</Alert> : null}
      {others.length ? (
        <p className="presence" role="status">
          {t('record.viewing', { names: others.map((m) => m.name).join(', ') })}
        </p>
      ) : null}
      {liveNote && !editing ? (
        <Alert actions={<button type="button" className="btn btn--small" onClick={() => setLiveNote(false)}>{t('app.dismiss')}</button>}>
          {t('record.updatedLive')}
        </Alert>
      ) : null}
      {deleted ? <Alert tone="warning">{t('record.deleted')}</Alert> : null}
      {stageError ? <Alert tone="danger">{stageError}</Alert> : null}

      {pipeline && !editing ? (
        <ol className="stage-bar" aria-label={t('deal.stages')} data-testid="stage-bar">
          {pipeline.stages.map((s, i) => {
            const at = pipeline.stages.findIndex((x) => x.id === deal.stage_id);
            const state = s.id === deal.stage_id ? 'current' : at >= 0 && i < at && !s.lost ? 'done' : 'todo';
            return (
              <li key={s.id} className={`stage-bar__step stage-bar__step--${state}${s.won ? ' stage-bar__step--won' : ''}${s.lost ? ' stage-bar__step--lost' : ''}`}>
                <button
                  type="button"
                  aria-current={state === 'current' ? 'step' : undefined}
                  disabled={!can('deals:write') || state === 'current' || moving}
                  title={t('pipeline.moveTo', { stage: s.name })}
                  onClick={() => void moveTo(s.id)}
                >
                  {s.name}
                </button>
              </li>
            );
          })}
        </ol>
      ) : null}

      {editing ? (
        <DealForm
          deal={deal}
          pipeline={pipeline}
          customs={customs}
          companies={companies}
          changedLive={liveNote}
          onCancel={() => setEditing(false)}
          onSaved={(d) => {
            page.set((s) => (s && s.version > d.version ? s : d));
            setLiveNote(false);
            setEditing(false);
          }}
          reload={async () => {
            const r = await getRecord<Deal>(api, 'deals', id);
            page.set(() => r.data);
            setLiveNote(false);
            return r.data;
          }}
        />
      ) : (
        <dl className="fields" data-testid="deal-fields">
          <div className="fields__row" data-field="amount">
            <dt>{t('deal.value')}</dt>
            <dd className="deal-value">{typeof deal.amount === 'number' ? i18n.money(deal.amount, deal.currency) : none}</dd>
          </div>
          <div className="fields__row" data-field="stage_id">
            <dt>{t('deal.stage')}</dt>
            <dd>
              {stage?.name ?? (deal.stage_id || none)}
              {prob !== null ? <span className="muted"> · {t('deal.probability', { percent: prob })}</span> : null}
              {stage?.won ? <span className="badge badge--won"> {t('deal.won')}</span> : null}
              {stage?.lost ? <span className="badge badge--lost"> {t('deal.lost')}</span> : null}
            </dd>
          </div>
          <div className="fields__row" data-field="owner_id">
            <dt>{t('deal.owner')}</dt>
            <dd>{userName(deal.owner_id)}</dd>
          </div>
          <div className="fields__row" data-field="contact_ids">
            <dt>{t('deal.contacts')}</dt>
            <dd>
              {deal.contact_ids?.length ? (
                <ul className="inline-list">
                  {deal.contact_ids.map((cid) => (
                    <li key={cid}>
                      <Link to={`/t/${tenant}/contacts/${cid}`}>{contacts.data?.get(cid) ? contactName(contacts.data.get(cid)!) : t('record.show')}</Link>
                    </li>
                  ))}
                </ul>
              ) : (
                none
              )}
            </dd>
          </div>
          <div className="fields__row" data-field="company_id">
            <dt>{t('deal.company')}</dt>
            <dd>{deal.company_id ? <Link to={`/t/${tenant}/companies/${deal.company_id}`}>{companies.get(deal.company_id) ?? t('record.show')}</Link> : none}</dd>
          </div>
          <div className="fields__row" data-field="expected_close">
            <dt>{t('deal.expectedClose')}</dt>
            <dd>{deal.expected_close ? i18n.date(deal.expected_close) : none}</dd>
          </div>
          {customs.map((f) => (
            <div key={f.key} className="fields__row" data-field={`custom.${f.key}`}>
              <dt>{f.label}{f.sensitive ? <SensitiveMark spoken /> : null}</dt>
              <dd>{customValue(f, custom[f.key], i18n)}</dd>
            </div>
          ))}
          <div className="fields__row fields__row--meta">
            <dt>{t('record.updated_at')}</dt>
            <dd>{i18n.dateTime(deal.updated_at)}</dd>
          </div>
        </dl>
      )}

      <AttachmentsPanel kind="deal" recordId={id} canWrite={can('deals:write')} />
      {can('activities:read') ? (
        <ActivityList relatedKind="deal" relatedId={id} extra={history} title={t('deal.timeline')} />
      ) : null}
      <RecordHistory tenant={tenant} recordId={id} />

      <ConfirmDelete open={confirm} name={deal.title} onCancel={() => setConfirm(false)} onDelete={() => void remove()} />
    </article>
  );
}

interface FormProps {
  deal: Deal;
  pipeline: Pipeline | null;
  customs: CustomField[];
  companies: Map<string, string>;
  changedLive: boolean;
  onCancel(): void;
  onSaved(d: Deal): void;
  reload(): Promise<Deal>;
}

function DealForm({ deal, pipeline, customs, companies, changedLive, onCancel, onSaved, reload }: FormProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { can, me } = useSession();
  const users = useUsers();
  const [base, setBase] = useState<Deal>(deal);
  const [draft, setDraft] = useState<DealDraft>(() => toDraft(deal));
  const [values, setValues] = useState<FormValues>(() => toFormValues(DEAL_META, customs, deal));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [summary, setSummary] = useState<string | null>(null);
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState(false);
  const allContacts = useLoad(
    async () => (can('contacts:read') ? (await listAll<Contact>(api, 'contacts', { sort: 'last_name' }, 1000)).items : []),
    [api],
  );
  useEffect(() => {
    setValues((v) => (Object.keys(v.custom).length ? v : toFormValues(DEAL_META, customs, base)));
  }, [customs, base]);

  const set = <K extends keyof DealDraft>(k: K, v: DealDraft[K]) => setDraft((d) => ({ ...d, [k]: v }));
  const contactOptions = useMemo(() => (allContacts.data ?? []).filter((c) => !draft.contact_ids.includes(c.id)), [allContacts.data, draft.contact_ids]);
  const byId = useMemo(() => new Map((allContacts.data ?? []).map((c) => [c.id, c])), [allContacts.data]);

  const save = async (version: number) => {
    setBusy(true);
    setErrors({});
    setSummary(null);
    const patch: Record<string, unknown> = dealPatch(toDraft(base), draft);
    const customPatch = diff(toJson(DEAL_META, customs, toFormValues(DEAL_META, customs, base)), toJson(DEAL_META, customs, values)).custom;
    if (customPatch) patch.custom = customPatch;
    if (Object.keys(patch).length === 0) {
      setBusy(false);
      onCancel();
      return;
    }
    try {
      const r = await updateRecord<Deal>(api, 'deals', deal.id, patch, version, `${t('record.edit')}: ${deal.title}`);
      if (r.queued) onSaved({ ...base, ...(patch as Partial<Deal>) } as Deal);
      else onSaved(r.data);
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'version_conflict' || e.status === 412)) setConflict(true);
      else if (e instanceof ApiError && e.status === 422) {
        setErrors(e.fieldErrors);
        setSummary(e.detail || t('record.fixErrors'));
      } else setSummary(describeError(e, i18n));
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save(base.version);
  };

  const staff = [...users.values()].filter((u) => u.kind === 'staff');
  if (me && !users.has(me.user.id)) staff.unshift({ id: me.user.id, name: me.user.name } as (typeof staff)[number]);

  return (
    <form className="record-form deal-form" onSubmit={submit} noValidate aria-label={t('deal.editTitle')}>
      {changedLive && !conflict ? <Alert tone="warning">{t('record.updatedLive')}</Alert> : null}
      {conflict ? (
        <Alert
          tone="danger"
          actions={
            <>
              <button
                type="button"
                className="btn btn--small"
                onClick={() =>
                  void reload().then((d) => {
                    setBase(d);
                    setDraft(toDraft(d));
                    setValues(toFormValues(DEAL_META, customs, d));
                    setConflict(false);
                  })
                }
              >
                {t('record.conflictReload')}
              </button>
              <button
                type="button"
                className="btn btn--small btn--primary"
                onClick={() =>
                  void getRecord<Deal>(api, 'deals', deal.id).then((r) => {
                    setConflict(false);
                    void save(r.data.version);
                  })
                }
              >
                {t('record.conflictOverwrite')}
              </button>
            </>
          }
        >
          {t('record.conflict')}
        </Alert>
      ) : null}
      {summary ? <Alert tone="danger">{summary}</Alert> : null}
      <div className="form-grid">
        <Field label={t('deal.name')} error={errors.title} required>
          <input value={draft.title} onChange={(e) => set('title', e.target.value)} />
        </Field>
        <div className="field-pair">
          <Field label={t('deal.amount')} error={errors.amount}>
            <input inputMode="decimal" value={draft.amount} onChange={(e) => set('amount', e.target.value)} />
          </Field>
          <Field label={t('deal.currency')} error={errors.currency}>
            <input value={draft.currency} maxLength={3} size={4} onChange={(e) => set('currency', e.target.value.toUpperCase())} />
          </Field>
        </div>
        <Field label={t('deal.stage')} error={errors.stage_id}>
          <select value={draft.stage_id} onChange={(e) => set('stage_id', e.target.value)}>
            {!draft.stage_id ? <option value="">{t('pipeline.noStage')}</option> : null}
            {(pipeline?.stages ?? []).map((s) => {
              const p = probability(pipeline, s.id);
              return (
                <option key={s.id} value={s.id}>
                  {p !== null ? `${s.name} (${p} %)` : s.name}
                </option>
              );
            })}
          </select>
        </Field>
        <Field label={t('deal.owner')} error={errors.owner_id}>
          <select value={draft.owner_id} onChange={(e) => set('owner_id', e.target.value)}>
            <option value="">{t('record.none')}</option>
            {staff.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
            {draft.owner_id && !staff.some((u) => u.id === draft.owner_id) ? <option value={draft.owner_id}>{t('deal.someone')}</option> : null}
          </select>
        </Field>
        <Field label={t('deal.company')} error={errors.company_id}>
          <select value={draft.company_id} onChange={(e) => set('company_id', e.target.value)}>
            <option value="">{t('record.none')}</option>
            {[...companies].map(([cid, name]) => (
              <option key={cid} value={cid}>
                {name}
              </option>
            ))}
            {draft.company_id && !companies.has(draft.company_id) ? <option value={draft.company_id}>{draft.company_id}</option> : null}
          </select>
        </Field>
        <Field label={t('deal.expectedClose')} error={errors.expected_close}>
          <input type="date" value={draft.expected_close} onChange={(e) => set('expected_close', e.target.value)} />
        </Field>
        <fieldset className={`field${errors.contact_ids ? ' field--error' : ''}`}>
          <legend>{t('deal.contacts')}</legend>
          <ul className="chips">
            {draft.contact_ids.map((cid) => (
              <li key={cid} className="chip">
                {byId.get(cid) ? contactName(byId.get(cid)!) : cid.slice(0, 8)}
                <button
                  type="button"
                  className="chip__remove"
                  aria-label={t('deal.removeContact', { name: byId.get(cid) ? contactName(byId.get(cid)!) : cid })}
                  onClick={() => set('contact_ids', draft.contact_ids.filter((x) => x !== cid))}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
          <select
            aria-label={t('deal.addContact')}
            value=""
            onChange={(e) => e.target.value && set('contact_ids', [...draft.contact_ids, e.target.value])}
          >
            <option value="">{t('deal.addContact')}</option>
            {contactOptions.map((c) => (
              <option key={c.id} value={c.id}>
                {contactName(c)}
                {c.email ? ` (${c.email})` : ''}
              </option>
            ))}
          </select>
          {errors.contact_ids ? <div className="field__error">{errors.contact_ids}</div> : null}
        </fieldset>
      </div>
      {customs.length ? (
        <fieldset className="form-grid form-grid--custom">
          <legend>{t('record.custom')}</legend>
          {customs.map((c) => (
            <CustomFieldInput
              key={c.key}
              field={c}
              value={values.custom[c.key] ?? ''}
              error={errors[`custom.${c.key}`]}
              onChange={(v) => setValues((s) => ({ ...s, custom: { ...s.custom, [c.key]: v } }))}
            />
          ))}
        </fieldset>
      ) : null}
      <div className="form-actions">
        <button type="submit" className="btn btn--primary" disabled={busy || !draft.title.trim()}>
          {t('record.save')}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          {t('record.cancel')}
        </button>
      </div>
    </form>
  );
}

// One contact or company: its fields and custom fields, live while open
// (`record:<kind>:<id>`), who else is looking, its activities, and for a
// company its people and deals. Changes waiting to sync are shown on top.
// A legal hold shows as a banner; a delete it (or a record that still
// needs this one) refuses is said in the server's words. A contact's data
// can be exported (GDPR Art. 15, 20) and the contact erased (Art. 17) by
// whoever may; once a record is erased, here or elsewhere, the page says
// so instead of showing what it was. Who may read the audit trail sees
// the record's History there too. Its files are under its fields
// (files/AttachmentsPanel.tsx), live on the same topic.
import { useState } from 'react';
import type { HoldAnswer } from '../../api/privacy';
import { ApiError } from '../../api/problem';
import { deleteRecord, getRecord, list, mergeLive } from '../../api/records';
import type { Contact, CustomField, Deal, RecordBase } from '../../api/types';
import { leaveNotice } from '../../app/notice';
import { Link, navigate } from '../../app/router';
import { useServices, useSession } from '../../app/session';
import { useI18n, type I18n } from '../../i18n';
import { isAnonymised, liveRecord } from '../../realtime/anonymised';
import { isErased, isGone } from '../../realtime/gone';
import { usePresence, useTopic } from '../../realtime/hooks';
import { Alert } from '../../ui/Alert';
import { deleteError, describeError } from '../../ui/errors';
import { useLoad } from '../../ui/useLoad';
import { mayErase, mayExport } from '../privacy/access';
import { eraseSummary } from '../privacy/erase';
import { EraseDialog } from '../privacy/EraseDialog';
import { HoldBanner, PlaceHold, withHold } from '../privacy/LegalHold';
import { ExportButton, ExportStatus } from '../privacy/PersonExport';
import { usePersonExport } from '../privacy/useExports';
import { AnonymisedNotice } from '../privacy/AnonymisedNotice';
import { RecordHistory } from '../audit/RecordHistory';
import { AttachmentsPanel } from '../files/AttachmentsPanel';
import { ActivityList } from './ActivityList';
import { useCompanyNames, useCustomFields } from './hooks';
import type { KindMeta } from './kinds';
import { ConfirmDelete } from './ConfirmDelete';
import { SensitiveMark } from './SensitiveMark';

interface Loaded {
  record: RecordBase;
  version: number;
  fromCache: boolean;
  cachedAt: string | null;
}

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

export function RecordDetail({ meta, tenant, id }: { meta: KindMeta; tenant: string; id: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api, queue } = useServices();
  const { can, me, pending } = useSession();
  const customs = useCustomFields(meta.kind);
  const companies = useCompanyNames(meta.path === 'contacts');
  const [liveNote, setLiveNote] = useState(false);
  const [deleted, setDeleted] = useState(false);
  const [erased, setErased] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [erasing, setErasing] = useState(false);
  const [holdNote, setHoldNote] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const base = `/t/${tenant}/${meta.path}`;
  const topic = `record:${meta.kind}:${id}`;
  const others = usePresence(topic, 'viewing', me?.user.id);
  const personExport = usePersonExport(id);
  const exporting = meta.path === 'contacts' && mayExport(me);

  const page = useLoad<Loaded>(
    async (signal) => {
      const r = await getRecord<RecordBase>(api, meta.path, id, signal);
      return { record: r.data, version: r.version ?? r.data.version, fromCache: r.fromCache, cachedAt: r.cachedAt };
    },
    [api, meta.path, id],
  );

  useTopic(topic, {
    onEvent: (f) => {
      // A file's events carry the file, not this record: the attachments panel's.
      if (f.event.startsWith('file.')) return;
      if (isErased(f)) {
        // Nothing of it stays on the page, not even in memory.
        setErased(true);
        page.set(() => null);
        return;
      }
      if (isGone(f)) {
        setDeleted(true);
        return;
      }
      const rec = f.data as unknown as RecordBase;
      // Anonymised: on servers that overwrote its older events as an
      // erasure's (realtime/anonymised.ts), a replay read it as erased
      // first, so it may come back from that.
      const back = isAnonymised(f);
      if (back) setErased(false);
      page.set((s) => {
        if (!s && back) return { record: liveRecord<RecordBase>(rec), version: rec.version, fromCache: false, cachedAt: null };
        if (!s || typeof rec.version !== 'number' || rec.version <= s.version) return s;
        setLiveNote(true);
        return { ...s, record: mergeLive(s.record, rec), version: rec.version };
      });
    },
    onResync: () => page.reload(),
  });

  const remove = async () => {
    setConfirm(false);
    if (!page.data) return;
    try {
      await deleteRecord(api, meta.path, id, page.data.version, `${t('record.delete')}: ${meta.display(page.data.record)}`);
      navigate(base);
    } catch (e) {
      setActionError(deleteError(e, i18n, id));
    }
  };

  const holdChanged = (answer: HoldAnswer) => {
    page.set((s) => (s ? { ...s, record: withHold(s.record, answer), version: Math.max(s.version, answer.version) } : s));
    setHoldNote(t(answer.legal_hold ? 'hold.placed' : 'hold.lifted'));
    setActionError(null);
  };

  if (erased) {
    return (
      <section data-testid="record-erased">
        <h1>{t(meta.title)}</h1>
        <Alert tone="warning">{t('record.erased')}</Alert>
        <p className="muted">{t('record.erasedBody')}</p>
        <Link to={base}>{t('app.back')}</Link>
      </section>
    );
  }

  if (page.error && !page.data) {
    const notFound = page.error instanceof ApiError && page.error.status === 404;
    return (
      <section>
        <h1>{t(meta.title)}</h1>
        <Alert tone="danger">{notFound ? t('record.notFound') : describeError(page.error, i18n)}</Alert>
        <Link to={base}>{t('app.back')}</Link>
      </section>
    );
  }
  if (!page.data) return <p aria-busy="true">{t('app.loading')}</p>;

  const overlay = queue.pendingPatch(`/${meta.path}/${id}`);
  const rec = (overlay ? { ...page.data.record, ...overlay, custom: { ...page.data.record.custom, ...(overlay.custom as object) } } : page.data.record) as unknown as Record<string, unknown>;
  const waiting = pending.some((w) => w.path === `/${meta.path}/${id}` && w.status === 'pending');
  const name = meta.display(rec as unknown as RecordBase);
  const value = (key: string): React.ReactNode => {
    const v = rec[key];
    if (v == null || v === '' || (Array.isArray(v) && v.length === 0)) return t('record.none');
    if (key === 'company_id') return <Link to={`/t/${tenant}/companies/${String(v)}`}>{companies.get(String(v)) ?? t('record.show')}</Link>;
    if (key === 'email') return <a href={`mailto:${String(v)}`}>{String(v)}</a>;
    if (key === 'website') return <a href={String(v)} rel="noopener noreferrer" target="_blank">{String(v)}</a>;
    return Array.isArray(v) ? v.join(', ') : String(v);
  };
  const custom = (rec.custom ?? {}) as Record<string, unknown>;

  return (
    <article className="detail">
      <div className="view-head">
        <h1>
          {name} {waiting ? <span className="badge badge--pending">{t('sync.pendingBadge')}</span> : null}
        </h1>
        <div className="view-head__actions">
          {can(`${meta.path}:write`) ? (
            <Link className="btn btn--primary" to={`${base}/${id}/edit`}>
              {t('record.edit')}
            </Link>
          ) : null}
          <PlaceHold held={!!rec.legal_hold} kind={meta.path} id={id} name={name} onChanged={holdChanged} />
          {can(`${meta.path}:delete`) ? (
            <button type="button" className="btn btn--danger" onClick={() => setConfirm(true)}>
              {t('record.delete')}
            </button>
          ) : null}
          {exporting ? <ExportButton state={personExport} /> : null}
          {meta.path === 'contacts' && mayErase(me) ? (
            <button type="button" className="btn btn--danger" onClick={() => setErasing(true)}>
              {t('erase.action')}
            </button>
          ) : null}
        </div>
      </div>
      <HoldBanner hold={page.data.record.legal_hold} kind={meta.path} id={id} onChanged={holdChanged} />
      <AnonymisedNotice kind={meta.kind} mark={page.data.record.anonymised} />
      {holdNote ? <Alert tone="success">{holdNote}</Alert> : null}
      {exporting ? <ExportStatus state={personExport} tenant={tenant} /> : null}
      {others.length ? (
        <p className="presence" role="status">
          {t('record.viewing', { names: others.map((m) => m.name).join(', ') })}
        </p>
      ) : null}
      {page.data.fromCache ? <p className="cache-note">{t('conn.cached', { time: page.data.cachedAt ? i18n.dateTime(page.data.cachedAt) : '' })}</p> : null}
      {liveNote ? <Alert>{t('record.updatedLive')}</Alert> : null}
      {deleted ? <Alert tone="warning">{t('record.deleted')}</Alert> : null}
      {actionError ? <Alert tone="danger">{actionError}</Alert> : null}

      <dl className="fields" data-testid="record-fields">
        {meta.fields.map((f) => (
          <div key={f.key} className="fields__row" data-field={f.key}>
            <dt>{t(f.label)}</dt>
            <dd>{value(f.key)}</dd>
          </div>
        ))}
        {customs.map((f) => (
          <div key={f.key} className="fields__row" data-field={`custom.${f.key}`}>
            <dt>{f.label}{f.sensitive ? <SensitiveMark spoken /> : null}</dt>
            <dd>{customValue(f, custom[f.key], i18n)}</dd>
          </div>
        ))}
        <div className="fields__row fields__row--meta">
          <dt>{t('record.updated_at')}</dt>
          <dd>{i18n.dateTime(String(rec.updated_at))}</dd>
        </div>
      </dl>

      {meta.path === 'companies' ? <CompanyRelated tenant={tenant} companyId={id} /> : null}
      <AttachmentsPanel kind={meta.kind} recordId={id} canWrite={can(`${meta.path}:write`)} />
      <ActivityList relatedKind={meta.kind} relatedId={id} />
      <RecordHistory tenant={tenant} recordId={id} />

      <ConfirmDelete open={confirm} name={name} onCancel={() => setConfirm(false)} onDelete={() => void remove()} />
      {erasing && meta.path === 'contacts' && mayErase(me) ? (
        <EraseDialog
          contactId={id}
          name={name}
          onClose={() => setErasing(false)}
          onErased={(r) => {
            leaveNotice(base, eraseSummary(r, t));
            navigate(base);
          }}
        />
      ) : null}
    </article>
  );
}

function CompanyRelated({ tenant, companyId }: { tenant: string; companyId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { can } = useSession();
  const people = useLoad(async (signal) => (await list<Contact>(api, 'contacts', { filters: { company_id: companyId }, limit: 50 }, signal)).data.items, [api, companyId]);
  const deals = useLoad(
    async (signal) => (can('deals:read') ? (await list<Deal>(api, 'deals', { filters: { company_id: companyId }, limit: 50 }, signal)).data.items : []),
    [api, companyId],
  );
  return (
    <div className="related">
      <section aria-labelledby="rel-people">
        <h2 id="rel-people">{t('company.contacts')}</h2>
        {people.data?.length ? (
          <ul className="plain-list">
            {people.data.map((c) => (
              <li key={c.id}>
                <Link to={`/t/${tenant}/contacts/${c.id}`}>{[c.first_name, c.last_name].filter(Boolean).join(' ')}</Link>
                {c.title ? <span className="muted"> · {c.title}</span> : null}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">{people.loading ? t('app.loading') : t('list.empty')}</p>
        )}
      </section>
      {deals.data?.length ? (
        <section aria-labelledby="rel-deals">
          <h2 id="rel-deals">{t('company.deals')}</h2>
          <ul className="plain-list">
            {deals.data.map((d) => (
              <li key={d.id}>
                <Link to={`/t/${tenant}/pipeline/${d.pipeline_id}`}>{d.title}</Link>
                {d.amount != null ? <span className="muted"> · {i18n.money(d.amount, d.currency)}</span> : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

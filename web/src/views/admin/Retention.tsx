// Data retention: rules that remove or anonymise records once they and
// everything that refers to them have not changed for a number of days
// (the server applies the enabled ones every hour). Each action is
// explained beside its choice, in plain words. A preview (dry run) says
// what the saved rules would do now without changing anything; "Run now"
// applies the enabled ones at once, after a confirmation, and shows what
// it did.
import { useEffect, useId, useState } from 'react';
import { ApiError } from '../../api/problem';
import {
  RETENTION_ACTIONS,
  RETENTION_KINDS,
  getRetention,
  retentionDryRun,
  runRetention,
  saveRetention,
  type RetentionKind,
  type RetentionPolicy,
  type RetentionReport as Report,
} from '../../api/retention';
import { useServices } from '../../app/session';
import { useI18n, type Key } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { describeError } from '../../ui/errors';
import { useLoad } from '../../ui/useLoad';
import { statusLabel } from '../support/labels';
import { useWorkflow } from '../support/hooks';
import { AdminPage } from './kit';
import { RetentionReport } from './RetentionReport';
import {
  changed,
  draftOf,
  localErrors,
  newDraft,
  otherErrors,
  policyOf,
  ruleErrors,
  withKind,
  withStatus,
  type RuleDraft,
} from './retention';

export function Retention({ tenant }: { tenant: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const loaded = useLoad((signal) => getRetention(api, signal), [api]);
  const [saved, setSaved] = useState<RetentionPolicy | null>(null);
  const [drafts, setDrafts] = useState<RuleDraft[]>([]);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState<'save' | 'preview' | 'run' | null>(null);
  const [report, setReport] = useState<{ report: Report; dry: boolean } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const workflow = useWorkflow();

  const take = (p: RetentionPolicy) => {
    setSaved(p);
    setDrafts(p.rules.map(draftOf));
  };
  useEffect(() => {
    if (loaded.data) take(loaded.data);
  }, [loaded.data]);

  if (!saved) {
    return (
      <AdminPage tenant={tenant} title={t('admin.retention')} intro={t('admin.retentionAbout')}>
        {loaded.error ? <Alert tone="danger">{describeError(loaded.error, i18n)}</Alert> : <p aria-busy="true">{t('app.loading')}</p>}
      </AdminPage>
    );
  }

  const dirty = changed(drafts, saved);
  const enabled = saved.rules.filter((r) => r.enabled).length;
  const setDraft = (key: number, next: (d: RuleDraft) => RuleDraft) => setDrafts((ds) => ds.map((d) => (d.key === key ? next(d) : d)));
  const start = (what: 'save' | 'preview' | 'run') => {
    setBusy(what);
    setError(null);
    setNote(null);
  };

  const save = async () => {
    const local = localErrors(drafts, t);
    setFields(local);
    if (Object.keys(local).length) {
      setError(t('retention.fix'));
      setNote(null);
      return;
    }
    start('save');
    try {
      take(await saveRetention(api, policyOf(drafts)));
      setFields({});
      setReport(null);
      setNote(t('retention.saved'));
    } catch (e) {
      if (e instanceof ApiError && e.status === 422 && Object.keys(e.fieldErrors).length) {
        setFields(e.fieldErrors);
        setError([t('retention.fix'), ...otherErrors(e.fieldErrors)].join(' '));
      } else setError(describeError(e, i18n));
    } finally {
      setBusy(null);
    }
  };

  const preview = async () => {
    start('preview');
    try {
      setReport({ report: await retentionDryRun(api), dry: true });
    } catch (e) {
      setError(describeError(e, i18n));
    } finally {
      setBusy(null);
    }
  };

  const run = async () => {
    setConfirming(false);
    start('run');
    try {
      setReport({ report: await runRetention(api), dry: false });
    } catch (e) {
      // Another run (the hourly one, or someone else's) holds the workspace's lease.
      setError(e instanceof ApiError && e.status === 409 ? t('retention.busyElsewhere') : describeError(e, i18n));
    } finally {
      setBusy(null);
    }
  };

  return (
    <AdminPage tenant={tenant} title={t('admin.retention')} intro={t('admin.retentionAbout')}>
      {error ? <Alert tone="danger">{error}</Alert> : null}
      {note ? <Alert tone="success">{note}</Alert> : null}
      {drafts.length === 0 ? <p className="muted">{t('retention.empty')}</p> : null}
      <ol className="retention-rules" aria-label={t('retention.rules')}>
        {drafts.map((d, i) => (
          <RuleEditor key={d.key} draft={d} errors={ruleErrors(fields, i)} workflow={workflow?.statuses ?? []}
            onChange={(next) => setDraft(d.key, next)}
            onRemove={() => {
              // The server's errors name rules by position, which this moves.
              setFields({});
              setDrafts((ds) => ds.filter((x) => x.key !== d.key));
            }} />
        ))}
      </ol>
      <div className="form-actions">
        <button type="button" className="btn" onClick={() => setDrafts((ds) => [...ds, newDraft()])}>{t('retention.add')}</button>
        <button type="button" className="btn btn--primary" disabled={busy !== null || !dirty} onClick={() => void save()}>
          {busy === 'save' ? t('retention.saving') : t('record.save')}
        </button>
      </div>

      <section className="panel" aria-labelledby="retention-apply-h">
        <h2 id="retention-apply-h">{t('retention.apply')}</h2>
        <p className="muted">{dirty ? t('retention.saveFirst') : t('retention.applyAbout')}</p>
        {!dirty && saved.rules.length > 0 && enabled === 0 ? <p className="muted">{t('retention.noneOn')}</p> : null}
        <div className="form-actions">
          <button type="button" className="btn" disabled={busy !== null || dirty} onClick={() => void preview()}>
            {busy === 'preview' ? t('retention.previewing') : t('retention.preview')}
          </button>
          <button type="button" className="btn btn--danger" disabled={busy !== null || dirty || enabled === 0} onClick={() => setConfirming(true)}>
            {busy === 'run' ? t('retention.running') : t('retention.runNow')}
          </button>
        </div>
      </section>
      {report ? <RetentionReport report={report.report} dry={report.dry} /> : null}

      {confirming ? (
        <Dialog open title={t('retention.confirmTitle')} role="alertdialog" onClose={() => setConfirming(false)}
          actions={
            <>
              <button type="button" className="btn" onClick={() => setConfirming(false)}>{t('record.cancel')}</button>
              <button type="button" className="btn btn--danger" onClick={() => void run()}>{t('retention.confirm')}</button>
            </>
          }>
          <p>{t('retention.confirmText', { count: enabled })}</p>
          <p><strong>{t('retention.final')}</strong></p>
        </Dialog>
      ) : null}
    </AdminPage>
  );
}

/** One rule's fields, with the server's word on each beside it. */
function RuleEditor({ draft: d, errors, workflow, onChange, onRemove }: {
  draft: RuleDraft;
  errors: ReturnType<typeof ruleErrors>;
  /** The tenant's ticket statuses, in workflow order. */
  workflow: string[];
  onChange(next: (d: RuleDraft) => RuleDraft): void;
  onRemove(): void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const id = useId();
  const title = d.name.trim() || t('retention.unnamed');
  // Statuses the workflow no longer has stay listed while the rule names them, so they can be unticked.
  const statuses = [...workflow, ...d.statuses.filter((s) => !workflow.includes(s))];
  return (
    <li className="panel retention-rule" data-rule={d.name}>
      <div className="panel__head">
        <h2>{title}</h2>
        <button type="button" className="btn btn--small" onClick={onRemove} aria-label={t('retention.removeRule', { name: title })}>
          {t('retention.remove')}
        </button>
      </div>
      <div className="form-grid">
        <Field label={t('retention.name')} required error={errors.name}>
          <input value={d.name} maxLength={100} onChange={(e) => onChange((x) => ({ ...x, name: e.target.value }))} />
        </Field>
        <Field label={t('retention.kind')} error={errors.kind}>
          <select value={d.kind} onChange={(e) => onChange((x) => withKind(x, e.target.value as RetentionKind))}>
            {RETENTION_KINDS.map((k) => <option key={k} value={k}>{t(`admin.kind_${k}` as Key)}</option>)}
          </select>
        </Field>
        <Field label={t('retention.days')} required error={errors.unchanged_for_days} hint={t('retention.daysHint')}>
          <input type="number" inputMode="numeric" min={1} max={36500} step={1} className="input--short" value={d.days}
            onChange={(e) => onChange((x) => ({ ...x, days: e.target.value }))} />
        </Field>
      </div>
      <fieldset className="retention-actions">
        <legend>{t('retention.action')}</legend>
        {RETENTION_ACTIONS.map((a) => (
          <div key={a} className="retention-action">
            <input type="radio" id={`${id}-${a}`} name={`${id}-action`} value={a} checked={d.action === a}
              aria-describedby={`${id}-${a}-about`} onChange={() => onChange((x) => ({ ...x, action: a }))} />
            <div>
              <label htmlFor={`${id}-${a}`}>{t(`retention.action_${a}` as Key)}</label>
              <p id={`${id}-${a}-about`} className="field__hint">{t(`retention.action_${a}About` as Key)}</p>
            </div>
          </div>
        ))}
        {errors.action ? <p className="field__error">{errors.action}</p> : null}
      </fieldset>
      {d.kind === 'ticket' ? (
        <fieldset className="field checks">
          <legend>{t('retention.statuses')}</legend>
          {statuses.map((s) => (
            <label key={s} className="check">
              <input type="checkbox" checked={d.statuses.includes(s)} onChange={(e) => onChange((x) => withStatus(x, s, e.target.checked))} />
              {statusLabel(i18n, s)}
            </label>
          ))}
          <p className="field__hint">{t('retention.statusesHint')}</p>
          {errors.statuses ? <p className="field__error">{errors.statuses}</p> : null}
        </fieldset>
      ) : null}
      <label className="check">
        <input type="checkbox" checked={d.enabled} onChange={(e) => onChange((x) => ({ ...x, enabled: e.target.checked }))} />
        {t('retention.enabled')}
      </label>
    </li>
  );
}

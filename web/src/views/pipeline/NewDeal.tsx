// A new deal straight from the board, into the stage whose "+" was pressed:
// title, value, owner (the person by default), company and expected close.
// Everything else is on the deal page.
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/problem';
import { createRecord } from '../../api/records';
import type { Deal, Pipeline } from '../../api/types';
import { useUsers } from '../../app/directory';
import { useServices, useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import { describeError } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { useCompanyNames } from '../crm/hooks';
import { createBody, toDraft, type DealDraft } from '../deal/deal-state';

interface Props {
  pipeline: Pipeline;
  stageId: string;
  onClose(): void;
  /** The created deal; null when it was queued offline. */
  onCreated(d: Deal | null): void;
}

export function NewDeal({ pipeline, stageId, onClose, onCreated }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { me, can } = useSession();
  const users = useUsers();
  const companies = useCompanyNames(can('companies:read'));
  const [draft, setDraft] = useState<DealDraft>(() => ({ ...toDraft(null), stage_id: stageId, owner_id: me?.user.id ?? '' }));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [summary, setSummary] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const stage = pipeline.stages.find((s) => s.id === stageId);
  const set = <K extends keyof DealDraft>(k: K, v: DealDraft[K]) => setDraft((d) => ({ ...d, [k]: v }));
  const staff = [...users.values()].filter((u) => u.kind === 'staff');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setSummary(null);
    try {
      const r = await createRecord<Deal>(api, 'deals', createBody(draft, pipeline.id), `${t('deal.new')}: ${draft.title}`);
      onCreated(r.queued ? null : r.data);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) {
        setErrors(err.fieldErrors);
        setSummary(err.detail || t('record.fixErrors'));
      } else setSummary(describeError(err, i18n));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open title={t('deal.newIn', { stage: stage?.name ?? '' })} onClose={onClose}>
      <form className="record-form new-deal" onSubmit={submit} noValidate aria-label={t('deal.new')}>
        {summary ? <Alert tone="danger">{summary}</Alert> : null}
        <Field label={t('deal.name')} error={errors.title} required>
          <input value={draft.title} onChange={(e) => set('title', e.target.value)} autoFocus />
        </Field>
        <div className="field-pair">
          <Field label={t('deal.amount')} error={errors.amount}>
            <input inputMode="decimal" value={draft.amount} onChange={(e) => set('amount', e.target.value)} />
          </Field>
          <Field label={t('deal.currency')} error={errors.currency}>
            <input value={draft.currency} maxLength={3} size={4} onChange={(e) => set('currency', e.target.value.toUpperCase())} />
          </Field>
        </div>
        {staff.length > 1 ? (
          <Field label={t('deal.owner')} error={errors.owner_id}>
            <select value={draft.owner_id} onChange={(e) => set('owner_id', e.target.value)}>
              {staff.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        {companies.size ? (
          <Field label={t('deal.company')} error={errors.company_id}>
            <select value={draft.company_id} onChange={(e) => set('company_id', e.target.value)}>
              <option value="">{t('record.none')}</option>
              {[...companies].map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        <Field label={t('deal.expectedClose')} error={errors.expected_close}>
          <input type="date" value={draft.expected_close} onChange={(e) => set('expected_close', e.target.value)} />
        </Field>
        <div className="form-actions">
          <button type="submit" className="btn btn--primary" disabled={busy || !draft.title.trim()}>
            {t('record.create')}
          </button>
          <button type="button" className="btn" onClick={onClose}>
            {t('record.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

// Custom fields per record kind: add one (its key, type and whether it is
// sensitive stay for good), rename it, change its choices, make it
// required, or retire it (the data stays; the field leaves forms and lists).
import { useState, type FormEvent } from 'react';
import type { CustomField, CustomFieldType, Page } from '../../api/types';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Dialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { useLoad } from '../../ui/useLoad';
import { LockIcon } from '../crm/SensitiveMark';
import { AdminPage, ListInput, SaveState, useSaver } from './kit';
import { SensitiveChoice } from './SensitiveChoice';

const KINDS = ['contact', 'company', 'deal', 'ticket', 'activity'] as const;
const TYPES: CustomFieldType[] = ['text', 'long_text', 'number', 'bool', 'date', 'datetime', 'select', 'multi_select', 'currency', 'email', 'url', 'relation'];

type Draft = { kind: string; key: string; label: string; type: CustomFieldType; choices: string[]; relation: string; required: boolean; sensitive: boolean };

export function CustomFields({ tenant }: { tenant: string }) {
  const { t } = useI18n();
  const { api } = useServices();
  const [kind, setKind] = useState<string>('contact');
  const fields = useLoad(async () => (await api.get<Page<CustomField>>('/custom-fields', { kind })).data.items, [api, kind]);
  const [draft, setDraft] = useState<Draft>({ kind: 'contact', key: '', label: '', type: 'text', choices: [], relation: 'company', required: false, sensitive: false });
  const [editing, setEditing] = useState<CustomField | null>(null);
  const create = useSaver();
  const edit = useSaver();
  const kindLabel = (k: string) => t(`admin.kind_${k}` as 'admin.kind_contact');

  const options = (type: CustomFieldType, choices: string[], relation: string) =>
    type === 'select' || type === 'multi_select' ? { choices } : type === 'relation' ? { kind: relation } : {};

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = {
      kind: draft.kind, key: draft.key, label: draft.label, type: draft.type, required: draft.required,
      sensitive: draft.sensitive && draft.type !== 'relation', options: options(draft.type, draft.choices, draft.relation),
    };
    if (await create.run(() => api.request('POST', '/custom-fields', { body }), t('admin.fieldCreated', { label: draft.label }))) {
      // Sensitive is for good: the next field must be chosen so again, not inherit it.
      setDraft({ ...draft, key: '', label: '', choices: [], sensitive: false });
      setKind(draft.kind);
      fields.reload();
    }
  };

  return (
    <AdminPage tenant={tenant} title={t('admin.fields')} intro={t('admin.fieldsAbout')}>
      <label className="inline-field">
        <span>{t('admin.recordKind')}</span>
        <select value={kind} onChange={(e) => setKind(e.target.value)}>
          {KINDS.map((k) => <option key={k} value={k}>{kindLabel(k)}</option>)}
        </select>
      </label>
      <div className="table-wrap">
        <table className="table" data-testid="fields">
          <thead>
            <tr>
              <th scope="col">{t('admin.fieldLabel')}</th>
              <th scope="col">{t('admin.fieldKey')}</th>
              <th scope="col">{t('admin.fieldType')}</th>
              <th scope="col">{t('record.required')}</th>
              <th scope="col">{t('admin.status')}</th>
              <th scope="col"><span className="visually-hidden">{t('record.edit')}</span></th>
            </tr>
          </thead>
          <tbody>
            {fields.data?.length === 0 ? <tr><td colSpan={6}>{t('admin.noFields')}</td></tr> : null}
            {fields.data?.map((f) => (
              <tr key={f.id}>
                <td>
                  {f.label}
                  {f.sensitive ? (
                    <span className="badge badge--sensitive" title={t('admin.fieldSensitiveHint')} data-testid="field-sensitive">
                      <LockIcon /> {t('admin.fieldSensitive')}
                    </span>
                  ) : null}
                </td>
                <td data-label={t('admin.fieldKey')}><code>custom.{f.key}</code></td>
                <td data-label={t('admin.fieldType')}>{f.type}</td>
                <td data-label={t('record.required')}>{f.required ? '✓' : ''}</td>
                <td data-label={t('admin.status')}>{f.retired ? t('admin.retired') : t('admin.active')}</td>
                <td><button type="button" className="btn btn--small" onClick={() => { edit.clear(); setEditing(f); }} aria-label={t('admin.editField', { label: f.label })}>{t('record.edit')}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <section className="panel" aria-labelledby="new-field">
        <h2 id="new-field">{t('admin.newField')}</h2>
        <SaveState saver={create} />
        <form onSubmit={submit} className="form-grid">
          <Field label={t('admin.recordKind')}>
            <select value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: e.target.value })}>
              {KINDS.map((k) => <option key={k} value={k}>{kindLabel(k)}</option>)}
            </select>
          </Field>
          <Field label={t('admin.fieldLabel')} required error={create.fields.label}>
            <input value={draft.label} onChange={(e) => setDraft({ ...draft, label: e.target.value })} />
          </Field>
          <Field label={t('admin.fieldKey')} required error={create.fields.key} hint={t('admin.fieldKeyHint')}>
            <input value={draft.key} onChange={(e) => setDraft({ ...draft, key: e.target.value })} pattern="[a-z][a-z0-9_]*" />
          </Field>
          <Field label={t('admin.fieldType')} error={create.fields.type}>
            <select value={draft.type} onChange={(e) => {
              const type = e.target.value as CustomFieldType;
              // A relation cannot be sensitive: the box clears rather than springing back later.
              setDraft({ ...draft, type, sensitive: type === 'relation' ? false : draft.sensitive });
            }}>
              {TYPES.map((x) => <option key={x} value={x}>{x}</option>)}
            </select>
          </Field>
          {draft.type === 'select' || draft.type === 'multi_select' ? (
            <Field label={t('admin.choices')} hint={t('record.tagsHint')} error={create.fields['options.choices']}>
              <ListInput value={draft.choices} onChange={(v) => setDraft({ ...draft, choices: v })} />
            </Field>
          ) : null}
          {draft.type === 'relation' ? (
            <Field label={t('admin.relationKind')} error={create.fields['options.kind']}>
              <select value={draft.relation} onChange={(e) => setDraft({ ...draft, relation: e.target.value })}>
                {KINDS.map((k) => <option key={k} value={k}>{kindLabel(k)}</option>)}
              </select>
            </Field>
          ) : null}
          <label className="check">
            <input type="checkbox" checked={draft.required} onChange={(e) => setDraft({ ...draft, required: e.target.checked })} />
            {t('record.required')}
          </label>
          <SensitiveChoice checked={draft.sensitive} relation={draft.type === 'relation'} error={create.fields.sensitive}
            onChange={(sensitive) => setDraft({ ...draft, sensitive })} />
          <div className="form-actions">
            <button type="submit" className="btn btn--primary" disabled={create.busy}>{t('record.create')}</button>
          </div>
        </form>
      </section>

      <Dialog open={editing !== null} title={editing ? t('admin.editField', { label: editing.label }) : ''} onClose={() => setEditing(null)}
        actions={editing ? (
          <>
            <button type="button" className="btn" onClick={() => setEditing(null)}>{t('record.cancel')}</button>
            <button type="button" className="btn btn--primary" disabled={edit.busy} onClick={async () => {
              const f = editing;
              // `sensitive` is left out: it is fixed, and there is nothing to change.
              const body = { label: f.label, required: f.required, retired: f.retired, ...(f.type === 'select' || f.type === 'multi_select' ? { options: { choices: f.options.choices ?? [] } } : {}) };
              if (await edit.run(() => api.request('PATCH', `/custom-fields/${f.id}`, { body }))) {
                setEditing(null);
                fields.reload();
              }
            }}>{t('record.save')}</button>
          </>
        ) : null}>
        {editing ? (
          <>
            <SaveState saver={edit} />
            {editing.sensitive ? (
              <p className="field__hint" data-testid="edit-sensitive"><LockIcon /> {t('admin.fieldSensitiveFixed')}</p>
            ) : null}
            <Field label={t('admin.fieldLabel')} error={edit.fields.label}>
              <input value={editing.label} onChange={(e) => setEditing({ ...editing, label: e.target.value })} />
            </Field>
            {editing.type === 'select' || editing.type === 'multi_select' ? (
              <Field label={t('admin.choices')} hint={t('record.tagsHint')}>
                <ListInput value={editing.options.choices ?? []} onChange={(v) => setEditing({ ...editing, options: { ...editing.options, choices: v } })} />
              </Field>
            ) : null}
            <label className="check">
              <input type="checkbox" checked={editing.required} onChange={(e) => setEditing({ ...editing, required: e.target.checked })} />
              {t('record.required')}
            </label>
            <label className="check">
              <input type="checkbox" checked={editing.retired} onChange={(e) => setEditing({ ...editing, retired: e.target.checked })} />
              {t('admin.retire')}
            </label>
          </>
        ) : null}
      </Dialog>
    </AdminPage>
  );
}

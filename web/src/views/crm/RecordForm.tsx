// Create or edit a contact or company, with the tenant's custom fields.
// Edits carry If-Match: if someone else saved first, the server answers
// 412 and the person decides (load theirs, or save theirs over), never us.
// A record erased while it is being edited leaves the form at once.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/problem';
import { createRecord, getRecord, updateRecord } from '../../api/records';
import type { RecordBase } from '../../api/types';
import { Link, navigate } from '../../app/router';
import { useServices, useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { isErased } from '../../realtime/gone';
import { usePresence, useTopic } from '../../realtime/hooks';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { Field } from '../../ui/Field';
import { CustomFieldInput } from './CustomFieldInput';
import { diff, toFormValues, toJson, withoutNulls, type FormValues } from './formValues';
import { useCompanyNames, useCustomFields } from './hooks';
import type { FieldMeta, KindMeta } from './kinds';

interface Props {
  meta: KindMeta;
  tenant: string;
  /** Absent: a new record. */
  id?: string;
}

export function RecordForm({ meta, tenant, id }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api, queue } = useServices();
  const { me } = useSession();
  const customs = useCustomFields(meta.kind);
  const companies = useCompanyNames(meta.path === 'contacts');
  const [record, setRecord] = useState<RecordBase | null>(null);
  const [version, setVersion] = useState<number | undefined>();
  const [values, setValues] = useState<FormValues | null>(id ? null : toFormValues(meta, [], null));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [summary, setSummary] = useState<string | null>(null);
  const [conflict, setConflict] = useState(false);
  const [changedLive, setChangedLive] = useState(false);
  const [busy, setBusy] = useState(false);
  const [erased, setErased] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const base = `/t/${tenant}/${meta.path}`;
  const path = id ? `/${meta.path}/${id}` : null;
  const topic = id ? `record:${meta.kind}:${id}` : null;
  const others = usePresence(topic, 'editing', me?.user.id);

  const load = async () => {
    if (!id) return;
    try {
      const r = await getRecord<RecordBase>(api, meta.path, id);
      const overlay = queue.pendingPatch(`/${meta.path}/${id}`);
      const rec = overlay ? ({ ...r.data, ...overlay, custom: { ...r.data.custom, ...(overlay.custom as object) } } as RecordBase) : r.data;
      setRecord(rec);
      setVersion(r.version ?? r.data.version);
      setValues(toFormValues(meta, customs, rec));
      setConflict(false);
      setChangedLive(false);
    } catch (e) {
      setSummary(describeError(e, i18n));
    }
  };

  useEffect(() => {
    void load();
  }, [id]);

  // The custom fields arrive on their own: they shape the form's custom
  // part only. Reloading the record here threw away what the person had
  // typed meanwhile.
  useEffect(() => {
    if (id && record) setValues((v) => (v ? { std: v.std, custom: { ...toFormValues(meta, customs, record).custom, ...v.custom } } : v));
  }, [customs]);

  useEffect(() => {
    if (!id && customs.length) setValues((v) => ({ std: v?.std ?? {}, custom: toFormValues(meta, customs, null).custom }));
  }, [id, customs, meta]);

  useTopic(topic, {
    onEvent: (f) => {
      if (isErased(f)) {
        setErased(true);
        setRecord(null);
        setValues(null);
        return;
      }
      const v = (f.data as { version?: number }).version;
      if (typeof v === 'number' && version !== undefined && v > version) setChangedLive(true);
    },
  });

  useEffect(() => {
    if (Object.keys(errors).length) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  const label = (f: FieldMeta) => t(f.label);
  const display = record ? meta.display(record) : t(meta.newTitle);

  const save = async (overVersion?: number) => {
    if (!values) return;
    setBusy(true);
    setErrors({});
    setSummary(null);
    const json = toJson(meta, customs, values);
    try {
      if (!id) {
        const r = await createRecord<RecordBase>(api, meta.path, withoutNulls(json), `${t(meta.newTitle)}: ${meta.display(json as unknown as RecordBase)}`);
        if (r.queued) navigate(base);
        else navigate(`${base}/${r.data.id}`);
        return;
      }
      const before = toJson(meta, customs, toFormValues(meta, customs, record));
      const patch = diff(before, json);
      if (Object.keys(patch).length === 0) {
        navigate(`${base}/${id}`);
        return;
      }
      const r = await updateRecord<RecordBase>(api, meta.path, id, patch, overVersion ?? version, `${t('record.edit')}: ${display}`);
      navigate(`${base}/${id}`);
      void r;
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'version_conflict' || e.status === 412)) {
        setConflict(true);
      } else if (e instanceof ApiError && e.status === 422) {
        setErrors(e.fieldErrors);
        setSummary(e.detail || t('record.fixErrors'));
      } else {
        setSummary(describeError(e, i18n));
      }
    } finally {
      setBusy(false);
    }
  };

  const saveAnyway = async () => {
    if (!path) return;
    try {
      const latest = await api.get<RecordBase>(path);
      await save(latest.version ?? latest.data.version);
    } catch (e) {
      setSummary(describeError(e, i18n));
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save();
  };

  const setStd = (key: string, v: string) => setValues((s) => (s ? { ...s, std: { ...s.std, [key]: v } } : s));

  const input = (f: FieldMeta) => {
    const v = String(values?.std[f.key] ?? '');
    const change = (e: { target: { value: string } }) => setStd(f.key, e.target.value);
    if (f.type === 'long_text') return <textarea rows={3} value={v} onChange={change} />;
    if (f.type === 'relation')
      return (
        <select value={v} onChange={change}>
          <option value="">{t('record.none')}</option>
          {[...companies].map(([cid, name]) => (
            <option key={cid} value={cid}>
              {name}
            </option>
          ))}
          {v && !companies.has(v) ? <option value={v}>{v}</option> : null}
        </select>
      );
    return <input type={f.type === 'email' ? 'email' : f.type === 'url' ? 'url' : 'text'} value={v} onChange={change} autoComplete="off" />;
  };

  const unknownErrors = Object.entries(errors).filter(
    ([k]) => !meta.fields.some((f) => f.key === k) && !customs.some((c) => `custom.${c.key}` === k),
  );

  if (erased) {
    return (
      <section className="form-view" data-testid="record-erased">
        <h1>{t(meta.title)}</h1>
        <Alert tone="warning">{t('record.erased')}</Alert>
        <Link to={base}>{t('app.back')}</Link>
      </section>
    );
  }

  return (
    <section className="form-view">
      <h1>{id ? `${t('record.edit')}: ${display}` : t(meta.newTitle)}</h1>
      {others.length ? (
        <p className="presence" role="status">
          {t('record.editing', { names: others.map((m) => m.name).join(', ') })}
        </p>
      ) : null}
      {changedLive && !conflict ? <Alert tone="warning">{t('record.updatedLive')}</Alert> : null}
      {conflict ? (
        <Alert
          tone="danger"
          actions={
            <>
              <button type="button" className="btn btn--small" onClick={() => void load()}>
                {t('record.conflictReload')}
              </button>
              <button type="button" className="btn btn--small btn--primary" onClick={() => void saveAnyway()}>
                {t('record.conflictOverwrite')}
              </button>
            </>
          }
        >
          {t('record.conflict')}
        </Alert>
      ) : null}
      {summary ? (
        <Alert tone="danger">
          {summary}
          {unknownErrors.length ? (
            <ul>
              {unknownErrors.map(([k, m]) => (
                <li key={k}>
                  {k}: {m}
                </li>
              ))}
            </ul>
          ) : null}
        </Alert>
      ) : null}
      {values ? (
        <form ref={formRef} onSubmit={submit} noValidate className="record-form">
          <div className="form-grid">
            {meta.fields.map((f) => (
              <Field key={f.key} label={label(f)} error={errors[f.key]} required={f.required} hint={f.type === 'tags' ? t('record.tagsHint') : undefined}>
                {input(f)}
              </Field>
            ))}
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
                  onChange={(v) => setValues((s) => (s ? { ...s, custom: { ...s.custom, [c.key]: v } } : s))}
                />
              ))}
            </fieldset>
          ) : null}
          <div className="form-actions">
            <button type="submit" className="btn btn--primary" disabled={busy}>
              {id ? t('record.save') : t('record.create')}
            </button>
            <button type="button" className="btn" onClick={() => navigate(id ? `${base}/${id}` : base)}>
              {t('record.cancel')}
            </button>
          </div>
        </form>
      ) : (
        <p aria-busy="true">{t('app.loading')}</p>
      )}
    </section>
  );
}

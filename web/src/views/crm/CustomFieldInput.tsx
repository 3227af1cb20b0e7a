// One input per custom field type (src/records/fields.rs TYPES). A
// sensitive field carries a lock by its label, and says why to screen
// readers as the control's description.
import { useId } from 'react';
import type { CustomField } from '../../api/types';
import { useI18n } from '../../i18n';
import { Field } from '../../ui/Field';
import type { FormValue } from './formValues';
import { SensitiveMark } from './SensitiveMark';

interface Props {
  field: CustomField;
  value: FormValue;
  error?: string;
  onChange(v: FormValue): void;
}

export function CustomFieldInput({ field: f, value, error, onChange }: Props) {
  const { t } = useI18n();
  const str = typeof value === 'string' ? value : '';
  const noteId = useId();
  const sensitive = f.sensitive === true;
  const label = sensitive ? <>{f.label}<SensitiveMark /></> : f.label;
  const note = sensitive ? t('record.sensitiveNote') : undefined;
  // For the controls that Field does not wire: the note, and what points at it.
  const describedBy = sensitive ? noteId : undefined;
  const noteText = sensitive ? <span id={noteId} className="visually-hidden">{note}</span> : null;
  switch (f.type) {
    case 'bool':
      return (
        <div className={`field field--check${error ? ' field--error' : ''}`}>
          <label>
            <input type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} aria-describedby={describedBy} /> {label}
          </label>
          {noteText}
          {error ? <div className="field__error">{error}</div> : null}
        </div>
      );
    case 'multi_select': {
      const list = Array.isArray(value) ? value : [];
      return (
        <fieldset className={`field${error ? ' field--error' : ''}`} aria-describedby={describedBy}>
          <legend>{label}</legend>
          {noteText}
          {(f.options.choices ?? []).map((c) => (
            <label key={c} className="check">
              <input
                type="checkbox"
                checked={list.includes(c)}
                onChange={(e) => onChange(e.target.checked ? [...list, c] : list.filter((x) => x !== c))}
              />{' '}
              {c}
            </label>
          ))}
          {error ? <div className="field__error">{error}</div> : null}
        </fieldset>
      );
    }
    case 'currency': {
      const m = (value as { amount: string; currency: string }) ?? { amount: '', currency: 'EUR' };
      return (
        <fieldset className={`field field--money${error ? ' field--error' : ''}`}>
          <legend>{label}</legend>
          {noteText}
          <input aria-label={f.label} aria-describedby={describedBy} inputMode="decimal" value={m.amount} onChange={(e) => onChange({ ...m, amount: e.target.value })} />
          <input aria-label={`${f.label} (ISO 4217)`} aria-describedby={describedBy} value={m.currency} maxLength={3} size={4} onChange={(e) => onChange({ ...m, currency: e.target.value.toUpperCase() })} />
          {error ? <div className="field__error">{error}</div> : null}
        </fieldset>
      );
    }
    case 'select':
      return (
        <Field label={label} note={note} error={error} required={f.required}>
          <select value={str} onChange={(e) => onChange(e.target.value)}>
            <option value="">{t('record.choose')}</option>
            {(f.options.choices ?? []).map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </Field>
      );
    case 'long_text':
      return (
        <Field label={label} note={note} error={error} required={f.required}>
          <textarea rows={3} value={str} onChange={(e) => onChange(e.target.value)} />
        </Field>
      );
    default: {
      const type =
        f.type === 'number' ? 'number' : f.type === 'date' ? 'date' : f.type === 'datetime' ? 'datetime-local' : f.type === 'email' ? 'email' : f.type === 'url' ? 'url' : 'text';
      return (
        <Field label={label} note={note} error={error} required={f.required}>
          <input
            type={type}
            step={f.type === 'number' ? 'any' : undefined}
            min={f.options.min}
            max={f.options.max}
            value={str}
            onChange={(e) => onChange(e.target.value)}
          />
        </Field>
      );
    }
  }
}

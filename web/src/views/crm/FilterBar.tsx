// Field filters as removable chips plus a small "add filter" form. The
// filters live in the URL (`f.<field>=value`), so a filtered list can be
// bookmarked, shared, reloaded and read offline from the cache.
import { useId, useState, type FormEvent } from 'react';
import type { CustomField } from '../../api/types';
import { useI18n } from '../../i18n';
import type { KindMeta } from './kinds';

export interface FilterOption {
  key: string;
  label: string;
  choices?: { value: string; label: string }[];
}

export function filterOptions(meta: KindMeta, customs: CustomField[], t: (k: never) => string, companies?: Map<string, string>): FilterOption[] {
  const tt = t as (k: string) => string;
  const std: FilterOption[] = meta.fields
    .filter((f) => f.filterable)
    .map((f) => ({
      key: f.key,
      label: tt(f.label),
      choices:
        f.relation === 'companies' && companies
          ? [...companies].map(([value, label]) => ({ value, label }))
          : undefined,
    }));
  // Sensitive values are sealed at rest: the server refuses to filter them.
  const custom: FilterOption[] = customs
    .filter((c) => !['long_text', 'currency'].includes(c.type) && !c.sensitive)
    .map((c) => ({
      key: `custom.${c.key}`,
      label: c.label,
      choices:
        c.type === 'select' || c.type === 'multi_select'
          ? (c.options.choices ?? []).map((v) => ({ value: v, label: v }))
          : c.type === 'bool'
            ? [
                { value: 'true', label: '✓' },
                { value: 'false', label: '✗' },
              ]
            : undefined,
    }));
  return [...std, ...custom];
}

interface Props {
  options: FilterOption[];
  active: Record<string, string>;
  onChange(next: Record<string, string>): void;
  /** Names for active filters that are not offered (a sensitive field's, from a link): the chip reads the label, not the key. */
  nameOf?(key: string): string | undefined;
}

export function FilterBar({ options, active, onChange, nameOf }: Props) {
  const { t } = useI18n();
  const [field, setField] = useState('');
  const [value, setValue] = useState('');
  const fieldId = useId();
  const valueId = useId();
  const chosen = options.find((o) => o.key === field);
  const labelOf = (key: string) => options.find((o) => o.key === key)?.label ?? nameOf?.(key) ?? key;
  const valueLabel = (key: string, v: string) =>
    options.find((o) => o.key === key)?.choices?.find((c) => c.value === v)?.label ?? v;

  const add = (e: FormEvent) => {
    e.preventDefault();
    if (!field || !value.trim()) return;
    onChange({ ...active, [field]: value.trim() });
    setValue('');
  };

  return (
    <div className="filters">
      {Object.keys(active).length > 0 ? (
        <ul className="chips" aria-label={t('list.filters')}>
          {Object.entries(active).map(([k, v]) => (
            <li key={k} className="chip">
              <span>
                {labelOf(k)}: <strong>{valueLabel(k, v)}</strong>
              </span>
              <button
                type="button"
                className="chip__remove"
                aria-label={t('list.removeFilter', { field: labelOf(k) })}
                onClick={() => {
                  const next = { ...active };
                  delete next[k];
                  onChange(next);
                }}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <form className="filters__add" onSubmit={add} aria-label={t('list.addFilter')}>
        <label htmlFor={fieldId} className="visually-hidden">{t('list.field')}</label>
        <select id={fieldId} value={field} onChange={(e) => { setField(e.target.value); setValue(''); }}>
          <option value="">{t('list.field')}…</option>
          {options.map((o) => (
            <option key={o.key} value={o.key}>
              {o.label}
            </option>
          ))}
        </select>
        <label htmlFor={valueId} className="visually-hidden">{t('list.value')}</label>
        {chosen?.choices ? (
          <select id={valueId} value={value} onChange={(e) => setValue(e.target.value)}>
            <option value="">{t('record.choose')}</option>
            {chosen.choices.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        ) : (
          <input id={valueId} value={value} onChange={(e) => setValue(e.target.value)} placeholder={t('list.value')} disabled={!field} />
        )}
        <button type="submit" className="btn btn--small" disabled={!field || !value.trim()}>
          {t('list.addFilter')}
        </button>
      </form>
    </div>
  );
}

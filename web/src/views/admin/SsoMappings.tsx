// Mapping rows of a provider: a value of the role claim (a group such as
// `crm-admins`) to a role, or to a team. Rows are added and removed here;
// each row's fields carry the form's own errors (`role_mappings.<i>.role`),
// and the list those of the server, which names no row (`role_mappings`,
// `role_mappings.value`).
import { useI18n } from '../../i18n';
import { Field } from '../../ui/Field';

export interface MappingRow {
  value: string;
  /** The role's name or the team's id. */
  target: string;
}

export function SsoMappings({ legend, hint, rows, onChange, errors, field, targetField, targetLabel, options, addLabel, testId }: {
  legend: string;
  hint: string;
  rows: MappingRow[];
  onChange(rows: MappingRow[]): void;
  errors: Record<string, string>;
  /** The server's name of the list (`role_mappings`). */
  field: string;
  /** The server's name of a row's target (`role`, `team_id`). */
  targetField: string;
  targetLabel: string;
  options: { value: string; label: string }[];
  addLabel: string;
  testId: string;
}) {
  const { t } = useI18n();
  const set = (i: number, row: MappingRow) => onChange(rows.map((r, j) => (j === i ? row : r)));
  // The list's own errors, and a row's when the server names no row (`role_mappings.value`).
  const listErrors = [...new Set(Object.entries(errors)
    .filter(([f]) => f === field || (f.startsWith(`${field}.`) && !/^\d/.test(f.slice(field.length + 1))))
    .map(([, m]) => m))];
  return (
    <fieldset className="field sso-mappings" data-testid={testId}>
      <legend>{legend}</legend>
      <p className="field__hint">{hint}</p>
      {rows.length ? (
        <ol className="sso-mappings__rows">
          {rows.map((r, i) => {
            // A saved target the list does not (yet) hold stays offered.
            const choices = !r.target || options.some((o) => o.value === r.target) ? options : [{ value: r.target, label: r.target }, ...options];
            return (
              <li key={i} className="sso-mappings__row" data-testid={`${testId}-${i}`}>
                <Field label={t('sso.claimValue')} error={errors[`${field}.${i}.value`]}>
                  <input value={r.value} spellCheck={false} autoComplete="off" onChange={(e) => set(i, { ...r, value: e.target.value })} />
                </Field>
                <Field label={targetLabel} error={errors[`${field}.${i}.${targetField}`] ?? errors[`${field}.${i}`]}>
                  <select value={r.target} onChange={(e) => set(i, { ...r, target: e.target.value })}>
                    <option value="">{t('sso.choose')}</option>
                    {choices.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
                  </select>
                </Field>
                <button type="button" className="btn btn--small btn--ghost" aria-label={t('sso.removeMapping', { n: i + 1, list: legend })}
                  onClick={() => onChange(rows.filter((_, j) => j !== i))}>
                  {t('sso.remove')}
                </button>
              </li>
            );
          })}
        </ol>
      ) : null}
      {listErrors.map((m) => <p key={m} className="field__error">{m}</p>)}
      <button type="button" className="btn btn--small" onClick={() => onChange([...rows, { value: '', target: '' }])}>{addLabel}</button>
    </fieldset>
  );
}

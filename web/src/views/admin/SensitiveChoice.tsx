// Whether a new custom field is sensitive: its values sealed at rest by
// the server, out of search and filters. Chosen once, when the field is
// made (the server refuses to change it), so the hint says so up front. A
// relation cannot be: the server must read it to follow deletions.
import { useId } from 'react';
import { useI18n } from '../../i18n';
import { LockIcon } from '../crm/SensitiveMark';

export function SensitiveChoice({ checked, relation, error, onChange }: {
  checked: boolean;
  /** The field is a relation: not allowed, so off and disabled. */
  relation: boolean;
  /** The server's message for `sensitive`. */
  error?: string;
  onChange(sensitive: boolean): void;
}) {
  const { t } = useI18n();
  const id = useId();
  return (
    <div className={`field${error ? ' field--error' : ''}`}>
      <label className="check">
        <input
          type="checkbox"
          checked={checked && !relation}
          disabled={relation}
          onChange={(e) => onChange(e.target.checked)}
          aria-describedby={`${id}-hint${error ? ` ${id}-err` : ''}`}
          aria-invalid={error ? true : undefined}
        />
        <LockIcon /> {t('admin.fieldSensitive')}
      </label>
      <div id={`${id}-hint`} className="field__hint">
        {relation ? t('admin.fieldSensitiveNoRelation') : t('admin.fieldSensitiveHint')}
      </div>
      {error ? <div id={`${id}-err`} className="field__error">{error}</div> : null}
    </div>
  );
}

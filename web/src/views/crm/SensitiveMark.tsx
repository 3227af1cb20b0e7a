// The lock beside a sensitive custom field (`CustomField.sensitive`). The
// server seals its values at rest, so search and filters never find them:
// people should see that before they search in vain. A shape and words,
// never colour alone.
import { useI18n } from '../../i18n';

/** A padlock drawn in the text colour, for the eye only. */
export function LockIcon() {
  return (
    <svg className="lock-icon" viewBox="0 0 16 16" width="1em" height="1em" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M8 1a3.5 3.5 0 0 0-3.5 3.5V7H4a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1V8a1 1 0 0 0-1-1h-.5V4.5A3.5 3.5 0 0 0 8 1Zm-2 3.5a2 2 0 1 1 4 0V7H6V4.5Z" />
    </svg>
  );
}

/**
 * The lock with its note as a tooltip. In a label or legend it stays out
 * of the control's name (pass the note to Field's `note`, or describe the
 * control with it); with `spoken` it also says the note itself, for plain
 * text such as a term in a list of fields.
 */
export function SensitiveMark({ spoken = false }: { spoken?: boolean }) {
  const { t } = useI18n();
  return (
    <span className="sensitive-mark" data-sensitive="true">
      {/* The tooltip sits on the hidden part: on the outer span it would join the label's name. */}
      <span aria-hidden="true" title={t('record.sensitiveNote')}>
        <LockIcon />
      </span>
      {spoken ? <span className="visually-hidden"> ({t('record.sensitiveNote')})</span> : null}
    </span>
  );
}

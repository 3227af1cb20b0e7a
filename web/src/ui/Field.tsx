// A labelled form control with its hint and error wired for screen readers
// (aria-describedby, aria-invalid), so every form gets that right once.
import { useId, type ReactElement, cloneElement, type ReactNode } from 'react';

interface Props {
  label: ReactNode;
  /** The server's message for this field (problem+json `errors[]`). */
  error?: string;
  hint?: ReactNode;
  /**
   * Said with the control but not shown: the words for a mark that the
   * label carries for the eye only (e.g. the lock of a sensitive field).
   */
  note?: string;
  required?: boolean;
  children: ReactElement<Record<string, unknown>>;
}

export function Field({ label, error, hint, note, required, children }: Props) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const noteId = note ? `${id}-note` : undefined;
  const errId = error ? `${id}-err` : undefined;
  const control = cloneElement(children, {
    id,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': [hintId, noteId, errId].filter(Boolean).join(' ') || undefined,
    'aria-required': required || undefined,
  });
  return (
    <div className={`field${error ? ' field--error' : ''}`}>
      <label htmlFor={id}>
        {label}
        {required ? <span aria-hidden="true" className="field__req"> *</span> : null}
      </label>
      {control}
      {hint ? <div id={hintId} className="field__hint">{hint}</div> : null}
      {note ? <span id={noteId} className="visually-hidden">{note}</span> : null}
      {error ? <div id={errId} className="field__error">{error}</div> : null}
    </div>
  );
}

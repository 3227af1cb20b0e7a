// What every admin page shares: its frame (heading, way back to the
// overview), and one way to run a save that shows the server's verdict,
// with field errors put where the fields are.
import { useCallback, useEffect, useState, type InputHTMLAttributes, type ReactNode } from 'react';
import { ApiError } from '../../api/problem';
import { Link } from '../../app/router';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';

export function AdminPage({ tenant, title, intro, actions, children }: {
  tenant: string;
  title: string;
  intro?: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <section className="admin-page">
      <Link to={`/t/${tenant}/admin`} className="admin-page__back">← {t('admin.title')}</Link>
      <div className="view-head">
        <h1>{title}</h1>
        {actions ? <div className="view-head__actions">{actions}</div> : null}
      </div>
      {intro ? <p className="muted">{intro}</p> : null}
      {children}
    </section>
  );
}

export interface Saver {
  busy: boolean;
  error: string | null;
  fields: Record<string, string>;
  ok: string | null;
  /** Runs `fn`; on success shows `done`, on failure the server's reasons. Returns whether it worked. */
  run(fn: () => Promise<unknown>, done?: string): Promise<boolean>;
  clear(): void;
}

export function useSaver(): Saver {
  const i18n = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [ok, setOk] = useState<string | null>(null);
  const clear = useCallback(() => {
    setError(null);
    setFields({});
    setOk(null);
  }, []);
  const run = async (fn: () => Promise<unknown>, done?: string) => {
    setBusy(true);
    clear();
    try {
      await fn();
      setOk(done ?? i18n.t('record.saved'));
      return true;
    } catch (e) {
      if (e instanceof ApiError) {
        setFields(e.fieldErrors);
        setError(e.status === 412 ? i18n.t('admin.conflict') : describeError(e, i18n));
      } else setError(describeError(e, i18n));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, fields, ok, run, clear };
}

/** The saver's verdict, for the top of a form. */
export function SaveState({ saver }: { saver: Saver }) {
  if (saver.error) {
    const extra = Object.entries(saver.fields);
    return (
      <Alert tone="danger">
        {saver.error}
        {extra.length ? (
          <ul>
            {extra.map(([f, m]) => <li key={f}><code>{f}</code>: {m}</li>)}
          </ul>
        ) : null}
      </Alert>
    );
  }
  return saver.ok ? <Alert tone="success">{saver.ok}</Alert> : null;
}

/** Comma-separated text ↔ a list of distinct, trimmed words. */
export const splitList = (s: string) => [...new Set(s.split(',').map((x) => x.trim()).filter(Boolean))];

/**
 * A comma-separated list in a text box. It keeps what is typed (a trailing
 * comma included) and hands over the parsed list; it takes a new value from
 * outside only when that differs from what the text already means.
 */
export function ListInput({ value, onChange, ...rest }: {
  value: string[];
  onChange(v: string[]): void;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'>) {
  const [text, setText] = useState(value.join(', '));
  const joined = value.join('\u0000');
  useEffect(() => {
    if (splitList(text).join('\u0000') !== joined) setText(value.join(', '));
    // Only an outside change of the list resets the text.
  }, [joined]);
  return <input {...rest} value={text} onChange={(e) => { setText(e.target.value); onChange(splitList(e.target.value)); }} />;
}

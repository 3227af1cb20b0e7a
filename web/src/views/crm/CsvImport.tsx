// CSV import as a dialog over the list: pick a file, see its first rows,
// say which field each column goes to (guessed from the header names, in
// English or German; "do not import" is a choice), then import it with a
// progress bar for the upload. The file is rewritten here with the field
// names as its header row (src/records/csv_io.rs reads that); the server
// imports all rows or none, and a refusal lists each bad row in words, with
// the choice to import the valid rows only (`skip_invalid`).
import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, NetworkError } from '../../api/problem';
import { importCsv } from '../../api/records';
import type { ImportReport } from '../../api/types';
import { useServices } from '../../app/session';
import { useI18n, type I18n, type Key } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { decodeCsv, parseCsv } from './csv';
import { useCustomFields } from './hooks';
import { rowMessages, type RowError, type RowMessage } from './import-errors';
import { autoMap, hasProblems, importTargets, mappingProblems, raggedRows, rewrite, type Rewritten } from './import-mapping';
import type { KindMeta } from './kinds';

/** Rows shown before importing. */
const PREVIEW_ROWS = 5;

type Phase = 'choose' | 'sending' | 'checking' | 'refused' | 'done';

interface Refusal {
  messages: RowMessage[];
  /** The server lists the first 1,000 problems; `error_count` is all of them. */
  errorCount: number;
}

interface Props {
  meta: KindMeta;
  onClose(): void;
  /** Records were written (the list should read them). */
  onImported(): void;
}

/** A failed import in words of ours: the server's detail may name API parameters. */
function failureText(e: unknown, i18n: I18n, labelOf: (key: string) => string | undefined): string {
  const { t } = i18n;
  if (e instanceof NetworkError) return t('error.offline');
  if (e instanceof ApiError) {
    if (e.status === 413 || e.code === 'payload_too_large') return t('import.tooLarge');
    if (e.code === 'quota_exceeded') return t('import.quota');
    if (e.status === 403) return t('import.forbidden');
    if (e.status === 400 || e.status === 415) return t('import.unreadable');
    // A column the server does not know (a custom field retired meanwhile): by its label if we have one.
    if (e.status === 422 && e.problem.errors?.length) {
      return t('import.unknownColumns', { columns: e.problem.errors.map((x) => labelOf(x.field) ?? x.field.replace(/^custom\./, '')).join(', ') });
    }
    if (e.code === 'rate_limited' && e.retryAfter !== null) return t('login.throttled', { seconds: e.retryAfter });
  }
  return t('import.failed');
}

export function CsvImport({ meta, onClose, onImported }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const customs = useCustomFields(meta.kind);
  const targets = useMemo(() => importTargets(meta, customs, t), [meta, customs, t]);
  const [file, setFile] = useState<{ name: string; rows: string[][] } | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const [mapping, setMapping] = useState<(string | null)[]>([]);
  const [touched, setTouched] = useState(false);
  const [phase, setPhase] = useState<Phase>('choose');
  const [progress, setProgress] = useState({ sent: 0, total: 0 });
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [report, setReport] = useState<(ImportReport & { messages: RowMessage[] }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const headers = file?.rows[0] ?? [];
  // Custom fields may arrive after the file was read: guess again, unless
  // the person already chose.
  useEffect(() => {
    if (file && !touched) setMapping(autoMap(file.rows[0] ?? [], meta, customs));
  }, [file, customs, meta, touched]);

  const pick = async (f: File | null) => {
    setFile(null);
    setReadError(null);
    setRefusal(null);
    setReport(null);
    setError(null);
    setPhase('choose');
    setTouched(false);
    if (!f) return;
    try {
      const rows = parseCsv(decodeCsv(await f.arrayBuffer()));
      if (rows.length < 2) {
        setReadError(t('import.noRows'));
        return;
      }
      setFile({ name: f.name, rows });
    } catch {
      setReadError(t('import.unreadable'));
    }
  };

  const problems = mappingProblems(mapping, targets);
  const ragged = file ? raggedRows(file.rows) : [];
  const dataRows = file ? file.rows.slice(1).filter((r) => r.some((c) => c.trim() !== '')).length : 0;
  const labelOf = (key: string) => targets.find((x) => x.key === key)?.label;
  const busy = phase === 'sending' || phase === 'checking';

  const send = async (skipInvalid: boolean) => {
    if (!file) return;
    const rw: Rewritten = rewrite(file.rows, mapping);
    const body = new Blob([rw.csv], { type: 'text/csv' });
    abort.current = new AbortController();
    setError(null);
    setPhase('sending');
    setProgress({ sent: 0, total: body.size });
    try {
      const r = await importCsv(api, meta.path, body, skipInvalid, (sent, total) => {
        setProgress({ sent, total: total || body.size });
        // All sent: what is left is the server checking and writing the rows.
        if (sent >= (total || body.size)) setPhase('checking');
      }, abort.current.signal);
      setReport({ ...r, messages: rowMessages(r.errors, rw.rowOfLine, labelOf, t) });
      setRefusal(null);
      setPhase('done');
      if (r.imported > 0) onImported();
    } catch (e) {
      if ((e as Error)?.name === 'AbortError') return;
      if (e instanceof ApiError && e.status === 422 && Array.isArray(e.problem.rows)) {
        const rows = e.problem.rows as RowError[];
        setRefusal({
          messages: rowMessages(rows, rw.rowOfLine, labelOf, t),
          errorCount: typeof e.problem.error_count === 'number' ? e.problem.error_count : rows.length,
        });
        setPhase('refused');
      } else {
        setError(failureText(e, i18n, labelOf));
        setPhase('choose');
      }
    }
  };

  const close = () => {
    abort.current?.abort();
    onClose();
  };
  const problemLines = [
    ...problems.missing.map((x) => t('import.missing', { field: x.label })),
    ...problems.twice.map((x) => t('import.twice', { field: x.label })),
    ...(problems.empty ? [t('import.nothingMapped')] : []),
    ...(ragged.length ? [t('import.ragged', { rows: ragged.slice(0, 5).join(', ') })] : []),
  ];
  const blocked = !file || hasProblems(problems) || ragged.length > 0;
  const percent = progress.total ? Math.min(100, Math.round((progress.sent / progress.total) * 100)) : 0;

  const actions =
    phase === 'done' ? (
      <button type="button" className="btn btn--primary" onClick={close}>{t('import.close')}</button>
    ) : (
      <>
        {phase === 'refused' ? (
          <button type="button" className="btn btn--primary" onClick={() => void send(true)}>{t('import.validOnly')}</button>
        ) : (
          <button type="button" className="btn btn--primary" disabled={blocked || busy} onClick={() => void send(false)}>
            {file ? t('import.submitRows', { count: dataRows }) : t('import.submit')}
          </button>
        )}
        <button type="button" className="btn" onClick={close}>{t('record.cancel')}</button>
      </>
    );

  return (
    <Dialog open wide title={t('import.title', { kind: t(meta.plural) })} onClose={close} actions={actions}>
      <div className="csv-import" data-testid="csv-import" data-phase={phase}>
        <p className="muted">{t('import.hint')}</p>
        <Field label={t('import.file')} error={readError ?? undefined}>
          <input type="file" accept=".csv,text/csv,text/plain" disabled={busy} onChange={(e) => void pick(e.target.files?.[0] ?? null)} />
        </Field>

        {file && phase !== 'done' ? (
          <>
            <h3 className="csv-import__h">{t('import.columns')}</h3>
            <p className="muted">{t('import.columnsHint')}</p>
            <ul className="csv-import__map">
              {headers.map((h, i) => {
                const name = h.trim() || t('import.columnN', { n: i + 1 });
                const sample = file.rows.slice(1, 3).map((r) => r[i] ?? '').filter(Boolean).join(', ');
                return (
                  <li key={i} className="csv-import__col">
                    <div className="csv-import__colname">
                      <strong>{name}</strong>
                      {sample ? <span className="muted csv-import__sample">{sample}</span> : null}
                    </div>
                    <select aria-label={t('import.mapColumn', { column: name })} value={mapping[i] ?? ''} disabled={busy}
                      onChange={(e) => {
                        setTouched(true);
                        setMapping((m) => headers.map((_, j) => (j === i ? e.target.value || null : m[j] ?? null)));
                      }}>
                      <option value="">{t('import.ignore')}</option>
                      {targets.map((x) => (
                        <option key={x.key} value={x.key}>{x.required ? `${x.label} *` : x.label}</option>
                      ))}
                    </select>
                  </li>
                );
              })}
            </ul>
            {problemLines.length ? (
              <Alert tone="warning">
                <ul className="csv-import__problems">{problemLines.map((p) => <li key={p}>{p}</li>)}</ul>
              </Alert>
            ) : null}

            <div className="table-wrap csv-import__preview">
              <table className="table">
                <caption>{t('import.preview', { shown: Math.min(PREVIEW_ROWS, file.rows.length - 1), count: dataRows, file: file.name })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('import.row')}</th>
                    {headers.map((h, i) => (
                      <th key={i} scope="col">
                        {h.trim() || t('import.columnN', { n: i + 1 })}
                        <span className="csv-import__to">{mapping[i] ? `→ ${labelOf(mapping[i]!) ?? ''}` : t('import.ignored')}</span>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {file.rows.slice(1, PREVIEW_ROWS + 1).map((r, ri) => (
                    <tr key={ri}>
                      <td>{ri + 2}</td>
                      {headers.map((h, i) => (
                        <td key={i} data-label={h.trim() || t('import.columnN', { n: i + 1 })} className={mapping[i] ? undefined : 'csv-import__off'}>{r[i] ?? ''}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : null}

        {busy ? (
          <div className="csv-import__progress" data-testid="import-progress">
            <label>
              {phase === 'sending' ? t('import.sending', { percent }) : t('import.checking')}
              {phase === 'sending' ? <progress max={100} value={percent} /> : <progress />}
            </label>
          </div>
        ) : null}

        {error ? <Alert tone="danger">{error}</Alert> : null}

        {refusal ? (
          <Alert tone="danger">
            <p className="csv-import__summary">{t('import.refused', { count: refusal.messages.length })}</p>
            <RowList messages={refusal.messages} more={refusal.errorCount > refusal.messages.length} />
            <p>{t('import.validOnlyHint')}</p>
          </Alert>
        ) : null}

        {report ? (
          <Alert tone={report.skipped ? 'warning' : 'success'}>
            <p className="csv-import__summary">
              {t(`import.done.${meta.path}` as Key, { count: report.imported })}
              {report.skipped ? ` ${t('import.skipped', { count: report.skipped })}` : ''}
            </p>
            {report.messages.length ? <RowList messages={report.messages} more={report.error_count > report.errors.length} /> : null}
          </Alert>
        ) : null}
      </div>
    </Dialog>
  );
}

function RowList({ messages, more }: { messages: RowMessage[]; more: boolean }) {
  const { t } = useI18n();
  return (
    <>
      <ul className="csv-import__rows" aria-label={t('import.rowErrors')} data-testid="row-errors">
        {messages.map((m) => <li key={m.row} data-row={m.row}>{m.text}</li>)}
      </ul>
      {more ? <p className="muted">{t('import.moreErrors')}</p> : null}
    </>
  );
}

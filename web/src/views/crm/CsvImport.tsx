// CSV import (POST /{kind}/import, text/csv). All or nothing by default: a
// file with bad rows imports nothing and lists them (422 with `rows`);
// "skip invalid" imports the good rows and reports the rest.
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/problem';
import { importCsv } from '../../api/records';
import type { ImportReport } from '../../api/types';
import { Link } from '../../app/router';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { Alert } from '../../ui/Alert';
import { describeError } from '../../ui/errors';
import { Field } from '../../ui/Field';
import type { KindMeta } from './kinds';

type RowError = ImportReport['errors'][number];

export function CsvImport({ meta, tenant }: { meta: KindMeta; tenant: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const [file, setFile] = useState<File | null>(null);
  const [skip, setSkip] = useState(false);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [rows, setRows] = useState<RowError[]>([]);
  const kindName = t(meta.plural);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setRows([]);
    setReport(null);
    try {
      const r = await importCsv(api, meta.path, file, skip);
      setReport(r);
      setRows(r.errors);
    } catch (err) {
      setError(describeError(err, i18n));
      if (err instanceof ApiError && Array.isArray(err.problem.rows)) setRows(err.problem.rows as RowError[]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="form-view">
      <h1>{t('import.title', { kind: kindName })}</h1>
      <p>{t('import.hint')}</p>
      <form onSubmit={submit} className="record-form">
        <Field label={t('import.file')} required>
          <input type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </Field>
        <label className="check">
          <input type="checkbox" checked={skip} onChange={(e) => setSkip(e.target.checked)} /> {t('import.skipInvalid')}
        </label>
        <div className="form-actions">
          <button type="submit" className="btn btn--primary" disabled={!file || busy}>
            {t('import.submit')}
          </button>
          <Link className="btn" to={`/t/${tenant}/${meta.path}`}>
            {t('app.back')}
          </Link>
        </div>
      </form>
      {report ? <Alert tone="success">{t('import.done', { imported: report.imported, skipped: report.skipped })}</Alert> : null}
      {error ? <Alert tone="danger">{error}</Alert> : null}
      {rows.length ? (
        <div className="table-wrap">
          <table className="table">
            <caption>{t('import.rowErrors')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('import.line')}</th>
                <th scope="col">{t('list.field')}</th>
                <th scope="col">{t('import.problem')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={`${r.line}-${r.field}-${i}`}>
                  <td>{r.line}</td>
                  <td>{r.field}</td>
                  <td>{r.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

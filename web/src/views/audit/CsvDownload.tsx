// "Download CSV": the trail under the current filters as one CSV file,
// fetched with the bearer token (a plain link could not send it) and saved
// under the name the server suggests. The server answers a page at a time
// and names the next page's cursor in `x-next-cursor`; the pages are
// joined (one header line), up to a bound so a browser tab is not asked
// to hold a whole tenant's history: past it, the file holds the newest
// entries and the page says how to get the rest.
import { useState } from 'react';
import { auditCsvPage, type AuditQuery } from '../../api/audit';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { describeError } from '../../ui/errors';
import { saveFile } from '../../ui/save';

const PAGE = 200;
export const CSV_MAX_PAGES = 50;

export function CsvDownload({ query }: { query: AuditQuery }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ error: boolean; text: string } | null>(null);

  const download = async () => {
    setBusy(true);
    setNote(null);
    try {
      const first = await auditCsvPage(api, query, null, PAGE);
      let text = first.text;
      let next = first.next;
      let pages = 1;
      for (; next && pages < CSV_MAX_PAGES; pages++) {
        const page = await auditCsvPage(api, query, next, PAGE);
        // Every page starts with the header line; the file keeps the first.
        text += page.text.slice(page.text.indexOf('\n') + 1);
        next = page.next;
      }
      saveFile(new Blob([text], { type: 'text/csv;charset=utf-8' }), first.filename ?? 'audit.csv');
      if (next) setNote({ error: false, text: t('audit.csvCapped', { count: i18n.number(pages * PAGE) }) });
    } catch (e) {
      setNote({ error: true, text: describeError(e, i18n) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <span className="audit-csv">
      <button type="button" className="btn" disabled={busy} onClick={() => void download()}>
        {busy ? t('audit.csvBusy') : t('audit.csv')}
      </button>
      {note ? (
        <span className={note.error ? 'field__error' : 'muted'} role={note.error ? 'alert' : 'status'}>{note.text}</span>
      ) : null}
    </span>
  );
}

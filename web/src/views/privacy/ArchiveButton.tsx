// "Download (ZIP, 5.7 KB)": fetches a ready export's archive with the
// bearer token (a plain link could not send it) and saves it under the
// name the server suggests. Why it could not be fetched is said beside it.
// In a list, its accessible name also says whose archive it is, after
// the words it shows (so a voice command saying them still finds it).
import { useState } from 'react';
import { fetchArchive, type KnownExport } from '../../api/exports';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { saveFile } from '../../ui/save';
import { archiveName, downloadError, fileSize } from './exports';

interface Props {
  exp: KnownExport;
  /** The person's name, where the page around does not say it. */
  whose?: string;
}

export function ArchiveButton({ exp, whose }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const text = t('export.download', { size: exp.size != null ? fileSize(exp.size, i18n) : '' });

  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      const { blob, filename } = await fetchArchive(api, exp.id);
      saveFile(blob, archiveName(filename, exp));
    } catch (e) {
      setError(downloadError(e, i18n));
    } finally {
      setBusy(false);
    }
  };

  return (
    <span className="archive">
      <button type="button" className="btn btn--primary" disabled={busy} aria-label={whose && !busy ? t('export.downloadOf', { download: text, name: whose }) : undefined}
        onClick={() => void download()}>
        {busy ? t('export.downloading') : text}
      </button>
      {error ? <span className="field__error" role="alert">{error}</span> : null}
    </span>
  );
}

// Opening a file: its signed link is good for minutes only, so the file is
// read again for a fresh one right before, and the link is then followed
// by the browser itself (a link with `download`, clicked once): the bytes
// stream to disk instead of through the page's memory, and the server's
// `Content-Disposition` names the file.
import { useCallback, useState } from 'react';
import { getFile } from '../../api/files';
import { useServices } from '../../app/session';
import { useI18n } from '../../i18n';
import { downloadError } from './attachments';

/** Follows a download link (relative to the server's origin, as the API gives it). */
export function followLink(href: string, name: string) {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

/** `open(id)` downloads a file; `busy` is the file on its way, `error` why the last one failed. */
export function useDownload() {
  const i18n = useI18n();
  const { api } = useServices();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<{ id: string; text: string } | null>(null);
  const open = useCallback(
    async (id: string) => {
      setBusy(id);
      setError(null);
      try {
        const f = await getFile(api, id);
        followLink(f.download_url, f.name);
      } catch (e) {
        setError({ id, text: downloadError(e, i18n) });
      } finally {
        setBusy(null);
      }
    },
    [api, i18n],
  );
  return { open, busy, error };
}

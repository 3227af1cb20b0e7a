// A record's files, live: read once, then kept up to date by the
// `file.added` / `file.removed` events on the record's topic
// (`record:<kind>:<id>`, a ticket's `ticket:<id>`), which the record's own
// page hears too. A reload (after a resync) never rolls back a file that
// arrived meanwhile. A server without attachments (`404` on the list of a
// record that is shown) leaves the panel out.
import { useCallback } from 'react';
import { listFiles, type FileEventData, type FileKind } from '../../api/files';
import { ApiError } from '../../api/problem';
import { useServices } from '../../app/session';
import { useTopic } from '../../realtime/hooks';
import { useLiveLoad } from '../../ui/useLoad';
import { applyChange, byNewest, dropFile, fileChange, foldFile } from './attachments';

export const fileTopic = (kind: FileKind, id: string) => (kind === 'ticket' ? `ticket:${id}` : `record:${kind}:${id}`);

export function useRecordFiles(kind: FileKind, id: string) {
  const { api } = useServices();
  const files = useLiveLoad<FileEventData[]>(async (signal) => (await listFiles(api, kind, id, signal)).sort(byNewest), [api, kind, id]);
  const { apply, reload } = files;

  useTopic(fileTopic(kind, id), {
    onEvent: (f) => {
      const c = fileChange(f, kind, id);
      if (c) apply((s) => applyChange(s, c));
    },
    onResync: () => reload(),
  });

  const added = useCallback((f: FileEventData) => apply((s) => foldFile(s, f)), [apply]);
  const removed = useCallback((fid: string) => apply((s) => dropFile(s, fid)), [apply]);
  const unavailable = files.error instanceof ApiError && files.error.status === 404;
  return { ...files, added, removed, unavailable };
}

// Files on their way to the server, each with its own progress: chosen
// (waiting), sending, done or refused. One file is sent at a time, in the
// order chosen, so each bar moves on its own and a refusal names its file.
// The record panel sends at once; a reply's files wait until the reply is
// sent (a ticket's file is internal or public as the message it goes
// with). A file sent but no longer wanted (taken out of a reply, or sent
// as internal before the reply became public) is deleted again: it would
// only take up the workspace's storage.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { StoredFile } from '../../api/files';
import { useI18n } from '../../i18n';
import { fileSize } from '../../ui/size';
import type { UploadProgress } from '../../api/xhr';
import { tooLarge, uploadError } from './attachments';

export type UploadStatus = 'waiting' | 'sending' | 'done' | 'failed';

export interface Upload {
  key: string;
  file: File;
  sent: number;
  total: number;
  status: UploadStatus;
  error: string | null;
  /** On the server: the file, and whether it went as internal (tickets). */
  uploaded: { file: StoredFile; internal: boolean | undefined } | null;
}

export interface Uploader {
  send(file: File, internal: boolean | undefined, onProgress: UploadProgress, signal: AbortSignal): Promise<StoredFile>;
  /** Deletes a file sent but no longer wanted (failures are of no interest). */
  discard?(id: string): Promise<unknown>;
  /** The largest file the server takes, said before sending. */
  maxBytes?: number | null;
}

let next = 0;

export function useUploads(uploader: Uploader) {
  const i18n = useI18n();
  const items = useRef<Upload[]>([]);
  const [, setTick] = useState(0);
  const chain = useRef<Promise<unknown>>(Promise.resolve());
  const aborts = useRef(new Map<string, AbortController>());
  const up = useRef(uploader);
  up.current = uploader;

  const render = useCallback(() => setTick((n) => n + 1), []);
  const patch = useCallback(
    (key: string, p: Partial<Upload>) => {
      items.current = items.current.map((u) => (u.key === key ? { ...u, ...p } : u));
      render();
    },
    [render],
  );

  // Leaving the page stops what is still on its way.
  useEffect(() => {
    const running = aborts.current;
    return () => {
      for (const c of running.values()) c.abort();
    };
  }, []);

  /** Takes files in; one the server would refuse for its size is said at once. */
  const add = useCallback(
    (files: Iterable<File>): Upload[] => {
      const max = up.current.maxBytes;
      const added = [...files].map((file): Upload => {
        const big = tooLarge(file.size, max);
        return {
          key: `u${++next}`,
          file,
          sent: 0,
          total: file.size,
          status: big ? 'failed' : 'waiting',
          error: big ? i18n.t('files.tooLarge', { max: fileSize(max ?? 0, i18n) }) : null,
          uploaded: null,
        };
      });
      items.current = [...items.current, ...added];
      render();
      return added;
    },
    [i18n, render],
  );

  const sendOne = useCallback(
    async (key: string, internal: boolean | undefined): Promise<StoredFile | null> => {
      const u = items.current.find((x) => x.key === key);
      if (!u) return null;
      if (u.uploaded && u.uploaded.internal === internal) return u.uploaded.file;
      if (tooLarge(u.file.size, up.current.maxBytes)) return null;
      if (u.uploaded) void up.current.discard?.(u.uploaded.file.id).catch(() => undefined);
      const ctl = new AbortController();
      aborts.current.set(key, ctl);
      patch(key, { status: 'sending', sent: 0, error: null, uploaded: null });
      try {
        const file = await up.current.send(u.file, internal, (sent, total) => patch(key, { sent, total: total || u.file.size }), ctl.signal);
        // Taken out while on its way: not wanted after all.
        if (!items.current.some((x) => x.key === key)) {
          void up.current.discard?.(file.id).catch(() => undefined);
          return null;
        }
        patch(key, { status: 'done', sent: u.file.size, uploaded: { file, internal } });
        return file;
      } catch (e) {
        if ((e as Error)?.name !== 'AbortError') patch(key, { status: 'failed', error: uploadError(e, i18n, up.current.maxBytes) });
        return null;
      } finally {
        aborts.current.delete(key);
      }
    },
    [i18n, patch],
  );

  /**
   * Sends the given uploads (default: all not sent yet) one after another,
   * behind whatever is already on its way. Resolves with the files, in
   * order, once all went; with null in place of those refused.
   */
  const send = useCallback(
    (keys: string[] = items.current.map((u) => u.key), internal?: boolean): Promise<(StoredFile | null)[]> => {
      const run = chain.current.then(async () => {
        const out: (StoredFile | null)[] = [];
        for (const k of keys) out.push(await sendOne(k, internal));
        return out;
      });
      chain.current = run.catch(() => undefined);
      return run;
    },
    [sendOne],
  );

  /** Takes one out: stopped if on its way, deleted again if it went already. */
  const remove = useCallback(
    (key: string) => {
      const u = items.current.find((x) => x.key === key);
      aborts.current.get(key)?.abort();
      if (u?.uploaded) void up.current.discard?.(u.uploaded.file.id).catch(() => undefined);
      items.current = items.current.filter((x) => x.key !== key);
      render();
    },
    [render],
  );

  /** Forgets them all (they went with a reply, or are listed elsewhere now). */
  const clear = useCallback(
    (keys?: string[]) => {
      items.current = keys ? items.current.filter((u) => !keys.includes(u.key)) : [];
      render();
    },
    [render],
  );

  return { items: items.current, add, send, remove, clear };
}

// Following person exports (of contacts and of users) while they are
// built: the `exports` topic (events with ids and counts), and reading
// them again every 2 s while no event can arrive: the socket is not open,
// or the server refused the subscription. An export takes moments, so a
// page must not hang on "preparing" because its live connection happens
// to be away.
import { useEffect, useRef, useState } from 'react';
import { getExport, requestExport, type ExportSubject, type KnownExport } from '../../api/exports';
import { useServices, useSession } from '../../app/session';
import { useTopic } from '../../realtime/hooks';
import { erasedExportOf, exportOf, mergeExport } from './exports';

/** How often to read an export again while no event can arrive. */
export const POLL_MS = 2000;

interface Feed {
  /** Listen on the topic; while false, nothing is heard. */
  live: boolean;
  /** Something is still being built: read again while events cannot come. */
  poll: boolean;
  onExport(e: KnownExport): void;
  /** An erasure of its person took the export away. */
  onGone?(id: string): void;
  /** Read again: after (re)subscribing, after a resync, and every 2 s without events. */
  catchUp(): void;
}

export function useExportFeed({ live, poll, onExport, onGone, catchUp }: Feed) {
  const { connection } = useSession();
  const [refused, setRefused] = useState(false);
  const again = useRef(catchUp);
  again.current = catchUp;
  useTopic(live ? 'exports' : null, {
    onEvent: (f) => {
      const e = exportOf(f);
      if (e) onExport(e);
      const gone = erasedExportOf(f);
      if (gone) onGone?.(gone);
    },
    // A first subscription replays nothing: what happened before it is read.
    onSubscribed: () => {
      setRefused(false);
      catchUp();
    },
    onResync: () => catchUp(),
    onError: () => setRefused(true),
  });
  const polling = poll && (connection !== 'open' || refused);
  useEffect(() => {
    if (!polling) return;
    const timer = setInterval(() => again.current(), POLL_MS);
    return () => clearInterval(timer);
  }, [polling]);
}

export interface PersonExportState {
  /** The export started on this page for this person, as it stands. */
  current: KnownExport | null;
  starting: boolean;
  /** Starting it failed. */
  error: unknown;
  start(): Promise<void>;
}

/**
 * An export of one person, started from where they are shown (a contact's
 * page, a user's row in Admin > Users) and followed until it is ready or
 * failed.
 */
export function usePersonExport(subjectId: string, kind: ExportSubject = 'contact'): PersonExportState {
  const { api } = useServices();
  const [current, setCurrent] = useState<KnownExport | null>(null);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // Another person's page in the same view shows none.
  const shown = current?.subject_id === subjectId ? current : null;
  const running = shown?.status === 'running';
  const take = (next: KnownExport) => setCurrent((c) => (c && c.id === next.id ? mergeExport(c, next) : c));

  useExportFeed({
    live: running,
    poll: running,
    onExport: take,
    catchUp: () => {
      if (shown) getExport(api, shown.id).then(take, () => undefined);
    },
  });

  const start = async () => {
    setStarting(true);
    setError(null);
    try {
      setCurrent(await requestExport(api, subjectId, kind));
    } catch (e) {
      setError(e);
    } finally {
      setStarting(false);
    }
  };

  return { current: shown, starting, error, start };
}

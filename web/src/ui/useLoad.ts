// Loads something for a view: re-runs when `deps` change, aborts the
// previous run, and keeps the last good data while reloading so a live
// reload does not flash an empty screen.
import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload(): void;
  set(update: (prev: T | null) => T | null): void;
}

export function useLoad<T>(fn: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Loaded<T> {
  return useLoadWith(fn, deps, null);
}

/** What `useLiveLoad` needs to know of each run. */
interface RunHooks<T> {
  start(): void;
  /** The answer, turned into what to show, at the moment it is set. */
  settle(answer: T): T;
  /** The run ended without an answer (failed, or replaced by a newer one). */
  drop(): void;
}

function useLoadWith<T>(fn: (signal: AbortSignal) => Promise<T>, deps: DependencyList, hooks: RunHooks<T> | null): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const hooksRef = useRef(hooks);
  hooksRef.current = hooks;

  useEffect(() => {
    const ctl = new AbortController();
    const h = hooksRef.current;
    let settled = false;
    h?.start();
    setLoading(true);
    fnRef
      .current(ctl.signal)
      .then((d) => {
        if (ctl.signal.aborted) return;
        settled = true;
        setData(h ? h.settle(d) : d);
        setError(null);
      })
      .catch((e: unknown) => {
        if (ctl.signal.aborted || (e as Error)?.name === 'AbortError') return;
        setError(e);
      })
      .finally(() => {
        if (!ctl.signal.aborted) setLoading(false);
        if (!settled && !ctl.signal.aborted) h?.drop();
      });
    return () => {
      ctl.abort();
      if (!settled) h?.drop();
    };
    // `fn` is read through a ref: only `deps` (and reload) start a new run.
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload, set: setData };
}

export interface LiveLoaded<T> extends Loaded<T> {
  /** Applies a live change now, and again to a load that is on its way. */
  apply(op: (prev: T) => T): void;
}

/**
 * `useLoad` for a view that live events also change. A reload (after a
 * reconnect, say) answers with what the server held when it was asked;
 * changes that arrive meanwhile are replayed on top of that answer, so a
 * late answer never rolls the view back. (The changes must be safe to
 * apply twice: they may already be in the answer.)
 */
export function useLiveLoad<T>(fn: (signal: AbortSignal) => Promise<T>, deps: DependencyList): LiveLoaded<T> {
  const ops = useRef<((prev: T) => T)[]>([]);
  const running = useRef(0);
  const requested = useRef(false);
  const done = () => {
    running.current = Math.max(0, running.current - 1);
    if (running.current === 0 && !requested.current) ops.current = [];
  };
  const loaded = useLoadWith<T>(fn, deps, {
    start: () => {
      requested.current = false;
      running.current++;
    },
    settle: (answer) => {
      let v = answer;
      for (const op of ops.current) v = op(v);
      done();
      return v;
    },
    drop: done,
  });
  const { set, reload } = loaded;
  const apply = useCallback(
    (op: (prev: T) => T) => {
      if (running.current > 0 || requested.current) ops.current.push(op);
      set((s) => (s === null ? s : op(s)));
    },
    [set],
  );
  // Changes from the moment a reload is asked for count, not only once it runs.
  const reloadNow = useCallback(() => {
    requested.current = true;
    reload();
  }, [reload]);
  return { ...loaded, reload: reloadNow, apply };
}

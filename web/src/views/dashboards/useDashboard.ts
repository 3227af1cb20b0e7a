// A live dashboard: the figures now (`GET /dashboards/<name>`), then every
// frame of `dashboard:<name>`, each the whole state (no replay: after a
// reconnect the next frame simply is the truth). A short history of one
// figure is kept for the trend line, from the frames seen on this page.
import { useEffect, useRef, useState } from 'react';
import { useServices } from '../../app/session';
import { useTopic } from '../../realtime/hooks';
import { pushPoint, type Point } from './chart-math';

export interface Live<T> {
  data: T | null;
  error: unknown;
  /** A frame arrived: the figures follow every write now. */
  live: boolean;
  updatedAt: number | null;
  history: Point[];
  /** The server ended the live figures (the feature was switched off). */
  switchedOff?: boolean;
}

export function useDashboard<T>(name: 'support' | 'sales', figure: (d: T) => number): Live<T> {
  const { api } = useServices();
  const [state, setState] = useState<Live<T>>({ data: null, error: null, live: false, updatedAt: null, history: [] });
  const framed = useRef(false);
  const fig = useRef(figure);
  fig.current = figure;

  const take = (data: T, live: boolean) => {
    const at = Date.now();
    setState((s) => ({ data, error: null, live: s.live || live, updatedAt: at, history: pushPoint(s.history, { at, value: fig.current(data) }) }));
  };

  useEffect(() => {
    let on = true;
    api
      .get<T>(`/dashboards/${name}`)
      // A frame that came first is newer than this answer.
      .then((r) => on && !framed.current && take(r.data, false))
      .catch((error: unknown) => on && setState((s) => ({ ...s, error })));
    return () => {
      on = false;
    };
  }, [api, name]);

  useTopic(`dashboard:${name}`, {
    onDashboard: (f) => {
      framed.current = true;
      take(f.data as T, true);
    },
    onError: (code) => {
      if (code === 'feature_disabled') setState((s) => ({ ...s, live: false, switchedOff: true }));
    },
    onSubscribed: () => setState((s) => (s.switchedOff ? { ...s, switchedOff: false } : s)),
  });
  return state;
}

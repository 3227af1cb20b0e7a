// React's way into the tab's one socket: a view says which topic it shows;
// the client counts views per topic and keeps the subscription alive.
import { useEffect, useRef, useState } from 'react';
import { useServices } from '../app/session';
import type { TopicHandler } from './client';
import type { PresenceMember, PresenceState } from './protocol';

/**
 * Subscribes while mounted. Handlers may change on every render without
 * resubscribing: only a different topic does.
 */
export function useTopic(topic: string | null, handler: TopicHandler) {
  const { realtime } = useServices();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    if (!topic) return;
    return realtime.subscribe(topic, {
      onEvent: (f) => ref.current.onEvent?.(f),
      onResync: (r) => ref.current.onResync?.(r),
      onPresence: (m) => ref.current.onPresence?.(m),
      onSubscribed: (f) => ref.current.onSubscribed?.(f),
      onError: (c, m) => ref.current.onError?.(c, m),
      onQueue: (f) => ref.current.onQueue?.(f),
      onDashboard: (f) => ref.current.onDashboard?.(f),
    });
  }, [realtime, topic]);
}

/** Who else is on a topic; announces our own state while mounted. */
export function usePresence(topic: string | null, state: PresenceState, selfId?: string): PresenceMember[] {
  const { realtime } = useServices();
  const [members, setMembers] = useState<PresenceMember[]>([]);
  useTopic(topic, { onPresence: setMembers });
  useEffect(() => {
    if (topic) realtime.setPresence(topic, state);
  }, [realtime, topic, state]);
  return members.filter((m) => m.user_id !== selfId);
}

/**
 * Calls `fn` when the server says `what` changed (a `changed` frame, sent
 * to every socket of the tenant without a subscription), and after a
 * reconnect, since a frame sent while the socket was down is lost with it.
 */
export function useChanged(what: string, fn: () => void) {
  const { realtime } = useServices();
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => realtime.onChanged((w) => {
    if (w === what) ref.current();
  }), [realtime, what]);
  useEffect(() => {
    // A socket's first opening comes with the view's own load: nothing was
    // missed. Every later one follows a drop.
    let dropped = realtime.state === 'open' || realtime.state === 'reconnecting';
    return realtime.onState((s) => {
      if (s !== 'open') return;
      if (dropped) ref.current();
      dropped = true;
    });
  }, [realtime]);
}

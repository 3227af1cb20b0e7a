// The signed-in state of one tenant's tab, for every view: who is signed
// in (`/me`), what they may do, and the shared services.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { BRANDING_CHANGED } from '../branding/useBranding';
import type { Me, TokenPair } from '../api/types';
import { NetworkError } from '../api/problem';
import type { ConnectionState } from '../realtime/client';
import type { StoredWrite } from '../offline/store';
import { clearApiCache } from '../offline/api-cache';
import { endSessionUrl } from '../api/sso';
import { browser } from './leave';
import type { Services } from './services';

export interface Session {
  services: Services;
  signedIn: boolean;
  me: Me | null;
  /** Browser's idea of the network, plus what our own calls found. */
  online: boolean;
  connection: ConnectionState;
  pending: StoredWrite[];
  signIn(pair: TokenPair): Promise<void>;
  /**
   * Ends the session here and at the server; one that came from single
   * sign-on then goes on to the identity provider's sign-out page, unless
   * `leaveProvider` is false (a page that must stay, such as setting a
   * password, whose notice would be lost).
   */
  signOut(opts?: { leaveProvider?: boolean }): Promise<void>;
  reloadMe(): Promise<void>;
  can(permission: string): boolean;
  /** The session ended by itself (a refresh was refused), not by signing out. */
  expired: boolean;
  /**
   * An administrator changed this person's roles, teams or permissions
   * while the page was open (a `changed: access` frame): `/me` was read
   * again, and the app says so until dismissed.
   */
  accessChanged: boolean;
  dismissAccessChanged(): void;
}

const Ctx = createContext<Session | null>(null);

/** Fields the person's role hides under `permission` (the server leaves them out of its answers). */
export function hiddenFields(me: Me | null, permission: string): string[] {
  return me?.permissions.find((p) => p.permission === permission)?.hidden_fields ?? [];
}

export function useSession(): Session {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

export function useServices(): Services {
  return useSession().services;
}

/** How often to retry queued writes while some wait (covers a server that was down while the browser stayed "online"). */
const REPLAY_EVERY_MS = 10_000;

export function SessionProvider({ services, children }: { services: Services; children: ReactNode }) {
  const { api, tokens, realtime, queue } = services;
  const [signedIn, setSignedIn] = useState(() => tokens.get() !== null);
  const [me, setMe] = useState<Me | null>(null);
  const [online, setOnline] = useState(() => navigator.onLine);
  const [connection, setConnection] = useState<ConnectionState>(realtime.state);
  const [pending, setPending] = useState<StoredWrite[]>(queue.list());
  const [expired, setExpired] = useState(false);
  const [accessChanged, setAccessChanged] = useState(false);

  useEffect(
    () =>
      tokens.onChange((s) => {
        setSignedIn(s);
        // Someone else may have signed in: show their queued writes, not ours.
        void queue.reload();
      }),
    [tokens, queue],
  );
  useEffect(() => realtime.onState(setConnection), [realtime]);
  useEffect(() => queue.subscribe(setPending), [queue]);
  useEffect(() => {
    api.setHooks({
      onAuthLost: () => {
        // Said on the sign-in page: "session expired, sign in again"
        // (not after signing out, when a late answer may still say 401).
        if (!leaving.current) setExpired(true);
        tokens.clear();
      },
    });
  }, [api, tokens]);
  const leaving = useRef(false);
  // A topic the server ended because its feature was switched off: read
  // the features again, so the navigation and the views follow at once.
  useEffect(
    () =>
      realtime.onTopicClosed((_topic, code) => {
        if (code === 'feature_disabled') window.dispatchEvent(new Event(BRANDING_CHANGED));
      }),
    [realtime],
  );

  const reloadMe = useCallback(async () => {
    try {
      setMe((await api.get<Me>('/me')).data);
    } catch (e) {
      // Offline with nothing cached: keep the session; views show what they can.
      if (!(e instanceof NetworkError)) throw e;
    }
  }, [api]);

  // Live changes the server tells every socket of: this person's access
  // (read `/me` again; the navigation and every permission check follow)
  // or the workspace's branding and features (read `/branding` again).
  useEffect(
    () =>
      realtime.onChanged((what) => {
        if (what === 'access') {
          void reloadMe().then(
            () => setAccessChanged(true),
            () => undefined,
          );
        } else if (what === 'branding' || what === 'features') {
          window.dispatchEvent(new Event(BRANDING_CHANGED));
        }
      }),
    [realtime, reloadMe],
  );

  // A `changed` frame sent while the socket was down is lost with it: after
  // a reconnect, read both again (quietly: nothing may have changed).
  const wasOpen = useRef(false);
  useEffect(() => {
    if (connection !== 'open') return;
    if (wasOpen.current && signedIn) {
      void reloadMe().catch(() => undefined);
      window.dispatchEvent(new Event(BRANDING_CHANGED));
    }
    wasOpen.current = true;
  }, [connection, signedIn, reloadMe]);

  useEffect(() => {
    if (!signedIn) {
      setMe(null);
      setAccessChanged(false);
      realtime.stop();
      return;
    }
    void reloadMe().catch(() => undefined);
    realtime.start();
    void queue.replay().catch(() => undefined);
  }, [signedIn, realtime, queue, reloadMe]);

  // Back online, or the socket got through: the server is reachable again.
  useEffect(() => {
    const up = () => {
      setOnline(true);
      realtime.reconnectNow();
      if (signedIn) void queue.replay().catch(() => undefined);
    };
    const down = () => setOnline(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
    };
  }, [realtime, queue, signedIn]);

  useEffect(() => {
    if (connection === 'open' && signedIn) void queue.replay().catch(() => undefined);
  }, [connection, signedIn, queue]);

  const waiting = pending.some((w) => w.status === 'pending');
  useEffect(() => {
    if (!waiting || !signedIn) return;
    const id = setInterval(() => void queue.replay().catch(() => undefined), REPLAY_EVERY_MS);
    return () => clearInterval(id);
  }, [waiting, signedIn, queue]);

  const value = useMemo<Session>(() => {
    const perms = new Set(me?.permissions.map((p) => p.permission) ?? []);
    return {
      services,
      signedIn,
      me,
      online,
      connection,
      pending,
      expired,
      accessChanged,
      dismissAccessChanged: () => setAccessChanged(false),
      signIn: async (pair) => {
        setExpired(false);
        leaving.current = false;
        tokens.set(pair);
        await reloadMe();
      },
      signOut: async ({ leaveProvider = true } = {}) => {
        leaving.current = true;
        setExpired(false);
        const answer = await api.request('POST', '/auth/logout').catch(() => null);
        // Signing out means leaving this device: take the saved answers and
        // unsent changes along, so the next person does not see them.
        await queue.clear();
        tokens.clear();
        await clearApiCache();
        // A session from single sign-on ends at its identity provider too
        // (`200 {end_session_url}`), else the next "Sign in with …" would
        // sign the same person in again without asking. Only once this
        // device holds nothing of the session any more.
        const idp = answer?.status === 200 ? endSessionUrl(answer.data) : null;
        if (idp && leaveProvider) browser.leave(idp);
      },
      reloadMe,
      // Before /me arrives (or offline without it), show everything: the
      // server still decides, and a missing link would only confuse.
      can: (permission) => me === null || perms.has(permission),
    };
  }, [services, signedIn, me, online, connection, pending, tokens, api, queue, reloadMe, expired, accessChanged]);

  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

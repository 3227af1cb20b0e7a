// The signed-in session of one tenant: a short-lived access token and a
// rotating refresh token (API.md "Authentication").
//
// Why the care: refresh tokens rotate, and presenting a spent one revokes the
// whole family, which signs the user out everywhere. Two tabs refreshing
// with the same token at once would do exactly that. So a refresh runs under
// a cross-tab lock (Web Locks), re-reads storage inside it, and skips the
// call when another tab already refreshed. Storage is shared by the tabs, so
// the newest pair is always the one every tab uses.

import { ApiError } from './problem';
import type { TokenPair } from './types';

export interface StoredSession {
  access_token: string;
  refresh_token: string;
  /** Epoch ms after which the access token is no longer accepted. */
  expires_at: number;
}

/** Refresh this long before expiry, so a request never races the clock. */
const EARLY_MS = 30_000;

type Refresher = (refreshToken: string) => Promise<TokenPair>;
type Lock = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/** Web Locks where the browser has them (every current one); else in-tab only. */
function defaultLock(): Lock {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (locks) return (name, fn) => locks.request(name, fn);
  return (_name, fn) => fn();
}

export class TokenStore {
  private inflight: Promise<string | null> | null = null;
  private listeners = new Set<(signedIn: boolean) => void>();

  constructor(
    readonly tenant: string,
    private refresher: Refresher,
    private storage: Storage = localStorage,
    private lock: Lock = defaultLock(),
    private now: () => number = Date.now,
  ) {
    // Another tab signed in or out: follow it.
    if (typeof window !== 'undefined') {
      window.addEventListener('storage', (e) => {
        if (e.key === this.key) this.emit();
      });
    }
  }

  private get key() {
    return `mandant:session:${this.tenant}`;
  }

  get(): StoredSession | null {
    try {
      const raw = this.storage.getItem(this.key);
      return raw ? (JSON.parse(raw) as StoredSession) : null;
    } catch {
      return null;
    }
  }

  set(pair: TokenPair) {
    const s: StoredSession = {
      access_token: pair.access_token,
      refresh_token: pair.refresh_token,
      expires_at: this.now() + pair.expires_in * 1000,
    };
    this.storage.setItem(this.key, JSON.stringify(s));
    this.emit();
  }

  clear() {
    this.storage.removeItem(this.key);
    this.emit();
  }

  /** The user id in the access token (`sub`), without verifying it: it only labels local data. */
  subject(): string | null {
    const token = this.get()?.access_token;
    const payload = token?.split('.')[1];
    if (!payload) return null;
    try {
      const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
      const sub = (JSON.parse(json) as { sub?: unknown }).sub;
      return typeof sub === 'string' ? sub : null;
    } catch {
      return null;
    }
  }

  onChange(fn: (signedIn: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit() {
    const signedIn = this.get() !== null;
    for (const fn of this.listeners) fn(signedIn);
  }

  /** A usable access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string | null> {
    const s = this.get();
    if (!s) return null;
    if (s.expires_at - EARLY_MS > this.now()) return s.access_token;
    return this.refresh(s.access_token);
  }

  /**
   * Gets a new pair unless someone already did. `stale` is the access token
   * that failed or expired: if storage holds a different, live one, another
   * tab (or call) refreshed meanwhile and that one is used.
   * Resolves to null when the session is over (refresh refused).
   */
  refresh(stale: string | null): Promise<string | null> {
    if (this.inflight) return this.inflight;
    this.inflight = this.lock(`mandant:refresh:${this.tenant}`, async () => {
      const cur = this.get();
      if (!cur) return null;
      const fresh = cur.expires_at - EARLY_MS > this.now();
      if (fresh && cur.access_token !== stale) return cur.access_token;
      try {
        const pair = await this.refresher(cur.refresh_token);
        this.set(pair);
        return pair.access_token;
      } catch (e) {
        // 401: the token was spent or the session revoked; anything else
        // (offline, 5xx) leaves the session as it is, to try again later.
        if (e instanceof ApiError && (e.status === 401 || e.status === 404)) {
          this.clear();
          return null;
        }
        throw e;
      }
    }).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }
}

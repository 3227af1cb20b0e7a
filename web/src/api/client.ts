// The typed HTTP client for one tenant's API (/t/{tenant}/api/v1).
// - Errors become ApiError (problem+json) or NetworkError.
// - Every call carries the bearer token; a 401 refreshes once and retries.
// - Record responses expose ETag/version; writes can send If-Match.
// - A write the caller marks `offline` is queued when the network is gone
//   and replayed later (src/offline/queue.ts).

import { dispositionFilename } from './disposition';
import { apiBase } from './tenant';
import { versionFromEtag, ifMatch as ifMatchHeader } from './etag';
import { NetworkError, problemFrom } from './problem';
import type { TokenStore } from './tokens';
import { xhrFetch, type UploadProgress } from './xhr';

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  /** JSON body. */
  body?: unknown;
  /** A non-JSON body (CSV import) with its content type. */
  raw?: { data: BodyInit; type: string };
  /** The record version this write is based on. */
  ifMatch?: number;
  accept?: string;
  /** false for the public routes (login, branding). */
  auth?: boolean;
  /**
   * A `401` answers this call, not the session (a passkey ceremony the
   * server refused): no refresh, no retry, nobody signed out.
   */
  callerHandles401?: boolean;
  signal?: AbortSignal;
  /** Hears how much of the body is sent (the call then goes over XMLHttpRequest). */
  onUploadProgress?: UploadProgress;
}

export interface ApiResult<T> {
  data: T;
  status: number;
  headers: Headers;
  /** From ETag: the record's version, for If-Match on the next write. */
  version: number | null;
  /** The service worker answered from its cache (we are offline). */
  fromCache: boolean;
  cachedAt: string | null;
}

export interface QueuedWrite {
  method: 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  ifMatch?: number;
  /** What the person did, for the sync panel ("Move deal X to Won"). */
  label: string;
}

export type WriteResult<T> = ({ queued: false } & ApiResult<T>) | { queued: true };

export interface ClientHooks {
  /** The session ended (refresh refused): show the login page. */
  onAuthLost?: () => void;
  /** Stores a write that could not be sent (offline); see offline/queue.ts. */
  enqueue?: (w: QueuedWrite) => Promise<void>;
}

export class ApiClient {
  readonly base: string;
  /** Makes the XMLHttpRequest of a call with upload progress (tests put a fake here). */
  makeXhr: () => XMLHttpRequest = () => new XMLHttpRequest();

  constructor(
    readonly tenant: string,
    readonly tokens: TokenStore,
    private hooks: ClientHooks = {},
    private fetchImpl: typeof fetch = (...a) => fetch(...a),
  ) {
    this.base = apiBase(tenant);
  }

  setHooks(h: ClientHooks) {
    this.hooks = { ...this.hooks, ...h };
  }

  url(path: string, query?: Query): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined && v !== null && v !== '') qs.append(k, String(v));
    }
    const s = qs.toString();
    return `${this.base}${path}${s ? `?${s}` : ''}`;
  }

  /** One call; throws ApiError or NetworkError. */
  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<ApiResult<T>> {
    const res = await this.send(method, path, o);
    const type = res.headers.get('content-type') ?? '';
    let data: unknown = undefined;
    if (res.status !== 204) {
      data = type.includes('json') ? await res.json() : await res.text();
    }
    return {
      data: data as T,
      status: res.status,
      headers: res.headers,
      version: versionFromEtag(res.headers.get('etag')),
      fromCache: res.headers.get('x-mandant-cache') === 'hit',
      cachedAt: res.headers.get('x-mandant-cached-at'),
    };
  }

  /** The raw response body as a Blob (CSV export). */
  async blob(path: string, o: RequestOptions = {}): Promise<Blob> {
    const res = await this.send('GET', path, o);
    return res.blob();
  }

  /**
   * A file to save: its body, the name the server suggests for it (null:
   * none), and the headers (a paged download tells its next page there).
   */
  async file(path: string, o: RequestOptions = {}): Promise<{ blob: Blob; filename: string | null; headers: Headers }> {
    const res = await this.send('GET', path, o);
    return { blob: await res.blob(), filename: dispositionFilename(res.headers.get('content-disposition')), headers: res.headers };
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal) {
    return this.request<T>('GET', path, { query, signal });
  }

  /**
   * A record write that survives being offline: sent now if possible, else
   * queued and replayed on reconnect. Other errors are thrown as usual.
   */
  async write<T>(w: QueuedWrite): Promise<WriteResult<T>> {
    try {
      const r = await this.request<T>(w.method, w.path, { body: w.body, ifMatch: w.ifMatch });
      return { queued: false, ...r };
    } catch (e) {
      if (e instanceof NetworkError && this.hooks.enqueue) {
        await this.hooks.enqueue(w);
        return { queued: true };
      }
      throw e;
    }
  }

  private async send(method: string, path: string, o: RequestOptions): Promise<Response> {
    const auth = o.auth !== false;
    let token = auth ? await this.tokenOrNull() : null;
    let res = await this.fetchOnce(method, path, o, token);
    if (auth && res.status === 401 && !o.callerHandles401) {
      const err = await problemFrom(res.clone());
      // Only an expired or revoked token is worth a refresh; MFA answers
      // and bad credentials are for the caller.
      if (err.code === 'unauthorized') {
        // Offline or a server error while refreshing propagates: the session
        // may still be good, so nobody is signed out for it.
        token = await this.tokens.refresh(token);
        if (!token) {
          this.hooks.onAuthLost?.();
          throw err;
        }
        res = await this.fetchOnce(method, path, o, token);
      }
    }
    if (!res.ok) {
      const err = await problemFrom(res);
      if (auth && err.status === 401 && err.code === 'unauthorized' && !o.callerHandles401) this.hooks.onAuthLost?.();
      throw err;
    }
    return res;
  }

  private async tokenOrNull(): Promise<string | null> {
    try {
      return await this.tokens.accessToken();
    } catch (e) {
      // Offline while the token needs a refresh: the service worker may
      // still answer GETs from its cache, so go on with the old token.
      if (e instanceof NetworkError) return this.tokens.get()?.access_token ?? null;
      throw e;
    }
  }

  private async fetchOnce(method: string, path: string, o: RequestOptions, token: string | null) {
    const headers: Record<string, string> = { accept: o.accept ?? 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (o.ifMatch !== undefined) headers['if-match'] = ifMatchHeader(o.ifMatch);
    let body: BodyInit | undefined;
    if (o.raw) {
      body = o.raw.data;
      headers['content-type'] = o.raw.type;
    } else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] = 'application/json';
    }
    const send = o.onUploadProgress ? xhrFetch(o.onUploadProgress, this.makeXhr) : this.fetchImpl;
    try {
      return await send(this.url(path, o.query), { method, headers, body, signal: o.signal });
    } catch (e) {
      if ((e as Error)?.name === 'AbortError') throw e;
      throw new NetworkError(e);
    }
  }
}

/** POST /auth/refresh, as the TokenStore's refresher. */
export function refresher(tenant: string, fetchImpl: typeof fetch = (...a) => fetch(...a)) {
  return async (refreshToken: string) => {
    let res: Response;
    try {
      res = await fetchImpl(`${apiBase(tenant)}/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ refresh_token: refreshToken }),
      });
    } catch (e) {
      throw new NetworkError(e);
    }
    if (!res.ok) throw await problemFrom(res);
    return (await res.json()) as import('./types').TokenPair;
  };
}

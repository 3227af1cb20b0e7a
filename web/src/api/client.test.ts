// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { ApiClient, refresher } from './client';
import { ApiError, NetworkError } from './problem';
import { TokenStore } from './tokens';
import type { TokenPair } from './types';

class MemStorage implements Storage {
  private m = new Map<string, string>();
  get length() {
    return this.m.size;
  }
  clear() {
    this.m.clear();
  }
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  key(i: number) {
    return [...this.m.keys()][i] ?? null;
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  });

const pair = (n: number, ttl = 900): TokenPair => ({
  access_token: `a${n}`,
  refresh_token: `r${n}`,
  token_type: 'Bearer',
  expires_in: ttl,
});

function setup(handler: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const storage = new MemStorage();
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchImpl = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    calls.push({ url, init });
    return handler(url, init);
  }) as unknown as typeof fetch;
  const tokens = new TokenStore('acme', refresher('acme', fetchImpl), storage);
  const onAuthLost = vi.fn();
  const api = new ApiClient('acme', tokens, { onAuthLost }, fetchImpl);
  return { api, tokens, calls, onAuthLost, storage };
}

const header = (init: RequestInit, name: string) => (init.headers as Record<string, string>)[name];

describe('ApiClient', () => {
  it('calls the tenant API with the bearer token and reads the version from ETag', async () => {
    const { api, tokens, calls } = setup(() => json(200, { id: 'c1', version: 3 }, { etag: '"3"' }));
    tokens.set(pair(1));
    const r = await api.get<{ id: string }>('/contacts/c1');
    expect(calls[0]?.url).toBe('/t/acme/api/v1/contacts/c1');
    expect(header(calls[0]!.init, 'authorization')).toBe('Bearer a1');
    expect(r.version).toBe(3);
    expect(r.data.id).toBe('c1');
  });

  it('sends If-Match with the version a write is based on', async () => {
    const { api, tokens, calls } = setup(() => json(200, { id: 'd1', version: 5 }, { etag: 'W/"5"' }));
    tokens.set(pair(1));
    const r = await api.write({ method: 'PATCH', path: '/deals/d1', body: { stage_id: 'won' }, ifMatch: 4, label: 'x' });
    expect(header(calls[0]!.init, 'if-match')).toBe('"4"');
    expect(calls[0]?.init.body).toBe('{"stage_id":"won"}');
    expect(r.queued === false && r.version).toBe(5);
  });

  it('turns problem+json into an ApiError with detail and per-field messages', async () => {
    const { api, tokens } = setup(() =>
      json(422, {
        type: 'about:blank',
        title: 'Validation failed',
        status: 422,
        detail: 'Some fields are invalid.',
        code: 'validation_failed',
        errors: [
          { field: 'email', message: 'is not an e-mail address' },
          { field: 'custom.size', message: 'must be a number' },
          { field: 'email', message: 'second message' },
        ],
      }),
    );
    tokens.set(pair(1));
    const e = await api.get('/contacts').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    const err = e as ApiError;
    expect(err.code).toBe('validation_failed');
    expect(err.detail).toBe('Some fields are invalid.');
    expect(err.fieldErrors).toEqual({ email: 'is not an e-mail address', 'custom.size': 'must be a number' });
  });

  it('reports 412 as version_conflict and 429 with Retry-After', async () => {
    let n = 0;
    const { api, tokens } = setup(() =>
      ++n === 1
        ? json(412, { status: 412, code: 'version_conflict', detail: 'changed' })
        : json(429, { status: 429, code: 'rate_limited', detail: 'slow down' }, { 'retry-after': '7' }),
    );
    tokens.set(pair(1));
    const a = (await api.get('/x').catch((e: unknown) => e)) as ApiError;
    const b = (await api.get('/x').catch((e: unknown) => e)) as ApiError;
    expect([a.status, a.code]).toEqual([412, 'version_conflict']);
    expect([b.code, b.retryAfter]).toEqual(['rate_limited', 7]);
  });

  it('refreshes once on 401, keeps the newest refresh token, and retries', async () => {
    const { api, tokens, calls } = setup((url, init) => {
      if (url.endsWith('/auth/refresh')) {
        expect(JSON.parse(String(init.body))).toEqual({ refresh_token: 'r1' });
        return json(200, pair(2));
      }
      return header(init, 'authorization') === 'Bearer a2'
        ? json(200, { ok: true })
        : json(401, { status: 401, code: 'unauthorized', detail: 'expired' });
    });
    tokens.set(pair(1));
    const r = await api.get<{ ok: boolean }>('/me');
    expect(r.data.ok).toBe(true);
    expect(tokens.get()?.refresh_token).toBe('r2');
    expect(calls.map((c) => c.url.split('/api/v1')[1])).toEqual(['/me', '/auth/refresh', '/me']);
  });

  it('refreshes only once for many calls that find the token expired together', async () => {
    let refreshes = 0;
    const { api, tokens } = setup((url) => {
      if (url.endsWith('/auth/refresh')) {
        refreshes++;
        return json(200, pair(2));
      }
      return json(200, {});
    });
    tokens.set(pair(1, 10)); // expires within the 30 s margin
    await Promise.all([api.get('/a'), api.get('/b'), api.get('/c')]);
    expect(refreshes).toBe(1);
    expect(tokens.get()?.access_token).toBe('a2');
  });

  it('uses a token another tab refreshed instead of spending the refresh token again', async () => {
    let refreshes = 0;
    const { api, tokens, storage } = setup((url, init) => {
      if (url.endsWith('/auth/refresh')) {
        refreshes++;
        return json(401, { status: 401, code: 'unauthorized' });
      }
      return header(init, 'authorization') === 'Bearer a9'
        ? json(200, {})
        : json(401, { status: 401, code: 'unauthorized' });
    });
    tokens.set(pair(1));
    const fetchBefore = api.get('/me');
    // Meanwhile, another tab refreshed and stored the new pair.
    storage.setItem(
      'mandant:session:acme',
      JSON.stringify({ access_token: 'a9', refresh_token: 'r9', expires_at: Date.now() + 900_000 }),
    );
    await fetchBefore;
    expect(refreshes).toBe(0);
  });

  it('signs out when the refresh token is refused', async () => {
    const { api, tokens, onAuthLost } = setup((url) =>
      url.endsWith('/auth/refresh')
        ? json(401, { status: 401, code: 'unauthorized', detail: 'revoked' })
        : json(401, { status: 401, code: 'unauthorized' }),
    );
    tokens.set(pair(1));
    await expect(api.get('/me')).rejects.toBeInstanceOf(ApiError);
    expect(onAuthLost).toHaveBeenCalled();
    expect(tokens.get()).toBeNull();
  });

  it('does not refresh for MFA answers: those are for the login form', async () => {
    const { api, calls } = setup(() => json(401, { status: 401, code: 'mfa_required', detail: 'code needed' }));
    const e = (await api
      .request('POST', '/auth/login', { body: { email: 'a', password: 'b' }, auth: false })
      .catch((x: unknown) => x)) as ApiError;
    expect(e.code).toBe('mfa_required');
    expect(calls).toHaveLength(1);
  });

  it('queues a write when the network is gone, and throws NetworkError for reads', async () => {
    const { api, tokens } = setup(() => {
      throw new TypeError('Failed to fetch');
    });
    tokens.set(pair(1));
    const enqueue = vi.fn(async () => {});
    api.setHooks({ enqueue });
    const r = await api.write({ method: 'PATCH', path: '/contacts/c1', body: { phone: '1' }, ifMatch: 2, label: 'Edit' });
    expect(r.queued).toBe(true);
    expect(enqueue).toHaveBeenCalledWith({ method: 'PATCH', path: '/contacts/c1', body: { phone: '1' }, ifMatch: 2, label: 'Edit' });
    await expect(api.get('/contacts')).rejects.toBeInstanceOf(NetworkError);
  });

  it('marks answers the service worker served from its cache', async () => {
    const { api, tokens } = setup(() =>
      json(200, { items: [], next_cursor: null }, { 'x-mandant-cache': 'hit', 'x-mandant-cached-at': '2026-01-01T00:00:00Z' }),
    );
    tokens.set(pair(1));
    const r = await api.get('/contacts', { q: 'anna', limit: 50, cursor: undefined });
    expect(r.fromCache).toBe(true);
    expect(r.cachedAt).toBe('2026-01-01T00:00:00Z');
  });
});

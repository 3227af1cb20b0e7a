// The service worker: the app shell from a precache (so the app starts
// offline), and the last-seen answers of the tenant API's GETs, network
// first (so data is fresh whenever the server is reachable and readable
// when it is not). Writes never pass through here as cached: the app
// queues them itself (src/offline/queue.ts), where conflicts are handled.
// Built as its own entry (/sw.js); build/sw-plugin.ts fills in the list.

declare const self: ServiceWorkerGlobalScope;

interface Precache {
  version: string;
  files: string[];
}

// Replaced at build time with {"version": "…", "files": ["/", "/assets/…"]}.
const PRECACHE = '__MANDANT_PRECACHE__' as unknown as Precache;
const SHELL = `mandant-shell-${PRECACHE.version}`;
/**
 * Cleared by the app on sign-out, and swept by it after an erasure
 * (src/offline/api-cache.ts: the page reaches the same Cache Storage).
 */
const API = 'mandant-api-v1';
const API_MAX_ENTRIES = 500;

const API_PATH = /^\/t\/[^/]+\/api\/v1\//;
// Never cached: credentials, single-use tickets, MFA secrets, the audit
// trail, exports (CSV below; a person's data archive must not outlive its
// expiry or erasure in this browser, and a saved "still preparing" would
// only mislead), and a file's fresh link and bytes (`/files/…`: a link
// expires in minutes, and a file must not outlive its deletion here; a
// record's list of files, `/contacts/{id}/files`, is kept like any list).
const NOT_CACHED = /\/api\/v1\/(auth\/|realtime\/|me\/mfa\/|audit\/|exports(\/|$)|files\/)/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((c) => c.addAll(PRECACHE.files))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith('mandant-shell-') && n !== SHELL).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (API_PATH.test(url.pathname)) {
    if (NOT_CACHED.test(url.pathname) || url.searchParams.get('format') === 'csv') return;
    event.respondWith(networkFirstApi(req));
    return;
  }
  if (/^\/t\/[^/]+\/ws/.test(url.pathname) || url.pathname.startsWith('/api/')) return;
  if (req.mode === 'navigate') {
    event.respondWith(navigation(req));
    return;
  }
  event.respondWith(shellAsset(req));
});

/** Pages: the network's index.html when reachable (updates), else the cached one. */
async function navigation(req: Request): Promise<Response> {
  try {
    const res = await fetch(req);
    if (res.ok) return res;
    throw new Error(`status ${res.status}`);
  } catch {
    const hit = await caches.match('/', { cacheName: SHELL, ignoreVary: true });
    return hit ?? Response.error();
  }
}

/**
 * Hashed assets never change: cache first. ignoreVary: servers send
 * `Vary: Origin`, and the page's requests (crossorigin scripts) carry an
 * Origin that the precache's requests did not.
 */
async function shellAsset(req: Request): Promise<Response> {
  const hit = await caches.match(req, { cacheName: SHELL, ignoreVary: true });
  if (hit) return hit;
  try {
    return await fetch(req);
  } catch {
    return Response.error();
  }
}

async function networkFirstApi(req: Request): Promise<Response> {
  const cache = await caches.open(API);
  try {
    const res = await fetch(req);
    if (res.status === 200) await remember(cache, req.url, res.clone());
    // Gone (deleted, or erased with everything about a person): the saved
    // copy must not come back when the network is away.
    else if (res.status === 404) await cache.delete(req.url, { ignoreVary: true });
    return res;
  } catch {
    const hit = await cache.match(req.url, { ignoreVary: true });
    if (!hit) return Response.error();
    // Tell the app it is looking at a saved copy (ApiResult.fromCache).
    const headers = new Headers(hit.headers);
    headers.set('x-mandant-cache', 'hit');
    return new Response(hit.body, { status: hit.status, statusText: hit.statusText, headers });
  }
}

async function remember(cache: Cache, key: string, res: Response) {
  const headers = new Headers(res.headers);
  headers.set('x-mandant-cached-at', new Date().toISOString());
  const body = await res.blob();
  await cache.put(key, new Response(body, { status: res.status, statusText: res.statusText, headers }));
  const keys = await cache.keys();
  // Oldest first (insertion order): keep the cache bounded.
  for (const old of keys.slice(0, Math.max(0, keys.length - API_MAX_ENTRIES))) await cache.delete(old);
}

export {};

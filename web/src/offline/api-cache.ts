// The service worker's saved answers to API GETs (src/sw), as the page
// sees them: the Cache Storage is the origin's, so the app can forget
// answers itself, without a message to the worker.
//
// After an erasure (GDPR Art. 17) no saved copy may show the person
// again, offline or not: every answer that names an erased record, by its
// address or anywhere in its body, is dropped. Ids are UUIDs, so a plain
// search of the text finds exactly the answers that hold them. Dropping
// too much only costs an offline copy; keeping too much keeps personal
// data that had to go.

/** The API cache's name (src/sw/service-worker.ts `API`). */
export const API_CACHE = 'mandant-api-v1';

type Json = Record<string, unknown>;

/** The records an answer holds: a page's items, or the record itself. */
function recordsOf(body: unknown): Json[] {
  if (!body || typeof body !== 'object') return [];
  const items = (body as { items?: unknown }).items;
  if (Array.isArray(items)) return items.filter((x): x is Json => !!x && typeof x === 'object');
  return [body as Json];
}

/**
 * Records that went with the gone ones although the answer does not say
 * so by their own id: an erased person's tickets (their comments are
 * saved under the ticket's address, `/tickets/{id}/comments`).
 */
function followers(url: string, text: string, gone: Set<string>): string[] {
  if (!/\/api\/v1\/tickets(?:[/?]|$)/.test(url)) return [];
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [];
  }
  return recordsOf(body)
    .filter((r) => typeof r.id === 'string' && typeof r.requester_id === 'string' && gone.has(r.requester_id))
    .map((r) => r.id as string);
}

export interface Purged {
  /** The addresses whose saved answers were dropped. */
  urls: string[];
  /** `ids` and the records found to have gone with them (tickets). */
  ids: string[];
}

/**
 * Drops every saved API answer that names one of `ids` (or a ticket one of
 * them asked for).
 */
export async function purgeApiCache(ids: Iterable<string>, storage: CacheStorage | undefined = globalThis.caches): Promise<Purged> {
  const gone = new Set([...ids].filter(Boolean));
  if (!storage || gone.size === 0 || !(await storage.has(API_CACHE))) return { urls: [], ids: [...gone] };
  const cache = await storage.open(API_CACHE);
  const rows = await Promise.all(
    (await cache.keys()).map(async (req) => {
      const res = await cache.match(req, { ignoreVary: true });
      return { req, text: res ? await res.text() : '' };
    }),
  );
  const dropped = new Set<(typeof rows)[number]>();
  // Until nothing new is found: a dropped ticket makes its comments go too.
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of rows) {
      if (dropped.has(row)) continue;
      if (![...gone].some((id) => row.req.url.includes(id) || row.text.includes(id))) continue;
      dropped.add(row);
      for (const id of followers(row.req.url, row.text, gone)) {
        if (!gone.has(id)) {
          gone.add(id);
          grew = true;
        }
      }
    }
  }
  await Promise.all([...dropped].map((row) => cache.delete(row.req, { ignoreVary: true })));
  return { urls: [...dropped].map((row) => row.req.url), ids: [...gone] };
}

/** Forgets every saved answer (the person signs out of this device). */
export async function clearApiCache(storage: CacheStorage | undefined = globalThis.caches) {
  if (!storage) return;
  const names = await storage.keys();
  await Promise.all(names.filter((n) => n.startsWith('mandant-api')).map((n) => storage.delete(n)));
}

// When a record is erased (GDPR Art. 17), nothing on this device may show
// it again: not a saved API answer (the service worker's cache, read when
// offline), not a queued offline edit (replayed later), not a list the
// directory keeps for the tab (an erased person's portal account is
// anonymised). Views drop what they show themselves (realtime/gone.ts);
// this sweeps what lies behind them.
//
// It hears of erasures from every event any open view receives
// (`<kind>.erased`, or an older event the server overwrote with
// `{"id", "erased": true}`), and from this tab's own erasures. Ids that
// arrive together (a person, their tickets, comments and activities) are
// swept in one pass.
import type { ApiClient } from '../api/client';
import { purgeApiCache } from '../offline/api-cache';
import type { OfflineQueue } from '../offline/queue';
import { eventId, isErased } from '../realtime/gone';
import type { RealtimeClient } from '../realtime/client';
import { forget } from './directory';

/** How long to gather ids before sweeping (an erasure's events come in a burst). */
const GATHER_MS = 50;

export class Erasure {
  /** Ids swept already: an event arrives once per topic it matches. */
  private swept = new Set<string>();
  private waiting = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private api: ApiClient,
    private queue: OfflineQueue,
    private storage: () => CacheStorage | undefined = () => globalThis.caches,
  ) {}

  /** Sweeps for every erased record the socket tells of. */
  listen(realtime: RealtimeClient): () => void {
    return realtime.onAnyEvent((f) => {
      const id = eventId(f);
      if (id && isErased(f)) this.note([id]);
    });
  }

  /** These records were erased: sweep for them soon. */
  note(ids: (string | null | undefined)[]) {
    for (const id of ids) if (id && !this.swept.has(id)) this.waiting.add(id);
    if (this.waiting.size && !this.timer) this.timer = setTimeout(() => void this.flush(), GATHER_MS);
  }

  /** Sweeps now for what was noted; resolves once every sweep so far is done. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ids = [...this.waiting];
    this.waiting.clear();
    for (const id of ids) this.swept.add(id);
    if (ids.length) {
      this.running = this.running.then(() => this.sweep(ids)).catch(() => undefined);
    }
    return this.running;
  }

  private async sweep(ids: string[]) {
    // A portal account may have been anonymised: read people again.
    forget(this.api, 'users');
    // The cache knows which tickets the person asked for; their queued
    // replies go too.
    const purged = await purgeApiCache(ids, this.storage()).catch(() => ({ ids }));
    await this.queue.dropFor(purged.ids);
  }
}

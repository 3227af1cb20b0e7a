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
//
// A record a retention rule anonymised (`<kind>.anonymised`) stays, but
// its saved answers still hold what it lost (a ticket's subject, its
// comments, a person's e-mail): they go too, so that offline it is not
// shown as it was. Queued writes to it stay: it still exists, and the
// server judges them against its new version.
import type { ApiClient } from '../api/client';
import { purgeApiCache } from '../offline/api-cache';
import type { OfflineQueue } from '../offline/queue';
import { isAnonymised } from '../realtime/anonymised';
import { eventId, isErased } from '../realtime/gone';
import type { RealtimeClient } from '../realtime/client';
import { forget } from './directory';

/** How long to gather ids before sweeping (an erasure's events come in a burst). */
const GATHER_MS = 50;

export class Erasure {
  /** Ids swept already: an event arrives once per topic it matches. */
  private swept = new Set<string>();
  private waiting = new Set<string>();
  /** Anonymised records: their saved answers go, nothing else. */
  private anonymisedSwept = new Set<string>();
  private anonymisedWaiting = new Set<string>();
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
      else if (id && f.event.endsWith('.anonymised') && isAnonymised(f)) this.noteAnonymised([id]);
    });
  }

  /** These records were anonymised: drop their saved answers soon. */
  noteAnonymised(ids: string[]) {
    for (const id of ids) if (!this.anonymisedSwept.has(id)) this.anonymisedWaiting.add(id);
    this.schedule();
  }

  /** These records were erased: sweep for them soon. */
  note(ids: (string | null | undefined)[]) {
    for (const id of ids) if (id && !this.swept.has(id)) this.waiting.add(id);
    this.schedule();
  }

  private schedule() {
    if ((this.waiting.size || this.anonymisedWaiting.size) && !this.timer) this.timer = setTimeout(() => void this.flush(), GATHER_MS);
  }

  /** Sweeps now for what was noted; resolves once every sweep so far is done. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ids = [...this.waiting];
    this.waiting.clear();
    for (const id of ids) this.swept.add(id);
    // An erasure's sweep covers more: an id erased as well needs no other.
    const anonymised = [...this.anonymisedWaiting].filter((id) => !this.swept.has(id));
    this.anonymisedWaiting.clear();
    for (const id of anonymised) this.anonymisedSwept.add(id);
    if (ids.length) {
      this.running = this.running.then(() => this.sweep(ids)).catch(() => undefined);
    }
    if (anonymised.length) {
      this.running = this.running.then(() => this.forgetSaved(anonymised)).catch(() => undefined);
    }
    return this.running;
  }

  private async forgetSaved(ids: string[]) {
    // A contact's portal account was anonymised with them.
    forget(this.api, 'users');
    await purgeApiCache(ids, this.storage());
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

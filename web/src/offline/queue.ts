// Writes made offline wait here and are replayed, oldest first, when the
// server is back. A replay never overwrites anything silently: each write
// keeps the If-Match it was made with, so if someone else changed the
// record meanwhile the server answers 412 and the write is kept as a
// conflict for the person to resolve (discard it, or apply it on top of
// the latest version, which is their explicit decision).

import type { QueuedWrite } from '../api/client';
import { ApiError, NetworkError } from '../api/problem';
import type { StoredWrite, WriteStore } from './store';

/** Sends one write now; throws ApiError or NetworkError like the client. */
export type Sender = (w: StoredWrite) => Promise<void>;

export interface ReplayReport {
  sent: number;
  conflicts: number;
  failed: number;
  /** Still pending because the server could not be reached. */
  waiting: number;
  /** Dropped: their record no longer exists (deleted, or erased). */
  gone: number;
}

type Body = Record<string, unknown>;

/** Fields of a new record that only make sense while what they name exists. */
const DEPENDS_ON = ['related_id', 'requester_id', 'ticket_id'] as const;

/** Does this write concern record `id`: its address names it, or it hangs on it? */
function concerns(w: QueuedWrite, id: string): boolean {
  if (w.path.split(/[/?]/).includes(id)) return true;
  const b = w.body;
  return !!b && typeof b === 'object' && DEPENDS_ON.some((k) => (b as Body)[k] === id);
}

/** Two patches of one record become one: the server merges keys, and so do we. */
function mergePatch(a: unknown, b: unknown): unknown {
  if (!a || typeof a !== 'object' || !b || typeof b !== 'object') return b;
  const out: Body = { ...(a as Body), ...(b as Body) };
  const ca = (a as Body).custom;
  const cb = (b as Body).custom;
  if (ca && cb && typeof ca === 'object' && typeof cb === 'object') out.custom = { ...ca, ...cb };
  return out;
}

export class OfflineQueue {
  private items: StoredWrite[] = [];
  private listeners = new Set<(items: StoredWrite[]) => void>();
  private replaying: Promise<ReplayReport> | null = null;
  private loaded: Promise<void>;
  private seq = 0;

  constructor(
    readonly tenant: string,
    private store: WriteStore,
    private send: Sender,
    private now: () => number = Date.now,
    // Two tabs replaying the same queue would send each write twice.
    private lock: <T>(name: string, fn: () => Promise<T>) => Promise<T> = (_n, fn) => fn(),
    /** The signed-in user: writes are theirs, and only theirs are shown and sent. */
    private owner: () => string | null = () => null,
  ) {
    this.loaded = this.reload();
  }

  /** Re-reads the store (another tab may have queued or replayed). */
  async reload() {
    const me = this.owner();
    const all = await this.store.all(this.tenant);
    this.items = all
      .filter((w) => (w.user ?? null) === me)
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    this.emit();
  }

  ready() {
    return this.loaded;
  }

  list(): StoredWrite[] {
    return this.items;
  }

  subscribe(fn: (items: StoredWrite[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit() {
    const snapshot = [...this.items];
    for (const fn of this.listeners) fn(snapshot);
  }

  async enqueue(w: QueuedWrite): Promise<StoredWrite> {
    await this.loaded;
    const same = this.items.find((x) => x.status === 'pending' && x.path === w.path);
    if (same && same.method === 'PATCH' && (w.method === 'PATCH' || w.method === 'DELETE')) {
      // Keep the version the first offline edit was based on: the later
      // edits were made on top of it, not on top of a newer server version.
      const merged: StoredWrite = {
        ...same,
        method: w.method,
        body: w.method === 'PATCH' ? mergePatch(same.body, w.body) : undefined,
        label: w.label,
      };
      await this.store.put(merged);
      this.items = this.items.map((x) => (x.id === same.id ? merged : x));
      this.emit();
      return merged;
    }
    const stored: StoredWrite = {
      ...w,
      id: `${this.now().toString(36)}-${(this.seq++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
      tenant: this.tenant,
      user: this.owner(),
      createdAt: this.now(),
      status: 'pending',
    };
    await this.store.put(stored);
    this.items = [...this.items, stored];
    this.emit();
    return stored;
  }

  /** What the pending writes to `path` would change, to show before they sync. */
  pendingPatch(path: string): Body | null {
    let out: unknown = null;
    for (const w of this.items) {
      if (w.path === path && w.method === 'PATCH' && w.status !== 'failed') out = mergePatch(out ?? {}, w.body);
    }
    return out as Body | null;
  }

  /** Sends every pending write in order; stops at the first network failure. */
  replay(): Promise<ReplayReport> {
    this.replaying ??= this.lock(`mandant:replay:${this.tenant}`, () => this.doReplay()).finally(() => {
      this.replaying = null;
    });
    return this.replaying;
  }

  private async doReplay(): Promise<ReplayReport> {
    await this.loaded;
    await this.reload();
    const report: ReplayReport = { sent: 0, conflicts: 0, failed: 0, waiting: 0, gone: 0 };
    for (const w of [...this.items]) {
      if (w.status !== 'pending') continue;
      try {
        await this.send(w);
        await this.store.remove(w.id);
        this.items = this.items.filter((x) => x.id !== w.id);
        report.sent++;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404 && w.method !== 'POST') {
          // The record went meanwhile (deleted, or erased with everything
          // about the person): there is nothing left to change, and an
          // erased person's data must not wait on this device either.
          await this.store.remove(w.id);
          this.items = this.items.filter((x) => x.id !== w.id);
          report.gone++;
          continue;
        }
        if (e instanceof ApiError && e.status < 500 && e.status !== 429 && e.status !== 401) {
          const status = e.code === 'version_conflict' || e.status === 412 ? 'conflict' : 'failed';
          const kept: StoredWrite = { ...w, status, error: { status: e.status, code: e.code, detail: e.detail } };
          await this.store.put(kept);
          this.items = this.items.map((x) => (x.id === w.id ? kept : x));
          if (status === 'conflict') report.conflicts++;
          else report.failed++;
          continue;
        }
        if (e instanceof NetworkError || e instanceof ApiError) {
          // Offline again, rate limited, signed out or a server error: try later.
          report.waiting = this.items.filter((x) => x.status === 'pending').length;
          break;
        }
        throw e;
      }
    }
    this.emit();
    return report;
  }

  /** Forgets this person's writes (they signed out on this device). */
  async clear() {
    for (const w of this.items) await this.store.remove(w.id);
    this.items = [];
    this.emit();
  }

  /**
   * Drops every write about records that were erased (or that hang on
   * them: an activity about an erased person, a comment on their ticket),
   * whoever on this device made it: a queued edit of an erased record is
   * never replayed, and its label (a name) does not stay behind.
   */
  async dropFor(ids: Iterable<string>): Promise<number> {
    const list = [...ids].filter(Boolean);
    if (list.length === 0) return 0;
    await this.loaded;
    const hit = (w: QueuedWrite) => list.some((id) => concerns(w, id));
    const doomed = (await this.store.all(this.tenant)).filter(hit);
    for (const w of doomed) await this.store.remove(w.id);
    const before = this.items.length;
    this.items = this.items.filter((x) => !hit(x));
    if (this.items.length !== before || doomed.length) this.emit();
    return doomed.length;
  }

  /** Drops a write (the person chose to keep what the server has). */
  async discard(id: string) {
    await this.store.remove(id);
    this.items = this.items.filter((x) => x.id !== id);
    this.emit();
  }

  /**
   * Applies a conflicting write on top of the record's current version:
   * only after the person saw the conflict and chose to.
   */
  async overwrite(id: string, currentVersion: number) {
    const w = this.items.find((x) => x.id === id);
    if (!w) return;
    const next: StoredWrite = { ...w, ifMatch: currentVersion, status: 'pending', error: undefined };
    await this.store.put(next);
    this.items = this.items.map((x) => (x.id === id ? next : x));
    this.emit();
    await this.replay();
  }
}

// Where queued writes wait while offline. IndexedDB in the browser (it
// outlives the tab and a reload); a Map in unit tests.

import type { QueuedWrite } from '../api/client';

export type WriteStatus = 'pending' | 'conflict' | 'failed';

export interface StoredWrite extends QueuedWrite {
  id: string;
  tenant: string;
  /** Who made it (the token's subject): only they may replay it. */
  user: string | null;
  createdAt: number;
  status: WriteStatus;
  /** Why the server refused it (conflict or failed). */
  error?: { status: number; code: string; detail: string };
}

export interface WriteStore {
  all(tenant: string): Promise<StoredWrite[]>;
  put(w: StoredWrite): Promise<void>;
  remove(id: string): Promise<void>;
}

export class MemoryStore implements WriteStore {
  readonly rows = new Map<string, StoredWrite>();
  async all(tenant: string) {
    return [...this.rows.values()].filter((w) => w.tenant === tenant).map((w) => structuredClone(w));
  }
  async put(w: StoredWrite) {
    this.rows.set(w.id, structuredClone(w));
  }
  async remove(id: string) {
    this.rows.delete(id);
  }
}

const DB = 'mandant-offline';
const STORE = 'writes';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => {
      const s = req.result.createObjectStore(STORE, { keyPath: 'id' });
      s.createIndex('tenant', 'tenant');
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export class IdbStore implements WriteStore {
  private db: Promise<IDBDatabase> | null = null;

  private tx(mode: IDBTransactionMode) {
    this.db ??= open();
    return this.db.then((db) => db.transaction(STORE, mode).objectStore(STORE));
  }

  async all(tenant: string) {
    const s = await this.tx('readonly');
    return done(s.index('tenant').getAll(tenant)) as Promise<StoredWrite[]>;
  }

  async put(w: StoredWrite) {
    const s = await this.tx('readwrite');
    await done(s.put(w));
  }

  async remove(id: string) {
    const s = await this.tx('readwrite');
    await done(s.delete(id));
  }
}

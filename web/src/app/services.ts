// Everything one tenant's tab shares: the API client and its tokens, the
// tab's single WebSocket, the offline write queue, and the sweep after an
// erasure (app/erasure.ts). Made once per page.
import { ApiClient, refresher } from '../api/client';
import { TokenStore } from '../api/tokens';
import { OfflineQueue } from '../offline/queue';
import { IdbStore, MemoryStore } from '../offline/store';
import { RealtimeClient } from '../realtime/client';
import { Erasure } from './erasure';

export interface Services {
  tenant: string;
  api: ApiClient;
  tokens: TokenStore;
  realtime: RealtimeClient;
  queue: OfflineQueue;
  erasure: Erasure;
}

const lock = <T,>(name: string, fn: () => Promise<T>): Promise<T> =>
  typeof navigator !== 'undefined' && navigator.locks ? navigator.locks.request(name, fn) : fn();

export function wsUrl(tenant: string, ticket: string) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/t/${tenant}/ws?ticket=${encodeURIComponent(ticket)}`;
}

export function createServices(tenant: string): Services {
  const tokens = new TokenStore(tenant, refresher(tenant));
  const api = new ApiClient(tenant, tokens);
  const store = typeof indexedDB !== 'undefined' ? new IdbStore() : new MemoryStore();
  const queue = new OfflineQueue(
    tenant,
    store,
    async (w) => {
      await api.request(w.method, w.path, { body: w.body, ifMatch: w.ifMatch });
    },
    Date.now,
    lock,
    () => tokens.subject(),
  );
  api.setHooks({
    enqueue: async (w) => {
      await queue.enqueue(w);
    },
  });
  const realtime = new RealtimeClient({
    url: (ticket) => wsUrl(tenant, ticket),
    getTicket: async () => (await api.request<{ ticket: string }>('POST', '/realtime/ticket')).data.ticket,
    // The server ended the socket's session (signed out elsewhere, account
    // disabled): ask who we are; the client signs out if the answer is 401.
    onSessionEnded: () => void api.get('/me').catch(() => undefined),
  });
  const erasure = new Erasure(api, queue);
  erasure.listen(realtime);
  return { tenant, api, tokens, realtime, queue, erasure };
}

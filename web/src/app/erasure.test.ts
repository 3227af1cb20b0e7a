// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../api/client';
import { API_CACHE } from '../offline/api-cache';
import { FakeCaches } from '../offline/fake-caches';
import { OfflineQueue } from '../offline/queue';
import { MemoryStore } from '../offline/store';
import { RealtimeClient } from '../realtime/client';
import { FakeSocket } from '../realtime/fake-socket';
import { shared } from './directory';
import { Erasure } from './erasure';

const API = 'http://localhost/t/acme/api/v1';

async function setup() {
  const caches = new FakeCaches();
  const cache = await caches.open(API_CACHE);
  cache.put(`${API}/contacts/c-gone`, { id: 'c-gone', last_name: 'Muster' });
  cache.put(`${API}/tickets/t-gone`, { id: 't-gone', requester_id: 'c-gone' });
  cache.put(`${API}/contacts/c-kept`, { id: 'c-kept', last_name: 'Kept' });
  const sent: string[] = [];
  const queue = new OfflineQueue('acme', new MemoryStore(), async (w) => void sent.push(w.path));
  await queue.enqueue({ method: 'PATCH', path: '/contacts/c-gone', body: { phone: '1' }, label: 'Edit: Erika Muster' });
  await queue.enqueue({ method: 'POST', path: '/tickets/t-gone/comments', body: { body: 'Hi' }, label: 'Reply' });
  await queue.enqueue({ method: 'PATCH', path: '/contacts/c-kept', body: { phone: '2' }, label: 'Edit: Max' });
  const api = {} as ApiClient;
  const erasure = new Erasure(api, queue, () => caches.storage);
  const socket: FakeSocket[] = [];
  const realtime = new RealtimeClient({
    url: (t) => `ws://test/t/acme/ws?ticket=${t}`,
    getTicket: async () => 'tk',
    createSocket: (url) => {
      const s = new FakeSocket(url);
      socket.push(s);
      return s;
    },
  });
  erasure.listen(realtime);
  realtime.subscribe('contacts', {});
  realtime.subscribe('record:contact:c-gone', {});
  realtime.start();
  await vi.waitFor(() => expect(socket).toHaveLength(1));
  const ws = socket[0]!;
  ws.open();
  ws.ackSubscribes(10);
  return { cache, queue, sent, erasure, ws, api, realtime };
}

describe('sweeping after an erasure', () => {
  it('drops the saved answers and queued writes of a record erased elsewhere, when its event arrives', async () => {
    const { cache, queue, sent, erasure, ws, realtime } = await setup();
    // Once under each topic it matches: swept once.
    ws.receive({ type: 'event', topic: 'contacts', seq: 11, event: 'contact.erased', data: { id: 'c-gone', erased: true } });
    ws.receive({ type: 'event', topic: 'record:contact:c-gone', seq: 11, event: 'contact.erased', data: { id: 'c-gone', erased: true } });
    await erasure.flush();
    expect([...cache.rows.keys()]).toEqual([`${API}/contacts/c-kept`]);
    expect(queue.list().map((w) => w.label)).toEqual(['Edit: Max']);
    await queue.replay();
    expect(sent).toEqual(['/contacts/c-kept']);
    realtime.stop();
  });

  it('takes a replayed older event with nothing but `erased: true` as an erasure too, and ignores ordinary ones', async () => {
    const { cache, queue, erasure, ws, realtime } = await setup();
    ws.receive({ type: 'event', topic: 'contacts', seq: 11, event: 'contact.updated', data: { id: 'c-kept', version: 2, last_name: 'Kept' } });
    await erasure.flush();
    expect(cache.rows.size).toBe(3);
    ws.receive({ type: 'event', topic: 'contacts', seq: 12, event: 'contact.updated', data: { id: 'c-gone', erased: true } });
    await erasure.flush();
    expect([...cache.rows.keys()]).toEqual([`${API}/contacts/c-kept`]);
    expect(queue.list()).toHaveLength(1);
    realtime.stop();
  });

  it("reads people again after an erasure (a portal account was made anonymous)", async () => {
    const { erasure, api, realtime } = await setup();
    const load = vi.fn(async () => ['Erika Muster']);
    await shared(api, 'users', load);
    await shared(api, 'users', load);
    expect(load).toHaveBeenCalledTimes(1);
    erasure.note(['c-gone', 'u-portal', null]);
    await erasure.flush();
    await shared(api, 'users', load);
    expect(load).toHaveBeenCalledTimes(2);
    realtime.stop();
  });

  it('drops the saved answers of a record a retention rule anonymised, but keeps the writes queued for it', async () => {
    const { cache, queue, erasure, ws, api, realtime } = await setup();
    const load = vi.fn(async () => ['Erika Muster']);
    await shared(api, 'users', load);
    const mark = { at: '2026-12-06T10:00:00Z', rule: 'Old contacts' };
    // The `.anonymised` event sweeps; the `.updated` after it changes nothing more.
    ws.receive({ type: 'event', topic: 'contacts', seq: 11, event: 'contact.anonymised', data: { id: 'c-gone', version: 4, last_name: 'Anonymised', anonymised: mark, change: { rule: 'Old contacts' } } });
    ws.receive({ type: 'event', topic: 'contacts', seq: 12, event: 'contact.updated', data: { id: 'c-gone', version: 4, last_name: 'Anonymised', anonymised: mark } });
    await erasure.flush();
    // Every saved answer that held them goes (their ticket names them); the others stay.
    expect([...cache.rows.keys()]).toEqual([`${API}/contacts/c-kept`]);
    // They still exist: what was queued for them is the server's to judge.
    expect(queue.list().map((w) => w.label)).toEqual(['Edit: Erika Muster', 'Reply', 'Edit: Max']);
    // Their portal account was anonymised with them.
    await shared(api, 'users', load);
    expect(load).toHaveBeenCalledTimes(2);
    realtime.stop();
  });
});


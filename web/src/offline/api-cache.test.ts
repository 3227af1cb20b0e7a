// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { API_CACHE, clearApiCache, purgeApiCache } from './api-cache';
import { FakeCaches } from './fake-caches';

const API = 'http://localhost/t/acme/api/v1';

async function saved() {
  const caches = new FakeCaches();
  const c = await caches.open(API_CACHE);
  c.put(`${API}/contacts/c-gone`, { id: 'c-gone', version: 2, last_name: 'Muster' });
  c.put(`${API}/contacts?limit=50`, { items: [{ id: 'c-gone', last_name: 'Muster' }, { id: 'c-kept', last_name: 'Kept' }], next_cursor: null });
  c.put(`${API}/contacts/c-kept`, { id: 'c-kept', version: 1, last_name: 'Kept' });
  c.put(`${API}/tickets/t-gone`, { id: 't-gone', subject: 'Broken', requester_id: 'c-gone' });
  c.put(`${API}/tickets/t-gone/comments`, { items: [{ id: 'm1', ticket_id: 't-gone', body: 'My address is …' }], next_cursor: null });
  c.put(`${API}/tickets/t-kept`, { id: 't-kept', subject: 'Other', requester_id: 'c-kept' });
  c.put(`${API}/activities?related_id=c-gone&related_kind=contact`, { items: [], next_cursor: null });
  c.put(`${API}/pipelines`, { items: [{ id: 'p1', name: 'New business' }], next_cursor: null });
  return { caches, c };
}

describe('the saved API answers after an erasure', () => {
  it('drops every answer naming the erased record, and its tickets with their comments; keeps the rest', async () => {
    const { caches, c } = await saved();
    const r = await purgeApiCache(['c-gone'], caches.storage);
    expect([...c.rows.keys()].map((u) => u.slice(API.length)).sort()).toEqual(['/contacts/c-kept', '/pipelines', '/tickets/t-kept']);
    expect(r.ids.sort()).toEqual(['c-gone', 't-gone']);
    expect(r.urls).toHaveLength(5);
  });

  it('does nothing without a cache (no service worker yet) or without ids', async () => {
    const caches = new FakeCaches();
    expect(await purgeApiCache(['c1'], caches.storage)).toEqual({ urls: [], ids: ['c1'] });
    expect(await purgeApiCache(['c1'], undefined)).toEqual({ urls: [], ids: ['c1'] });
    const { caches: full, c } = await saved();
    await purgeApiCache([], full.storage);
    expect(c.rows.size).toBe(8);
  });

  it('forgets every saved answer on sign-out', async () => {
    const { caches } = await saved();
    await clearApiCache(caches.storage);
    expect(await caches.keys()).toEqual([]);
  });
});

// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { ApiError, NetworkError } from '../api/problem';
import { OfflineQueue } from './queue';
import { MemoryStore, type StoredWrite } from './store';

function setup(send: (w: StoredWrite) => Promise<void>) {
  const store = new MemoryStore();
  let t = 1000;
  const q = new OfflineQueue('acme', store, send, () => t++);
  return { store, q };
}

const conflict = () =>
  new ApiError({ status: 412, code: 'version_conflict', detail: 'The record has changed; its current version is 5.' });

describe('offline write queue', () => {
  it('keeps writes across a reload of the page (in its store) and replays them oldest first', async () => {
    const sent: string[] = [];
    const { store, q } = setup(async (w) => void sent.push(`${w.method} ${w.path}`));
    await q.enqueue({ method: 'PATCH', path: '/contacts/c1', body: { phone: '1' }, ifMatch: 3, label: 'Edit' });
    await q.enqueue({ method: 'POST', path: '/activities', body: { subject: 'Call' }, label: 'Add' });
    // A new page load: a new queue over the same store.
    const again = new OfflineQueue('acme', store, async (w) => void sent.push(`${w.method} ${w.path}`));
    await again.ready();
    expect(again.list()).toHaveLength(2);
    const r = await again.replay();
    expect(r).toEqual({ sent: 2, conflicts: 0, failed: 0, waiting: 0, gone: 0 });
    expect(sent).toEqual(['PATCH /contacts/c1', 'POST /activities']);
    expect(await store.all('acme')).toEqual([]);
  });

  it('merges edits of one record into one write based on the first version seen', async () => {
    const send = vi.fn(async () => {});
    const { q } = setup(send);
    await q.enqueue({ method: 'PATCH', path: '/contacts/c1', body: { phone: '1', custom: { a: 1 } }, ifMatch: 3, label: 'x' });
    await q.enqueue({ method: 'PATCH', path: '/contacts/c1', body: { title: 'CTO', custom: { b: 2 } }, ifMatch: 3, label: 'y' });
    expect(q.list()).toHaveLength(1);
    expect(q.pendingPatch('/contacts/c1')).toEqual({ phone: '1', title: 'CTO', custom: { a: 1, b: 2 } });
    await q.replay();
    expect(send).toHaveBeenCalledOnce();
    expect(send.mock.calls[0]).toMatchObject([{ ifMatch: 3, body: { phone: '1', title: 'CTO' } }]);
  });

  it('keeps a write that meets a newer version as a conflict, and sends the rest', async () => {
    const { q } = setup(async (w) => {
      if (w.path === '/deals/d1') throw conflict();
    });
    await q.enqueue({ method: 'PATCH', path: '/deals/d1', body: { stage_id: 'won' }, ifMatch: 4, label: 'Move' });
    await q.enqueue({ method: 'PATCH', path: '/deals/d2', body: { stage_id: 'won' }, ifMatch: 1, label: 'Move' });
    const r = await q.replay();
    expect(r).toMatchObject({ sent: 1, conflicts: 1 });
    const [kept] = q.list();
    expect(kept).toMatchObject({ path: '/deals/d1', status: 'conflict', error: { code: 'version_conflict' } });
    // Replaying again does not resend a conflict: only the person resolves it.
    expect((await q.replay()).sent).toBe(0);
  });

  it('applies a conflicting write on the current version only when asked to', async () => {
    const versions: (number | undefined)[] = [];
    let fail = true;
    const { q } = setup(async (w) => {
      versions.push(w.ifMatch);
      if (fail) {
        fail = false;
        throw conflict();
      }
    });
    const w = await q.enqueue({ method: 'PATCH', path: '/deals/d1', body: { stage_id: 'won' }, ifMatch: 4, label: 'Move' });
    await q.replay();
    await q.overwrite(w.id, 5);
    expect(versions).toEqual([4, 5]);
    expect(q.list()).toEqual([]);
  });

  it('discards a write on request', async () => {
    const { q } = setup(async () => {
      throw conflict();
    });
    const w = await q.enqueue({ method: 'DELETE', path: '/contacts/c9', ifMatch: 2, label: 'Delete' });
    await q.replay();
    await q.discard(w.id);
    expect(q.list()).toEqual([]);
  });

  it('stops at the first network failure and keeps everything from there on', async () => {
    let calls = 0;
    const { q } = setup(async () => {
      calls++;
      if (calls === 2) throw new NetworkError();
    });
    for (const id of ['a', 'b', 'c']) {
      await q.enqueue({ method: 'PATCH', path: `/contacts/${id}`, body: { phone: id }, label: id });
    }
    const r = await q.replay();
    expect(r).toEqual({ sent: 1, conflicts: 0, failed: 0, waiting: 2, gone: 0 });
    expect(q.list().map((w) => w.path)).toEqual(['/contacts/b', '/contacts/c']);
  });

  it('marks a write the server refuses for good as failed, with its reason', async () => {
    const { q } = setup(async () => {
      throw new ApiError({ status: 422, code: 'validation_failed', detail: 'Validation failed', errors: [{ field: 'email', message: 'is not an e-mail address' }] });
    });
    await q.enqueue({ method: 'PATCH', path: '/contacts/c1', body: { email: 'x' }, label: 'Edit' });
    const r = await q.replay();
    expect(r.failed).toBe(1);
    expect(q.list()[0]).toMatchObject({ status: 'failed', error: { status: 422 } });
  });

  it('replays once even when asked twice at the same time', async () => {
    const send = vi.fn(async () => {});
    const { q } = setup(send);
    await q.enqueue({ method: 'POST', path: '/activities', body: {}, label: 'x' });
    await Promise.all([q.replay(), q.replay()]);
    expect(send).toHaveBeenCalledOnce();
  });
});

describe('offline queue owners', () => {
  it("never shows or sends one person's writes for another who signs in on the same device", async () => {
    const store = new MemoryStore();
    let user = 'u1';
    const sent: string[] = [];
    const q = new OfflineQueue('acme', store, async (w) => void sent.push(w.path), Date.now, undefined, () => user);
    await q.enqueue({ method: 'PATCH', path: '/contacts/mine', body: {}, label: 'x' });
    user = 'u2';
    await q.reload();
    expect(q.list()).toEqual([]);
    await q.replay();
    expect(sent).toEqual([]);
    user = 'u1';
    await q.replay();
    expect(sent).toEqual(['/contacts/mine']);
  });

  it('forgets the writes of a person who signs out', async () => {
    const store = new MemoryStore();
    const q = new OfflineQueue('acme', store, async () => {}, Date.now, undefined, () => 'u1');
    await q.enqueue({ method: 'POST', path: '/activities', body: {}, label: 'x' });
    await q.clear();
    expect(await store.all('acme')).toEqual([]);
  });
});

describe('offline queue and erased records', () => {
  it('drops every write about an erased record or hanging on it, whoever on this device made it, and never replays them', async () => {
    const store = new MemoryStore();
    let user = 'u1';
    const sent: string[] = [];
    const q = new OfflineQueue('acme', store, async (w) => void sent.push(`${w.method} ${w.path}`), Date.now, undefined, () => user);
    await q.enqueue({ method: 'PATCH', path: '/contacts/c-gone', body: { phone: '1' }, ifMatch: 2, label: 'Edit: Erika Muster' });
    await q.enqueue({ method: 'POST', path: '/activities', body: { subject: 'Call', related_kind: 'contact', related_id: 'c-gone' }, label: 'Add: Call' });
    await q.enqueue({ method: 'POST', path: '/tickets/t-gone/comments', body: { body: 'Hi' }, label: 'Reply' });
    await q.enqueue({ method: 'PATCH', path: '/contacts/c-kept', body: { phone: '2' }, ifMatch: 1, label: 'Edit: Max' });
    user = 'u2';
    await q.reload();
    await q.enqueue({ method: 'DELETE', path: '/contacts/c-gone', ifMatch: 2, label: 'Delete: Erika Muster' });
    user = 'u1';
    await q.reload();

    expect(await q.dropFor(['c-gone', 't-gone'])).toBe(4);
    expect(q.list().map((w) => w.path)).toEqual(['/contacts/c-kept']);
    expect((await store.all('acme')).map((w) => w.label)).toEqual(['Edit: Max']);
    await q.replay();
    expect(sent).toEqual(['PATCH /contacts/c-kept']);
  });

  it('tells its listeners when writes were dropped', async () => {
    const { q } = setup(async () => {});
    await q.enqueue({ method: 'PATCH', path: '/contacts/c1', body: {}, label: 'x' });
    const seen: number[] = [];
    q.subscribe((items) => seen.push(items.length));
    await q.dropFor(['c1']);
    expect(seen).toEqual([0]);
    expect(await q.dropFor(['c1'])).toBe(0);
  });

  it('drops a replayed edit whose record is gone (404) instead of keeping it as failed', async () => {
    const { q, store } = setup(async (w) => {
      if (w.path === '/contacts/gone') throw new ApiError({ status: 404, code: 'not_found', detail: 'No such record.' });
    });
    await q.enqueue({ method: 'PATCH', path: '/contacts/gone', body: { phone: '1' }, label: 'Edit: Erika Muster' });
    await q.enqueue({ method: 'PATCH', path: '/contacts/here', body: { phone: '2' }, label: 'Edit: Max' });
    const r = await q.replay();
    expect(r).toEqual({ sent: 1, conflicts: 0, failed: 0, waiting: 0, gone: 1 });
    expect(q.list()).toEqual([]);
    expect(await store.all('acme')).toEqual([]);
  });
});

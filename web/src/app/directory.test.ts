import { describe, expect, it, vi } from 'vitest';
import { forget, shared } from './directory';

describe('shared', () => {
  it('asks once for views that ask at once, and again once stale', async () => {
    const owner = {};
    const load = vi.fn(async () => [1, 2]);
    const a = shared(owner, 'queues', load, 1000);
    const b = shared(owner, 'queues', load, 1500);
    expect(await a).toEqual([1, 2]);
    expect(await b).toEqual([1, 2]);
    expect(load).toHaveBeenCalledTimes(1);
    await shared(owner, 'queues', load, 1000 + 60_000);
    expect(load).toHaveBeenCalledTimes(2);
  });
  it('forgets a failure at once, and on request', async () => {
    const owner = {};
    const bad = vi.fn(async () => {
      throw new Error('x');
    });
    await expect(shared(owner, 'users', bad, 0)).rejects.toThrow('x');
    const good = vi.fn(async () => 'ok');
    expect(await shared(owner, 'users', good, 1)).toBe('ok');
    forget(owner, 'users');
    await shared(owner, 'users', good, 2);
    expect(good).toHaveBeenCalledTimes(2);
  });
  it('keeps clients apart', async () => {
    const load = vi.fn(async () => 1);
    await shared({}, 'k', load, 0);
    await shared({}, 'k', load, 0);
    expect(load).toHaveBeenCalledTimes(2);
  });
});

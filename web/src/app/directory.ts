// Lists that many views need at once (people, teams, queues, pipelines):
// one request per tab however many views ask within a short while, so a
// page that draws a queue picker, a name list and a badge does not ask the
// server three times (issue 15: the console read its queues twice).
import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/client';
import { listAll } from '../api/records';
import type { Page, Pipeline, Team, User } from '../api/types';
import type { Queue } from '../api/support';
import { useServices, useSession } from './session';

/** How long an answer is shared: long enough for one page's views. */
const FRESH_MS = 15_000;

interface Entry {
  at: number;
  value: Promise<unknown>;
}

const caches = new WeakMap<object, Map<string, Entry>>();

/**
 * `load()` once per `key` and client while fresh; a failed load is
 * forgotten at once, so the next view asks again.
 */
export function shared<T>(owner: object, key: string, load: () => Promise<T>, now = Date.now()): Promise<T> {
  let m = caches.get(owner);
  if (!m) caches.set(owner, (m = new Map()));
  const hit = m.get(key);
  if (hit && now - hit.at < FRESH_MS) return hit.value as Promise<T>;
  const value = load();
  const entry = { at: now, value };
  m.set(key, entry);
  value.catch(() => {
    if (m.get(key) === entry) m.delete(key);
  });
  return value;
}

/** Forget a list (after a write to it), so the next read is fresh. */
export function forget(owner: object, key: string) {
  caches.get(owner)?.delete(key);
}

export const loadUsers = (api: ApiClient) =>
  shared(api, 'users', async () => (await api.get<Page<User>>('/users', { limit: 200 })).data.items);
export const loadTeams = (api: ApiClient) =>
  shared(api, 'teams', async () => (await api.get<Page<Team>>('/teams', { limit: 200 })).data.items);
export const loadQueues = (api: ApiClient) =>
  shared(api, 'queues', async () => (await listAll<Queue>(api, 'queues', { sort: 'name' })).items);
export const loadPipelines = (api: ApiClient) =>
  shared(api, 'pipelines', async () => (await listAll<Pipeline>(api, 'pipelines', { sort: 'name' })).items);

/** Calls `load` when `enabled`; null until it answers, [] when refused. */
export function useShared<T>(load: (api: ApiClient) => Promise<T[]>, enabled = true): T[] | null {
  const { api } = useServices();
  const [items, setItems] = useState<T[] | null>(null);
  useEffect(() => {
    if (!enabled) {
      setItems([]);
      return;
    }
    let live = true;
    load(api)
      .then((r) => live && setItems(r))
      .catch(() => live && setItems([]));
    return () => {
      live = false;
    };
  }, [api, enabled, load]);
  return items;
}

/** Staff and portal people this person may read (`users:read`), by id. */
export function useUsers(): Map<string, User> {
  const { can } = useSession();
  const users = useShared(loadUsers, can('users:read'));
  const [map, setMap] = useState<Map<string, User>>(new Map());
  useEffect(() => setMap(new Map((users ?? []).map((u) => [u.id, u]))), [users]);
  return map;
}

export function useTeams(): Team[] {
  const { can } = useSession();
  return useShared(loadTeams, can('users:read')) ?? [];
}

// The names a trail entry's ids stand for: people, API keys and pipeline
// stages, from the shared lists (each read once however many tables ask;
// a list this person may not read stays empty, and its ids show as ids).
import { useMemo } from 'react';
import type { ApiClient } from '../../api/client';
import type { Page } from '../../api/types';
import { loadPipelines, shared, useShared, useUsers } from '../../app/directory';
import { useSession } from '../../app/session';
import type { Names } from './describe';

interface KeyName {
  id: string;
  name: string;
}

const loadApiKeys = (api: ApiClient) =>
  shared(api, 'api-keys', async () => (await api.get<Page<KeyName>>('/api-keys')).data.items);

export function useTrailNames(): Names {
  const { can } = useSession();
  const users = useUsers();
  const keys = useShared(loadApiKeys, can('admin:api_keys'));
  const pipelines = useShared(loadPipelines, can('pipelines:read'));
  return useMemo(() => {
    const keyNames = new Map((keys ?? []).map((k) => [k.id, k.name]));
    const stages = new Map<string, string>();
    for (const p of pipelines ?? []) for (const s of p.stages) if (!stages.has(s.id)) stages.set(s.id, s.name);
    return {
      user: (id) => users.get(id),
      apiKey: (id) => keyNames.get(id),
      stage: (id) => stages.get(id),
    };
  }, [users, keys, pipelines]);
}

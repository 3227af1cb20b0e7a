// What several support views load: people's names, the ticket workflow,
// the queues. Each degrades quietly when the person may not read it.
import { useEffect, useState } from 'react';
import { loadQueues, loadUsers } from '../../app/directory';
import { workflow as getWorkflow, type Queue, type Workflow } from '../../api/support';
import { useServices, useSession } from '../../app/session';

export interface UserSummary {
  id: string;
  name: string;
  email: string;
  kind: string;
  roles: string[];
  teams: string[];
  status: string;
}

/** Names by user id (as far as `users:read` reaches: an agent sees their team). */
export function useUserNames(): Map<string, string> {
  const { api } = useServices();
  const { can } = useSession();
  const allowed = can('users:read');
  const [names, setNames] = useState<Map<string, string>>(new Map());
  useEffect(() => {
    if (!allowed) return;
    let live = true;
    loadUsers(api)
      .then((items) => live && setNames(new Map(items.map((u) => [u.id, u.name]))))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [api, allowed]);
  return names;
}

export function useWorkflow(): Workflow | null {
  const { api } = useServices();
  const [wf, setWf] = useState<Workflow | null>(null);
  useEffect(() => {
    let live = true;
    getWorkflow(api)
      .then((r) => live && setWf(r.data))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [api]);
  return wf;
}

export function useQueues(): { queues: Queue[] | null; error: unknown } {
  const { api } = useServices();
  const [state, setState] = useState<{ queues: Queue[] | null; error: unknown }>({ queues: null, error: null });
  useEffect(() => {
    let live = true;
    loadQueues(api)
      .then((items) => live && setState({ queues: items, error: null }))
      .catch((error: unknown) => live && setState({ queues: [], error }));
    return () => {
      live = false;
    };
  }, [api]);
  return state;
}

// Test data for the support views, made through the API as the demo admin:
// people with a role (and team), queues, tickets. Names carry a run tag so
// that tests sharing one server never trip over each other's data.
import { api, apiResponse, password } from './helpers';

export const ADMIN = 'admin@demo.example';
export const tag = () => Math.random().toString(36).slice(2, 7);

interface Named {
  id: string;
  name: string;
}

export async function supportTeam(): Promise<string> {
  const teams = await api<{ items: Named[] }>('demo', ADMIN, 'GET', '/teams');
  const t = teams.items.find((x) => x.name === 'Support');
  if (!t) throw new Error('the demo tenant has no Support team');
  return t.id;
}

/** A user who can sign in with the e2e password (made once per email). */
export async function ensureUser(email: string, name: string, kind: 'staff' | 'customer' | 'supplier', roles: string[], teams: string[] = []) {
  const res = await apiResponse('demo', ADMIN, 'POST', '/users', { email, name, password: password(), kind, roles, teams });
  if (res.status === 201 || res.status === 200) return ((await res.json()) as Named).id;
  const all = await api<{ items: (Named & { email: string })[] }>('demo', ADMIN, 'GET', '/users?limit=200');
  const found = all.items.find((u) => u.email === email);
  if (!found) throw new Error(`creating ${email}: ${res.status} ${await res.text()}`);
  return found.id;
}

export async function queueByName(name: string): Promise<Named> {
  const qs = await api<{ items: Named[] }>('demo', ADMIN, 'GET', '/queues?limit=200');
  const q = qs.items.find((x) => x.name === name);
  if (!q) throw new Error(`no queue ${name}`);
  return q;
}

export interface Ticket {
  id: string;
  version: number;
  subject: string;
  status: string;
  assignee_id?: string;
  offer?: { user_id: string; expires_at: string };
}

export const newTicket = (body: Record<string, unknown>, as = ADMIN) => api<Ticket>('demo', as, 'POST', '/tickets', body);

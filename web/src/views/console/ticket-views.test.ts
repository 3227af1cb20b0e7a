import { describe, expect, it } from 'vitest';
import type { Ticket, Workflow } from '../../api/support';
import { inView, isView, viewQuery } from './ticket-views';

const wf: Workflow = { initial: 'new', statuses: ['new', 'open', 'closed'], transitions: { new: ['open'], open: ['closed'], closed: [] } };
const tk = (over: Partial<Ticket>): Ticket =>
  ({ id: 'x', version: 1, created_at: '', updated_at: '', subject: 's', status: 'open', ...over }) as Ticket;
const ctx = { wf, teams: ['t1'], teamMembers: new Set(['bea']) };

describe('ticket views', () => {
  it('all open leaves out closed tickets, unless a status is asked for', () => {
    expect(inView(tk({}), 'all', ctx)).toBe(true);
    expect(inView(tk({ status: 'closed' }), 'all', ctx)).toBe(false);
    expect(inView(tk({ status: 'closed' }), 'all', { ...ctx, status: 'closed' })).toBe(true);
  });
  it('closed keeps only finished tickets', () => {
    expect(inView(tk({ status: 'closed' }), 'closed', ctx)).toBe(true);
    expect(inView(tk({}), 'closed', ctx)).toBe(false);
  });
  it('unassigned: nobody has it', () => {
    expect(inView(tk({}), 'unassigned', ctx)).toBe(true);
    expect(inView(tk({ assignee_id: 'bea' }), 'unassigned', ctx)).toBe(false);
  });
  it("my team: the team's tickets and its members'", () => {
    expect(inView(tk({ team_id: 't1' }), 'team', ctx)).toBe(true);
    expect(inView(tk({ assignee_id: 'bea' }), 'team', ctx)).toBe(true);
    expect(inView(tk({ team_id: 't2', assignee_id: 'zed' }), 'team', ctx)).toBe(false);
  });
  it('asks the server for what it can filter', () => {
    expect(viewQuery({ q: ' printer ', priority: 'high', status: '', queue: 'q1', tag: '' })).toEqual({ q: 'printer', filters: { priority: 'high', queue_id: 'q1' } });
    expect(viewQuery({ q: '', priority: '', status: '', queue: '', tag: ' vip ' })).toEqual({ q: undefined, filters: { tags: 'vip' } });
    expect(isView('team')).toBe(true);
    expect(isView('mine')).toBe(false);
  });
});

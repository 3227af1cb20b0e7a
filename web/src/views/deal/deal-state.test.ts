import { describe, expect, it } from 'vitest';
import type { Activity, Deal, Pipeline } from '../../api/types';
import { createBody, dealPatch, filterDeals, nextActivities, probability, taskBuckets, timeline, toDraft } from './deal-state';

const deal = (over: Partial<Deal>): Deal => ({
  id: 'd1', version: 1, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
  title: 'Acme', pipeline_id: 'p', stage_id: 'lead', ...over,
});
const act = (over: Partial<Activity>): Activity => ({
  id: 'a1', version: 1, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', type: 'task', subject: 's', ...over,
});

describe('dealPatch', () => {
  it('sends only what changed, clears with null, and compares contacts as a set', () => {
    const before = toDraft(deal({ amount: 100, currency: 'EUR', contact_ids: ['a', 'b'], expected_close: '2027-01-01' }));
    expect(dealPatch(before, { ...before, contact_ids: ['b', 'a'] })).toEqual({});
    expect(dealPatch(before, { ...before, amount: '250,5', expected_close: '' })).toEqual({ amount: 250.5, expected_close: null });
    expect(dealPatch(before, { ...before, contact_ids: ['a'] })).toEqual({ contact_ids: ['a'] });
    expect(dealPatch(before, { ...before, currency: 'usd' })).toEqual({ currency: 'USD' });
  });
  it('leaves empty fields out of a new deal', () => {
    expect(createBody({ ...toDraft(null), title: ' New ', stage_id: 'lead' }, 'p')).toEqual({ pipeline_id: 'p', title: 'New', currency: 'EUR', stage_id: 'lead' });
  });
});

describe('timeline', () => {
  it('merges stage changes and activities, newest first', () => {
    const t = timeline(
      [{ at: '2026-01-01T00:00:00Z', from: null, to: 'lead' }, { at: '2026-01-03T00:00:00Z', from: 'lead', to: 'won' }],
      [act({ id: 'x', created_at: '2026-01-02T00:00:00Z' })],
    );
    expect(t.map((e) => e.kind)).toEqual(['stage', 'activity', 'stage']);
  });
  it('has no stage entries when the role hides the history', () => {
    expect(timeline(undefined, [act({})]).map((e) => e.kind)).toEqual(['activity']);
  });
});

describe('nextActivities', () => {
  it('keeps per deal the open one due first', () => {
    const m = nextActivities([
      act({ id: '1', related_kind: 'deal', related_id: 'd', due_at: '2026-05-01T00:00:00Z' }),
      act({ id: '2', related_kind: 'deal', related_id: 'd', due_at: '2026-04-01T00:00:00Z' }),
      act({ id: '3', related_kind: 'deal', related_id: 'd', due_at: '2026-03-01T00:00:00Z', done: true }),
      act({ id: '4', related_kind: 'contact', related_id: 'd', due_at: '2026-01-01T00:00:00Z' }),
      act({ id: '5', related_kind: 'deal', related_id: 'e' }),
    ]);
    expect(m.get('d')?.id).toBe('2');
    expect(m.has('e')).toBe(false);
  });
});

describe('filterDeals', () => {
  const deals = [
    deal({ id: '1', title: 'Alpha Maschinen', owner_id: 'u1' }),
    deal({ id: '2', title: 'Beta Logistik', owner_id: 'u2', team_id: 't2' }),
    deal({ id: '3', title: 'Gamma', owner_id: 'u3' }),
  ];
  const ids = (ds: Deal[]) => ds.map((d) => d.id);
  it('by owner, me included', () => {
    expect(ids(filterDeals(deals, { owner: 'me', team: '', text: '' }, { selfId: 'u2' }))).toEqual(['2']);
    expect(ids(filterDeals(deals, { owner: 'u1', team: '', text: '' }, {}))).toEqual(['1']);
  });
  it('by team: the team\'s deals and its members\'', () => {
    expect(ids(filterDeals(deals, { owner: '', team: 't2', text: '' }, { members: () => ['u3'] }))).toEqual(['2', '3']);
  });
  it('by every word of the text, in the title and the names', () => {
    expect(ids(filterDeals(deals, { owner: '', team: '', text: 'alpha masch' }, {}))).toEqual(['1']);
    expect(ids(filterDeals(deals, { owner: '', team: '', text: 'müller' }, { names: (d) => (d.id === '3' ? ['Jana Müller'] : []) }))).toEqual(['3']);
  });
});

describe('probability', () => {
  const p = { stages: [{ id: 'a', name: 'A', probability: 25 }, { id: 'b', name: 'B', probability: 0.4 }, { id: 'c', name: 'C' }] } as Pipeline;
  it('reads percentages and fractions', () => {
    expect(probability(p, 'a')).toBe(25);
    expect(probability(p, 'b')).toBe(40);
    expect(probability(p, 'c')).toBeNull();
  });
});

describe('taskBuckets', () => {
  it('splits one person\'s open tasks into overdue, today and later', () => {
    const now = new Date(2026, 4, 10, 12, 0);
    const at = (h: number, d = 10) => new Date(2026, 4, d, h, 0).toISOString();
    const b = taskBuckets(
      [
        act({ id: 'late', owner_id: 'me', due_at: at(9) }),
        act({ id: 'yesterday', owner_id: 'me', due_at: at(9, 9) }),
        act({ id: 'today', owner_id: 'me', due_at: at(15) }),
        act({ id: 'later', owner_id: 'me', due_at: at(9, 12) }),
        act({ id: 'done', owner_id: 'me', due_at: at(9), done: true }),
        act({ id: 'theirs', owner_id: 'you', due_at: at(9) }),
        act({ id: 'note', owner_id: 'me', type: 'note' }),
      ],
      'me',
      now,
    );
    expect(b.overdue.map((a) => a.id)).toEqual(['yesterday', 'late']);
    expect(b.today.map((a) => a.id)).toEqual(['today']);
    expect(b.later.map((a) => a.id)).toEqual(['later']);
  });
});

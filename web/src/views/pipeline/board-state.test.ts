// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { Deal, Pipeline } from '../../api/types';
import { applyEvent, columns, initial, queuedMove, settle, startMove, totals } from './board-state';

const pipeline: Pipeline = {
  id: 'p1', version: 1, created_at: '', updated_at: '', name: 'New business',
  stages: [{ id: 'lead', name: 'Lead' }, { id: 'offer', name: 'Offer' }, { id: 'won', name: 'Won' }],
};
const deal = (id: string, stage: string, version = 1, extra: Partial<Deal> = {}): Deal => ({
  id, version, stage_id: stage, pipeline_id: 'p1', title: id, created_at: `2026-01-0${id.length}`, updated_at: '', amount: 100, currency: 'EUR', ...extra,
});
const stagesOf = (b: ReturnType<typeof initial>) =>
  Object.fromEntries(columns(b, pipeline).map((c) => [c.stage?.id ?? 'none', c.deals.map((d) => d.id)]));

describe('pipeline board state', () => {
  it('puts deals in their stage columns, in pipeline order, unknown stages first', () => {
    const b = initial('p1', [deal('a', 'offer'), deal('b', 'lead'), deal('c', 'gone')]);
    expect(columns(b, pipeline).map((c) => c.stage?.id ?? null)).toEqual([null, 'lead', 'offer', 'won']);
    expect(stagesOf(b)).toEqual({ none: ['c'], lead: ['b'], offer: ['a'], won: [] });
  });

  it("shows someone else's move and says so", () => {
    const b = initial('p1', [deal('a', 'lead')]);
    const [next, change] = applyEvent(b, 'deal.updated', deal('a', 'won', 2));
    expect(stagesOf(next).won).toEqual(['a']);
    expect(change).toMatchObject({ kind: 'moved', from: 'lead', to: 'won' });
  });

  it('ignores an event older than what it has', () => {
    const b = initial('p1', [deal('a', 'won', 5)]);
    const [next, change] = applyEvent(b, 'deal.updated', deal('a', 'lead', 4));
    expect(next).toBe(b);
    expect(change.kind).toBe('none');
  });

  it('adds new deals, and removes deleted ones and ones moved to another pipeline', () => {
    let b = initial('p1', [deal('a', 'lead'), deal('b', 'lead')]);
    [b] = applyEvent(b, 'deal.created', deal('c', 'offer'));
    [b] = applyEvent(b, 'deal.deleted', { id: 'a' });
    [b] = applyEvent(b, 'deal.updated', deal('b', 'lead', 2, { pipeline_id: 'p2' }));
    expect(stagesOf(b)).toEqual({ lead: [], offer: ['c'], won: [] });
  });

  it('shows our move at once and keeps it while the request is on its way', () => {
    let b = startMove(initial('p1', [deal('a', 'lead')]), 'a', 'won');
    expect(stagesOf(b).won).toEqual(['a']);
    // Someone's unrelated edit arrives meanwhile: the card stays where we put it.
    [b] = applyEvent(b, 'deal.updated', deal('a', 'lead', 2, { title: 'renamed' }));
    expect(stagesOf(b).won).toEqual(['a']);
    b = settle(b, 'a', deal('a', 'won', 3));
    expect(stagesOf(b).won).toEqual(['a']);
    expect(b.moves).toEqual({});
  });

  it('puts the card back when the move failed (conflict) and takes the latest version', () => {
    let b = startMove(initial('p1', [deal('a', 'lead')]), 'a', 'won');
    b = settle(b, 'a', deal('a', 'offer', 2));
    expect(stagesOf(b)).toMatchObject({ offer: ['a'], won: [] });
  });

  it('keeps a queued (offline) move until its own event comes back', () => {
    let b = queuedMove(startMove(initial('p1', [deal('a', 'lead')]), 'a', 'won'), 'a');
    expect(b.moves.a?.state).toBe('queued');
    [b] = applyEvent(b, 'deal.updated', deal('a', 'won', 2));
    expect(b.moves).toEqual({});
    expect(stagesOf(b).won).toEqual(['a']);
  });

  it('takes an erased deal off the board, and never merges an erased record’s fieldless older event', () => {
    const b = initial('p1', [deal('a', 'lead'), deal('b', 'offer')]);
    const [afterErased, change] = applyEvent(b, 'deal.erased', { id: 'a', erased: true, pipeline_id: 'p1' } as never);
    expect(change).toMatchObject({ kind: 'removed' });
    expect(stagesOf(afterErased)).toMatchObject({ lead: [], offer: ['b'] });
    // A replay from before the erasure: `deal.updated` with nothing but the id.
    const [afterReplay] = applyEvent(b, 'deal.updated', { id: 'b', erased: true } as never);
    expect(afterReplay.deals.b).toBeUndefined();
    const [unknown, none] = applyEvent(afterReplay, 'deal.updated', { id: 'zzz', erased: true } as never);
    expect(none).toEqual({ kind: 'none' });
    expect(unknown).toBe(afterReplay);
  });

  it('keeps a deal through an anonymised record’s overwritten older event, which says neither what it is nor that it went', () => {
    const b = initial('p1', [deal('a', 'lead', 3)]);
    const [after, change] = applyEvent(b, 'deal.updated', { id: 'a', anonymised: true } as never);
    expect(change).toEqual({ kind: 'none' });
    expect(after).toBe(b);
  });

  it('adds up amounts per currency', () => {
    expect(totals([deal('a', 'x'), deal('b', 'x', 1, { amount: 50, currency: 'USD' }), deal('c', 'x')])).toEqual({ EUR: 200, USD: 50 });
  });

  it('keeps an anonymised deal in its stage with its amount, and drops what it lost', () => {
    const before = deal('a', 'offer', 3, { title: 'Rollout Müller', contact_ids: ['c1', 'c2'], tags: ['vip'], custom: { notes: 'Call Erika' } });
    let b = initial('p1', [before, deal('b', 'lead')]);
    // What the server sends: the record without its texts, contacts, tags and custom fields.
    const anonymised = {
      id: 'a', version: 4, pipeline_id: 'p1', stage_id: 'offer', title: 'Anonymised', amount: 100, currency: 'EUR',
      created_at: before.created_at, updated_at: '2026-12-06T10:00:00Z', custom: {},
      anonymised: { at: '2026-12-06T10:00:00Z', rule: 'Old deals' }, change: { rule: 'Old deals' },
    };
    let change;
    [b, change] = applyEvent(b, 'deal.anonymised', anonymised);
    expect(change.kind).toBe('none');
    expect(stagesOf(b)).toEqual({ lead: ['b'], offer: ['a'], won: [] });
    const a = b.deals.a!;
    expect(a.title).toBe('Anonymised');
    expect(a).not.toHaveProperty('contact_ids');
    expect(a).not.toHaveProperty('tags');
    expect(a.custom).toEqual({});
    expect(a).not.toHaveProperty('change');
    expect(a.anonymised).toEqual({ at: '2026-12-06T10:00:00Z', rule: 'Old deals' });
    expect(totals(columns(b, pipeline).find((c) => c.stage?.id === 'offer')!.deals)).toEqual({ EUR: 100 });
    // The `.updated` that follows carries the same version: nothing changes.
    const { change: _, ...updated } = anonymised;
    const [same] = applyEvent(b, 'deal.updated', updated);
    expect(same).toBe(b);
  });

  it('takes an anonymised deal back after a replay that took it for erased (its older events were overwritten)', () => {
    let b = initial('p1', [deal('a', 'offer', 3, { contact_ids: ['c1'] })]);
    [b] = applyEvent(b, 'deal.updated', { id: 'a', erased: true } as Partial<Deal>);
    expect(stagesOf(b).offer).toEqual([]);
    [b] = applyEvent(b, 'deal.anonymised', deal('a', 'offer', 4, { title: 'Anonymised', anonymised: { at: '2026-12-06T10:00:00Z', rule: 'Old deals' } }));
    expect(stagesOf(b).offer).toEqual(['a']);
    expect(b.deals.a).not.toHaveProperty('contact_ids');
  });
});

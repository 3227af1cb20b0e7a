// The pipeline board's state as pure functions, so the rules are tested
// without a browser:
// - a deal shows in the stage of its newest known version, except while
//   our own move of it is on its way (shown at once, "optimistic");
// - events apply only if they are newer than what we have (a late echo
//   of an older version never moves a card back);
// - a deal that leaves the pipeline, or is deleted or erased, leaves the
//   board (an erased record's older events carry no fields: never merged);
// - an anonymised deal stays, in its stage with its amount, but replaces
//   the card's data whole: its title, contacts and tags are gone (and a
//   replay that took it away for its overwritten older events brings it
//   back, see realtime/anonymised.ts).
import { mergeLive } from '../../api/records';
import type { Deal, Pipeline, Stage } from '../../api/types';
import { liveRecord } from '../../realtime/anonymised';
import { gone } from '../../realtime/gone';

export interface Move {
  to: string;
  /** Sent but not yet answered, or queued while offline. */
  state: 'sending' | 'queued';
}

export interface Board {
  pipelineId: string;
  deals: Record<string, Deal>;
  moves: Record<string, Move>;
}

export interface Column {
  stage: Stage | null;
  deals: Deal[];
}

export function initial(pipelineId: string, deals: Deal[]): Board {
  return { pipelineId, deals: Object.fromEntries(deals.map((d) => [d.id, d])), moves: {} };
}

export function stageOf(b: Board, id: string): string | null {
  return b.moves[id]?.to ?? b.deals[id]?.stage_id ?? null;
}

export function columns(b: Board, pipeline: Pipeline): Column[] {
  const known = new Set(pipeline.stages.map((s) => s.id));
  const byStage = new Map<string | null, Deal[]>();
  const sorted = Object.values(b.deals).sort((x, y) => x.created_at.localeCompare(y.created_at) || x.id.localeCompare(y.id));
  for (const d of sorted) {
    const s = stageOf(b, d.id);
    const key = s !== null && known.has(s) ? s : null;
    byStage.set(key, [...(byStage.get(key) ?? []), d]);
  }
  const cols: Column[] = pipeline.stages.map((stage) => ({ stage, deals: byStage.get(stage.id) ?? [] }));
  const orphans = byStage.get(null);
  return orphans?.length ? [{ stage: null, deals: orphans }, ...cols] : cols;
}

export type Change =
  | { kind: 'none' }
  | { kind: 'added' | 'removed'; deal: Deal }
  | { kind: 'moved'; deal: Deal; from: string | null; to: string | null };

/** Applies a live event; says what changed, for the screen-reader announcement. */
export function applyEvent(b: Board, event: string, data: Partial<Deal> & { id?: string }): [Board, Change] {
  const id = data.id;
  if (!id) return [b, { kind: 'none' }];
  const have = b.deals[id];
  if (gone(event, data) || (data.pipeline_id && data.pipeline_id !== b.pipelineId)) {
    if (!have) return [b, { kind: 'none' }];
    const deals = { ...b.deals };
    delete deals[id];
    const moves = { ...b.moves };
    delete moves[id];
    return [{ ...b, deals, moves }, { kind: 'removed', deal: have }];
  }
  if (typeof data.version !== 'number' || !data.pipeline_id) return [b, { kind: 'none' }];
  if (have && data.version <= have.version) return [b, { kind: 'none' }];
  const deal = have ? mergeLive(have, data) : liveRecord<Deal>(data);
  const moves = { ...b.moves };
  const mine = moves[id];
  // Our queued move has landed (its event came back): the overlay is done.
  if (mine?.state === 'queued' && deal.stage_id === mine.to) delete moves[id];
  const next = { ...b, deals: { ...b.deals, [id]: deal }, moves };
  if (!have) return [next, { kind: 'added', deal }];
  if (have.stage_id !== deal.stage_id && !mine) {
    return [next, { kind: 'moved', deal, from: have.stage_id ?? null, to: deal.stage_id ?? null }];
  }
  return [next, { kind: 'none' }];
}

export function startMove(b: Board, id: string, to: string): Board {
  return { ...b, moves: { ...b.moves, [id]: { to, state: 'sending' } } };
}

export function queuedMove(b: Board, id: string): Board {
  const m = b.moves[id];
  return m ? { ...b, moves: { ...b.moves, [id]: { ...m, state: 'queued' } } } : b;
}

/** The server's answer (or the latest version after a conflict). */
export function settle(b: Board, id: string, deal: Deal | null): Board {
  const moves = { ...b.moves };
  delete moves[id];
  const deals = { ...b.deals };
  if (deal && (!deals[id] || deal.version >= deals[id]!.version)) deals[id] = deal;
  return { ...b, deals, moves };
}

export function stageName(pipeline: Pipeline, id: string | null | undefined, none: string): string {
  return pipeline.stages.find((s) => s.id === id)?.name ?? none;
}

/** Column totals per currency, e.g. { EUR: 12000 }. */
export function totals(deals: Deal[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of deals) {
    if (typeof d.amount === 'number') out[d.currency ?? 'EUR'] = (out[d.currency ?? 'EUR'] ?? 0) + d.amount;
  }
  return out;
}

// The sales pipeline as a kanban board: one column per stage, deals as
// cards. Drag a card to move it, or use its Move menu (the keyboard way).
// A move is a PATCH {stage_id} with If-Match; a 412 means someone changed
// the deal first, and the person chooses what happens. Everyone else's
// moves arrive live over `pipeline:<id>`.
import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import { ApiError } from '../../api/problem';
import { getRecord, listAll, updateRecord } from '../../api/records';
import type { Deal, Pipeline } from '../../api/types';
import { navigate } from '../../app/router';
import { useServices, useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { usePresence, useTopic } from '../../realtime/hooks';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import { describeError } from '../../ui/errors';
import { useLoad } from '../../ui/useLoad';
import { DealCard } from './DealCard';
import {
  applyEvent, columns, initial, queuedMove, settle, stageName, startMove, totals, type Board,
} from './board-state';

interface Conflict {
  deal: Deal;
  target: string;
}

export function PipelineBoard({ tenant, pipelineId }: { tenant: string; pipelineId?: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const { can, me, pending } = useSession();
  const pipelines = useLoad(async () => (await listAll<Pipeline>(api, 'pipelines', { sort: 'name' })).items, [api]);
  const pipeline = pipelines.data?.find((p) => p.id === pipelineId) ?? null;

  // /pipeline without an id: open the first one.
  useEffect(() => {
    const first = pipelines.data?.[0];
    if (!pipelineId && first) navigate(`/t/${tenant}/pipeline/${first.id}`, { replace: true });
  }, [pipelineId, pipelines.data, tenant]);

  if (pipelines.error && !pipelines.data) {
    return (
      <section>
        <h1>{t('pipeline.title')}</h1>
        <Alert tone="danger" actions={<button className="btn btn--small" onClick={pipelines.reload}>{t('app.retry')}</button>}>
          {describeError(pipelines.error, i18n)}
        </Alert>
      </section>
    );
  }
  if (!pipelines.data) return <p aria-busy="true">{t('app.loading')}</p>;
  if (pipelines.data.length === 0) {
    return (
      <section>
        <h1>{t('pipeline.title')}</h1>
        <p>{t('pipeline.none')}</p>
      </section>
    );
  }
  return (
    <section className="board-view">
      <div className="view-head">
        <h1>{pipeline?.name ?? t('pipeline.title')}</h1>
        <label className="toolbar__sort">
          <span>{t('pipeline.choose')}</span>
          <select value={pipelineId ?? ''} onChange={(e) => navigate(`/t/${tenant}/pipeline/${e.target.value}`)}>
            {pipelines.data.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {pipeline ? (
        <BoardColumns key={pipeline.id} pipeline={pipeline} canMove={can('deals:write')} selfId={me?.user.id} pendingPaths={pending} />
      ) : null}
    </section>
  );
}

function BoardColumns({
  pipeline, canMove, selfId, pendingPaths,
}: { pipeline: Pipeline; canMove: boolean; selfId?: string; pendingPaths: { path: string; status: string }[] }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { api } = useServices();
  const [board, setBoard] = useState<Board | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [fromCache, setFromCache] = useState(false);
  const [announce, setAnnounce] = useState('');
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [dragging, setDragging] = useState<string | null>(null);
  const [over, setOver] = useState<string | null>(null);
  // Subscribed on the server: from here on, every move shows up here.
  const [live, setLive] = useState(false);
  // After a move from the Move menu the card is rendered anew in another
  // column; its Move button gets the focus back, so the keyboard is not lost.
  const [refocus, setRefocus] = useState<string | null>(null);
  const boardRef = useRef<Board | null>(null);
  boardRef.current = board;
  const topic = `pipeline:${pipeline.id}`;
  const others = usePresence(topic, 'viewing', selfId);
  const none = t('pipeline.noStage');

  const load = useCallback(async () => {
    try {
      const r = await listAll<Deal>(api, 'deals', { filters: { pipeline_id: pipeline.id } });
      setBoard((b) => {
        const fresh = initial(pipeline.id, r.items);
        // Keep moves still on their way across a reload.
        return b ? { ...fresh, moves: b.moves } : fresh;
      });
      setFromCache(r.fromCache);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [api, pipeline.id]);

  useEffect(() => {
    void load();
  }, [load]);

  useTopic(topic, {
    onEvent: (f) => {
      setBoard((b) => {
        if (!b) return b;
        const [next, change] = applyEvent(b, f.event, f.data as Partial<Deal>);
        if (change.kind === 'moved') {
          setAnnounce(t('pipeline.movedBy', { title: change.deal.title, stage: stageName(pipeline, change.to, none) }));
        }
        return next;
      });
    },
    onResync: () => void load(),
    onSubscribed: () => setLive(true),
  });

  useEffect(() => {
    if (!refocus) return;
    document.querySelector<HTMLElement>(`[data-deal="${CSS.escape(refocus)}"] [aria-haspopup="menu"]`)?.focus();
    setRefocus(null);
  }, [refocus, board]);

  // A queued move was replayed (or dropped): read the board again.
  const queuedHere = pendingPaths.filter((w) => w.path.startsWith('/deals/')).length;
  const lastQueued = useRef(queuedHere);
  useEffect(() => {
    if (queuedHere < lastQueued.current) void load();
    lastQueued.current = queuedHere;
  }, [queuedHere, load]);

  const move = async (deal: Deal, to: string, version?: number) => {
    if ((boardRef.current?.moves[deal.id]?.to ?? deal.stage_id) === to && version === undefined) return;
    setFailure(null);
    setBoard((b) => (b ? startMove(b, deal.id, to) : b));
    const target = stageName(pipeline, to, none);
    try {
      const r = await updateRecord<Deal>(api, 'deals', deal.id, { stage_id: to }, version ?? deal.version, t('pipeline.moveTo', { stage: `${target} (${deal.title})` }));
      if (r.queued) {
        setBoard((b) => (b ? queuedMove(b, deal.id) : b));
        setAnnounce(t('sync.queued'));
        return;
      }
      setBoard((b) => (b ? settle(b, deal.id, r.data) : b));
      setAnnounce(t('pipeline.moved', { title: deal.title, stage: target }));
    } catch (e) {
      if (e instanceof ApiError && (e.code === 'version_conflict' || e.status === 412)) {
        // Show where the deal really is now, then let the person decide.
        let latest: Deal | null = null;
        try {
          latest = (await getRecord<Deal>(api, 'deals', deal.id)).data;
        } catch {
          latest = null;
        }
        setBoard((b) => (b ? settle(b, deal.id, latest) : b));
        if (latest) setConflict({ deal: latest, target: to });
        return;
      }
      setBoard((b) => (b ? settle(b, deal.id, null) : b));
      setFailure(describeError(e, i18n));
    }
  };

  const onDrop = (e: DragEvent, stageId: string) => {
    e.preventDefault();
    setOver(null);
    const id = e.dataTransfer.getData('text/plain') || dragging;
    setDragging(null);
    const deal = id ? board?.deals[id] : undefined;
    if (deal) void move(deal, stageId);
  };

  if (error && !board) {
    return <Alert tone="danger" actions={<button className="btn btn--small" onClick={() => void load()}>{t('app.retry')}</button>}>{describeError(error, i18n)}</Alert>;
  }
  if (!board) return <p aria-busy="true">{t('app.loading')}</p>;
  const cols = columns(board, pipeline);

  return (
    <>
      <p className="muted board-hint">{t('pipeline.dragHint')}</p>
      {others.length ? <p className="presence">{t('pipeline.alsoHere', { names: others.map((m) => m.name).join(', ') })}</p> : null}
      {fromCache ? <p className="cache-note">{t('conn.offlineNote')}</p> : null}
      {failure ? <Alert tone="danger">{failure}</Alert> : null}
      <div className="visually-hidden" role="status" aria-live="polite" data-testid="board-announce">
        {announce}
      </div>
      <div className="board" data-testid="board" data-live={live}>
        {cols.map((col) => {
          const id = col.stage?.id ?? '';
          const sums = totals(col.deals);
          const headingId = `stage-${pipeline.id}-${id || 'none'}`;
          return (
            <section
              key={id || 'none'}
              className={`board__col${over === id ? ' board__col--over' : ''}`}
              aria-labelledby={headingId}
              data-stage={id}
              onDragOver={(e) => {
                if (!col.stage || !canMove) return;
                e.preventDefault();
                e.dataTransfer.dropEffect = 'move';
                if (over !== id) setOver(id);
              }}
              onDragLeave={(e) => {
                if (!e.currentTarget.contains(e.relatedTarget as Node)) setOver(null);
              }}
              onDrop={(e) => col.stage && onDrop(e, col.stage.id)}
            >
              <header className="board__head">
                <h2 id={headingId}>{col.stage?.name ?? none}</h2>
                <p className="muted">
                  {t('pipeline.deals', { count: col.deals.length })}
                  {Object.entries(sums).map(([cur, sum]) => ` · ${i18n.money(sum, cur)}`)}
                </p>
              </header>
              <ul className="board__cards">
                {col.deals.map((d) => (
                  <li key={d.id}>
                    <DealCard
                      deal={d}
                      pipeline={pipeline}
                      canMove={canMove}
                      pending={board.moves[d.id]?.state === 'queued' || pendingPaths.some((w) => w.path === `/deals/${d.id}` && w.status === 'pending')}
                      sending={board.moves[d.id]?.state === 'sending'}
                      currentStage={board.moves[d.id]?.to ?? d.stage_id ?? null}
                      onMove={(to) => {
                        setRefocus(d.id);
                        void move(d, to);
                      }}
                      onDragStart={() => setDragging(d.id)}
                      onDragEnd={() => {
                        setDragging(null);
                        setOver(null);
                      }}
                    />
                  </li>
                ))}
              </ul>
            </section>
          );
        })}
      </div>
      <Dialog
        open={conflict !== null}
        role="alertdialog"
        title={t('pipeline.conflictTitle')}
        onClose={() => setConflict(null)}
        actions={
          conflict ? (
            <>
              <button type="button" className="btn" onClick={() => setConflict(null)}>
                {t('pipeline.conflictReload')}
              </button>
              <button
                type="button"
                className="btn btn--primary"
                onClick={() => {
                  const c = conflict;
                  setConflict(null);
                  void move(c.deal, c.target, c.deal.version);
                }}
              >
                {t('pipeline.conflictRetry', { target: stageName(pipeline, conflict.target, none) })}
              </button>
            </>
          ) : null
        }
      >
        {conflict ? (
          <p>
            {t('pipeline.conflictBody', {
              title: conflict.deal.title,
              stage: stageName(pipeline, conflict.deal.stage_id, none),
              target: stageName(pipeline, conflict.target, none),
            })}
          </p>
        ) : null}
      </Dialog>
    </>
  );
}

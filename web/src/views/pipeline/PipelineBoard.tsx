// The sales pipeline as a kanban board: one column per stage, deals as
// cards. Drag a card to move it, or use its Move menu (the keyboard way).
// A move is a PATCH {stage_id} with If-Match; a 412 means someone changed
// the deal first, and the person chooses what happens. Everyone else's
// moves arrive live over `pipeline:<id>`.
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { ApiError } from '../../api/problem';
import { getRecord, listAll, updateRecord } from '../../api/records';
import type { Activity, Contact, Deal, Pipeline } from '../../api/types';
import { useTeams, useUsers } from '../../app/directory';
import { navigate, useSearchParams } from '../../app/router';
import { useServices, useSession } from '../../app/session';
import { useI18n } from '../../i18n';
import { isGone } from '../../realtime/gone';
import { usePresence, useTopic } from '../../realtime/hooks';
import { Alert } from '../../ui/Alert';
import { Dialog } from '../../ui/Dialog';
import { describeError } from '../../ui/errors';
import { useLoad } from '../../ui/useLoad';
import { useCompanyNames } from '../crm/hooks';
import { filterDeals, nextActivities, type BoardFilter } from '../deal/deal-state';
import { DealCard } from './DealCard';
import { NewDeal } from './NewDeal';
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
        <BoardColumns key={pipeline.id} tenant={tenant} pipeline={pipeline} canMove={can('deals:write')} selfId={me?.user.id} pendingPaths={pending} />
      ) : null}
    </section>
  );
}

function BoardColumns({
  tenant, pipeline, canMove, selfId, pendingPaths,
}: { tenant: string; pipeline: Pipeline; canMove: boolean; selfId?: string; pendingPaths: { path: string; status: string }[] }) {
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
  const { can, me } = useSession();
  const users = useUsers();
  const teams = useTeams();
  const companies = useCompanyNames(can('companies:read'));
  const [sp, setSp] = useSearchParams();
  const filter: BoardFilter = { owner: sp.get('owner') ?? '', team: sp.get('team') ?? '', text: sp.get('q') ?? '' };
  const setFilter = (k: 'owner' | 'team' | 'q', v: string) => {
    const next = new URLSearchParams(sp);
    if (v) next.set(k, v);
    else next.delete(k);
    setSp(next);
  };
  const [adding, setAdding] = useState<string | null>(null);
  // Names of the deals' contacts, and their open activities (the next one shows).
  const contacts = useLoad(
    async () => (can('contacts:read') ? new Map((await listAll<Contact>(api, 'contacts', {}, 2000)).items.map((c) => [c.id, [c.first_name, c.last_name].filter(Boolean).join(' ')])) : new Map<string, string>()),
    [api],
  );
  const openActs = useLoad(
    async () => (can('activities:read') ? (await listAll<Activity>(api, 'activities', { filters: { related_kind: 'deal', done: 'false' } }, 2000)).items : []),
    [api],
  );
  const next = useMemo(() => nextActivities(openActs.data ?? []), [openActs.data]);
  useTopic(can('activities:read') ? 'activities' : null, {
    onEvent: (f) => {
      const a = f.data as unknown as Activity;
      if (!a?.id) return;
      openActs.set((s) => {
        const rest = (s ?? []).filter((x) => x.id !== a.id);
        if (isGone(f) || a.related_kind !== 'deal' || a.done === true) return rest;
        return [...rest, a];
      });
    },
    onResync: () => openActs.reload(),
  });

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
  const userName = (id?: string | null) => (id ? users.get(id)?.name ?? (id === me?.user.id ? me.user.name : undefined) : undefined);
  const firstContact = (d: Deal) => (d.contact_ids?.[0] ? contacts.data?.get(d.contact_ids[0]) : undefined);
  const filtering = !!(filter.owner || filter.team || filter.text);
  const all = Object.values(board.deals);
  const kept = filtering
    ? new Set(
        filterDeals(all, filter, {
          selfId,
          members: (team) => [...users.values()].filter((u) => u.teams.includes(team)).map((u) => u.id),
          names: (d) => [userName(d.owner_id), firstContact(d), d.company_id ? companies.get(d.company_id) : undefined].filter((x): x is string => !!x),
        }).map((d) => d.id),
      )
    : null;
  const cols = columns(board, pipeline).map((c) => (kept ? { ...c, deals: c.deals.filter((d) => kept.has(d.id)) } : c));
  const staff = [...users.values()].filter((u) => u.kind === 'staff');

  return (
    <>
      <p className="muted board-hint">{t('pipeline.dragHint')}</p>
      {others.length ? <p className="presence">{t('pipeline.alsoHere', { names: others.map((m) => m.name).join(', ') })}</p> : null}
      {fromCache ? <p className="cache-note">{t('conn.offlineNote')}</p> : null}
      {failure ? <Alert tone="danger">{failure}</Alert> : null}
      <div className="visually-hidden" role="status" aria-live="polite" data-testid="board-announce">
        {announce}
      </div>
      <div className="board-filters" role="search" aria-label={t('list.filters')}>
        <label className="toolbar__sort">
          <span>{t('pipeline.filterText')}</span>
          <input type="search" aria-label={t('pipeline.filterText')} value={filter.text} onChange={(e) => setFilter('q', e.target.value)} />
        </label>
        <label className="toolbar__sort">
          <span>{t('pipeline.filterOwner')}</span>
          <select aria-label={t('pipeline.filterOwner')} value={filter.owner} onChange={(e) => setFilter('owner', e.target.value)}>
            <option value="">{t('pipeline.anyone')}</option>
            <option value="me">{t('pipeline.mine')}</option>
            {staff.filter((u) => u.id !== selfId).map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </label>
        {teams.length ? (
          <label className="toolbar__sort">
            <span>{t('pipeline.filterTeam')}</span>
            <select aria-label={t('pipeline.filterTeam')} value={filter.team} onChange={(e) => setFilter('team', e.target.value)}>
              <option value="">{t('pipeline.anyTeam')}</option>
              {teams.map((tm) => (
                <option key={tm.id} value={tm.id}>
                  {tm.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {filtering ? (
          <>
            <span className="muted" role="status" data-testid="board-filtered">
              {t('pipeline.filtered', { shown: kept?.size ?? 0, total: all.length })}
            </span>
            <button type="button" className="btn btn--small" onClick={() => setSp(new URLSearchParams())}>
              {t('pipeline.clearFilters')}
            </button>
          </>
        ) : null}
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
                <div className="board__title">
                  <h2 id={headingId}>{col.stage?.name ?? none}</h2>
                  {col.stage && can('deals:write') ? (
                    <button
                      type="button"
                      className="btn btn--small btn--ghost board__add"
                      aria-label={t('deal.newIn', { stage: col.stage.name })}
                      title={t('deal.newIn', { stage: col.stage.name })}
                      onClick={() => setAdding(col.stage!.id)}
                    >
                      +
                    </button>
                  ) : null}
                </div>
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
                      href={`/t/${tenant}/deals/${d.id}`}
                      owner={userName(d.owner_id)}
                      contact={firstContact(d)}
                      company={d.company_id ? companies.get(d.company_id) : undefined}
                      next={next.get(d.id)}
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
      {adding ? (
        <NewDeal
          pipeline={pipeline}
          stageId={adding}
          onClose={() => setAdding(null)}
          onCreated={(d) => {
            setAdding(null);
            if (d) {
              setBoard((b) => (b ? settle(b, d.id, d) : b));
              setAnnounce(t('deal.created', { title: d.title, stage: stageName(pipeline, d.stage_id, none) }));
            } else setAnnounce(t('sync.queued'));
          }}
        />
      ) : null}
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


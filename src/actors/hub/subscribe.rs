//! Subscriptions and replay. A subscription with `since` replays from the
//! in-memory ring (or the log) inside the same atomic step of the hub that
//! registers it, so hand-over from replay to live has no gap and no overlap.

use std::collections::VecDeque;
use std::sync::Arc;

use actix::prelude::*;

use super::{Refused, TenantActor};
use crate::actors::protocol;
use crate::actors::topics::Topic;
use crate::domain::code::Code;
use crate::identity::{Decision, Principal, RecordMeta};
use crate::records::events::{audience, redacted};
use crate::records::schema::by_kind;
use crate::storage::events::EventRow;
use crate::storage::{TenantDb, TenantTx, events, records};
use crate::support::dashboards::Board;

/// Recent events kept for resumes without a database read.
const RING: usize = 4096;
/// Events read from the log per step of a replay: a resume from further
/// back goes on in steps as the client reads, back as far as the log
/// reaches (its retention).
const REPLAY_PAGE: i64 = 1024;

/// The last events the hub delivered, oldest first.
#[derive(Default)]
pub(super) struct Ring(VecDeque<Arc<EventRow>>);

impl Ring {
    pub fn remember(&mut self, e: Arc<EventRow>) {
        // Both overwrote the record's earlier events in the log.
        if e.event_type.ends_with(".erased") {
            self.overwrite(e.record_id, crate::storage::events::erased_data);
        } else if e.event_type.ends_with(".anonymised") {
            self.overwrite(e.record_id, crate::storage::events::anonymised_data);
        }
        if self.0.len() == RING {
            self.0.pop_front();
        }
        self.0.push_back(e);
    }

    /// Overwrites what the ring holds about an erased or anonymised
    /// record as the log was overwritten (`storage::events::erase`,
    /// `anonymise`): every node's hub sees the event in the log, so a
    /// resume from before it gets the data back from no node's memory.
    fn overwrite(&mut self, record_id: uuid::Uuid, data: fn(uuid::Uuid) -> serde_json::Value) {
        let before =
            |e: &&mut Arc<EventRow>| e.record_id == record_id && !e.event_type.ends_with(".erased");
        for e in self.0.iter_mut().filter(before) {
            let mut row = EventRow::clone(e);
            row.data = crate::storage::Json(data(record_id));
            *e = Arc::new(row);
        }
    }

    fn start(&self) -> Option<i64> {
        self.0.front().map(|e| e.seq)
    }

    fn after(&self, seq: i64) -> impl Iterator<Item = Arc<EventRow>> + '_ {
        self.0.iter().filter(move |e| e.seq > seq).cloned()
    }
}

/// Whether a resume from `since` must read the log: the ring does not
/// reach back to it.
fn needs_log(since: Option<i64>, last: i64, ring_start: Option<i64>) -> bool {
    matches!(since, Some(n) if n < last && ring_start.is_none_or(|r| r > n + 1))
}

/// What a resume from a number replays.
pub(super) enum Replay {
    /// Every event after it up to the hub's head: the topic is live after.
    Complete(Vec<Arc<EventRow>>),
    /// One page of the log, ending at `.1`: the rest follows in the next
    /// step (`CatchUp`), once the client has read this.
    Partial(Vec<Arc<EventRow>>, i64),
    /// The log no longer reaches back to it: `resync`.
    Lost,
}

#[derive(Message)]
#[rtype(result = "Result<(), Refused>")]
pub struct Subscribe {
    pub session: u64,
    pub id: Option<String>,
    pub topic: Topic,
    pub since: Option<i64>,
}

#[derive(Message)]
#[rtype(result = "bool")]
pub struct Unsubscribe {
    pub session: u64,
    pub topic: Topic,
}

impl Handler<Unsubscribe> for TenantActor {
    type Result = bool;
    fn handle(&mut self, u: Unsubscribe, _: &mut Context<Self>) -> bool {
        let removed = self
            .sessions
            .get_mut(u.session)
            .is_some_and(|e| e.unsubscribe(u.topic));
        self.leave_presence(u.session, Some(u.topic));
        removed
    }
}

impl TenantActor {
    /// Subscribes a session to a dashboard: no replay, the current figures
    /// at once (when there are any yet), then every coalesced update.
    fn subscribe_dashboard(&mut self, s: Subscribe, board: Board) -> Result<(), Refused> {
        let entry = self
            .sessions
            .get_mut(s.session)
            .ok_or_else(Refused::unknown_session)?;
        if let Some(why) = board.refusal(&entry.principal) {
            return Err(Refused(Code::Forbidden, why));
        }
        let last = self.last_seq;
        let figures = self.children.watch(board);
        if entry.is_behind() {
            // The catch-up answers, with the figures.
            entry.lag(s.topic, last, Some(s.id));
            return Ok(());
        }
        entry.subscribe(s.topic);
        let ack = protocol::subscribed(s.id.as_deref(), &s.topic.name(), last, true);
        if !entry.push(ack.into(), last) {
            entry.lag(s.topic, last, Some(s.id));
            return Ok(());
        }
        if let Some(f) = figures {
            entry.push(f, last);
        }
        Ok(())
    }
}

/// The part of a subscription that needs the database: may the session
/// see the topic's record, and what of the log the ring does not hold.
/// `None` in the answer: history no longer reaches back to `since`.
async fn admit(
    db: TenantDb,
    p: &Principal,
    topic: Topic,
    since: Option<i64>,
    last: i64,
    ring_start: Option<i64>,
) -> Result<Option<Vec<Arc<EventRow>>>, Refused> {
    let perm = topic
        .read_perm()
        .ok_or_else(|| Refused(Code::InvalidTopic, "unknown topic".into()))?;
    if !p.has(&perm) {
        return Err(Refused(
            Code::Forbidden,
            format!("This topic needs the permission {perm}."),
        ));
    }
    let single = match topic {
        Topic::Ticket(id) => Some(("ticket", id.uuid())),
        Topic::Record(k, id) => Some((k, id)),
        Topic::Pipeline(id) => Some(("pipeline", id)),
        Topic::Queue(id) => Some(("queue", id.uuid())),
        Topic::Kind(_) | Topic::Dashboard(_) | Topic::Exports => None,
    };
    let from_log = needs_log(since, last, ring_start);
    // A whole kind without `since` (the common case: a console opening)
    // needs nothing from the database; a read transaction per
    // subscription made the connect storm queue for the pool.
    if single.is_none() && !from_log {
        return Ok(Some(Vec::new()));
    }
    let unavailable = |e: crate::storage::StorageError| Refused(Code::Unavailable, e.to_string());
    let mut tx = db.begin_read().await.map_err(unavailable)?;
    if let Some((k, id)) = single
        && !visible(&mut tx, p, k, id).await.map_err(unavailable)?
    {
        return Err(Refused(Code::NotFound, "No such record.".into()));
    }
    let replay = match since {
        Some(n) if from_log => history(&mut tx, n, last).await.map_err(unavailable)?,
        _ => Some(Vec::new()),
    };
    let _ = tx.rollback().await;
    Ok(replay)
}

/// The log after `n` up to `last`; `None` when it no longer reaches back
/// to `n` (trimmed by retention).
async fn history(
    tx: &mut TenantTx,
    n: i64,
    last: i64,
) -> Result<Option<Vec<Arc<EventRow>>>, crate::storage::StorageError> {
    let oldest = events::oldest(tx).await?;
    if oldest.is_none_or(|o| o > n + 1) {
        return Ok(None);
    }
    let rows = events::since(tx, n, REPLAY_PAGE).await?;
    Ok(Some(
        rows.into_iter()
            .filter(|r| r.seq <= last)
            .map(Arc::new)
            .collect(),
    ))
}

/// Whether `p` may read record `id` of kind `k` (pipelines and queues are
/// all-or-nothing; records by scope).
async fn visible(
    tx: &mut TenantTx,
    p: &Principal,
    k: &str,
    id: uuid::Uuid,
) -> Result<bool, crate::storage::StorageError> {
    let row = records::get(tx, k, id).await?;
    Ok(row.is_some_and(|r| {
        let meta = RecordMeta {
            people: r.people.0.clone(),
            teams: r.team_id.into_iter().collect(),
        };
        let perm = by_kind(k).map(|d| d.read_perm()).unwrap_or_default();
        matches!(p.decide(&perm, &meta), Decision::Allow { .. })
    }))
}

impl Handler<Subscribe> for TenantActor {
    type Result = AtomicResponse<Self, Result<(), Refused>>;

    fn handle(&mut self, s: Subscribe, _: &mut Context<Self>) -> Self::Result {
        if let Topic::Dashboard(board) = s.topic {
            let res = self.subscribe_dashboard(s, board);
            return AtomicResponse::new(Box::pin(actix::fut::ready(res)));
        }
        let db = self.db.clone();
        let principal = self.sessions.get(s.session).map(|e| e.principal.clone());
        let (since, last, ring_start, topic) = (s.since, self.last_seq, self.ring.start(), s.topic);
        // Everything async happens first; the registration and replay then
        // happen in one step of the actor, before any later event is pumped.
        let fut = async move {
            let p = principal.ok_or_else(Refused::unknown_session)?;
            let from_log = admit(db, &p, topic, since, last, ring_start).await?;
            Ok((p, from_log))
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(move |res, act, _| {
            let (p, from_log) = res?;
            let replay = act.replay(since, from_log);
            let recovered = !matches!(replay, Replay::Lost);
            let entry = act
                .sessions
                .get_mut(s.session)
                .ok_or_else(Refused::unknown_session)?;
            let name = s.topic.name();
            let last = act.last_seq;
            // Where the topic resumes if the queue cannot take it all now.
            let from = since.map_or(last, |n| n.min(last));
            if entry.is_behind() {
                // The catch-up answers, and replays from `since`.
                entry.lag(s.topic, from, Some(s.id));
                return Ok(());
            }
            entry.subscribe(s.topic);
            let ack = protocol::subscribed(s.id.as_deref(), &name, last, recovered);
            if !entry.push(ack.into(), last) {
                entry.lag(s.topic, from, Some(s.id));
                return Ok(());
            }
            let (events, rest) = match replay {
                Replay::Lost => {
                    let why = "history no longer reaches back to `since`";
                    entry.push(protocol::resync(&name, why).into(), last);
                    return Ok(());
                }
                Replay::Complete(events) => (events, None),
                Replay::Partial(events, upto) => (events, Some(upto)),
            };
            for e in events {
                if e.seq > since.unwrap_or(i64::MAX)
                    && s.topic.matches(&e.kind, e.record_id, &e.data.0)
                    && let Some(hidden) = audience(&p, &e)
                {
                    let frame =
                        protocol::event(&name, e.seq, &e.event_type, &redacted(&e, &hidden));
                    // A replay longer than the queue goes on in rounds,
                    // as the client reads (`CatchUp`).
                    if !entry.push(frame.into(), last) {
                        entry.lag(s.topic, e.seq - 1, None);
                        return Ok(());
                    }
                }
            }
            if let Some(upto) = rest {
                entry.hold(s.topic, upto, last);
            }
            Ok(())
        })))
    }
}

impl TenantActor {
    /// What a resume from `since` replays, given what was read from the
    /// log before this step (`from_log`: one page, `None` when the log no
    /// longer reaches back).
    fn replay(&self, since: Option<i64>, from_log: Option<Vec<Arc<EventRow>>>) -> Replay {
        let Some(n) = since.filter(|n| *n < self.last_seq) else {
            return Replay::Complete(Vec::new());
        };
        match from_log {
            Some(rows) if !rows.is_empty() => {
                let upto = rows.last().map_or(n, |r| r.seq);
                // The page reaches the ring (or the head): the ring has
                // everything pumped since; otherwise more pages follow.
                let joined = upto >= self.last_seq
                    || (rows.len() as i64) < REPLAY_PAGE
                    || self.ring.start().is_some_and(|s| s <= upto + 1);
                if !joined {
                    return Replay::Partial(rows, upto);
                }
                let mut all = rows;
                all.extend(self.ring.after(upto));
                Replay::Complete(all)
            }
            Some(_) if self.ring.start().is_some_and(|s| s <= n + 1) => {
                Replay::Complete(self.ring.after(n).collect())
            }
            _ => Replay::Lost,
        }
    }
}

/// A session that fell behind has sent everything it had queued: queue
/// what it missed, topic by topic from where each stopped, up to the
/// queue's size (the next round follows when it has sent that too). With
/// `cut_loose` (the client had stopped reading), `resync` instead.
#[derive(Message)]
#[rtype(result = "()")]
pub struct CatchUp {
    pub session: u64,
    pub cut_loose: bool,
}

impl Handler<CatchUp> for TenantActor {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, m: CatchUp, _: &mut Context<Self>) -> Self::Result {
        let Some(from) = self.sessions.get(m.session).and_then(|e| e.lagging_from()) else {
            return AtomicResponse::new(Box::pin(actix::fut::ready(())));
        };
        let (db, last, ring_start) = (self.db.clone(), self.last_seq, self.ring.start());
        let cut_loose = m.cut_loose;
        let fut = async move {
            if cut_loose {
                return Ok(None);
            }
            if !needs_log(Some(from), last, ring_start) {
                return Ok(Some(Vec::new()));
            }
            let mut tx = db.begin_read().await?;
            let rows = history(&mut tx, from, last).await?;
            let _ = tx.rollback().await;
            Ok::<_, crate::storage::StorageError>(rows)
        };
        // Like a subscription's replay: read first, then queue in one step
        // of the actor, before any later event is handed out.
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(move |res, act, _| {
            let from_log = match res {
                Ok(rows) => rows,
                Err(e) => {
                    // The socket asks again on its next tick.
                    tracing::warn!(tenant = %act.tenant.slug, error = %e, "catching a session up failed");
                    return;
                }
            };
            let replay = match cut_loose {
                true => Replay::Lost,
                false => act.replay(Some(from), from_log),
            };
            let (last, tenant) = (act.last_seq, act.tenant.clone());
            let children = &act.children;
            let Some(entry) = act.sessions.get_mut(m.session) else {
                return;
            };
            let figures = |t: Topic| match t {
                Topic::Dashboard(board) => children.current(board),
                _ => None,
            };
            let resynced = entry.catch_up(&replay, last, &tenant, figures);
            if resynced > 0 {
                let label = crate::telemetry_metrics::tenant_label(tenant.slug.as_str());
                metrics::counter!("mandant_ws_slow_clients_total", "tenant" => label).increment(1);
            }
        })))
    }
}

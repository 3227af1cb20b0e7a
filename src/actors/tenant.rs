//! One tenant's real-time hub: its WebSocket sessions, their topics, and
//! the pump that moves committed events from the event log to them.
//!
//! The log is the only source: the pump reads what was committed after the
//! last number it delivered, so a session sees events in `seq` order with
//! no gap, whichever node wrote them. A subscription with `since` replays
//! from the in-memory ring (or the log) inside the same atomic step that
//! registers it, so hand-over from replay to live has no gap and no overlap.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use actix::prelude::*;
use tokio::sync::mpsc;

use super::protocol;
use super::topics::Topic;
use crate::domain::tenant::{Tenant, TenantId};
use crate::identity::Principal;
use crate::records::events::{audience, redacted};
use crate::storage::events::EventRow;
use crate::storage::{StorageError, TenantDb, events, records};
use crate::support::dashboards::{Board, DashboardActor, Figures};
use crate::support::queue::{self, QueueActor};

/// Recent events kept for resumes without a database read.
const RING: usize = 4096;
/// A resume further back than this is answered with `resync`.
const MAX_REPLAY: i64 = 5000;
const IDLE_STOP: Duration = Duration::from_secs(60);
/// Seconds between safety reads of the log while notices flow.
const SAFETY_TICKS: u32 = 10;

pub type Frame = Arc<str>;

/// A presence entry expires unless refreshed within this time.
const PRESENCE_TTL: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PresenceState {
    Idle,
    Viewing,
    Editing,
}

impl PresenceState {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "idle" => Some(Self::Idle),
            "viewing" => Some(Self::Viewing),
            "editing" => Some(Self::Editing),
            _ => None,
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Viewing => "viewing",
            Self::Editing => "editing",
        }
    }
}

struct Member {
    user_id: uuid::Uuid,
    name: String,
    state: PresenceState,
    at: Instant,
}

struct SessionEntry {
    out: mpsc::Sender<Frame>,
    principal: Arc<Principal>,
    topics: Vec<Topic>,
    /// Set when the session's queue was full: it gets `resync` and must
    /// resubscribe; nothing more is queued for it until then.
    overflow: Arc<AtomicBool>,
    /// Wakes the session to re-check its principal.
    recheck: Arc<tokio::sync::Notify>,
}

pub struct TenantActor {
    tenant: Arc<Tenant>,
    db: TenantDb,
    last_seq: i64,
    ring: VecDeque<Arc<EventRow>>,
    sessions: HashMap<u64, SessionEntry>,
    empty_since: Option<Instant>,
    /// topic name → session → who is there.
    presence: HashMap<String, HashMap<u64, Member>>,
    on_stop: Option<Box<dyn FnOnce(TenantId) + Send>>,
    rt: Weak<super::Realtime>,
    /// The tenant's queue actors, by queue id.
    queues: HashMap<uuid::Uuid, Addr<QueueActor>>,
    /// Queues with timers or routing pending: the hub stays up for them.
    armed: HashSet<uuid::Uuid>,
    ticks: u32,
    /// Live dashboards, started by their first subscriber, and the last
    /// figures each pushed (what a new subscriber gets at once).
    dashboards: HashMap<Board, Addr<DashboardActor>>,
    figures: HashMap<Board, Frame>,
}

impl TenantActor {
    pub fn new(
        tenant: Arc<Tenant>,
        db: TenantDb,
        head: i64,
        on_stop: Box<dyn FnOnce(TenantId) + Send>,
        rt: Weak<super::Realtime>,
    ) -> Self {
        Self {
            tenant,
            db,
            last_seq: head,
            ring: VecDeque::new(),
            sessions: HashMap::new(),
            empty_since: Some(Instant::now()),
            presence: HashMap::new(),
            on_stop: Some(on_stop),
            rt,
            queues: HashMap::new(),
            armed: HashSet::new(),
            ticks: 0,
            dashboards: HashMap::new(),
            figures: HashMap::new(),
        }
    }

    fn start_queue(&mut self, id: uuid::Uuid, ctx: &mut Context<Self>) {
        if !self.queues.contains_key(&id) {
            let hub = ctx.address();
            let q = QueueActor::new(
                self.db.clone(),
                id,
                queue::QueueReports {
                    moved: hub.clone().recipient(),
                    armed: hub.clone().recipient(),
                    wrote: hub.recipient(),
                },
            );
            self.queues.insert(id, q.start());
        }
    }

    /// Hands a batch of committed events to the queues (starting and
    /// stopping queue actors as queues come and go).
    fn observe(&mut self, batch: Vec<Arc<EventRow>>, ctx: &mut Context<Self>) {
        for e in batch.iter().filter(|e| e.kind == "queue") {
            if e.event_type == "queue.deleted" {
                if let Some(q) = self.queues.remove(&e.record_id) {
                    q.do_send(queue::Stop);
                }
                self.armed.remove(&e.record_id);
            } else {
                self.start_queue(e.record_id, ctx);
            }
        }
        let batch = Arc::new(batch);
        // The queues live on this hub's thread and take one message per
        // pumped batch, so their backlog is bounded by the pump's pace.
        for q in self.queues.values() {
            q.do_send(queue::Observe(batch.clone()));
        }
        for d in self.dashboards.values() {
            d.do_send(queue::Observe(batch.clone()));
        }
    }

    /// Subscribes a session to a dashboard: no replay, the current figures
    /// at once (when there are any yet), then every coalesced update.
    fn subscribe_dashboard(
        &mut self,
        s: Subscribe,
        board: Board,
        ctx: &mut Context<Self>,
    ) -> Result<(), Refused> {
        let entry = self
            .sessions
            .get_mut(&s.session)
            .ok_or_else(|| Refused("not_found", "unknown session".into()))?;
        if let Some(why) = board.refusal(&entry.principal) {
            return Err(Refused("forbidden", why));
        }
        entry.overflow.store(false, Ordering::Relaxed);
        if !entry.topics.contains(&s.topic) {
            entry.topics.push(s.topic);
        }
        let name = s.topic.name();
        Self::push(
            entry,
            protocol::subscribed(s.id.as_deref(), &name, self.last_seq, true).into(),
        );
        if let Some(f) = self.figures.get(&board) {
            Self::push(entry, f.clone());
        }
        if !self.dashboards.contains_key(&board) {
            let d = DashboardActor::new(board, self.db.clone(), ctx.address().recipient()).start();
            self.dashboards.insert(board, d);
        }
        Ok(())
    }

    /// Tells the nodes that agents with live sockets here are connected;
    /// when one of them was not, every node's queues route again at once.
    fn touch_agents(&mut self, only: Option<uuid::Uuid>) {
        let users: Vec<uuid::Uuid> = self
            .sessions
            .values()
            .filter(|s| only.is_none_or(|u| u == s.principal.user_id))
            .filter(|s| s.principal.has("tickets:assign"))
            .map(|s| s.principal.user_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if users.is_empty() {
            return;
        }
        let (db, rt, tenant) = (self.db.clone(), self.rt.clone(), self.tenant.id);
        actix::spawn(async move {
            match crate::support::agents::touch(&db, &users).await {
                Ok(true) => {
                    if let Some(rt) = rt.upgrade() {
                        rt.agents_changed(tenant);
                    }
                }
                Ok(false) => {}
                Err(e) => tracing::debug!(error = %e, "agent presence refresh failed"),
            }
        });
    }

    /// Sends `frame` to one session; a full queue marks it overflowed.
    fn push(entry: &mut SessionEntry, frame: Frame) -> bool {
        if entry.overflow.load(Ordering::Relaxed) {
            return false;
        }
        match entry.out.try_send(frame) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                entry.overflow.store(true, Ordering::Relaxed);
                entry.topics.clear();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Delivers one event to every session, once under each of its topics
    /// that matches (a view of `tickets` and one of `ticket:<id>` each get
    /// it, as each resumes from its own `seq`), if the session may read it.
    /// Each distinct (topic, hidden fields) is encoded once.
    fn fan_out(&mut self, e: &EventRow) {
        // Keyed by (topic, hidden fields): most sessions share one entry, so
        // the event is encoded once and only a pointer is queued per session.
        let mut frames: HashMap<(Topic, BTreeSet<String>), Frame> = HashMap::new();
        let mut delivered = 0u64;
        for entry in self.sessions.values_mut() {
            // Who may read it is asked once per session, at its first
            // matching topic (most sessions match none).
            let mut hidden: Option<Option<BTreeSet<String>>> = None;
            for i in 0..entry.topics.len() {
                let topic = entry.topics[i];
                if !topic.matches(&e.kind, e.record_id, &e.data.0) {
                    continue;
                }
                let Some(h) = hidden.get_or_insert_with(|| audience(&entry.principal, e)) else {
                    break;
                };
                let frame = frames
                    .entry((topic, h.clone()))
                    .or_insert_with_key(|(topic, hidden)| {
                        protocol::event(&topic.name(), e.seq, &e.event_type, &redacted(e, hidden))
                            .into()
                    })
                    .clone();
                delivered += u64::from(Self::push(entry, frame));
            }
        }
        if delivered > 0 {
            let label = crate::telemetry_metrics::tenant_label(self.tenant.slug.as_str());
            metrics::counter!("mandant_ws_events_delivered_total", "tenant" => label)
                .increment(delivered);
        }
    }

    /// Tells everyone subscribed to `topic` who is there now (one entry per
    /// user, with their most active state across tabs).
    fn broadcast_presence(&mut self, topic: &str) {
        let mut by_user: HashMap<uuid::Uuid, (&str, PresenceState)> = HashMap::new();
        if let Some(members) = self.presence.get(topic) {
            for m in members.values() {
                let e = by_user.entry(m.user_id).or_insert((&m.name, m.state));
                e.1 = e.1.max(m.state);
            }
        }
        let mut list: Vec<_> = by_user
            .into_iter()
            .map(|(id, (name, state))| serde_json::json!({"user_id": id, "name": name, "state": state.as_str()}))
            .collect();
        list.sort_by(|a, b| a["user_id"].as_str().cmp(&b["user_id"].as_str()));
        let frame: Frame = serde_json::json!({"type": "presence", "topic": topic, "members": list})
            .to_string()
            .into();
        for entry in self.sessions.values_mut() {
            if entry.topics.iter().any(|t| t.name() == topic) {
                Self::push(entry, frame.clone());
            }
        }
    }

    /// Removes a session from every topic's presence and tells the others.
    fn leave_presence(&mut self, session: u64, only: Option<&str>) {
        let topics: Vec<String> = self
            .presence
            .iter_mut()
            .filter(|(t, _)| only.is_none_or(|o| o == t.as_str()))
            .filter_map(|(t, m)| m.remove(&session).map(|_| t.clone()))
            .collect();
        self.presence.retain(|_, m| !m.is_empty());
        for t in topics {
            self.broadcast_presence(&t);
        }
    }

    fn remember(&mut self, e: Arc<EventRow>) {
        if self.ring.len() == RING {
            self.ring.pop_front();
        }
        self.ring.push_back(e);
    }

    /// Reads what was committed after `last_seq` and delivers it, in order.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        let db = self.db.clone();
        let since = self.last_seq;
        let fut = async move {
            let mut tx = db.begin_read().await?;
            let rows = events::since(&mut tx, since, 500).await?;
            tx.rollback().await?;
            Ok::<_, StorageError>(rows)
        };
        ctx.wait(fut.into_actor(self).map(|res, act, ctx| match res {
            Ok(rows) => {
                let more = rows.len() == 500;
                act.deliver(rows.into_iter().map(Arc::new), ctx);
                if more {
                    act.pump(ctx);
                }
            }
            Err(e) => tracing::warn!(tenant = %act.tenant.slug, error = %e, "event pump failed; retrying on the next tick"),
        }));
    }

    /// Delivers events in `seq` order, skipping what was delivered already.
    fn deliver(&mut self, rows: impl Iterator<Item = Arc<EventRow>>, ctx: &mut Context<Self>) {
        let mut batch = Vec::with_capacity(rows.size_hint().0);
        for e in rows {
            if e.seq <= self.last_seq {
                continue;
            }
            self.last_seq = e.seq;
            self.fan_out(&e);
            self.remember(e.clone());
            batch.push(e);
        }
        if !batch.is_empty() {
            self.observe(batch, ctx);
        }
    }
}

impl Actor for TenantActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // Bounded: callers that must not wait use try_send.
        ctx.set_mailbox_capacity(1024);
        let db = self.db.clone();
        let load = async move {
            let mut tx = db.begin_read().await?;
            let ids = records::ids_of_kind(&mut tx, "queue").await?;
            tx.rollback().await?;
            Ok::<_, StorageError>(ids)
        };
        // `wait`, not `spawn`: the load holds a pooled connection, and a
        // spawned future is only polled while no `wait` future is pending.
        // Spawned, it could be starved by pumps and subscriptions (waits)
        // that queue for a connection: with a thousand hubs starting at
        // once, every connection of the pool ended up held by a starved
        // load and the node stopped (found by `loadtest`, crm-pg).
        ctx.wait(load.into_actor(self).map(|res, act, ctx| match res {
            Ok(ids) => ids.into_iter().for_each(|id| act.start_queue(id, ctx)),
            Err(e) => {
                tracing::warn!(tenant = %act.tenant.slug, error = %e, "queues failed to load")
            }
        }));
        // Notices drive the pump; reading the log on a tick is the safety
        // net for one that was lost. While this node cannot hear the
        // others (Redis reconnecting) it reads every second; otherwise only
        // a publish that failed on another node can be missed, so every
        // `SAFETY_TICKS`, spread over hubs: a read per hub per second was
        // most of what PostgreSQL did for a thousand tenants (loadtest crm-pg).
        let offset = self.tenant.id.0.as_u128() as u32;
        ctx.run_interval(Duration::from_secs(1), move |act, ctx| {
            let deaf = act.rt.upgrade().is_some_and(|rt| !rt.hears_others());
            if deaf || act.ticks.wrapping_add(offset) % SAFETY_TICKS == 0 {
                act.pump(ctx);
            }
            let stale: Vec<(String, u64)> = act
                .presence
                .iter()
                .flat_map(|(t, m)| {
                    m.iter()
                        .filter(|(_, v)| v.at.elapsed() > PRESENCE_TTL)
                        .map(move |(s, _)| (t.clone(), *s))
                })
                .collect();
            for (t, s) in stale {
                act.leave_presence(s, Some(&t));
            }
            act.ticks = act.ticks.wrapping_add(1);
            if act.ticks % 30 == 0 {
                act.touch_agents(None);
            }
            match act.empty_since {
                Some(t)
                    if act.sessions.is_empty()
                        && act.armed.is_empty()
                        && t.elapsed() > IDLE_STOP =>
                {
                    ctx.stop()
                }
                _ => {}
            }
        });
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        for q in self.queues.values() {
            q.do_send(queue::Stop);
        }
        for d in self.dashboards.values() {
            d.do_send(crate::support::dashboards::Stop);
        }
        if let Some(f) = self.on_stop.take() {
            f(self.tenant.id);
        }
    }
}

/// Events up to `seq` were committed (this node or another).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Committed(pub i64);

impl Handler<Committed> for TenantActor {
    type Result = ();
    fn handle(&mut self, msg: Committed, ctx: &mut Context<Self>) {
        if msg.0 > self.last_seq {
            self.pump(ctx);
        }
    }
}

/// A write on this node committed these events (consecutive numbers, in
/// order), as it appended them.
#[derive(Message)]
#[rtype(result = "()")]
pub struct CommittedEvents(pub Vec<Arc<EventRow>>);

impl Handler<CommittedEvents> for TenantActor {
    type Result = ();
    fn handle(&mut self, msg: CommittedEvents, ctx: &mut Context<Self>) {
        let Some(last) = msg.0.last().map(|e| e.seq) else {
            return;
        };
        if last <= self.last_seq {
            return;
        }
        // Numbers follow commit order, so when these continue what was
        // delivered, nothing committed in between is missing and the log
        // has nothing more to say: deliver them without reading them back.
        // A gap means another write committed first and its notice is yet
        // to come (or came from another node): the log fills it.
        match msg.0.first() {
            Some(first) if first.seq <= self.last_seq + 1 => self.deliver(msg.0.into_iter(), ctx),
            _ => self.pump(ctx),
        }
    }
}

#[derive(Message)]
#[rtype(result = "i64")]
pub struct Join {
    pub id: u64,
    pub principal: Arc<Principal>,
    pub out: mpsc::Sender<Frame>,
    pub overflow: Arc<AtomicBool>,
    pub recheck: Arc<tokio::sync::Notify>,
}

impl Handler<Join> for TenantActor {
    type Result = i64;
    fn handle(&mut self, j: Join, _: &mut Context<Self>) -> i64 {
        self.empty_since = None;
        let user = j.principal.user_id;
        // A user with a socket here already was seen just now (and the tick
        // keeps them seen): a console wall of one user, or a storm of
        // reconnects, must not become a write per socket on one row.
        let seen = self.sessions.values().any(|s| s.principal.user_id == user);
        self.sessions.insert(
            j.id,
            SessionEntry {
                out: j.out,
                principal: j.principal,
                topics: Vec::new(),
                overflow: j.overflow,
                recheck: j.recheck,
            },
        );
        if !seen {
            self.touch_agents(Some(user));
        }
        self.last_seq
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct Leave(pub u64);

impl Handler<Leave> for TenantActor {
    type Result = ();
    fn handle(&mut self, l: Leave, _: &mut Context<Self>) {
        self.sessions.remove(&l.0);
        self.leave_presence(l.0, None);
        if self.sessions.is_empty() {
            self.empty_since = Some(Instant::now());
        }
    }
}

/// A session's principal was re-read (role change, re-authentication).
#[derive(Message)]
#[rtype(result = "()")]
pub struct UpdatePrincipal(pub u64, pub Arc<Principal>);

impl Handler<UpdatePrincipal> for TenantActor {
    type Result = ();
    fn handle(&mut self, m: UpdatePrincipal, _: &mut Context<Self>) {
        if let Some(s) = self.sessions.get_mut(&m.0) {
            s.principal = m.1;
        }
    }
}

/// Why a subscription was refused: an `error` frame's code and message.
#[derive(Debug)]
pub struct Refused(pub &'static str, pub String);

#[derive(Message)]
#[rtype(result = "Result<(), Refused>")]
pub struct Subscribe {
    pub session: u64,
    pub id: Option<String>,
    pub topic: Topic,
    pub since: Option<i64>,
}

impl Handler<Subscribe> for TenantActor {
    type Result = AtomicResponse<Self, Result<(), Refused>>;

    fn handle(&mut self, s: Subscribe, ctx: &mut Context<Self>) -> Self::Result {
        if let Topic::Dashboard(board) = s.topic {
            let res = self.subscribe_dashboard(s, board, ctx);
            return AtomicResponse::new(Box::pin(actix::fut::ready(res)));
        }
        let db = self.db.clone();
        let principal = self.sessions.get(&s.session).map(|e| e.principal.clone());
        let since = s.since;
        let last = self.last_seq;
        let ring_start = self.ring.front().map(|e| e.seq);
        let topic = s.topic;
        // Everything async happens first; the registration and replay then
        // happen in one step of the actor, before any later event is pumped.
        let fut = async move {
            let p = principal.ok_or_else(|| Refused("not_found", "unknown session".into()))?;
            let kind = crate::records::schema::by_kind(topic.kind())
                .ok_or_else(|| Refused("invalid_topic", "unknown topic".into()))?;
            if !p.has(&kind.read_perm()) {
                return Err(Refused(
                    "forbidden",
                    format!("This topic needs the permission {}.", kind.read_perm()),
                ));
            }
            let single = match &topic {
                Topic::Ticket(id) => Some(("ticket", *id)),
                Topic::Record(k, id) => Some((*k, *id)),
                Topic::Pipeline(id) => Some(("pipeline", *id)),
                Topic::Queue(id) => Some(("queue", *id)),
                Topic::Kind(_) | Topic::Dashboard(_) => None,
            };
            let replay_from_log = matches!(since, Some(n) if n < last
                && ring_start.is_none_or(|r| r > n + 1)
                && last - n <= MAX_REPLAY);
            // A whole kind without `since` (the common case: a console
            // opening) needs nothing from the database; a read transaction
            // per subscription made the connect storm queue for the pool.
            if single.is_none() && !replay_from_log {
                return Ok((p, Some(Vec::new())));
            }
            let mut tx = db
                .begin_read()
                .await
                .map_err(|e| Refused("unavailable", e.to_string()))?;
            if let Some((k, id)) = single {
                let row = records::get(&mut tx, k, id)
                    .await
                    .map_err(|e| Refused("unavailable", e.to_string()))?;
                let visible = row.is_some_and(|r| {
                    let meta = crate::identity::RecordMeta {
                        people: r.people.0.clone(),
                        teams: r.team_id.into_iter().collect(),
                    };
                    let perm = crate::records::schema::by_kind(k)
                        .map(|d| d.read_perm())
                        .unwrap_or_default();
                    // Pipelines and queues are all-or-nothing; records by scope.
                    matches!(
                        p.decide(&perm, &meta),
                        crate::identity::Decision::Allow { .. }
                    )
                });
                if !visible {
                    return Err(Refused("not_found", "No such record.".into()));
                }
            }
            // Replay what the ring does not hold from the log.
            let replay = match since {
                Some(n)
                    if n < last
                        && ring_start.is_none_or(|r| r > n + 1)
                        && last - n <= MAX_REPLAY =>
                {
                    let oldest = events::oldest(&mut tx)
                        .await
                        .map_err(|e| Refused("unavailable", e.to_string()))?;
                    if oldest.is_none_or(|o| o > n + 1) {
                        None // trimmed: cannot recover
                    } else {
                        let rows = events::since(&mut tx, n, MAX_REPLAY)
                            .await
                            .map_err(|e| Refused("unavailable", e.to_string()))?;
                        Some(
                            rows.into_iter()
                                .filter(|r| r.seq <= last)
                                .map(Arc::new)
                                .collect::<Vec<_>>(),
                        )
                    }
                }
                _ => Some(Vec::new()),
            };
            let _ = tx.rollback().await;
            Ok((p, replay))
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(move |res, act, _| {
            let (p, from_log) = res?;
            let entry = act
                .sessions
                .get_mut(&s.session)
                .ok_or_else(|| Refused("not_found", "unknown session".into()))?;
            let name = s.topic.name();
            let (events, recovered): (Vec<Arc<EventRow>>, bool) = match since {
                None => (Vec::new(), true),
                Some(n) if n >= act.last_seq => (Vec::new(), true),
                Some(n) if act.last_seq - n > MAX_REPLAY => (Vec::new(), false),
                Some(n) => match from_log {
                    Some(rows) if !rows.is_empty() => {
                        // Log up to `last` at request time, then the ring for anything pumped since.
                        let upto = rows.last().map_or(n, |r| r.seq);
                        let mut all = rows;
                        all.extend(act.ring.iter().filter(|e| e.seq > upto).cloned());
                        (all, true)
                    }
                    Some(_) => {
                        let covered = act.ring.front().is_some_and(|e| e.seq <= n + 1);
                        (
                            act.ring.iter().filter(|e| e.seq > n).cloned().collect(),
                            covered,
                        )
                    }
                    None => (Vec::new(), false),
                },
            };
            entry.overflow.store(false, Ordering::Relaxed);
            if !entry.topics.contains(&s.topic) {
                entry.topics.push(s.topic);
            }
            TenantActor::push(
                entry,
                protocol::subscribed(s.id.as_deref(), &name, act.last_seq, recovered).into(),
            );
            if !recovered {
                TenantActor::push(
                    entry,
                    protocol::resync(&name, "history no longer reaches back to `since`").into(),
                );
                return Ok(());
            }
            for e in events {
                if e.seq > since.unwrap_or(i64::MAX)
                    && s.topic.matches(&e.kind, e.record_id, &e.data.0)
                    && let Some(hidden) = audience(&p, &e)
                {
                    TenantActor::push(
                        entry,
                        protocol::event(&name, e.seq, &e.event_type, &redacted(&e, &hidden)).into(),
                    );
                }
            }
            Ok(())
        })))
    }
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
        let removed = match self.sessions.get_mut(&u.session) {
            Some(e) => {
                let before = e.topics.len();
                e.topics.retain(|t| *t != u.topic);
                before != e.topics.len()
            }
            None => false,
        };
        self.leave_presence(u.session, Some(&u.topic.name()));
        removed
    }
}

/// For tests and metrics: how many sessions and the delivered head.
#[derive(Message)]
#[rtype(result = "(usize, i64)")]
pub struct Stats;

impl Handler<Stats> for TenantActor {
    type Result = MessageResult<Stats>;
    fn handle(&mut self, _: Stats, _: &mut Context<Self>) -> Self::Result {
        MessageResult((self.sessions.len(), self.last_seq))
    }
}

/// "I am viewing / editing / idle on this topic." Needs a subscription to
/// the topic, so presence is filtered exactly like its events.
#[derive(Message)]
#[rtype(result = "Result<(), Refused>")]
pub struct Presence {
    pub session: u64,
    pub topic: Topic,
    pub state: PresenceState,
}

impl Handler<Presence> for TenantActor {
    type Result = Result<(), Refused>;
    fn handle(&mut self, p: Presence, _: &mut Context<Self>) -> Self::Result {
        let entry = self
            .sessions
            .get(&p.session)
            .ok_or_else(|| Refused("not_found", "unknown session".into()))?;
        if !entry.topics.contains(&p.topic) {
            return Err(Refused(
                "not_subscribed",
                "Subscribe to the topic before announcing presence.".into(),
            ));
        }
        let member = Member {
            user_id: entry.principal.user_id,
            name: entry.principal.name.clone(),
            state: p.state,
            at: Instant::now(),
        };
        let name = p.topic.name();
        let changed = self
            .presence
            .get(&name)
            .and_then(|m| m.get(&p.session))
            .is_none_or(|old| old.state != p.state);
        self.presence
            .entry(name.clone())
            .or_default()
            .insert(p.session, member);
        if changed {
            self.broadcast_presence(&name);
        }
        Ok(())
    }
}

/// Test-only: makes the hub panic, to prove containment.
#[cfg(test)]
#[derive(Message)]
#[rtype(result = "()")]
pub struct Crash;

#[cfg(test)]
impl Handler<Crash> for TenantActor {
    type Result = ();
    fn handle(&mut self, _: Crash, _: &mut Context<Self>) {
        panic!("injected failure in tenant {}", self.tenant.slug);
    }
}

/// Sessions of this user (all, with `None`) re-check their principal.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Recheck(pub Option<uuid::Uuid>);

impl Handler<Recheck> for TenantActor {
    type Result = ();
    fn handle(&mut self, r: Recheck, _: &mut Context<Self>) {
        for s in self.sessions.values() {
            if r.0.is_none_or(|u| u == s.principal.user_id) {
                s.recheck.notify_one();
            }
        }
    }
}

impl Handler<queue::Moved> for TenantActor {
    type Result = ();
    /// Relays a queue position change to the queue's subscribers who may
    /// read the ticket.
    fn handle(&mut self, m: queue::Moved, _: &mut Context<Self>) {
        let topic = Topic::Queue(m.queue);
        let mut frame: Option<Frame> = None;
        for entry in self.sessions.values_mut() {
            if !entry.topics.contains(&topic) || audience(&entry.principal, &m.event).is_none() {
                continue;
            }
            let f = frame
                .get_or_insert_with(|| {
                    protocol::queue_moved(&topic.name(), m.event.seq, m.ticket, m.position, m.size)
                        .into()
                })
                .clone();
            Self::push(entry, f);
        }
    }
}

impl Handler<queue::Wrote> for TenantActor {
    type Result = ();
    fn handle(&mut self, m: queue::Wrote, _: &mut Context<Self>) {
        if let Some(rt) = self.rt.upgrade() {
            let (tenant, db) = (self.tenant.clone(), self.db.clone());
            actix::spawn(async move { rt.written(&tenant, &db, m.0).await });
        }
    }
}

impl Handler<queue::Armed> for TenantActor {
    type Result = ();
    fn handle(&mut self, m: queue::Armed, _: &mut Context<Self>) {
        if m.1 {
            self.armed.insert(m.0);
        } else {
            self.armed.remove(&m.0);
        }
    }
}

/// The tenant's directory entry changed (features, name, plan): the hub
/// keeps the new one, and subscriptions to topics of a feature now off
/// end with a frame that says so.
#[derive(Message)]
#[rtype(result = "()")]
pub struct TenantUpdated(pub Arc<Tenant>);

impl Handler<TenantUpdated> for TenantActor {
    type Result = ();
    fn handle(&mut self, m: TenantUpdated, _: &mut Context<Self>) {
        self.tenant = m.0;
        for entry in self.sessions.values_mut() {
            let (keep, gone): (Vec<Topic>, Vec<Topic>) = entry
                .topics
                .drain(..)
                .partition(|t| t.enabled_in(&self.tenant));
            entry.topics = keep;
            for t in gone {
                Self::push(
                    entry,
                    protocol::ended(
                        &t.name(),
                        "feature_disabled",
                        "This feature was switched off for the workspace.",
                    )
                    .into(),
                );
            }
        }
    }
}

impl Handler<Figures> for TenantActor {
    type Result = ();
    fn handle(&mut self, f: Figures, _: &mut Context<Self>) {
        let topic = Topic::Dashboard(f.board);
        let frame: Frame = protocol::dashboard(&topic.name(), f.seq, &f.data).into();
        self.figures.insert(f.board, frame.clone());
        for entry in self.sessions.values_mut() {
            // A principal may have lost the board since subscribing.
            if entry.topics.contains(&topic) && f.board.refusal(&entry.principal).is_none() {
                Self::push(entry, frame.clone());
            }
        }
    }
}

/// Agents' availability changed: the queues route again.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Reroute;

impl Handler<Reroute> for TenantActor {
    type Result = ();
    fn handle(&mut self, _: Reroute, _: &mut Context<Self>) {
        for q in self.queues.values() {
            q.do_send(queue::Reroute);
        }
    }
}

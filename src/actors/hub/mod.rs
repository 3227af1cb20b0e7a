//! One tenant's real-time hub: one actor that owns the tenant's sessions,
//! their topics and presence, and the pump that moves committed events
//! from the event log to them. It is one actor so that registering a
//! subscription, replaying to it and delivering the next event are steps
//! of one mailbox; its parts live beside it:
//!
//! - [`sessions`]: who is connected and the fan-out of an event;
//! - [`subscribe`]: subscriptions and replay (the ring);
//! - [`presence`]: who is viewing or editing what;
//! - [`children`]: the queue and dashboard actors the hub owns and feeds.
//!
//! The log is the only source: the pump reads what was committed after the
//! last number it delivered, so a session sees events in `seq` order with
//! no gap, whichever node wrote them.

mod children;
mod presence;
mod sessions;
mod subscribe;

use std::sync::Arc;
use std::sync::Weak;
use std::time::{Duration, Instant};

use actix::prelude::*;
use tokio::sync::mpsc;

use super::protocol;
use super::topics::Topic;
use crate::domain::code::Code;
use crate::domain::ids::QueueId;
use crate::domain::tenant::{Tenant, TenantId};
use crate::identity::Principal;
use crate::records::events::audience;
use crate::storage::events::EventRow;
use crate::storage::{StorageError, TenantDb, events, records};
use crate::support::dashboards::Figures;
use crate::support::queue;
use children::Children;
pub use presence::PresenceState;
use presence::{Member, PresenceTable};
pub use sessions::Behind;
use sessions::Sessions;
use subscribe::Ring;
pub use subscribe::{CatchUp, Subscribe, Unsubscribe};

const IDLE_STOP: Duration = Duration::from_secs(60);
/// Seconds between safety reads of the log while notices flow.
const SAFETY_TICKS: u32 = 10;

pub type Frame = Arc<str>;

/// Why a request of a session was refused: an `error` frame's code and
/// message.
#[derive(Debug)]
pub struct Refused(pub Code, pub String);

impl Refused {
    fn unknown_session() -> Self {
        Refused(Code::NotFound, "unknown session".into())
    }
}

pub struct TenantActor {
    tenant: Arc<Tenant>,
    db: TenantDb,
    last_seq: i64,
    ring: Ring,
    sessions: Sessions,
    presence: PresenceTable,
    children: Children,
    on_stop: Option<Box<dyn FnOnce(TenantId) + Send>>,
    rt: Weak<super::Realtime>,
    ticks: u32,
}

impl TenantActor {
    /// A hub for `tenant` whose log was delivered up to `head`; `ctx` is
    /// the context it will run in (its children report to its address).
    pub fn new(
        tenant: Arc<Tenant>,
        db: TenantDb,
        head: i64,
        on_stop: Box<dyn FnOnce(TenantId) + Send>,
        rt: Weak<super::Realtime>,
        ctx: &Context<Self>,
    ) -> Self {
        let me = ctx.address();
        let reports = queue::QueueReports {
            moved: me.clone().recipient(),
            armed: me.clone().recipient(),
            wrote: me.clone().recipient(),
        };
        Self {
            children: Children::new(db.clone(), reports, me.recipient()),
            tenant,
            db,
            last_seq: head,
            ring: Ring::default(),
            sessions: Sessions::new(head),
            presence: PresenceTable::default(),
            on_stop: Some(on_stop),
            rt,
            ticks: 0,
        }
    }

    /// Tells the nodes that agents with live sockets here are connected;
    /// when one of them was not, every node's queues route again at once.
    fn touch_agents(&mut self, only: Option<uuid::Uuid>) {
        let users = self.sessions.users_with("tickets:assign", only);
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

    /// Tells everyone subscribed to each of `topics` who is there now.
    fn broadcast_presence(&mut self, topics: Vec<Topic>) {
        for t in topics {
            let frame = self.presence.frame(t);
            self.sessions.send_to_topic(t, |_| true, || frame.clone());
        }
    }

    /// Removes a session from every topic's presence (or only `only`) and
    /// tells the others.
    fn leave_presence(&mut self, session: u64, only: Option<Topic>) {
        let changed = self.presence.leave(session, only);
        self.broadcast_presence(changed);
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
                act.deliver(rows.into_iter().map(Arc::new));
                if more {
                    act.pump(ctx);
                }
            }
            Err(e) => tracing::warn!(tenant = %act.tenant.slug, error = %e, "event pump failed; retrying on the next tick"),
        }));
    }

    /// Delivers events in `seq` order, skipping what was delivered already.
    fn deliver(&mut self, rows: impl Iterator<Item = Arc<EventRow>>) {
        let mut batch = Vec::with_capacity(rows.size_hint().0);
        let mut delivered = 0;
        let now = chrono::Utc::now();
        for e in rows {
            if e.seq <= self.last_seq {
                continue;
            }
            self.last_seq = e.seq;
            // From the write's commit to its hand-over to the sockets here
            // (each socket's send is its own task): what a live view lags.
            metrics::histogram!("mandant_delivery_latency_seconds")
                .record((now - e.at).num_microseconds().unwrap_or(0).max(0) as f64 / 1e6);
            delivered += self.sessions.fan_out(&e);
            self.ring.remember(e.clone());
            batch.push(e);
        }
        if delivered > 0 {
            let label = crate::telemetry_metrics::tenant_label(self.tenant.slug.as_str());
            metrics::counter!("mandant_ws_events_delivered_total", "tenant" => label)
                .increment(delivered);
        }
        if !batch.is_empty() {
            self.children.observe(batch);
        }
    }

    /// Once a second: the safety read, presence expiry, agents' liveness,
    /// and stopping when nobody has needed the hub for a while.
    fn tick(&mut self, ctx: &mut Context<Self>) {
        // Notices drive the pump; reading the log on a tick is the safety
        // net for one that was lost. While this node cannot hear the
        // others (Redis reconnecting) it reads every second; otherwise only
        // a publish that failed on another node can be missed, so every
        // `SAFETY_TICKS`, spread over hubs: a read per hub per second was
        // most of what PostgreSQL did for a thousand tenants (loadtest crm-pg).
        let offset = self.tenant.id.0.as_u128() as u32;
        let deaf = self.rt.upgrade().is_some_and(|rt| !rt.hears_others());
        if deaf || self.ticks.wrapping_add(offset).is_multiple_of(SAFETY_TICKS) {
            self.pump(ctx);
        }
        let expired = self.presence.expire();
        self.broadcast_presence(expired);
        self.ticks = self.ticks.wrapping_add(1);
        if self.ticks.is_multiple_of(30) {
            self.touch_agents(None);
        }
        if !self.children.busy() && self.sessions.empty_for().is_some_and(|d| d > IDLE_STOP) {
            ctx.stop()
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
        ctx.wait(load.into_actor(self).map(|res, act, _| {
            match res {
                Ok(ids) => ids
                    .into_iter()
                    .for_each(|id| act.children.start_queue(QueueId(id))),
                Err(e) => {
                    tracing::warn!(tenant = %act.tenant.slug, error = %e, "queues failed to load")
                }
            }
        }));
        ctx.run_interval(Duration::from_secs(1), |act, ctx| act.tick(ctx));
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        self.children.stop();
        if let Some(f) = self.on_stop.take() {
            f(self.tenant.id);
        }
    }
}

/// Where events travelling in a bus message are sealed for (bound to the
/// tenant too, by the key ring).
pub const BUS_PLACE: &str = "bus:events";

/// Events up to `seq` were committed (this node or another), and perhaps
/// the events themselves, sealed (from another node's bus message).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Committed(pub i64, pub Option<Arc<str>>);

impl Handler<Committed> for TenantActor {
    type Result = ();
    fn handle(&mut self, msg: Committed, ctx: &mut Context<Self>) {
        if msg.0 <= self.last_seq {
            return;
        }
        let carried = msg.1.and_then(|sealed| {
            let json = self.db.keys().ok()?.open(BUS_PLACE, &sealed).ok()?;
            serde_json::from_str::<Vec<EventRow>>(&json).ok()
        });
        match carried {
            // They continue what was delivered: nothing is missing.
            Some(rows) if rows.first().is_some_and(|e| e.seq <= self.last_seq + 1) => {
                metrics::counter!("mandant_bus_events_total", "via" => "message").increment(1);
                self.deliver(rows.into_iter().map(Arc::new));
            }
            _ => {
                metrics::counter!("mandant_bus_events_total", "via" => "log").increment(1);
                self.pump(ctx);
            }
        }
    }
}

/// A write on this node committed these events (consecutive numbers, in
/// order), as it appended them; the span is the write's (its request's),
/// so a trace follows the write into the delivery.
#[derive(Message)]
#[rtype(result = "()")]
pub struct CommittedEvents(pub Vec<Arc<EventRow>>, pub tracing::Span);

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
        let _span = crate::telemetry::exporting().then(|| {
            tracing::info_span!(parent: &msg.1, "hub.deliver", events = msg.0.len()).entered()
        });
        match msg.0.first() {
            Some(first) if first.seq <= self.last_seq + 1 => self.deliver(msg.0.into_iter()),
            _ => self.pump(ctx),
        }
    }
}

/// A session joins the hub: its outbound queue and the flags its socket
/// task watches. Answers the delivered head.
#[derive(Message)]
#[rtype(result = "i64")]
pub struct Join {
    pub id: u64,
    pub principal: Arc<Principal>,
    pub out: mpsc::Sender<Frame>,
    pub behind: Arc<Behind>,
    pub recheck: Arc<tokio::sync::Notify>,
}

impl Handler<Join> for TenantActor {
    type Result = i64;
    fn handle(&mut self, j: Join, _: &mut Context<Self>) -> i64 {
        let user = j.principal.user_id;
        // A user with a socket here already was seen just now (and the tick
        // keeps them seen): a console wall of one user, or a storm of
        // reconnects, must not become a write per socket on one row.
        if !self.sessions.join(j) {
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
        self.sessions.leave(l.0);
        self.leave_presence(l.0, None);
    }
}

/// A session's principal was re-read (role change, re-authentication).
#[derive(Message)]
#[rtype(result = "()")]
pub struct UpdatePrincipal(pub u64, pub Arc<Principal>);

impl Handler<UpdatePrincipal> for TenantActor {
    type Result = ();
    fn handle(&mut self, m: UpdatePrincipal, _: &mut Context<Self>) {
        self.sessions.update_principal(m.0, m.1);
    }
}

/// Something every session's client shows changed (`protocol::changed`).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Changed(pub String);

impl Handler<Changed> for TenantActor {
    type Result = ();
    fn handle(&mut self, m: Changed, _: &mut Context<Self>) {
        self.sessions.tell_all(protocol::changed(&m.0).into());
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
            .get(p.session)
            .ok_or_else(Refused::unknown_session)?;
        if !entry.topics.contains(&p.topic) {
            return Err(Refused(
                Code::NotSubscribed,
                "Subscribe to the topic before announcing presence.".into(),
            ));
        }
        let member = Member {
            user_id: entry.principal.user_id,
            name: entry.principal.name.clone(),
            state: p.state,
            at: Instant::now(),
        };
        if self.presence.set(p.topic, p.session, member) {
            self.broadcast_presence(vec![p.topic]);
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
        self.sessions.recheck(r.0);
    }
}

impl Handler<queue::Moved> for TenantActor {
    type Result = ();
    /// Relays a queue position change to the queue's subscribers who may
    /// read the ticket.
    fn handle(&mut self, m: queue::Moved, _: &mut Context<Self>) {
        let topic = Topic::Queue(m.queue);
        self.sessions.send_to_topic(
            topic,
            |p| audience(p, &m.event).is_some(),
            || {
                protocol::queue_moved(&topic.name(), m.event.seq, m.ticket, m.position, m.size)
                    .into()
            },
        );
    }
}

impl Handler<queue::Wrote> for TenantActor {
    type Result = ();
    /// A queue's decision committed: its events take the one write path.
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
        self.children.arm(m.0, m.1);
    }
}

/// The tenant's directory entry changed (features, name, plan): the hub
/// keeps the new one, and subscriptions to topics of a feature now off
/// end with a frame that says so.
#[derive(Message)]
#[rtype(result = "()")]
pub struct TenantUpdated(pub Arc<Tenant>);

/// The tenant was deleted: the hub stops.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Retire;

impl Handler<Retire> for TenantActor {
    type Result = ();
    fn handle(&mut self, _: Retire, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

impl Handler<TenantUpdated> for TenantActor {
    type Result = ();
    fn handle(&mut self, m: TenantUpdated, _: &mut Context<Self>) {
        self.tenant = m.0;
        self.sessions.end_disabled(&self.tenant);
    }
}

impl Handler<Figures> for TenantActor {
    type Result = ();
    fn handle(&mut self, f: Figures, _: &mut Context<Self>) {
        let topic = Topic::Dashboard(f.board);
        let frame: Frame = protocol::dashboard(&topic.name(), f.seq, &f.data).into();
        self.children.figures(f.board, frame.clone());
        // A principal may have lost the board since subscribing.
        self.sessions
            .send_to_topic(topic, |p| f.board.refusal(p).is_none(), || frame.clone());
    }
}

/// Answers the delivered head once the hub has read the log to its end
/// and its queues have nothing in flight (see `Realtime::settle`).
#[derive(Message)]
#[rtype(result = "i64")]
pub struct Settle;

impl Handler<Settle> for TenantActor {
    type Result = ResponseActFuture<Self, i64>;
    fn handle(&mut self, _: Settle, ctx: &mut Context<Self>) -> Self::Result {
        // The pump is a `wait`: the queues are asked once it has handed
        // them everything committed.
        self.pump(ctx);
        let queues = self.children.settle();
        Box::pin(queues.into_actor(self).map(|_, act, _| act.last_seq))
    }
}

/// Agents' availability changed: the queues route again.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Reroute;

impl Handler<Reroute> for TenantActor {
    type Result = ();
    fn handle(&mut self, _: Reroute, _: &mut Context<Self>) {
        self.children.reroute();
    }
}

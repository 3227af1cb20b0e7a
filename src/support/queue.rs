//! One ticket queue as an actor: its open, unassigned tickets in order
//! (priority, then SLA due instant, then age), a timer for the next SLA alarm or offer
//! expiry, and routing. It lives beside its tenant's hub, which feeds it
//! every committed event and relays its position changes to `queue:<id>`
//! subscribers.
//!
//! Nothing here is the only copy of anything: the tickets come from the
//! event log, and every decision is a version-checked write, so the same
//! actor on another node (or after a restart) fires each alarm once.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use actix::prelude::*;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::routing::Mode;
use super::tickets;
use crate::domain::ids::{QueueId, TicketId, UserId};
use crate::domain::sla::{Alarm, Metric, Sla};
use crate::records::core::{ticket_workflow, uuid_of};
use crate::records::workflow::TicketWorkflow;
use crate::storage::events::EventRow;
use crate::storage::records::{self, RecordRow};
use crate::storage::{StorageError, TenantDb, TenantTx};

/// At most this many waiting tickets are tried per routing pass, so a
/// queue nobody can serve costs a bounded amount of work per event.
const ROUTE_BATCH: usize = 20;

/// The queue order: most urgent first, then the nearest SLA due instant
/// (none last), then the oldest.
pub type Key = (u8, bool, DateTime<Utc>, DateTime<Utc>, Uuid);

pub fn order_key(id: Uuid, data: &Map<String, Value>) -> Key {
    let rank = match data.get("priority").and_then(Value::as_str) {
        Some("urgent") => 0,
        Some("high") => 1,
        Some("low") => 3,
        _ => 2,
    };
    let due = Sla::of(data).and_then(|s| s.next_due());
    let created = data
        .get("created_at")
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map_or(DateTime::<Utc>::MAX_UTC, |t| t.with_timezone(&Utc));
    (
        rank,
        due.is_none(),
        due.unwrap_or(DateTime::<Utc>::MAX_UTC),
        created,
        id,
    )
}

/// The open tickets of `queue`, from storage (assigned ones included).
pub async fn open_tickets(
    tx: &mut TenantTx,
    queue: QueueId,
    wf: &TicketWorkflow,
) -> Result<Vec<RecordRow>, StorageError> {
    let rows = records::where_field(tx, "ticket", "queue_id", &queue.to_string()).await?;
    Ok(rows
        .into_iter()
        .filter(|r| !wf.is_done(r.data.0.get("status").and_then(Value::as_str).unwrap_or("")))
        .collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Due {
    Sla(Metric, Alarm),
    OfferExpiry(Uuid),
}

struct Entry {
    /// In the queue's order while unassigned; an assigned ticket stays
    /// here only for its timers.
    key: Option<Key>,
    version: i64,
    dues: Vec<(DateTime<Utc>, Due)>,
    /// Unassigned with no live offer: routing's work.
    waiting: bool,
}

/// Where a queue reports to: its hub, as typed recipients, so that the
/// queue never holds the hub itself (real time flows one way: the hub owns
/// its children and feeds them; they answer by message).
#[derive(Clone)]
pub struct QueueReports {
    pub moved: Recipient<Moved>,
    pub armed: Recipient<Armed>,
    pub wrote: Recipient<Wrote>,
}

pub struct QueueActor {
    db: TenantDb,
    queue: QueueId,
    hub: QueueReports,
    mode: Mode,
    wf: TicketWorkflow,
    tickets: HashMap<Uuid, Entry>,
    order: BTreeSet<Key>,
    timers: BTreeSet<(DateTime<Utc>, Uuid, Due)>,
    timer: Option<SpawnHandle>,
    busy: HashSet<(Uuid, Due)>,
    routing: bool,
    /// A reason to route came while a pass was running (an agent came
    /// online after the pass read who is available): run once more.
    route_again: bool,
    armed: bool,
    /// Waiting for the queue to have nothing in flight ([`Settle`]).
    settling: Vec<tokio::sync::oneshot::Sender<()>>,
}

impl QueueActor {
    pub fn new(db: TenantDb, queue: QueueId, hub: QueueReports) -> Self {
        Self {
            db,
            queue,
            hub,
            mode: Mode::Manual,
            wf: TicketWorkflow::default(),
            tickets: HashMap::new(),
            order: BTreeSet::new(),
            timers: BTreeSet::new(),
            timer: None,
            busy: HashSet::new(),
            routing: false,
            route_again: false,
            armed: false,
            settling: Vec::new(),
        }
    }

    /// Takes in a ticket's latest state; returns whether it is (still) here.
    fn upsert(&mut self, id: Uuid, version: i64, data: &Map<String, Value>) -> Option<bool> {
        if self.tickets.get(&id).is_some_and(|e| e.version > version) {
            return None; // older than what we hold
        }
        self.remove(id);
        let status = data.get("status").and_then(Value::as_str).unwrap_or("");
        if uuid_of(data, "queue_id") != Some(self.queue.uuid()) || self.wf.is_done(status) {
            return Some(false);
        }
        let now = self.db.clock().now();
        let mut dues: Vec<(DateTime<Utc>, Due)> = Sla::of(data)
            .map(|s| {
                s.alarms()
                    .into_iter()
                    .map(|(at, m, a)| (at, Due::Sla(m, a)))
                    .collect()
            })
            .unwrap_or_default();
        let offer = tickets::offer_of(data, now);
        if let Some((user, until)) = offer {
            dues.push((until, Due::OfferExpiry(user)));
        }
        for (at, d) in &dues {
            self.timers.insert((*at, id, *d));
        }
        let unassigned = !data.contains_key("assignee_id");
        let key = unassigned.then(|| order_key(id, data));
        if let Some(k) = key {
            self.order.insert(k);
        }
        self.tickets.insert(
            id,
            Entry {
                key,
                version,
                dues,
                waiting: unassigned && offer.is_none(),
            },
        );
        Some(true)
    }

    fn remove(&mut self, id: Uuid) -> bool {
        let Some(e) = self.tickets.remove(&id) else {
            return false;
        };
        if let Some(k) = e.key {
            self.order.remove(&k);
        }
        for (at, d) in e.dues {
            self.timers.remove(&(at, id, d));
        }
        true
    }

    fn position(&self, id: Uuid) -> Option<usize> {
        let key = self.tickets.get(&id)?.key?;
        Some(self.order.range(..key).count())
    }

    fn arm(&mut self, ctx: &mut Context<Self>) {
        // A hub that died (a panic) takes its queues with it; the next
        // hub starts fresh ones from storage.
        if !self.hub.armed.connected() {
            ctx.stop();
            return;
        }
        if let Some(h) = self.timer.take() {
            ctx.cancel_future(h);
        }
        if let Some((at, _, _)) = self.timers.first() {
            let wait = self.db.clock().until(*at);
            self.timer = Some(ctx.run_later(wait, |act, ctx| {
                act.timer = None;
                act.on_timer(ctx);
            }));
        }
        // An alarm or offer being written counts: a hub that stopped
        // meanwhile would take this actor, and the write, with it.
        let armed = !self.timers.is_empty()
            || !self.busy.is_empty()
            || self.routing
            || (self.mode != Mode::Manual && self.tickets.values().any(|e| e.waiting));
        if armed != self.armed {
            self.armed = armed;
            self.hub.armed.do_send(Armed(self.queue, armed));
        }
    }

    /// Runs every alarm and expiry that is due by the clock now.
    fn on_timer(&mut self, ctx: &mut Context<Self>) {
        let now = self.db.clock().now();
        let due: Vec<(DateTime<Utc>, Uuid, Due)> = self
            .timers
            .iter()
            .take_while(|(at, _, _)| *at <= now)
            .filter(|(_, id, d)| !self.busy.contains(&(*id, *d)))
            .copied()
            .collect();
        for (at, id, d) in due {
            tracing::debug!(queue = %self.queue, ticket = %id, due = ?d, "timer due");
            // Done with this instant whatever happens: the ticket's next
            // event brings its next timers.
            self.timers.remove(&(at, id, d));
            self.busy.insert((id, d));
            let db = self.db.clone();
            let fut = async move {
                match d {
                    Due::Sla(m, a) => tickets::fire(&db, TicketId(id), m, a).await,
                    Due::OfferExpiry(user) => {
                        tickets::expire_offer(&db, TicketId(id), UserId(user)).await
                    }
                }
            };
            ctx.spawn(fut.into_actor(self).map(move |res, act, ctx| {
                act.busy.remove(&(id, d));
                match res {
                    // Still armed: the ticket's event, on its way back
                    // (`Observe`), brings its next timers and re-arms.
                    Ok(Some(events)) => act.announce(events),
                    Ok(None) => act.arm(ctx),
                    Err(e) => {
                        tracing::warn!(queue = %act.queue, error = %e, "queue timer failed; retrying in 5 s");
                        act.timers.insert((act.db.clock().now() + chrono::Duration::seconds(5), id, d));
                        act.arm(ctx);
                    }
                }
                act.settled();
            }));
        }
        self.arm(ctx);
    }

    /// The engine committed `events`: the hub hands them on the one way
    /// every write's events go (`Realtime::written`).
    fn announce(&self, events: Vec<Arc<EventRow>>) {
        self.hub.wrote.do_send(Wrote(events));
    }

    /// Offers the first waiting tickets in queue order, one at a time; the
    /// offer's own event brings the next pass.
    fn route(&mut self, ctx: &mut Context<Self>) {
        if self.mode == Mode::Manual {
            return;
        }
        if self.routing {
            self.route_again = true;
            return;
        }
        self.route_again = false;
        let waiting: Vec<Uuid> = self
            .order
            .iter()
            .filter(|k| self.tickets.get(&k.4).is_some_and(|e| e.waiting))
            .take(ROUTE_BATCH)
            .map(|k| k.4)
            .collect();
        if waiting.is_empty() {
            return;
        }
        self.routing = true;
        let (db, queue) = (self.db.clone(), self.queue);
        let fut = async move {
            for id in waiting {
                if let Some((_, events)) = tickets::offer_next(&db, queue, TicketId(id)).await? {
                    return Ok(Some(events));
                }
            }
            Ok::<_, crate::records::core::RecordError>(None)
        };
        self.arm(ctx);
        ctx.spawn(fut.into_actor(self).map(|res, act, ctx| {
            act.routing = false;
            match res {
                // The offer's event brings the next pass (and re-arms).
                Ok(Some(events)) => act.announce(events),
                Ok(None) => {
                    if act.route_again {
                        act.route(ctx);
                    }
                    act.arm(ctx);
                }
                Err(e) => {
                    tracing::warn!(queue = %act.queue, error = %e, "routing failed; retrying on the next event");
                    act.arm(ctx);
                }
            }
            act.settled();
        }));
    }

    /// Answers whoever waits for the queue to settle, once nothing (no
    /// alarm, expiry or routing pass) is in flight.
    fn settled(&mut self) {
        if self.busy.is_empty() && !self.routing {
            for w in self.settling.drain(..) {
                let _ = w.send(());
            }
        }
    }

    fn watch_clock(&mut self, mut rx: tokio::sync::watch::Receiver<u64>, ctx: &mut Context<Self>) {
        let fut = async move {
            let ok = rx.changed().await.is_ok();
            (rx, ok)
        };
        ctx.spawn(fut.into_actor(self).map(|(rx, ok), act, ctx| {
            if ok {
                act.on_timer(ctx);
                act.route(ctx);
                act.watch_clock(rx, ctx);
            }
        }));
    }
}

impl Actor for QueueActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        if self.db.clock().is_manual() {
            let rx = self.db.clock().watch();
            self.watch_clock(rx, ctx);
        }
        let (db, queue) = (self.db.clone(), self.queue);
        let load = async move {
            let mut tx = db.begin_read().await?;
            let wf = ticket_workflow(&mut tx)
                .await
                .map_err(|e| StorageError::Corrupt(e.to_string()))?;
            let q = records::get(&mut tx, "queue", queue.uuid()).await?;
            let rows = open_tickets(&mut tx, queue, &wf).await?;
            tx.rollback().await?;
            Ok::<_, StorageError>((wf, q, rows))
        };
        // Nothing else is handled until the queue is loaded; events that
        // raced the load are older or equal and are ignored by version.
        ctx.wait(load.into_actor(self).map(|res, act, ctx| match res {
            Ok((wf, q, rows)) => {
                act.wf = wf;
                act.mode = Mode::parse(
                    q.as_ref()
                        .and_then(|q| q.data.0.get("routing"))
                        .and_then(Value::as_str),
                );
                for r in rows {
                    let mut data = r.data.0.clone();
                    data.insert("created_at".into(), serde_json::json!(r.created_at));
                    act.upsert(r.id, r.version, &data);
                }
                act.on_timer(ctx);
                act.route(ctx);
            }
            Err(e) => {
                tracing::warn!(queue = %act.queue, error = %e, "queue failed to load; stopping");
                ctx.stop();
            }
        }));
    }
}

/// Committed events, in order, from the hub.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Observe(pub Arc<Vec<Arc<EventRow>>>);

impl Handler<Observe> for QueueActor {
    type Result = ();
    fn handle(&mut self, m: Observe, ctx: &mut Context<Self>) {
        for e in m.0.iter() {
            match e.kind.as_str() {
                "ticket" => {
                    let here = if e.gone() {
                        self.remove(e.record_id).then_some(false)
                    } else {
                        let Some(data) = e.data.0.as_object() else {
                            continue;
                        };
                        let version = data.get("version").and_then(Value::as_i64).unwrap_or(0);
                        let was = self.tickets.contains_key(&e.record_id);
                        match self.upsert(e.record_id, version, data) {
                            Some(true) => Some(true),
                            Some(false) if was => Some(false),
                            _ => None,
                        }
                    };
                    if let Some(here) = here {
                        let position = if here {
                            self.position(e.record_id)
                        } else {
                            None
                        };
                        self.hub.moved.do_send(Moved {
                            queue: self.queue,
                            ticket: TicketId(e.record_id),
                            position,
                            size: self.order.len(),
                            event: e.clone(),
                        });
                    }
                }
                "queue" if e.record_id == self.queue.uuid() => {
                    let routing = e.data.0.get("routing").and_then(Value::as_str);
                    self.mode = Mode::parse(routing);
                }
                _ => {}
            }
        }
        self.arm(ctx);
        self.route(ctx);
    }
}

/// A ticket's place in its queue changed (`position: None`: it left).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Moved {
    pub queue: QueueId,
    pub ticket: TicketId,
    pub position: Option<usize>,
    pub size: usize,
    pub event: Arc<EventRow>,
}

/// Whether the queue has timers or routing to do: while any queue is
/// armed, the hub stays up even with nobody connected.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Armed(pub QueueId, pub bool);

/// Events the engine committed, in order.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Wrote(pub Vec<Arc<EventRow>>);

/// The queue was deleted, or its hub stopped.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Stop;

impl Handler<Stop> for QueueActor {
    type Result = ();
    fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// Answers once the queue has nothing in flight, after doing what a move
/// of the clock makes it do (run what is due now, route what waits): what
/// happens next needs a new event or the clock to move. Tests ask this
/// instead of sleeping to prove that nothing happens.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Settle;

impl Handler<Settle> for QueueActor {
    type Result = ResponseFuture<()>;
    fn handle(&mut self, _: Settle, ctx: &mut Context<Self>) -> Self::Result {
        self.on_timer(ctx);
        self.route(ctx);
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.settling.push(tx);
        self.settled();
        Box::pin(async move {
            let _ = rx.await;
        })
    }
}

/// Agents' availability changed: try the waiting tickets again.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Reroute;

impl Handler<Reroute> for QueueActor {
    type Result = ();
    fn handle(&mut self, _: Reroute, ctx: &mut Context<Self>) {
        self.route(ctx);
    }
}

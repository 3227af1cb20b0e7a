//! Live dashboards: one actor per tenant and board beside the hub, fed the
//! same committed events as everyone else and kept incrementally. Pushes
//! are coalesced: at most one every 250 ms, and one at local midnight so
//! "today" and "this month" roll over without an event.

pub mod sales;
pub mod support;

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::domain::calendar::BusinessCalendar;
use crate::identity::Principal;
use crate::identity::permission::Scope;
use crate::identity::principal::hides;
use crate::records::core::ticket_workflow;
use crate::records::ticket_clocks::business_calendar;
use crate::records::workflow::TicketWorkflow;
use crate::storage::events::EventRow;
use crate::storage::records;
use crate::storage::{StorageError, TenantDb, TenantTx, events};
use crate::support::queue::Observe;

pub const FLUSH_EVERY: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Board {
    Support,
    Sales,
}

impl Board {
    pub fn parse(name: &str) -> Option<Board> {
        match name {
            "support" => Some(Board::Support),
            "sales" => Some(Board::Sales),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Board::Support => "support",
            Board::Sales => "sales",
        }
    }
    /// What the board's figures are computed from: a permission it needs
    /// at scope `all`, and the fields of that kind its figures use.
    fn sources(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            Board::Support => &[(
                "tickets:read",
                &["status", "priority", "assignee_id", "sla", "queue_id"],
            )],
            Board::Sales => &[
                (
                    "deals:read",
                    &[
                        "amount",
                        "currency",
                        "stage_id",
                        "stage_history",
                        "pipeline_id",
                    ],
                ),
                ("pipelines:read", &["name", "stages"]),
            ],
        }
    }

    /// Why `p` may not see this board, or `None` when they may. A board
    /// sums up every record of its kinds, so it is shown only to who may
    /// read all of them and every field its figures use; anyone else
    /// would learn totals of what they cannot read.
    pub fn refusal(self, p: &Principal) -> Option<String> {
        if !p.has("dashboards:read") {
            return Some("This needs the permission dashboards:read.".into());
        }
        for (perm, fields) in self.sources() {
            let Some(g) = p.grant(perm) else {
                return Some(format!("This board needs the permission {perm}."));
            };
            if g.scope != Scope::All {
                return Some(format!(
                    "This board sums up all records: it needs {perm} at scope all."
                ));
            }
            if let Some(f) = fields.iter().find(|f| hides(&g.hidden_fields, f)) {
                return Some(format!(
                    "This board uses the field {f:?}, which is hidden from you."
                ));
            }
        }
        None
    }

    /// The record kind whose feature the board belongs to.
    pub fn kind(self) -> &'static str {
        match self {
            Board::Support => "ticket",
            Board::Sales => "deal",
        }
    }
}

async fn all_of(
    tx: &mut TenantTx,
    kind: &str,
) -> Result<Vec<(Uuid, Map<String, Value>)>, StorageError> {
    Ok(records::of_kind(tx, kind)
        .await?
        .into_iter()
        .map(|r| {
            let mut d = r.data.0;
            d.insert("created_at".into(), serde_json::json!(r.created_at));
            (r.id, d)
        })
        .collect())
}

/// The board's figures recomputed from storage: what `GET
/// /dashboards/{name}` answers and what the live figures must equal.
pub async fn recompute(db: &TenantDb, board: Board) -> Result<Value, StorageError> {
    let mut tx = db.begin_read().await?;
    let cal = business_calendar(&mut tx)
        .await
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let now = db.clock().now();
    let out = match board {
        Board::Support => {
            let wf = ticket_workflow(&mut tx)
                .await
                .map_err(|e| StorageError::Corrupt(e.to_string()))?;
            let t = all_of(&mut tx, "ticket").await?;
            support::recompute(t.iter().map(|(id, d)| (*id, d)), &wf, now, &cal)
        }
        Board::Sales => {
            let p = all_of(&mut tx, "pipeline").await?;
            let d = all_of(&mut tx, "deal").await?;
            sales::recompute(
                p.iter().map(|(i, x)| (*i, x)),
                d.iter().map(|(i, x)| (*i, x)),
                now,
                &cal,
            )
        }
    };
    tx.rollback().await?;
    Ok(out)
}

enum State {
    Support(support::SupportBoard, TicketWorkflow),
    Sales(sales::SalesBoard),
}

impl State {
    fn apply(&mut self, e: &EventRow) {
        let data = e.data.0.as_object();
        let gone = e.gone();
        match (self, e.kind.as_str()) {
            (State::Support(b, wf), "ticket") => {
                b.apply(
                    e.record_id,
                    data.filter(|_| !gone).map(|d| support::facts(d, wf)),
                );
            }
            (State::Sales(b), "deal") => {
                b.apply_deal(e.record_id, data.filter(|_| !gone).and_then(sales::deal));
            }
            (State::Sales(b), "pipeline") => {
                b.apply_pipeline(e.record_id, data.filter(|_| !gone).map(sales::pipeline));
            }
            _ => {}
        }
    }
}

pub struct DashboardActor {
    board: Board,
    db: TenantDb,
    /// The hub's inbox for figures (the board never holds the hub).
    hub: Recipient<Figures>,
    state: Option<State>,
    cal: BusinessCalendar,
    last_seq: i64,
    flush: Option<SpawnHandle>,
    midnight: Option<SpawnHandle>,
}

impl DashboardActor {
    pub fn new(board: Board, db: TenantDb, hub: Recipient<Figures>) -> Self {
        Self {
            board,
            db,
            hub,
            state: None,
            cal: BusinessCalendar::default(),
            last_seq: 0,
            flush: None,
            midnight: None,
        }
    }

    fn push(&mut self, ctx: &mut Context<Self>) {
        self.flush = None;
        if !self.hub.connected() {
            ctx.stop();
            return;
        }
        let Some(state) = &self.state else { return };
        let now = self.db.clock().now();
        let data = match state {
            State::Support(b, _) => b.snapshot(now, &self.cal),
            State::Sales(b) => b.snapshot(now, &self.cal),
        };
        self.hub.do_send(Figures {
            board: self.board,
            seq: self.last_seq,
            data: Arc::new(data),
        });
        if let Some(h) = self.midnight.take() {
            ctx.cancel_future(h);
        }
        let wait = self.db.clock().until(self.cal.next_midnight(now));
        self.midnight = Some(ctx.run_later(wait, |act, ctx| {
            act.midnight = None;
            act.push(ctx);
        }));
    }

    fn soon(&mut self, ctx: &mut Context<Self>) {
        if self.flush.is_none() {
            self.flush = Some(ctx.run_later(FLUSH_EVERY, |act, ctx| act.push(ctx)));
        }
    }
}

impl Actor for DashboardActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let (db, board) = (self.db.clone(), self.board);
        // The head is read first: any change after it arrives as an event
        // carrying the record's full state, so applying it again is safe.
        let load = async move {
            let mut tx = db.begin_read().await?;
            let head = events::head(&mut tx).await?;
            let cal = business_calendar(&mut tx)
                .await
                .map_err(|e| StorageError::Corrupt(e.to_string()))?;
            let state = match board {
                Board::Support => {
                    let wf = ticket_workflow(&mut tx)
                        .await
                        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
                    let mut b = support::SupportBoard::default();
                    for (id, d) in all_of(&mut tx, "ticket").await? {
                        b.apply(id, Some(support::facts(&d, &wf)));
                    }
                    State::Support(b, wf)
                }
                Board::Sales => {
                    let mut b = sales::SalesBoard::default();
                    for (id, d) in all_of(&mut tx, "pipeline").await? {
                        b.apply_pipeline(id, Some(sales::pipeline(&d)));
                    }
                    for (id, d) in all_of(&mut tx, "deal").await? {
                        b.apply_deal(id, sales::deal(&d));
                    }
                    State::Sales(b)
                }
            };
            tx.rollback().await?;
            Ok::<_, StorageError>((head, cal, state))
        };
        ctx.wait(load.into_actor(self).map(|res, act, ctx| match res {
            Ok((head, cal, state)) => {
                act.last_seq = head;
                act.cal = cal;
                act.state = Some(state);
                act.push(ctx);
            }
            Err(e) => {
                tracing::warn!(board = act.board.name(), error = %e, "dashboard failed to load");
                ctx.stop();
            }
        }));
    }
}

impl Handler<Observe> for DashboardActor {
    type Result = ();
    fn handle(&mut self, m: Observe, ctx: &mut Context<Self>) {
        let Some(state) = self.state.as_mut() else {
            return;
        };
        let mut changed = false;
        for e in m.0.iter() {
            if e.seq > self.last_seq {
                state.apply(e);
                self.last_seq = e.seq;
                changed = true;
            }
        }
        if changed {
            self.soon(ctx);
        }
    }
}

/// A board's current figures, for the hub to send to its subscribers.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Figures {
    pub board: Board,
    pub seq: i64,
    pub data: Arc<Value>,
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct Stop;

impl Handler<Stop> for DashboardActor {
    type Result = ();
    fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

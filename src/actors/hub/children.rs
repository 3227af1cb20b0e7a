//! The hub's children: one actor per ticket queue (routing, SLA timers)
//! and one per live dashboard. The hub owns them and feeds them every
//! committed batch; they answer through the typed recipients they were
//! given, never through the hub's address.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use actix::prelude::*;

use super::Frame;
use crate::domain::ids::QueueId;
use crate::storage::TenantDb;
use crate::storage::events::EventRow;
use crate::support::dashboards::{self, Board, DashboardActor, Figures};
use crate::support::queue::{self, QueueActor, QueueReports};

pub(super) struct Children {
    db: TenantDb,
    queue_reports: QueueReports,
    figures_to: Recipient<Figures>,
    queues: HashMap<QueueId, Addr<QueueActor>>,
    /// Queues with timers or routing pending: the hub stays up for them.
    armed: HashSet<QueueId>,
    dashboards: HashMap<Board, Addr<DashboardActor>>,
    /// The last figures each board pushed (what a new subscriber gets at once).
    figures: HashMap<Board, Frame>,
}

impl Children {
    pub fn new(db: TenantDb, queue_reports: QueueReports, figures_to: Recipient<Figures>) -> Self {
        Self {
            db,
            queue_reports,
            figures_to,
            queues: HashMap::new(),
            armed: HashSet::new(),
            dashboards: HashMap::new(),
            figures: HashMap::new(),
        }
    }

    pub fn start_queue(&mut self, id: QueueId) {
        if !self.queues.contains_key(&id) {
            let q = QueueActor::new(self.db.clone(), id, self.queue_reports.clone());
            self.queues.insert(id, q.start());
        }
    }

    /// Hands a batch of committed events to the queues and dashboards
    /// (starting and stopping queue actors as queues come and go).
    pub fn observe(&mut self, batch: Vec<Arc<EventRow>>) {
        for e in batch.iter().filter(|e| e.kind == "queue") {
            let id = QueueId(e.record_id);
            if e.event_type == "queue.deleted" {
                if let Some(q) = self.queues.remove(&id) {
                    q.do_send(queue::Stop);
                }
                self.armed.remove(&id);
            } else {
                self.start_queue(id);
            }
        }
        let batch = Arc::new(batch);
        // The children live on this hub's thread and take one message per
        // pumped batch, so their backlog is bounded by the pump's pace.
        for q in self.queues.values() {
            q.do_send(queue::Observe(batch.clone()));
        }
        for d in self.dashboards.values() {
            d.do_send(queue::Observe(batch.clone()));
        }
    }

    /// Starts `board` if nobody watched it yet; answers its last figures.
    pub fn watch(&mut self, board: Board) -> Option<Frame> {
        if !self.dashboards.contains_key(&board) {
            let d = DashboardActor::new(board, self.db.clone(), self.figures_to.clone()).start();
            self.dashboards.insert(board, d);
        }
        self.figures.get(&board).cloned()
    }

    /// `board`'s last figures, if it is watched and has any yet.
    pub fn current(&self, board: Board) -> Option<Frame> {
        self.figures.get(&board).cloned()
    }

    pub fn figures(&mut self, board: Board, frame: Frame) {
        self.figures.insert(board, frame);
    }

    pub fn arm(&mut self, queue: QueueId, armed: bool) {
        if armed {
            self.armed.insert(queue);
        } else {
            self.armed.remove(&queue);
        }
    }

    /// Whether a queue has timers or routing pending.
    pub fn busy(&self) -> bool {
        !self.armed.is_empty()
    }

    /// Waits until every queue has nothing in flight.
    pub fn settle(&self) -> impl std::future::Future<Output = ()> + use<> {
        let queues: Vec<Addr<QueueActor>> = self.queues.values().cloned().collect();
        async move {
            for q in queues {
                let _ = q.send(queue::Settle).await;
            }
        }
    }

    pub fn reroute(&self) {
        for q in self.queues.values() {
            q.do_send(queue::Reroute);
        }
    }

    pub fn stop(&self) {
        for q in self.queues.values() {
            q.do_send(queue::Stop);
        }
        for d in self.dashboards.values() {
            d.do_send(dashboards::Stop);
        }
    }
}

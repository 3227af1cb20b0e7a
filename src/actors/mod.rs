//! The real-time side: a registry of per-tenant actors, each on one of a
//! pool of arbiters (one per core), chosen by hashing the tenant, so
//! tenants spread over all cores and one busy tenant occupies at most one.
//!
//! - [`tenant`]: the tenant's hub (sessions, topics, event pump).
//! - [`topics`], [`protocol`]: what clients subscribe to and the frames.

pub mod protocol;
pub mod tenant;
pub mod topics;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use actix::prelude::*;
use tokio::sync::broadcast::error::RecvError;

use crate::bus::{Bus, BusMessage};
use crate::domain::tenant::{Tenant, TenantId};
use crate::storage::{StorageError, TenantDb, events};
use tenant::{Committed, TenantActor};

pub struct Realtime {
    bus: Bus,
    arbiters: OnceLock<Vec<ArbiterHandle>>,
    // A std Mutex: held only to look up or insert, never across an await.
    actors: Mutex<HashMap<TenantId, Addr<TenantActor>>>,
}

impl Realtime {
    pub fn new(bus: Bus) -> Arc<Self> {
        let rt = Arc::new(Self {
            bus: bus.clone(),
            arbiters: OnceLock::new(),
            actors: Mutex::new(HashMap::new()),
        });
        follow(&rt, &bus);
        rt
    }

    fn arbiter_for(&self, id: TenantId) -> ArbiterHandle {
        let pool = self.arbiters.get_or_init(|| {
            let n = std::thread::available_parallelism().map_or(2, |n| n.get());
            (0..n).map(|_| Arbiter::new().handle()).collect()
        });
        let mut h = std::collections::hash_map::DefaultHasher::new();
        id.hash(&mut h);
        pool[(h.finish() as usize) % pool.len()].clone()
    }

    fn running(&self, id: TenantId) -> Option<Addr<TenantActor>> {
        let map = self.actors.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&id).filter(|a| a.connected()).cloned()
    }

    /// The tenant's hub, started on first use (or after it stopped or died).
    pub async fn hub(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        db: &TenantDb,
    ) -> Result<Addr<TenantActor>, StorageError> {
        if let Some(a) = self.running(tenant.id) {
            return Ok(a);
        }
        let mut tx = db.begin_read().await?;
        let head = events::head(&mut tx).await?;
        tx.rollback().await?;
        let mut map = self.actors.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = map.get(&tenant.id).filter(|a| a.connected()) {
            return Ok(a.clone());
        }
        let weak: Weak<Self> = Arc::downgrade(self);
        let (t, d) = (tenant.clone(), db.clone());
        let addr = TenantActor::start_in_arbiter(&self.arbiter_for(tenant.id), move |_| {
            let on_stop = Box::new(move |id: TenantId| {
                if let Some(rt) = weak.upgrade() {
                    let mut map = rt.actors.lock().unwrap_or_else(|e| e.into_inner());
                    if map.get(&id).is_some_and(|a| !a.connected()) {
                        map.remove(&id);
                    }
                }
            });
            TenantActor::new(t, d, head, on_stop)
        });
        map.insert(tenant.id, addr.clone());
        Ok(addr)
    }

    /// A write committed events up to `seq`: wake this node's hub, and tell
    /// the other nodes. Never waits: a full mailbox or a lost message is
    /// caught up by the hub's one-second tick.
    pub async fn committed(&self, tenant: TenantId, seq: i64) {
        self.poke(tenant, seq);
        if let Err(e) = self
            .bus
            .publish(BusMessage::EventsCommitted {
                tenant_id: tenant,
                seq,
            })
            .await
        {
            tracing::debug!(error = %e, "could not announce committed events");
        }
    }

    fn poke(&self, tenant: TenantId, seq: i64) {
        if let Some(a) = self.running(tenant) {
            let _ = a.try_send(Committed(seq));
        }
    }

    /// Hubs running on this node (for tests and metrics).
    pub fn hubs(&self) -> usize {
        self.actors
            .lock()
            .map(|m| m.values().filter(|a| a.connected()).count())
            .unwrap_or(0)
    }
}

/// Relays other nodes' commit notices to local hubs.
fn follow(rt: &Arc<Realtime>, bus: &Bus) {
    let weak = Arc::downgrade(rt);
    let mut rx = bus.subscribe();
    tokio::spawn(async move {
        loop {
            let msg = rx.recv().await;
            let Some(rt) = weak.upgrade() else { return };
            match msg {
                Ok(m) => {
                    if let BusMessage::EventsCommitted { tenant_id, seq } = &*m {
                        rt.poke(*tenant_id, *seq);
                    }
                }
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
        }
    });
}

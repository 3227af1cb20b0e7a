//! The real-time side: a registry of per-tenant actors, each on one of a
//! pool of arbiters (one per core), chosen by hashing the tenant, so
//! tenants spread over all cores and one busy tenant occupies at most one.
//!
//! - [`hub`]: the tenant's hub (sessions, topics and replay, presence, event pump, its queue and dashboard children).
//! - [`topics`], [`protocol`]: what clients subscribe to and the frames.

pub mod hub;
pub mod protocol;
pub mod topics;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use actix::prelude::*;
use tokio::sync::broadcast::error::RecvError;

use crate::bus::{Bus, BusMessage};
use crate::domain::tenant::{Tenant, TenantId};
use crate::identity::principal_cache::PrincipalCache;
use crate::storage::events::EventRow;
use crate::storage::{StorageError, TenantDb, events};
use hub::{Committed, CommittedEvents, TenantActor};

/// Events up to this much JSON travel in their bus message (a write's
/// events are a few hundred bytes; an import's batch is read from the log).
const INLINE_MAX: usize = 8 * 1024;

pub struct Realtime {
    bus: Bus,
    /// Emptied for a tenant before its sessions re-check (see
    /// `identity::principal_cache`).
    principals: Arc<PrincipalCache>,
    pool_size: usize,
    arbiters: OnceLock<Vec<ArbiterHandle>>,
    // A std Mutex: held only to look up or insert, never across an await.
    actors: Mutex<HashMap<TenantId, Addr<TenantActor>>>,
}

impl Realtime {
    pub fn new(bus: Bus, principals: Arc<PrincipalCache>) -> Arc<Self> {
        Self::with_pool(
            bus,
            principals,
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        )
    }

    /// With `arbiters` threads for the hubs (a test uses one, to put two
    /// tenants on the same thread).
    pub fn with_pool(bus: Bus, principals: Arc<PrincipalCache>, arbiters: usize) -> Arc<Self> {
        let rt = Arc::new(Self {
            bus: bus.clone(),
            principals,
            pool_size: arbiters.max(1),
            arbiters: OnceLock::new(),
            actors: Mutex::new(HashMap::new()),
        });
        follow(&rt, &bus);
        rt
    }

    fn arbiter_for(&self, id: TenantId) -> ArbiterHandle {
        let pool = self.arbiters.get_or_init(|| {
            (0..self.pool_size)
                .map(|_| Arbiter::new().handle())
                .collect()
        });
        let mut h = std::collections::hash_map::DefaultHasher::new();
        id.hash(&mut h);
        pool[(h.finish() as usize) % pool.len()].clone()
    }

    /// Whether the tenant's hub runs on this node.
    pub fn is_running(&self, id: TenantId) -> bool {
        self.running(id).is_some()
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
        let weak_rt = weak.clone();
        let (t, d) = (tenant.clone(), db.clone());
        let addr = TenantActor::start_in_arbiter(&self.arbiter_for(tenant.id), move |ctx| {
            let on_stop = Box::new(move |id: TenantId| {
                if let Some(rt) = weak.upgrade() {
                    let mut map = rt.actors.lock().unwrap_or_else(|e| e.into_inner());
                    if map.get(&id).is_some_and(|a| !a.connected()) {
                        map.remove(&id);
                    }
                }
            });
            TenantActor::new(t, d, head, on_stop, weak_rt, ctx)
        });
        map.insert(tenant.id, addr.clone());
        Ok(addr)
    }

    /// Starts the tenant's hub on this node if it is not running, so its
    /// queues keep their timers (support writes call this).
    pub async fn engage(self: &Arc<Self>, tenant: &Arc<Tenant>, db: &TenantDb) {
        if self.running(tenant.id).is_none()
            && let Err(e) = self.hub(tenant, db).await
        {
            tracing::warn!(tenant = %tenant.slug, error = %e, "could not start the tenant's hub");
        }
    }

    /// The one place a committed write's events go, whatever wrote them
    /// (records, the support engine, comments): this node's hub, started
    /// first when the events are of kinds the support engine keeps timers
    /// for, so that their SLA clocks and offers run; then the other nodes.
    /// Whether a write goes live is decided by its events' kinds.
    pub async fn written(
        self: &Arc<Self>,
        tenant: &Arc<Tenant>,
        db: &TenantDb,
        events: Vec<Arc<EventRow>>,
    ) {
        let timed = events
            .iter()
            .any(|e| crate::support::TIMED_KINDS.contains(&e.kind.as_str()));
        if timed {
            self.engage(tenant, db).await;
        }
        let sealed = self.inline(db, &events);
        self.committed_events(tenant.id, events, sealed, timed);
    }

    /// `events` sealed for the bus message, when there are other nodes to
    /// hear it and they are small enough to travel in it.
    fn inline(&self, db: &TenantDb, events: &[Arc<EventRow>]) -> Option<Arc<str>> {
        if !self.bus.has_peers() {
            return None;
        }
        let rows: Vec<&EventRow> = events.iter().map(|e| &**e).collect();
        let json = serde_json::to_string(&rows).ok()?;
        if json.len() > INLINE_MAX {
            return None;
        }
        db.keys()
            .ok()?
            .seal(hub::BUS_PLACE, &json)
            .ok()
            .map(Arc::from)
    }

    /// A write on this node committed `events` (in order): this node's hub
    /// delivers them as they are, the other nodes read them from the log.
    pub fn committed_events(
        &self,
        tenant: TenantId,
        events: Vec<Arc<EventRow>>,
        sealed: Option<Arc<str>>,
        timed: bool,
    ) {
        let Some(seq) = events.last().map(|e| e.seq) else {
            return;
        };
        if let Some(a) = self.running(tenant)
            && a.try_send(CommittedEvents(events, tracing::Span::current()))
                .is_err()
        {
            // A full mailbox: the hub is behind, and will read the log.
            a.do_send(Committed(seq, None));
        }
        self.announce(BusMessage::EventsCommitted {
            tenant_id: tenant,
            seq,
            events: sealed,
            timed,
        });
    }

    /// Live sessions of `user` (or all, with `None`) must re-check their
    /// principal now, on this node and the others.
    pub async fn principals_changed(&self, tenant: TenantId, user: Option<uuid::Uuid>) {
        self.recheck(tenant, user);
        self.announce(BusMessage::PrincipalsChanged {
            tenant_id: tenant,
            user_id: user,
        });
    }

    /// The tenant is gone (deleted): its hub on this node stops, with the
    /// storage handle it held, and is forgotten at once.
    pub fn retire(&self, tenant: TenantId) {
        let gone = self
            .actors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&tenant);
        if let Some(a) = gone {
            a.do_send(hub::Retire);
        }
    }

    /// The tenant's directory entry changed (this node's directory read it
    /// anew): its hub here ends subscriptions of features now off.
    pub fn tenant_changed(&self, tenant: Arc<Tenant>) {
        if let Some(a) = self.running(tenant.id) {
            a.do_send(hub::TenantUpdated(tenant));
        }
    }

    /// The tenant's branding or features changed (`what`): every client
    /// of it, on this node and the others, is told to show them anew.
    /// The bus delivers to this node too (`Bus::publish`), so the frame
    /// goes out once per socket.
    pub fn tenant_shown(&self, tenant: TenantId, what: &str) {
        self.announce(BusMessage::TenantShown {
            tenant_id: tenant,
            what: what.to_owned(),
        });
    }

    fn show(&self, tenant: TenantId, what: &str) {
        if let Some(a) = self.running(tenant) {
            let _ = a.try_send(hub::Changed(what.to_owned()));
        }
    }

    /// Agents' availability changed: queues here and on the other nodes
    /// route again.
    pub fn agents_changed(&self, tenant: TenantId) {
        self.reroute(tenant);
        self.announce(BusMessage::AgentsChanged { tenant_id: tenant });
    }

    fn reroute(&self, tenant: TenantId) {
        if let Some(a) = self.running(tenant) {
            let _ = a.try_send(hub::Reroute);
        }
    }

    /// Tells the other nodes, without making the caller wait: with Redis
    /// away a publish may stall, and a write must not. What is lost here is
    /// caught up by the hubs' tick (events) or the sessions' re-check timer.
    fn announce(&self, msg: BusMessage) {
        let bus = self.bus.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(std::time::Duration::from_secs(2), bus.publish(msg)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::debug!(error = %e, "bus publish failed"),
                Err(_) => tracing::debug!("bus publish timed out"),
            }
        });
    }

    fn recheck(&self, tenant: TenantId, user: Option<uuid::Uuid>) {
        self.principals.invalidate(tenant);
        if let Some(a) = self.running(tenant) {
            let _ = a.try_send(hub::Recheck(user));
        }
    }

    fn poke(&self, tenant: TenantId, seq: i64, events: Option<Arc<str>>) {
        if let Some(a) = self.running(tenant) {
            // Unbounded, but small, and a hub that is behind answers many
            // with one read.
            a.do_send(Committed(seq, events));
        }
    }

    /// Notices may have been missed (the bus reconnected or this node
    /// fell behind it): every hub reads its log now.
    fn catch_up_all(&self) {
        let map = self.actors.lock().unwrap_or_else(|e| e.into_inner());
        for a in map.values().filter(|a| a.connected()) {
            a.do_send(Committed(i64::MAX, None));
        }
    }

    /// Waits until this node's hub of `tenant` has delivered everything
    /// committed and its queues have nothing in flight, twice with nothing
    /// new in between: what happens next needs a new write or the clock to
    /// move. Tests ask this to prove that nothing happens, instead of
    /// sleeping and hoping the engine was quick enough.
    pub async fn settle(&self, tenant: TenantId) {
        let mut last = None;
        for _ in 0..100 {
            let Some(hub) = self.running(tenant) else {
                return;
            };
            let Ok(seq) = hub.send(hub::Settle).await else {
                return;
            };
            if last == Some(seq) {
                return;
            }
            last = Some(seq);
        }
        tracing::warn!(tenant = %tenant, "the tenant's engine did not settle");
    }

    /// Whether other nodes' notices reach this node now.
    pub fn hears_others(&self) -> bool {
        self.bus.hears_others()
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
                Ok(m) => match &*m {
                    BusMessage::EventsCommitted {
                        tenant_id,
                        seq,
                        events,
                        ..
                    } => rt.poke(*tenant_id, *seq, events.clone()),
                    BusMessage::PrincipalsChanged { tenant_id, user_id } => {
                        rt.recheck(*tenant_id, *user_id)
                    }
                    BusMessage::AgentsChanged { tenant_id } => rt.reroute(*tenant_id),
                    BusMessage::TenantShown { tenant_id, what } => rt.show(*tenant_id, what),
                    BusMessage::Reset => {
                        rt.principals.invalidate_all();
                        rt.catch_up_all();
                    }
                    BusMessage::TenantChanged { .. }
                    | BusMessage::WebhooksChanged { .. }
                    | BusMessage::MailQueued { .. } => {}
                },
                Err(RecvError::Lagged(_)) => {
                    rt.principals.invalidate_all();
                    rt.catch_up_all();
                }
                Err(RecvError::Closed) => return,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::hub::{Crash, Stats};
    use super::*;
    use crate::config::Config;
    use crate::services::Services;
    use crate::tenants::{AdminInput, CreateTenant};

    fn req(slug: &str) -> CreateTenant {
        CreateTenant {
            slug: Some(slug.into()),
            name: Some(slug.into()),
            plan: None,
            shard: None,
            admin: Some(AdminInput {
                email: Some(format!("a@{slug}.example")),
                password: Some("violet tractor sings".into()),
                name: None,
            }),
        }
    }

    /// A hub that panics is gone alone: another tenant's hub on the same
    /// arbiter thread keeps answering, and the next use starts a fresh hub.
    #[test]
    fn a_panicking_hub_is_replaced_and_its_neighbours_carry_on() {
        actix_web::rt::System::new().block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let services = Services::connect(Config {
                data_dir: dir.path().into(),
                ..Config::default()
            })
            .await
            .unwrap();
            let rt = Realtime::with_pool(services.bus.clone(), services.auth.principal_cache(), 1);
            let mut hubs = Vec::new();
            for slug in ["alpha", "beta"] {
                let t = Arc::new(services.tenants.create(&req(slug)).await.unwrap());
                let db = services.storage.tenant_db(&t).await.unwrap();
                hubs.push((rt.hub(&t, &db).await.unwrap(), t, db));
            }
            let (a, ta, dba) = &hubs[0];
            let (b, _, _) = &hubs[1];
            assert!(a.send(Crash).await.is_err(), "the crash takes the hub down");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            assert!(!a.connected());
            assert!(
                b.send(Stats).await.is_ok(),
                "the neighbour on the same thread lives on"
            );
            let a2 = rt.hub(ta, dba).await.unwrap();
            assert!(
                a2.send(Stats).await.is_ok(),
                "a fresh hub replaces the dead one"
            );
        });
    }
}

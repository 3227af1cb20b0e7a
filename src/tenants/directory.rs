//! Resolves `/t/{slug}` to a tenant without a database round trip per request.
//!
//! Entries are dropped when the bus says a tenant changed (on any node), and
//! expire after [`TTL`] as a safety net for anything the bus could not
//! deliver (a CLI process on embedded SQLite has no bus to this server).

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use tokio::sync::broadcast::error::RecvError;

use crate::bus::{Bus, BusMessage};
use crate::domain::tenant::{Tenant, TenantId, TenantSlug, TenantState};
use crate::storage::{ControlStore, Result};

const TTL: Duration = Duration::from_secs(30);

type Watcher = Box<dyn Fn(Arc<Tenant>) + Send + Sync>;
type GoneWatcher = Box<dyn Fn(TenantId) + Send + Sync>;

pub struct TenantDirectory {
    control: ControlStore,
    cache: DashMap<String, (Arc<Tenant>, Instant)>,
    /// Told of every changed tenant (a std Mutex: held only to call them).
    watchers: std::sync::Mutex<Vec<Watcher>>,
    /// Told of every tenant that is gone (deleted, on any node).
    gone: std::sync::Mutex<Vec<GoneWatcher>>,
}

impl TenantDirectory {
    pub fn new(control: ControlStore) -> Arc<Self> {
        Arc::new(Self {
            control,
            cache: DashMap::new(),
            watchers: std::sync::Mutex::default(),
            gone: std::sync::Mutex::default(),
        })
    }

    /// Keeps the cache in step with the bus until the directory is dropped.
    pub fn follow(self: &Arc<Self>, bus: &Bus) {
        let weak: Weak<Self> = Arc::downgrade(self);
        let mut rx = bus.subscribe();
        tokio::spawn(async move {
            loop {
                let msg = rx.recv().await;
                let Some(dir) = weak.upgrade() else { return };
                match msg {
                    Ok(m) => match &*m {
                        BusMessage::TenantChanged { tenant_id, slug } => {
                            dir.invalidate(slug);
                            dir.tell_watchers(*tenant_id, slug).await;
                        }
                        BusMessage::Reset => dir.cache.clear(),
                        BusMessage::EventsCommitted { .. }
                        | BusMessage::PrincipalsChanged { .. }
                        | BusMessage::AgentsChanged { .. }
                        | BusMessage::TenantShown { .. }
                        | BusMessage::WebhooksChanged { .. }
                        | BusMessage::MailQueued { .. } => {}
                    },
                    // Missed messages: anything might be stale.
                    Err(RecvError::Lagged(_)) => dir.cache.clear(),
                    Err(RecvError::Closed) => return,
                }
            }
        });
    }

    /// The active tenant with this slug, or `None` (unknown, malformed,
    /// still provisioning or being deleted: all look the same to a client).
    pub async fn resolve(&self, slug: &str) -> Result<Option<Arc<Tenant>>> {
        if let Some(entry) = self.cache.get(slug)
            && entry.1.elapsed() < TTL
        {
            return Ok(Some(entry.0.clone()));
        }
        let Ok(parsed) = TenantSlug::parse(slug) else {
            return Ok(None);
        };
        match self.control.find(&parsed).await? {
            Some(t) if t.state == TenantState::Active => {
                let t = Arc::new(t);
                self.cache
                    .insert(slug.to_owned(), (t.clone(), Instant::now()));
                Ok(Some(t))
            }
            _ => {
                self.cache.remove(slug);
                Ok(None)
            }
        }
    }

    pub fn invalidate(&self, slug: &str) {
        self.cache.remove(slug);
    }

    /// Calls `f` with a tenant's new entry whenever the bus says it
    /// changed (after the cache dropped the old one, so `f` never sees it).
    pub fn on_change(&self, f: impl Fn(Arc<Tenant>) + Send + Sync + 'static) {
        self.watchers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Box::new(f));
    }

    /// Calls `f` with the id of every tenant that is gone: its slug
    /// resolves to nothing, or to another tenant.
    pub fn on_gone(&self, f: impl Fn(TenantId) + Send + Sync + 'static) {
        self.gone
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Box::new(f));
    }

    fn tell_gone(&self, id: TenantId) {
        for w in self.gone.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            w(id);
        }
    }

    async fn tell_watchers(&self, id: TenantId, slug: &str) {
        let has_watchers = !self
            .watchers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
            || !self
                .gone
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_empty();
        if !has_watchers {
            return;
        }
        match self.resolve(slug).await {
            Ok(Some(t)) => {
                if t.id != id {
                    self.tell_gone(id);
                }
                let watchers = self.watchers.lock().unwrap_or_else(|e| e.into_inner());
                for w in watchers.iter() {
                    w(t.clone());
                }
            }
            Ok(None) => self.tell_gone(id),
            Err(e) => {
                tracing::warn!(tenant = %slug, error = %e, "could not reread a changed tenant")
            }
        }
    }
}

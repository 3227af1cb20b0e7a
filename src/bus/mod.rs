//! The bus between nodes: what one node changes, the others hear.
//!
//! In-process by default (one node); Redis pub/sub when `REDIS_URL` is set,
//! so several identical nodes can share PostgreSQL. Messages published on
//! this node are delivered to local subscribers at once and to other nodes
//! through Redis; a node ignores its own messages coming back.

mod redis_link;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::domain::tenant::TenantId;

/// Bounded on purpose: a subscriber that falls this far behind gets
/// `Lagged` and must treat it like [`BusMessage::Reset`].
const LOCAL_CAPACITY: usize = 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BusMessage {
    /// A tenant's directory entry changed (name, plan) or it was deleted:
    /// drop anything cached about it.
    TenantChanged { tenant_id: TenantId, slug: String },
    /// A user's identity changed (disabled, roles, logout) — or, with no
    /// user, every user's (a role's definition changed): live sessions must
    /// re-check who they are now.
    PrincipalsChanged {
        tenant_id: TenantId,
        user_id: Option<uuid::Uuid>,
    },
    /// Events up to `seq` were committed in this tenant's log. When they
    /// are small, `events` carries them, sealed under the tenant's data key
    /// (no tenant value crosses Redis readable): a node whose hub has
    /// delivered up to just before them delivers them without reading the
    /// log.
    EventsCommitted {
        tenant_id: TenantId,
        seq: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        events: Option<Arc<str>>,
        /// Some of them are of kinds the support engine keeps timers for:
        /// every node runs the tenant's hub, so that the timers outlive
        /// the node that wrote.
        #[serde(default)]
        timed: bool,
    },
    /// An agent came online or changed status, capacity or skills: the
    /// tenant's queues try to route their waiting tickets again.
    AgentsChanged { tenant_id: TenantId },
    /// A webhook was made or enabled: dispatchers look for it at once.
    WebhooksChanged { tenant_id: TenantId },
    /// Mail was queued: mailers send at once rather than at their next poll.
    MailQueued { tenant_id: TenantId },
    /// The tenant's branding or features changed: clients show them anew
    /// (`what`: `branding` or `features`).
    TenantShown { tenant_id: TenantId, what: String },
    /// Local only: messages may have been missed (Redis reconnected);
    /// drop every cache that the bus keeps fresh.
    Reset,
}

#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    origin: Uuid,
    message: BusMessage,
}

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
}

#[derive(Clone)]
pub struct Bus {
    node_id: Uuid,
    local: broadcast::Sender<Arc<BusMessage>>,
    redis: Option<redis_link::RedisLink>,
    /// In-process: whether [`Bus::another_node`] made a second node.
    peers: Arc<std::sync::atomic::AtomicBool>,
}

impl Bus {
    pub fn in_process() -> Self {
        let (local, _) = broadcast::channel(LOCAL_CAPACITY);
        Self {
            node_id: Uuid::now_v7(),
            local,
            redis: None,
            peers: Arc::default(),
        }
    }

    /// Connects to Redis and starts relaying its messages to local subscribers.
    pub async fn redis(url: &str) -> Result<Self, BusError> {
        let (local, _) = broadcast::channel(LOCAL_CAPACITY);
        let node_id = Uuid::now_v7();
        let link = redis_link::RedisLink::connect(url, node_id, local.clone()).await?;
        Ok(Self {
            node_id,
            local,
            redis: Some(link),
            peers: Arc::new(true.into()),
        })
    }

    /// Another node on this in-process bus: it hears what this one
    /// publishes and the other way round, as nodes do over Redis. For
    /// several nodes in one process (tests); `None` on a Redis bus, where
    /// nodes meet through Redis.
    pub fn another_node(&self) -> Option<Self> {
        self.redis.is_none().then(|| {
            self.peers.store(true, std::sync::atomic::Ordering::Relaxed);
            Self {
                node_id: Uuid::now_v7(),
                local: self.local.clone(),
                redis: None,
                peers: self.peers.clone(),
            }
        })
    }

    /// Whether other nodes may hear what this one publishes (a reason to
    /// put more into a message than a single node needs).
    pub fn has_peers(&self) -> bool {
        self.peers.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn backend(&self) -> &'static str {
        if self.redis.is_some() {
            "redis"
        } else {
            "in-process"
        }
    }

    /// Whether this node hears the others now. In-process there are none
    /// to miss; with Redis, false while the subscription is being
    /// re-established (what is published meanwhile never arrives).
    pub fn hears_others(&self) -> bool {
        self.redis.as_ref().is_none_or(|l| l.subscribed())
    }

    pub fn node_id(&self) -> Uuid {
        self.node_id
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<BusMessage>> {
        self.local.subscribe()
    }

    /// Delivers locally, then to the other nodes. A Redis failure is
    /// returned after local delivery happened: this node stays consistent,
    /// and the caller decides whether the other nodes' staleness matters.
    pub async fn publish(&self, message: BusMessage) -> Result<(), BusError> {
        // No local subscriber is not an error.
        let _ = self.local.send(Arc::new(message.clone()));
        if let Some(link) = &self.redis
            && let Err(e) = link
                .publish(&Envelope {
                    origin: self.node_id,
                    message,
                })
                .await
        {
            metrics::counter!("mandant_bus_publish_failures_total").increment(1);
            return Err(e);
        }
        Ok(())
    }

    pub async fn ping(&self) -> Result<(), BusError> {
        match &self.redis {
            Some(link) => link.ping().await,
            None => Ok(()),
        }
    }
}

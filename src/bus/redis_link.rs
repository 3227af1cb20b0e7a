//! The Redis side of the bus: one multiplexed connection to publish, one
//! pub/sub connection relaying to local subscribers, re-established on loss.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use super::{BusError, BusMessage, Envelope};

/// One channel for the whole cluster; messages carry the tenant id. (Per
/// tenant channels arrive with real-time events, where volume warrants it.)
const CHANNEL: &str = "mandant:bus";

#[derive(Clone)]
pub(super) struct RedisLink {
    publisher: ConnectionManager,
    /// Whether the subscription is up: while it is down, other nodes'
    /// messages are being missed.
    subscribed: Arc<AtomicBool>,
    /// Dropped with the last clone of the bus; the relay task then ends and
    /// closes its subscription.
    _alive: Arc<watch::Sender<()>>,
}

impl RedisLink {
    pub(super) async fn connect(
        url: &str,
        node_id: Uuid,
        local: broadcast::Sender<Arc<BusMessage>>,
    ) -> Result<Self, BusError> {
        let client = redis::Client::open(url)?;
        let publisher = client.get_connection_manager().await?;
        // Subscribe before returning, so no message published after start-up
        // is missed by this node.
        let pubsub = subscribe(&client).await?;
        let (alive, alive_rx) = watch::channel(());
        let subscribed = Arc::new(AtomicBool::new(true));
        tokio::spawn(relay(
            client,
            pubsub,
            node_id,
            local.downgrade(),
            alive_rx,
            subscribed.clone(),
        ));
        Ok(Self {
            publisher,
            subscribed,
            _alive: Arc::new(alive),
        })
    }

    pub(super) fn subscribed(&self) -> bool {
        self.subscribed.load(Ordering::Relaxed)
    }

    pub(super) async fn publish(&self, envelope: &Envelope) -> Result<(), BusError> {
        // unwrap-free: serialising this enum cannot fail (no maps with
        // non-string keys, no custom serialisers).
        let payload = serde_json::to_string(envelope).unwrap_or_default();
        let mut conn = self.publisher.clone();
        let _: i64 = conn.publish(CHANNEL, payload).await?;
        Ok(())
    }

    pub(super) async fn ping(&self) -> Result<(), BusError> {
        let mut conn = self.publisher.clone();
        let _: String = redis::cmd("PING").query_async(&mut conn).await?;
        Ok(())
    }
}

async fn subscribe(client: &redis::Client) -> Result<redis::aio::PubSub, BusError> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(CHANNEL).await?;
    Ok(pubsub)
}

/// Relays until the bus is dropped (the weak sender no longer upgrades).
async fn relay(
    client: redis::Client,
    mut pubsub: redis::aio::PubSub,
    node_id: Uuid,
    local: broadcast::WeakSender<Arc<BusMessage>>,
    mut alive: watch::Receiver<()>,
    subscribed: Arc<AtomicBool>,
) {
    loop {
        {
            let mut stream = pubsub.on_message();
            loop {
                let msg = tokio::select! {
                    msg = stream.next() => msg,
                    _ = alive.changed() => return,
                };
                let Some(msg) = msg else { break };
                let Some(local) = local.upgrade() else { return };
                let Ok(payload) = msg.get_payload::<String>() else {
                    continue;
                };
                match serde_json::from_str::<Envelope>(&payload) {
                    Ok(env) if env.origin != node_id => {
                        let _ = local.send(Arc::new(env.message));
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "ignoring malformed bus message"),
                }
            }
        }
        subscribed.store(false, Ordering::Relaxed);
        tracing::warn!("redis bus subscription lost; reconnecting");
        pubsub = loop {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = alive.changed() => return,
            }
            match subscribe(&client).await {
                Ok(p) => break p,
                Err(e) => tracing::warn!(error = %e, "redis bus reconnect failed"),
            }
        };
        subscribed.store(true, Ordering::Relaxed);
        // Whatever was published while we were away is lost: tell local
        // caches to start over.
        if let Some(local) = local.upgrade() {
            let _ = local.send(Arc::new(BusMessage::Reset));
        }
    }
}

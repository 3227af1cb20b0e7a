//! Live connections per tenant across every node (Redis): each open
//! socket holds a slot in the tenant's sorted set, scored by when it runs
//! out. Nodes renew their own slots well before that, so the set is the
//! count of sockets open anywhere; a node that dies stops renewing, and
//! its slots run out within [`SLOT_TTL`] instead of holding the quota
//! forever.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::ConnectionManager;

use crate::domain::tenant::TenantId;

/// How long a slot lives without renewal: how soon a dead node's sockets
/// stop counting.
pub const SLOT_TTL: Duration = Duration::from_secs(30);
/// Renewals come this often, well within the TTL.
const RENEW_EVERY: Duration = Duration::from_secs(10);

/// Drops expired slots, then takes one if the set has fewer than the
/// maximum: one atomic step, so two nodes cannot both take the last slot.
const ACQUIRE: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"#;

/// Pushes the given slots' expiry forward (only slots still there).
const RENEW: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 0
"#;

pub fn key(tenant: TenantId) -> String {
    format!("mandant:ws:{tenant}")
}

pub struct Slots {
    conn: ConnectionManager,
    acquire: redis::Script,
    renew: redis::Script,
    /// This node's name in slot names.
    node: uuid::Uuid,
    /// The slots this node holds, per tenant, to renew.
    mine: Mutex<HashMap<TenantId, HashSet<String>>>,
}

impl Slots {
    pub fn new(conn: ConnectionManager) -> Arc<Self> {
        let slots = Arc::new(Self {
            conn,
            acquire: redis::Script::new(ACQUIRE),
            renew: redis::Script::new(RENEW),
            node: uuid::Uuid::now_v7(),
            mine: Mutex::default(),
        });
        let weak = Arc::downgrade(&slots);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(RENEW_EVERY).await;
                let Some(s) = weak.upgrade() else { return };
                s.renew_all().await;
            }
        });
        slots
    }

    fn name(&self, id: u64) -> String {
        format!("{}:{id}", self.node)
    }

    /// Takes a slot for socket `id` if the tenant has fewer than `max`
    /// open anywhere: `Ok(Some)` taken (given back when the guard drops),
    /// `Ok(None)` all taken, `Err` Redis could not answer.
    pub async fn acquire(
        self: &Arc<Self>,
        tenant: TenantId,
        max: usize,
        id: u64,
    ) -> Result<Option<SlotGuard>, ()> {
        let name = self.name(id);
        let mut c = self.conn.clone();
        let mut inv = self.acquire.key(key(tenant));
        inv.arg(max).arg(&name).arg(SLOT_TTL.as_millis() as u64);
        let call = inv.invoke_async::<i64>(&mut c);
        match tokio::time::timeout(Duration::from_millis(500), call).await {
            Ok(Ok(1)) => {
                self.mine
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .entry(tenant)
                    .or_default()
                    .insert(name.clone());
                Ok(Some(SlotGuard {
                    slots: self.clone(),
                    tenant,
                    name,
                }))
            }
            Ok(Ok(_)) => Ok(None),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "connection slot check failed");
                Err(())
            }
            Err(_) => {
                tracing::warn!("connection slot check timed out");
                Err(())
            }
        }
    }

    fn forget(&self, tenant: TenantId, name: &str) {
        let mut mine = self.mine.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = mine.get_mut(&tenant) {
            s.remove(name);
            if s.is_empty() {
                mine.remove(&tenant);
            }
        }
    }

    async fn renew_all(&self) {
        let held: Vec<(TenantId, Vec<String>)> = self
            .mine
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(t, s)| (*t, s.iter().cloned().collect()))
            .collect();
        for (tenant, names) in held {
            let mut c = self.conn.clone();
            let mut inv = self.renew.key(key(tenant));
            inv.arg(SLOT_TTL.as_millis() as u64);
            for n in &names {
                inv.arg(n);
            }
            if let Err(e) = inv.invoke_async::<i64>(&mut c).await {
                tracing::warn!(error = %e, "could not renew connection slots");
            }
        }
    }
}

/// One socket's slot: given back when dropped, however the socket ends
/// (a slot this node forgets is no longer renewed, so even a failed give
/// back runs out within the TTL).
pub struct SlotGuard {
    slots: Arc<Slots>,
    tenant: TenantId,
    name: String,
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.slots.forget(self.tenant, &self.name);
        let mut c = self.slots.conn.clone();
        let (key, name) = (key(self.tenant), std::mem::take(&mut self.name));
        tokio::spawn(async move {
            let r: Result<i64, _> = redis::cmd("ZREM")
                .arg(key)
                .arg(name)
                .query_async(&mut c)
                .await;
            if let Err(e) = r {
                tracing::warn!(error = %e, "could not give a connection slot back; it runs out by itself");
            }
        });
    }
}

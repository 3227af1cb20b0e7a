//! Per-tenant quotas and rate limits.
//!
//! - [`plans`]: what each plan allows.
//! - [`RateLimits`]: request rates per tenant and per user. In-process
//!   (governor) on one node; with Redis, one GCRA bucket per key in Redis,
//!   so several nodes share one limit instead of multiplying it.

pub mod plans;
pub mod slots;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use redis::aio::ConnectionManager;

use crate::domain::tenant::{Plan, TenantId};

/// GCRA in one atomic step: the bucket is the key's "theoretical arrival
/// time"; a request is allowed if that is no further ahead than the burst.
/// Returns 0 (allowed) or the milliseconds to wait.
const GCRA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local emission = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + emission
local allow_at = new_tat - burst
if now < allow_at then return allow_at - now end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil(burst + emission))
return 0
"#;

enum Backend {
    Local {
        // One keyed limiter per plan and level: governor has one quota per limiter.
        tenant: Vec<(Plan, DefaultKeyedRateLimiter<TenantId>)>,
        user: Vec<(Plan, DefaultKeyedRateLimiter<(TenantId, uuid::Uuid)>)>,
    },
    Redis {
        conn: ConnectionManager,
        script: redis::Script,
    },
}

pub struct RateLimits {
    backend: Backend,
    /// Live connections counted across nodes (with Redis); without it,
    /// the one node's hub counts them.
    slots: Option<Arc<slots::Slots>>,
}

fn quota(rps: u32) -> Quota {
    let n = NonZeroU32::new(rps.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_second(n).allow_burst(n)
}

impl RateLimits {
    pub fn local() -> Self {
        Self {
            backend: Backend::Local {
                tenant: Plan::ALL
                    .iter()
                    .map(|p| (*p, RateLimiter::keyed(quota(plans::quotas(*p).tenant_rps))))
                    .collect(),
                user: Plan::ALL
                    .iter()
                    .map(|p| (*p, RateLimiter::keyed(quota(plans::quotas(*p).user_rps))))
                    .collect(),
            },
            slots: None,
        }
    }

    /// The shared connection slots, when nodes share Redis.
    pub fn slots(&self) -> Option<&Arc<slots::Slots>> {
        self.slots.as_ref()
    }

    pub async fn redis(url: &str) -> Result<Self, redis::RedisError> {
        let conn = redis::Client::open(url)?.get_connection_manager().await?;
        Ok(Self {
            slots: Some(slots::Slots::new(conn.clone())),
            backend: Backend::Redis {
                conn,
                script: redis::Script::new(GCRA),
            },
        })
    }

    /// Counts one request of `user` in `tenant`; `Err(wait)` when over a limit.
    pub async fn check(
        &self,
        tenant: TenantId,
        plan: Plan,
        user: uuid::Uuid,
    ) -> Result<(), Duration> {
        let q = plans::quotas(plan);
        match &self.backend {
            Backend::Local { tenant: t, user: u } => {
                let now = DefaultClock::default().now();
                let wait =
                    |e: governor::NotUntil<_>| e.wait_time_from(now).max(Duration::from_millis(1));
                if let Some((_, l)) = t.iter().find(|(p, _)| *p == plan) {
                    l.check_key(&tenant).map_err(wait)?;
                }
                if let Some((_, l)) = u.iter().find(|(p, _)| *p == plan) {
                    l.check_key(&(tenant, user)).map_err(wait)?;
                }
                Ok(())
            }
            Backend::Redis { conn, script } => {
                for (key, rps) in [
                    (format!("mandant:rl:{tenant}"), q.tenant_rps),
                    (format!("mandant:rl:{tenant}:{user}"), q.user_rps),
                ] {
                    let emission = 1000.0 / f64::from(rps.max(1));
                    // A second's worth of requests may come at once (as governor allows).
                    let burst = 1000.0;
                    let mut c = conn.clone();
                    let mut inv = script.key(&key);
                    inv.arg(emission).arg(burst);
                    let call = inv.invoke_async::<i64>(&mut c);
                    // Redis away or slow: fail open (availability over strictness), loudly.
                    let wait: i64 =
                        match tokio::time::timeout(Duration::from_millis(250), call).await {
                            Ok(Ok(w)) => w,
                            Ok(Err(e)) => {
                                tracing::warn!(error = %e, "rate limit check failed; allowing");
                                0
                            }
                            Err(_) => {
                                tracing::warn!("rate limit check timed out; allowing");
                                0
                            }
                        };
                    if wait > 0 {
                        return Err(Duration::from_millis(wait as u64));
                    }
                }
                Ok(())
            }
        }
    }

    /// Forgets idle keys of the in-process limiters.
    pub fn sweep(&self) {
        if let Backend::Local { tenant, user } = &self.backend {
            tenant.iter().for_each(|(_, l)| l.retain_recent());
            user.iter().for_each(|(_, l)| l.retain_recent());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_limits_follow_the_plan() {
        let rl = RateLimits::local();
        let (t, u) = (TenantId::generate(), uuid::Uuid::now_v7());
        let free_user = plans::quotas(Plan::Free).user_rps;
        for _ in 0..free_user {
            assert!(rl.check(t, Plan::Free, u).await.is_ok());
        }
        assert!(rl.check(t, Plan::Free, u).await.is_err());
        // Another user of the tenant still has room; a bigger plan too.
        assert!(rl.check(t, Plan::Free, uuid::Uuid::now_v7()).await.is_ok());
        assert!(rl.check(t, Plan::Enterprise, u).await.is_ok());
    }
}

//! A PostgreSQL shard's connections, split into lanes that each serve a
//! stable share of its tenants.
//!
//! A PostgreSQL backend keeps the catalog entries of every schema it has
//! worked in, and plans per statement. From one pool shared by a thousand
//! schemas, every backend ended up caching all of them (300–380 MiB each,
//! issue 20) and met a different schema on nearly every transaction. With
//! lanes, a tenant's work goes to its own lane's connections, so a backend
//! sees about 1/lanes of the schemas. The same write straight from
//! pgbench (`loadtest/ceiling/pg-writes.sh`, 1,000 tenants, 16 clients):
//! 1,162 transactions/s with each connection on its own tenants against
//! 694/s at random, backends 9.8 against 68.7 MiB private (BENCHMARKS.md).
//!
//! Affinity costs a tenant little waiting: a transaction whose lane is
//! busy waits `SPILL` for it (a write holds a connection for a few
//! milliseconds), then takes an idle connection of any lane (or one a
//! lane has room to open), looking again at growing intervals while it
//! still waits for its own, so one lane held by long work (an export)
//! does not stall the tenants that share it. Borrowing at once would be faster by those milliseconds but
//! would spread every tenant over every backend again under load; what a
//! borrowed backend does cache goes when the pool retires it
//! (`MAX_LIFETIME`). Scope is still set per transaction (`tenant_db`): a
//! lane is a cache hint, never a boundary.

use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, SqlStr, Transaction};

use super::error::Result;
use crate::domain::tenant::TenantId;

/// How long a transaction waits for its own lane before it takes a
/// connection of any lane.
const SPILL: Duration = Duration::from_millis(5);
/// The longest pause between two looks at the other lanes while the own
/// lane stays busy.
const MAX_SPILL_WAIT: Duration = Duration::from_millis(80);
/// A connection's life: what a backend cached for borrowers (and every
/// schema it ever served) is dropped with it.
const MAX_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// The shard's lanes; cheap to clone (pools are handles).
#[derive(Clone)]
pub struct Lanes {
    pools: std::sync::Arc<[PgPool]>,
}

impl Lanes {
    /// `max` connections in all, in `lanes` lanes (at most one lane per
    /// connection); the first lane connects now, so a bad address fails
    /// at start, the others as they are needed.
    pub async fn connect(options: PgConnectOptions, max: u32, lanes: u32) -> Result<Self> {
        let max = max.max(1);
        let lanes = lanes.clamp(1, max);
        let mut pools = Vec::with_capacity(lanes as usize);
        for i in 0..lanes {
            // The remainder goes to the first lanes: 16 in 3 is 6, 5, 5.
            let size = max / lanes + u32::from(i < max % lanes);
            let opts = PgPoolOptions::new()
                .max_connections(size)
                .acquire_timeout(Duration::from_secs(5))
                .idle_timeout(Duration::from_secs(300))
                .max_lifetime(MAX_LIFETIME);
            pools.push(if i == 0 {
                opts.connect_with(options.clone()).await?
            } else {
                opts.connect_lazy_with(options.clone())
            });
        }
        Ok(Self {
            pools: pools.into(),
        })
    }

    /// The lane that serves `id`: tenant ids are random, so their low
    /// bits spread tenants evenly.
    pub fn lane_of(&self, id: TenantId) -> usize {
        (id.0.as_u128() % self.pools.len() as u128) as usize
    }

    /// The pool of `id`'s lane, for a tenant's administrative work
    /// (provisioning, migrations, drops).
    pub fn home(&self, id: TenantId) -> &PgPool {
        &self.pools[self.lane_of(id)]
    }

    /// Any lane's pool, for work that belongs to no tenant.
    pub fn any(&self) -> &PgPool {
        &self.pools[0]
    }

    /// (connections open, of them idle, the most it may open), summed.
    pub fn stats(&self) -> (u32, u32, u32) {
        self.pools.iter().fold((0, 0, 0), |(s, i, m), p| {
            (
                s + p.size(),
                i + p.num_idle() as u32,
                m + p.options().get_max_connections(),
            )
        })
    }

    /// Begins a transaction with `begin` on a connection of `lane`, or of
    /// another lane when `lane` has none to spare (see the module's note).
    pub async fn begin(
        &self,
        lane: usize,
        begin: SqlStr,
    ) -> std::result::Result<Transaction<'static, Postgres>, sqlx::Error> {
        let conn = self.acquire(lane).await?;
        // Only a connection is raced for above: a `begin_with` dropped
        // half-way leaves its connection inside a transaction.
        Transaction::begin(conn, Some(begin)).await
    }

    async fn acquire(
        &self,
        lane: usize,
    ) -> std::result::Result<PoolConnection<Postgres>, sqlx::Error> {
        let own = self.pools[lane].acquire();
        if self.pools.len() == 1 {
            return own.await;
        }
        let n = self.pools.len();
        // A lane with room for a connection it has not opened yet (lanes
        // open theirs as needed); the own lane's wait ends with this block.
        let roomy = {
            tokio::pin!(own);
            let mut wait = SPILL;
            'waiting: loop {
                tokio::select! {
                    c = &mut own => return c,
                    _ = tokio::time::sleep(wait) => {}
                }
                // Another lane's idle connection, the nearest lanes first.
                // Only idle ones (or room for one): waiting in every lane's
                // queue at once made each pool open connections for
                // waiters that then went elsewhere (measured: connect
                // storms timed out).
                for i in 1..n {
                    let pool = &self.pools[(lane + i) % n];
                    if let Some(c) = pool.try_acquire() {
                        return Ok(c);
                    }
                    if pool.size() < pool.options().get_max_connections() {
                        break 'waiting pool;
                    }
                }
                wait = (wait * 2).min(MAX_SPILL_WAIT);
            }
        };
        roomy.acquire().await
    }
}

//! The handle a tenant's code gets instead of a pool.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use sqlx::{AssertSqlSafe, SqlSafeStr, SqlStr, SqlitePool};

use super::TenantTx;
use super::error::{Result, StorageError};
use super::lanes::Lanes;
use super::tenant_keys::Keys;
use crate::clock::Clock;
use crate::keys::Keyring;

/// How long a transaction waits for a tenant being moved to appear on its
/// new shard before it gives up with "unavailable": the move's switch
/// takes milliseconds, so only a mover that died half-way runs this out.
const MOVE_WAIT: Duration = Duration::from_secs(10);

/// Finds where a tenant lives now, given the shard this handle used:
/// `Some((handle, shard))` when it is elsewhere, `None` when it has not
/// moved (yet).
pub(super) type Reopen =
    Box<dyn Fn(String) -> BoxFuture<'static, Result<Option<(TenantDb, String)>>> + Send + Sync>;

/// Opens transactions in one tenant's storage and nowhere else.
///
/// There is deliberately no way to get the pool out of it: a handler that
/// holds a `TenantDb` can only ever touch its own tenant.
///
/// Every clone shares one [`Placement`]: when the tenant moves to another
/// shard, the first transaction that finds the old copy fenced off
/// re-points all of them (the hub's, the handlers', the jobs').
#[derive(Clone)]
pub struct TenantDb {
    place: Arc<Placement>,
    clock: Clock,
    keys: Option<Arc<Keys>>,
    blobs: Option<super::blobs::TenantBlobs>,
}

struct Placement {
    /// The storage in use and the name of its shard ("" when the handle
    /// was opened straight from a shard, with nowhere else to look).
    current: RwLock<(Arc<Inner>, String)>,
    reopen: Option<Reopen>,
    /// One re-point at a time: the others wait and then use its result.
    moving: tokio::sync::Mutex<()>,
}

enum Inner {
    Sqlite {
        /// One connection: SQLite has one writer per file anyway, and
        /// queueing in the pool beats spinning on SQLITE_BUSY.
        writer: SqlitePool,
        reader: SqlitePool,
    },
    Postgres {
        lanes: Lanes,
        /// The tenant's own lane.
        lane: usize,
        /// `BEGIN; SELECT set_config(…, true) …; LOCK TABLE fence …` for
        /// this tenant, prebuilt so a unit of work costs no extra round
        /// trip for its scope and its fence.
        begin_rw: SqlStr,
        begin_ro: SqlStr,
        begin_snapshot: SqlStr,
        /// The schema alone, as the shard's owner (a move's DDL).
        begin_owner: SqlStr,
    },
}

#[derive(Clone, Copy)]
enum Kind {
    Write,
    Read,
    Snapshot,
}

/// True when `e` says the storage's fence is gone: the tenant was moved
/// away from this copy (or its storage was dropped).
fn fenced_off(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            let msg = db.message();
            (db.code().as_deref() == Some("42P01") && msg.contains("\"fence\""))
                || msg.contains("no such table: fence")
        }
        _ => false,
    }
}

impl Inner {
    async fn begin(
        self: Arc<Self>,
        kind: Kind,
        keys: Option<Arc<Keys>>,
    ) -> std::result::Result<TenantTx, sqlx::Error> {
        Ok(match (&*self, kind) {
            // IMMEDIATE takes the write lock up front: a deferred
            // transaction that later upgrades can fail with SQLITE_BUSY
            // mid-way.
            (Inner::Sqlite { writer, .. }, Kind::Write) => {
                let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
                sqlx::query("SELECT 1 FROM fence LIMIT 0")
                    .execute(&mut *tx)
                    .await?;
                TenantTx::sqlite(tx, keys)
            }
            // A read transaction sees one moment for all its statements
            // (WAL keeps its first read's snapshot), so snapshot is read.
            (Inner::Sqlite { reader, .. }, Kind::Read | Kind::Snapshot) => {
                let mut tx = reader.begin().await?;
                sqlx::query("SELECT 1 FROM fence LIMIT 0")
                    .execute(&mut *tx)
                    .await?;
                TenantTx::sqlite(tx, keys)
            }
            (
                Inner::Postgres {
                    lanes,
                    lane,
                    begin_rw,
                    begin_ro,
                    begin_snapshot,
                    ..
                },
                kind,
            ) => {
                let sql = match kind {
                    Kind::Write => begin_rw,
                    Kind::Read => begin_ro,
                    Kind::Snapshot => begin_snapshot,
                };
                TenantTx::postgres(lanes.begin(*lane, sql.clone()).await?, keys)
            }
        })
    }

    async fn close(&self) {
        if let Inner::Sqlite { writer, reader } = self {
            writer.close().await;
            reader.close().await;
        }
    }
}

impl Placement {
    fn inner(&self) -> (Arc<Inner>, String) {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// After `stale` was found fenced off: true when the handle now points
    /// at the tenant's new storage, false when there is none yet.
    async fn relocate(&self, stale: &Arc<Inner>) -> Result<bool> {
        let Some(reopen) = &self.reopen else {
            return Err(StorageError::Unavailable(
                "this copy of the tenant's storage was retired by a move".into(),
            ));
        };
        let _one = self.moving.lock().await;
        let (now, shard) = self.inner();
        if !Arc::ptr_eq(&now, stale) {
            return Ok(true);
        }
        let Some((db, to)) = reopen(shard.clone()).await? else {
            return Ok(false);
        };
        let fresh = db.place.inner().0;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = (fresh, to.clone());
        tracing::info!(from = %shard, to = %to, "a moved tenant's storage is used on its new shard");
        // The old copy's connections (SQLite) are of no more use; close
        // them once the transactions still on them are done.
        tokio::spawn(async move { now.close().await });
        Ok(true)
    }
}

impl TenantDb {
    fn new(inner: Inner) -> Self {
        Self {
            place: Arc::new(Placement {
                current: RwLock::new((Arc::new(inner), String::new())),
                reopen: None,
                moving: tokio::sync::Mutex::new(()),
            }),
            clock: Clock::system(),
            keys: None,
            blobs: None,
        }
    }

    pub(super) fn sqlite(writer: SqlitePool, reader: SqlitePool) -> Self {
        Self::new(Inner::Sqlite { writer, reader })
    }

    /// `schema` and `role` come from [`super::postgres::names`]: hex and
    /// underscores only, so interpolating them is safe.
    pub(super) fn postgres(lanes: Lanes, lane: usize, schema: &str, role: &str) -> Self {
        let scope = scope_sql(schema, role);
        // The leading ROLLBACK: when a BEGIN string fails half-way (the
        // fence gone), sqlx hands the connection back to the pool inside
        // the failed transaction; whoever borrows it next ends that first.
        // It costs no round trip, and outside a transaction it is a no-op
        // (its warning is not sent: the pools run at client_min_messages
        // = error).
        let sql = |s: String| AssertSqlSafe(format!("ROLLBACK; {s}")).into_sql_str();
        Self::new(Inner::Postgres {
            lanes,
            lane,
            begin_rw: sql(format!(
                "BEGIN; {scope}; LOCK TABLE fence IN ROW SHARE MODE"
            )),
            begin_ro: sql(format!(
                "BEGIN READ ONLY; {scope}; LOCK TABLE fence IN ACCESS SHARE MODE"
            )),
            begin_snapshot: sql(format!(
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; {scope}; \
                 LOCK TABLE fence IN ACCESS SHARE MODE"
            )),
            begin_owner: sql(format!(
                "BEGIN; SELECT set_config('search_path', '{schema}', true)"
            )),
        })
    }

    /// Makes the handle follow the tenant when it moves: it was opened on
    /// `shard`, and `reopen` finds where it lives now.
    pub(super) fn placed(self, shard: &str, reopen: Reopen) -> Self {
        let (inner, _) = self.place.inner();
        Self {
            place: Arc::new(Placement {
                current: RwLock::new((inner, shard.to_owned())),
                reopen: Some(reopen),
                moving: tokio::sync::Mutex::new(()),
            }),
            ..self
        }
    }

    pub(super) fn with_clock(self, clock: Clock) -> Self {
        Self { clock, ..self }
    }

    pub(super) fn with_keys(self, keys: Arc<Keys>) -> Self {
        Self {
            keys: Some(keys),
            ..self
        }
    }

    pub(super) fn with_blobs(self, blobs: super::blobs::TenantBlobs) -> Self {
        Self {
            blobs: Some(blobs),
            ..self
        }
    }

    /// This tenant's part of the attachment store.
    pub fn blobs(&self) -> Result<&super::blobs::TenantBlobs> {
        self.blobs.as_ref().ok_or_else(|| {
            super::StorageError::Blob("this tenant handle was opened without its files".into())
        })
    }

    pub(super) fn key_source(&self) -> Result<&Keys> {
        self.keys.as_deref().ok_or_else(|| {
            crate::keys::KeyError::Config("this tenant handle was opened without its keys".into())
                .into()
        })
    }

    /// The tenant's data keys as this handle knows them (sealing uses the
    /// newest).
    pub fn keys(&self) -> Result<Keyring> {
        Ok(self.key_source()?.ring())
    }

    /// The keys read again (a data key added on another node since this
    /// handle opened).
    pub async fn fresh_keys(&self) -> Result<Keyring> {
        self.key_source()?.refresh().await
    }

    /// Opens a value sealed for `place` (see [`Keyring::open`]), learning
    /// of data keys added since the handle opened.
    pub async fn open_sealed(&self, place: &str, stored: &str) -> Result<String> {
        self.key_source()?.open(place, stored).await
    }

    /// The time the tenant's SLA clocks and dashboards read.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// A read-write transaction in this tenant.
    pub async fn begin(&self) -> Result<TenantTx> {
        self.begin_as(Kind::Write).await
    }

    /// A read-only transaction: on SQLite it runs beside the writer (WAL).
    pub async fn begin_read(&self) -> Result<TenantTx> {
        self.begin_as(Kind::Read).await
    }

    /// A read-only transaction that sees one moment for all its
    /// statements (a backup, a move's copy): REPEATABLE READ on
    /// PostgreSQL; on SQLite every read transaction does.
    pub async fn begin_snapshot(&self) -> Result<TenantTx> {
        self.begin_as(Kind::Snapshot).await
    }

    /// Waits through a move: a transaction that finds this copy fenced off
    /// goes to where the tenant lives now, and until the control plane
    /// names that place (the moment between the old copy's fence falling
    /// and the switch), it waits and tries again.
    async fn begin_as(&self, kind: Kind) -> Result<TenantTx> {
        let give_up = Instant::now() + MOVE_WAIT;
        loop {
            let (inner, _) = self.place.inner();
            match uncancelled(inner.clone().begin(kind, self.keys.clone())).await {
                Err(Began::Sql(e)) if fenced_off(&e) => {
                    if self.place.relocate(&inner).await? {
                        continue;
                    }
                    if Instant::now() > give_up {
                        return Err(StorageError::Unavailable(
                            "the tenant is being moved to another shard; try again".into(),
                        ));
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                // Begun on a copy that was retired meanwhile (its pools
                // closed under us): the current one is where to be.
                Err(_) if !Arc::ptr_eq(&self.place.inner().0, &inner) => continue,
                Err(Began::Sql(e)) => return Err(e.into()),
                Err(Began::Task(e)) => return Err(e),
                Ok(tx) => return Ok(tx),
            }
        }
    }

    /// A transaction as the shard's owner, scoped to the tenant's schema
    /// but not its role, and without the fence (a move's own DDL: it
    /// installs triggers and takes the fence down). On SQLite it is the
    /// write transaction, which has no roles.
    pub(crate) async fn begin_owner(&self) -> Result<TenantTx> {
        let (inner, _) = self.place.inner();
        match &*inner {
            Inner::Sqlite { writer, .. } => Ok(TenantTx::sqlite(
                writer.begin_with("BEGIN IMMEDIATE").await?,
                self.keys.clone(),
            )),
            Inner::Postgres {
                lanes,
                lane,
                begin_owner,
                ..
            } => Ok(TenantTx::postgres(
                lanes.begin(*lane, begin_owner.clone()).await?,
                self.keys.clone(),
            )),
        }
    }

    /// After an erasure: leaves no copy of what was deleted in the
    /// database's own files, where the backend lets us. On SQLite the
    /// search index keeps deleted terms in old segments until they are
    /// merged, and the WAL keeps old page images until a checkpoint:
    /// both are merged and truncated here (deleted rows themselves are
    /// zeroed by `secure_delete`). PostgreSQL's dead row versions are
    /// reclaimed by autovacuum; ARCHITECTURE.md says what that means.
    pub async fn scrub(&self) -> Result<()> {
        if let Inner::Sqlite { writer, .. } = &*self.place.inner().0 {
            sqlx::query("INSERT INTO records_fts (records_fts) VALUES ('optimize')")
                .execute(writer)
                .await?;
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(writer)
                .await?;
        }
        Ok(())
    }

    /// Closes this tenant's own connections (SQLite); PostgreSQL pools are
    /// shared by the shard and stay open.
    pub async fn close(&self) {
        self.place.inner().0.close().await;
    }
}

/// The statement that scopes a PostgreSQL transaction to one tenant: its
/// schema first on the search path and its own role, both reverting at the
/// transaction's end (`is_local = true`).
pub(super) fn scope_sql(schema: &str, role: &str) -> String {
    format!(
        "SELECT set_config('search_path', '{schema}', true), set_config('role', '{role}', true)"
    )
}

enum Began {
    Sql(sqlx::Error),
    Task(StorageError),
}

/// Runs a `BEGIN` to its end even when the caller stops waiting. sqlx
/// (0.9) returns a connection to the pool *inside* the transaction when a
/// `begin` future is dropped between sending `BEGIN` and reading its
/// answer: the next borrower then met "a transaction is already in
/// progress" and a read-only scope (actix drops a handler's other
/// extractors when one fails). On a task of its own the begin finishes;
/// if nobody takes the transaction, dropping it rolls back properly.
async fn uncancelled<F>(begin: F) -> std::result::Result<TenantTx, Began>
where
    F: std::future::Future<Output = std::result::Result<TenantTx, sqlx::Error>> + Send + 'static,
{
    match tokio::spawn(begin).await {
        Ok(tx) => tx.map_err(Began::Sql),
        Err(e) => Err(Began::Task(StorageError::Unavailable(format!(
            "the transaction could not begin: {e}"
        )))),
    }
}

//! The handle a tenant's code gets instead of a pool.

use std::sync::Arc;

use sqlx::{AssertSqlSafe, PgPool, SqlSafeStr, SqlStr, SqlitePool};

use super::TenantTx;
use super::error::Result;
use super::tenant_keys::Keys;
use crate::clock::Clock;
use crate::keys::Keyring;

/// Opens transactions in one tenant's storage and nowhere else.
///
/// There is deliberately no way to get the pool out of it: a handler that
/// holds a `TenantDb` can only ever touch its own tenant.
#[derive(Clone)]
pub struct TenantDb(
    Arc<Inner>,
    Clock,
    Option<Arc<Keys>>,
    Option<super::blobs::TenantBlobs>,
);

enum Inner {
    Sqlite {
        /// One connection: SQLite has one writer per file anyway, and
        /// queueing in the pool beats spinning on SQLITE_BUSY.
        writer: SqlitePool,
        reader: SqlitePool,
    },
    Postgres {
        pool: PgPool,
        /// `BEGIN; SELECT set_config(…, true) …` for this tenant, prebuilt so a
        /// unit of work costs no extra round trip for its scope.
        begin_rw: SqlStr,
        begin_ro: SqlStr,
        begin_snapshot: SqlStr,
    },
}

impl TenantDb {
    pub(super) fn sqlite(writer: SqlitePool, reader: SqlitePool) -> Self {
        Self(
            Arc::new(Inner::Sqlite { writer, reader }),
            Clock::system(),
            None,
            None,
        )
    }

    /// `schema` and `role` come from [`super::postgres::names`]: hex and
    /// underscores only, so interpolating them is safe.
    pub(super) fn postgres(pool: PgPool, schema: &str, role: &str) -> Self {
        let scope = scope_sql(schema, role);
        Self(
            Arc::new(Inner::Postgres {
                pool,
                begin_rw: AssertSqlSafe(format!("BEGIN; {scope}")).into_sql_str(),
                begin_ro: AssertSqlSafe(format!("BEGIN READ ONLY; {scope}")).into_sql_str(),
                begin_snapshot: AssertSqlSafe(format!(
                    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; {scope}"
                ))
                .into_sql_str(),
            }),
            Clock::system(),
            None,
            None,
        )
    }

    pub(super) fn with_clock(self, clock: Clock) -> Self {
        Self(self.0, clock, self.2, self.3)
    }

    pub(super) fn with_keys(self, keys: Arc<Keys>) -> Self {
        Self(self.0, self.1, Some(keys), self.3)
    }

    pub(super) fn with_blobs(self, blobs: super::blobs::TenantBlobs) -> Self {
        Self(self.0, self.1, self.2, Some(blobs))
    }

    /// This tenant's part of the attachment store.
    pub fn blobs(&self) -> Result<&super::blobs::TenantBlobs> {
        self.3.as_ref().ok_or_else(|| {
            super::StorageError::Blob("this tenant handle was opened without its files".into())
        })
    }

    pub(super) fn key_source(&self) -> Result<&Keys> {
        self.2.as_deref().ok_or_else(|| {
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
        &self.1
    }

    /// A read-write transaction in this tenant.
    pub async fn begin(&self) -> Result<TenantTx> {
        let (inner, keys) = (self.0.clone(), self.2.clone());
        uncancelled(async move {
            Ok(match &*inner {
                // IMMEDIATE takes the write lock up front: a deferred
                // transaction that later upgrades can fail with SQLITE_BUSY
                // mid-way.
                Inner::Sqlite { writer, .. } => {
                    TenantTx::sqlite(writer.begin_with("BEGIN IMMEDIATE").await?, keys)
                }
                Inner::Postgres { pool, begin_rw, .. } => {
                    TenantTx::postgres(pool.begin_with(begin_rw.clone()).await?, keys)
                }
            })
        })
        .await
    }

    /// A read-only transaction: on SQLite it runs beside the writer (WAL).
    pub async fn begin_read(&self) -> Result<TenantTx> {
        let (inner, keys) = (self.0.clone(), self.2.clone());
        uncancelled(async move {
            Ok(match &*inner {
                Inner::Sqlite { reader, .. } => TenantTx::sqlite(reader.begin().await?, keys),
                Inner::Postgres { pool, begin_ro, .. } => {
                    TenantTx::postgres(pool.begin_with(begin_ro.clone()).await?, keys)
                }
            })
        })
        .await
    }

    /// A read-only transaction that sees one moment for all its
    /// statements (a backup): REPEATABLE READ on PostgreSQL; on SQLite
    /// every read transaction does (WAL keeps its first read's snapshot).
    pub async fn begin_snapshot(&self) -> Result<TenantTx> {
        let (inner, keys) = (self.0.clone(), self.2.clone());
        uncancelled(async move {
            Ok(match &*inner {
                Inner::Sqlite { reader, .. } => TenantTx::sqlite(reader.begin().await?, keys),
                Inner::Postgres {
                    pool,
                    begin_snapshot,
                    ..
                } => TenantTx::postgres(pool.begin_with(begin_snapshot.clone()).await?, keys),
            })
        })
        .await
    }

    /// After an erasure: leaves no copy of what was deleted in the
    /// database's own files, where the backend lets us. On SQLite the
    /// search index keeps deleted terms in old segments until they are
    /// merged, and the WAL keeps old page images until a checkpoint:
    /// both are merged and truncated here (deleted rows themselves are
    /// zeroed by `secure_delete`). PostgreSQL's dead row versions are
    /// reclaimed by autovacuum; ARCHITECTURE.md says what that means.
    pub async fn scrub(&self) -> Result<()> {
        if let Inner::Sqlite { writer, .. } = &*self.0 {
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
        if let Inner::Sqlite { writer, reader } = &*self.0 {
            writer.close().await;
            reader.close().await;
        }
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

/// Runs a `BEGIN` to its end even when the caller stops waiting. sqlx
/// (0.9) returns a connection to the pool *inside* the transaction when a
/// `begin` future is dropped between sending `BEGIN` and reading its
/// answer: the next borrower then met "a transaction is already in
/// progress" and a read-only scope (actix drops a handler's other
/// extractors when one fails). On a task of its own the begin finishes;
/// if nobody takes the transaction, dropping it rolls back properly.
async fn uncancelled<F>(begin: F) -> Result<TenantTx>
where
    F: std::future::Future<Output = Result<TenantTx>> + Send + 'static,
{
    match tokio::spawn(begin).await {
        Ok(tx) => tx,
        Err(e) => Err(super::StorageError::Unavailable(format!(
            "the transaction could not begin: {e}"
        ))),
    }
}

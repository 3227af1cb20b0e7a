//! SQLite shard: one database file per tenant in a directory.
//!
//! Separate files mean separate locks: two tenants never wait for each
//! other's writes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, SqliteConnection};

use super::error::{Result, StorageError};
use super::migrations::{SchemaStatus, TENANT_SQLITE};
use super::users::{self, NewUser};
use super::{TenantDb, TenantTx};
use crate::domain::tenant::TenantId;

pub struct SqliteShard {
    dir: PathBuf,
}

/// Options every Mandant SQLite connection uses: WAL (readers never block
/// the writer), NORMAL sync (durable at checkpoints, safe against
/// corruption), foreign keys on, and a busy timeout for the rare second
/// process (a CLI command beside the server). `secure_delete` zeroes what
/// a deletion frees, so an erased person's data does not linger in the
/// file's free pages.
pub fn connect_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .pragma("secure_delete", "ON")
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
}

impl SqliteShard {
    /// `url` is `sqlite:<directory>`; the directory is created if missing.
    pub fn new(url: &str) -> Result<Self> {
        let dir = PathBuf::from(
            url.trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:"),
        );
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    fn path(&self, id: TenantId) -> PathBuf {
        self.dir.join(format!("{}.db", id.simple()))
    }

    /// Creates the tenant's file, migrates it and adds the first user, in one
    /// transaction; on any failure the file is removed again.
    pub async fn provision(&self, id: TenantId, admin: &NewUser) -> Result<()> {
        self.create(id, None, Some(admin)).await
    }

    /// Creates the tenant's file empty at schema `version` (a restore
    /// loads its rows and then migrates it on).
    pub async fn create_at(&self, id: TenantId, version: i64) -> Result<()> {
        self.create(id, Some(version), None).await
    }

    async fn create(
        &self,
        id: TenantId,
        target: Option<i64>,
        admin: Option<&NewUser>,
    ) -> Result<()> {
        let path = self.path(id);
        if path.exists() {
            return Err(StorageError::Conflict("tenant storage"));
        }
        let result = async {
            // A one-connection pool, because a TenantTx owns its connection.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(connect_options(&path).create_if_missing(true))
                .await?;
            let result = async {
                let mut tx = pool.begin().await?;
                TENANT_SQLITE.run_direct(target, &mut *tx, false).await?;
                let mut ttx = TenantTx::sqlite(tx, None);
                if let Some(admin) = admin {
                    users::insert(&mut ttx, admin).await?;
                }
                ttx.commit().await
            }
            .await;
            pool.close().await;
            result
        }
        .await;
        if result.is_err() {
            remove_files(&path);
        }
        result
    }

    pub async fn open(&self, id: TenantId) -> Result<TenantDb> {
        let opts = connect_options(&self.path(id)).create_if_missing(false);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .idle_timeout(Duration::from_secs(300))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts.clone())
            .await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(0)
            .idle_timeout(Duration::from_secs(300))
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(opts.read_only(true));
        Ok(TenantDb::sqlite(writer, reader))
    }

    /// Removes the tenant's file (the caller closed its pools first).
    pub async fn drop_tenant(&self, id: TenantId) -> Result<()> {
        remove_files(&self.path(id));
        Ok(())
    }

    pub async fn migrate(&self, id: TenantId) -> Result<()> {
        let mut conn = SqliteConnection::connect_with(
            &connect_options(&self.path(id)).create_if_missing(false),
        )
        .await?;
        // BEGIN IMMEDIATE holds the file's write lock for the whole upgrade:
        // all of a tenant's pending migrations apply, or none.
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        TENANT_SQLITE.run_direct(None, &mut *tx, false).await?;
        tx.commit().await?;
        conn.close().await?;
        Ok(())
    }

    pub async fn status(&self, id: TenantId) -> Result<SchemaStatus> {
        let path = self.path(id);
        if !path.exists() {
            return Err(StorageError::NotFound);
        }
        let mut conn =
            SqliteConnection::connect_with(&connect_options(&path).read_only(true)).await?;
        let has_table: Option<(String,)> = sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(&mut conn)
        .await?;
        let applied: Vec<(i64, Vec<u8>, bool)> = if has_table.is_some() {
            sqlx::query_as("SELECT version, checksum, success FROM _sqlx_migrations")
                .fetch_all(&mut conn)
                .await?
        } else {
            Vec::new()
        };
        conn.close().await?;
        Ok(SchemaStatus::compare(&TENANT_SQLITE, &applied))
    }

    pub async fn ping(&self) -> Result<()> {
        // The shard is a directory: ready when it is there and writable.
        let probe = self.dir.join(".ready-probe");
        std::fs::write(&probe, b"ok")?;
        std::fs::remove_file(&probe)?;
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Removes a database file with its WAL and shared-memory companions.
fn remove_files(path: &Path) {
    // The database itself last: while it is there, `status` finds a copy,
    // so nobody makes a new one whose side files this would then remove.
    for suffix in ["-wal", "-shm", "-journal", ""] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// Opens (creating if needed) a standalone SQLite database, e.g. the control plane's.
pub async fn open_pool(path: &Path, max: u32) -> Result<SqlitePool> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    Ok(SqlitePoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(connect_options(path).create_if_missing(true))
        .await?)
}

//! A shard: a named database that holds tenants. The control plane records
//! each tenant's shard; this enum hides which backend it is.

use super::TenantDb;
use super::error::Result;
use super::migrations::SchemaStatus;
use super::postgres::PgShard;
use super::sqlite::SqliteShard;
use super::users::NewUser;
use crate::config::is_postgres_url;
use crate::domain::tenant::TenantId;

pub enum Shard {
    Sqlite(SqliteShard),
    Postgres(PgShard),
}

impl Shard {
    /// PostgreSQL's `pg_max_connections` go in `pg_lanes` lanes (0: one
    /// lane per two connections).
    pub async fn connect(url: &str, pg_max_connections: u32, pg_lanes: u32) -> Result<Self> {
        if is_postgres_url(url) {
            let lanes = match pg_lanes {
                0 => pg_max_connections / 2,
                n => n,
            };
            Ok(Shard::Postgres(
                PgShard::connect(url, pg_max_connections, lanes).await?,
            ))
        } else {
            Ok(Shard::Sqlite(SqliteShard::new(url)?))
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Shard::Sqlite(_) => "sqlite",
            Shard::Postgres(_) => "postgres",
        }
    }

    /// Creates the tenant's storage at the current version with `admin` in
    /// it, or fails leaving nothing behind.
    pub async fn provision(&self, id: TenantId, admin: &NewUser) -> Result<()> {
        match self {
            Shard::Sqlite(s) => s.provision(id, admin).await,
            Shard::Postgres(s) => s.provision(id, admin).await,
        }
    }

    /// Creates the tenant's storage empty at schema `version`, or fails
    /// leaving nothing behind.
    pub async fn create_at(&self, id: TenantId, version: i64) -> Result<()> {
        match self {
            Shard::Sqlite(s) => s.create_at(id, version).await,
            Shard::Postgres(s) => s.create_at(id, version).await,
        }
    }

    pub async fn open(&self, id: TenantId) -> Result<TenantDb> {
        match self {
            Shard::Sqlite(s) => s.open(id).await,
            Shard::Postgres(s) => Ok(s.open(id)),
        }
    }

    /// Removes the tenant's storage and every row in it. Idempotent.
    pub async fn drop_tenant(&self, id: TenantId) -> Result<()> {
        match self {
            Shard::Sqlite(s) => s.drop_tenant(id).await,
            Shard::Postgres(s) => s.drop_tenant(id).await,
        }
    }

    pub async fn migrate(&self, id: TenantId) -> Result<()> {
        match self {
            Shard::Sqlite(s) => s.migrate(id).await,
            Shard::Postgres(s) => s.migrate(id).await,
        }
    }

    pub async fn status(&self, id: TenantId) -> Result<SchemaStatus> {
        match self {
            Shard::Sqlite(s) => s.status(id).await,
            Shard::Postgres(s) => s.status(id).await,
        }
    }

    pub async fn ping(&self) -> Result<()> {
        match self {
            Shard::Sqlite(s) => s.ping().await,
            Shard::Postgres(s) => s.ping().await,
        }
    }
}

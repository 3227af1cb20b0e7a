//! PostgreSQL shard: one schema per tenant in a shared database.
//!
//! Every unit of work sets `search_path` and `role` with `is_local = true`
//! (see [`super::tenant_db`]), so a pooled connection forgets the tenant
//! when the transaction ends. The per-tenant role owns nothing and may
//! only use its own schema: a query that somehow named another tenant's
//! table fails with "permission denied" instead of reading it.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, Executor};

use super::error::{Result, StorageError};
use super::lanes::Lanes;
use super::migrations::{SchemaStatus, TENANT_POSTGRES, scoped};
use super::tenant_db::scope_sql;
use super::users::{self, NewUser};
use super::{TenantDb, TenantTx};
use crate::domain::tenant::TenantId;

/// A BEGIN on a connection that may come back from a failed one: sqlx
/// returns a connection to the pool inside the failed transaction when a
/// statement of a multi-statement BEGIN fails (a tenant's fence gone, see
/// `super::tenant_db`); its next user ends that first. The warning a
/// ROLLBACK outside a transaction gives is not sent (`client_min_messages`).
const CLEAN_BEGIN: &str = "ROLLBACK; BEGIN";

pub struct PgShard {
    lanes: Lanes,
}

/// The schema and role names of a tenant: derived from its id (hex), so
/// they are valid unquoted identifiers. Roles are server-wide: a tenant's
/// copies in two databases of one server (during a move) share its role.
pub fn names(id: TenantId) -> (String, String) {
    let hex = id.simple();
    (format!("t_{hex}"), format!("mandant_t_{hex}"))
}

pub fn connect_options(url: &str) -> Result<PgConnectOptions> {
    Ok(PgConnectOptions::from_str(url)?)
}

impl PgShard {
    /// `max_connections` in `lanes` lanes (`super::lanes`).
    pub async fn connect(url: &str, max_connections: u32, lanes: u32) -> Result<Self> {
        let options = connect_options(url)?.options([("client_min_messages", "error")]);
        Ok(Self {
            lanes: Lanes::connect(options, max_connections, lanes).await?,
        })
    }

    /// Schema, role, grants, migrations and the first user in a single
    /// transaction: PostgreSQL's DDL is transactional, so a failure at any
    /// step leaves nothing behind.
    pub async fn provision(&self, id: TenantId, admin: &NewUser) -> Result<()> {
        self.create(id, None, Some(admin)).await
    }

    /// Creates the tenant's schema and role, empty at schema `version` (a
    /// restore loads its rows and then migrates it on).
    pub async fn create_at(&self, id: TenantId, version: i64) -> Result<()> {
        self.create(id, Some(version), None).await
    }

    async fn create(
        &self,
        id: TenantId,
        target: Option<i64>,
        admin: Option<&NewUser>,
    ) -> Result<()> {
        let (schema, role) = names(id);
        let mut tx = self.lanes.home(id).begin_with(CLEAN_BEGIN).await?;
        let ddl = format!(
            "CREATE SCHEMA {schema};
             DO $$ BEGIN CREATE ROLE {role} NOLOGIN;
                 EXCEPTION WHEN duplicate_object THEN NULL; END $$;
             GRANT {role} TO CURRENT_USER;
             GRANT USAGE ON SCHEMA {schema} TO {role};
             ALTER DEFAULT PRIVILEGES IN SCHEMA {schema}
                 GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role};
             ALTER DEFAULT PRIVILEGES IN SCHEMA {schema}
                 GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role};
             SELECT set_config('search_path', '{schema}', true);"
        );
        sqlx::raw_sql(AssertSqlSafe(ddl))
            .execute(&mut *tx)
            .await
            .map_err(|e| StorageError::from(e).conflict_on("tenant storage"))?;
        scoped(&TENANT_POSTGRES, format!("{schema}._sqlx_migrations"))
            .run_direct(target, &mut *tx, false)
            .await?;
        // The first user is written as the tenant's own role: provisioning
        // proves on the spot that the grants are right.
        sqlx::raw_sql(AssertSqlSafe(scope_sql(&schema, &role)))
            .execute(&mut *tx)
            .await?;
        let mut ttx = TenantTx::postgres(tx, None);
        if let Some(admin) = admin {
            users::insert(&mut ttx, admin).await?;
        }
        ttx.commit().await
    }

    /// (connections open, of them idle, the most it may open).
    pub fn pool_stats(&self) -> (u32, u32, u32) {
        self.lanes.stats()
    }

    pub fn open(&self, id: TenantId) -> TenantDb {
        let (schema, role) = names(id);
        TenantDb::postgres(self.lanes.clone(), self.lanes.lane_of(id), &schema, &role)
    }

    /// Drops the schema with all its data, then the role, in one transaction.
    pub async fn drop_tenant(&self, id: TenantId) -> Result<()> {
        let (schema, role) = names(id);
        let mut tx = self.lanes.home(id).begin_with(CLEAN_BEGIN).await?;
        let exists: Option<(String,)> =
            sqlx::query_as("SELECT rolname::text FROM pg_roles WHERE rolname = $1")
                .bind(&role)
                .fetch_optional(&mut *tx)
                .await?;
        tx.execute(AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE"
        )))
        .await?;
        if exists.is_some() {
            // The role is the server's, and a tenant moved between two
            // databases of one server has its schema (and grants) in the
            // other one too: there the role stays.
            sqlx::raw_sql(AssertSqlSafe(format!(
                "DROP OWNED BY {role}; \
                 DO $$ BEGIN DROP ROLE {role}; \
                 EXCEPTION WHEN dependent_objects_still_exist THEN NULL; END $$"
            )))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Brings one tenant's schema to the current version, all or nothing,
    /// under a lock of its own so two nodes starting at once do not race.
    pub async fn migrate(&self, id: TenantId) -> Result<()> {
        let (schema, _) = names(id);
        let mut tx = self.lanes.home(id).begin_with(CLEAN_BEGIN).await?;
        sqlx::query(
            "SELECT pg_advisory_xact_lock(hashtext($1)), set_config('search_path', $1, true)",
        )
        .bind(&schema)
        .execute(&mut *tx)
        .await?;
        scoped(&TENANT_POSTGRES, format!("{schema}._sqlx_migrations"))
            .run_direct(None, &mut *tx, false)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn status(&self, id: TenantId) -> Result<SchemaStatus> {
        let (schema, _) = names(id);
        let mut conn = self.lanes.home(id).acquire().await?;
        sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await?;
        let table: Option<(String,)> = sqlx::query_as(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = $1 AND table_name = '_sqlx_migrations'",
        )
        .bind(&schema)
        .fetch_optional(&mut *conn)
        .await?;
        if table.is_none() {
            let present: Option<(String,)> =
                sqlx::query_as("SELECT nspname::text FROM pg_namespace WHERE nspname = $1")
                    .bind(&schema)
                    .fetch_optional(&mut *conn)
                    .await?;
            if present.is_none() {
                return Err(StorageError::NotFound);
            }
        }
        let applied: Vec<(i64, Vec<u8>, bool)> = if table.is_some() {
            sqlx::query_as(AssertSqlSafe(format!(
                "SELECT version, checksum, success FROM {schema}._sqlx_migrations"
            )))
            .fetch_all(&mut *conn)
            .await?
        } else {
            Vec::new()
        };
        Ok(SchemaStatus::compare(&TENANT_POSTGRES, &applied))
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::raw_sql("ROLLBACK; SELECT 1")
            .execute(self.lanes.any())
            .await?;
        Ok(())
    }

    /// Tenant schemas present in this database, for orphan checks in tests
    /// and operations.
    pub async fn tenant_schemas(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 't\\_%' ORDER BY 1",
        )
        .fetch_all(&mut *{
            let mut conn = self.lanes.any().acquire().await?;
            sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await?;
            conn
        })
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

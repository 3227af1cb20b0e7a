//! The control plane's store: the tenant directory (id, slug, plan, shard,
//! state). SQLite file `control.db`, or schema `mandant_control` in the
//! default PostgreSQL database.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::SqlitePool;
use uuid::Uuid;

use super::error::{Result, StorageError};
use super::migrations::{CONTROL_POSTGRES, CONTROL_SQLITE, scoped};
use super::{postgres, sqlite};
use crate::domain::tenant::{Plan, Tenant, TenantId, TenantName, TenantSlug, TenantState};

pub const CONTROL_SCHEMA: &str = "mandant_control";

#[derive(Clone)]
pub enum ControlStore {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Records a tenant's copy on a shard as retired: dropped after a time.
const RETIRE: &str = "INSERT INTO retired_copies (tenant_id, shard, drop_after) VALUES ($1, $2, $3) \
                      ON CONFLICT (tenant_id, shard) DO UPDATE SET drop_after = excluded.drop_after";

/// Runs `$body` with `$pool` bound to whichever backend's pool this is.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            ControlStore::Sqlite($pool) => $body,
            ControlStore::Postgres($pool) => $body,
        }
    };
}

#[derive(sqlx::FromRow)]
struct TenantRow {
    id: Uuid,
    slug: String,
    name: String,
    plan: String,
    shard: String,
    state: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    disabled_features: sqlx::types::Json<Vec<String>>,
}

impl TryFrom<TenantRow> for Tenant {
    type Error = StorageError;
    fn try_from(r: TenantRow) -> Result<Self> {
        let corrupt = |what: &str| StorageError::Corrupt(format!("tenant {}: bad {what}", r.id));
        Ok(Tenant {
            id: TenantId(r.id),
            slug: TenantSlug::parse(&r.slug).map_err(|_| corrupt("slug"))?,
            name: TenantName::parse(&r.name).map_err(|_| corrupt("name"))?,
            plan: Plan::parse(&r.plan).map_err(|_| corrupt("plan"))?,
            state: TenantState::parse(&r.state).ok_or_else(|| corrupt("state"))?,
            shard: r.shard,
            created_at: r.created_at,
            updated_at: r.updated_at,
            // A name this binary does not know is a feature it does not
            // have: nothing to switch off.
            disabled_features: r
                .disabled_features
                .0
                .iter()
                .filter_map(|f| crate::domain::features::Feature::parse(f))
                .collect(),
        })
    }
}

const COLUMNS: &str =
    "id, slug, name, plan, shard, state, created_at, updated_at, disabled_features";

impl ControlStore {
    /// Opens the control plane and brings it to the current version.
    pub async fn connect(database_url: Option<&str>, data_dir: &std::path::Path) -> Result<Self> {
        match database_url {
            None => {
                let pool = sqlite::open_pool(&data_dir.join("control.db"), 4).await?;
                CONTROL_SQLITE.run(&pool).await?;
                Ok(ControlStore::Sqlite(pool))
            }
            Some(url) => {
                // This pool serves only the control plane, so a session-level
                // search_path is safe here (tenant pools never set one).
                let opts =
                    postgres::connect_options(url)?.options([("search_path", CONTROL_SCHEMA)]);
                let pool = PgPoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(opts)
                    .await?;
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext('mandant_control'))")
                    .execute(&mut *tx)
                    .await?;
                sqlx::raw_sql("CREATE SCHEMA IF NOT EXISTS mandant_control")
                    .execute(&mut *tx)
                    .await?;
                scoped(
                    &CONTROL_POSTGRES,
                    format!("{CONTROL_SCHEMA}._sqlx_migrations"),
                )
                .run_direct(None, &mut *tx, false)
                .await?;
                tx.commit().await?;
                Ok(ControlStore::Postgres(pool))
            }
        }
    }

    /// Records a new tenant in state `provisioning`; a taken slug is `Conflict`.
    pub async fn insert(&self, t: &Tenant) -> Result<()> {
        let sql = "INSERT INTO tenants (id, slug, name, plan, shard, state, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        on_pool!(self, p => sqlx::query(sql)
            .bind(t.id.0)
            .bind(t.slug.as_str())
            .bind(t.name.as_str())
            .bind(t.plan.as_str())
            .bind(&t.shard)
            .bind(t.state.as_str())
            .bind(t.created_at)
            .bind(t.updated_at)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .map_err(|e| StorageError::from(e).conflict_on("tenant slug"))?;
        Ok(())
    }

    pub async fn set_state(&self, id: TenantId, state: TenantState) -> Result<()> {
        let sql = "UPDATE tenants SET state = $1, updated_at = $2 WHERE id = $3";
        let done = on_pool!(self, p => sqlx::query(sql)
            .bind(state.as_str())
            .bind(Utc::now())
            .bind(id.0)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StorageError::NotFound);
        }
        Ok(())
    }

    /// Changes name and/or plan of an active tenant; returns the new row.
    pub async fn update(
        &self,
        slug: &TenantSlug,
        name: Option<&TenantName>,
        plan: Option<Plan>,
    ) -> Result<Tenant> {
        let sql = format!(
            "UPDATE tenants SET name = COALESCE($1, name), plan = COALESCE($2, plan), updated_at = $3 \
             WHERE slug = $4 AND state = 'active' RETURNING {COLUMNS}"
        );
        let row: TenantRow = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(name.map(|n| n.as_str()))
            .bind(plan.map(|p| p.as_str()))
            .bind(Utc::now())
            .bind(slug.as_str())
            .fetch_one(p)
            .await)?;
        row.try_into()
    }

    /// Switches features off (and the others on) for an active tenant.
    pub async fn set_disabled_features(
        &self,
        slug: &TenantSlug,
        off: &[crate::domain::features::Feature],
    ) -> Result<Tenant> {
        let names: Vec<&str> = off.iter().map(|f| f.name()).collect();
        let sql = format!(
            "UPDATE tenants SET disabled_features = $1, updated_at = $2 \
             WHERE slug = $3 AND state = 'active' RETURNING {COLUMNS}"
        );
        let row: TenantRow = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(sqlx::types::Json(&names))
            .bind(Utc::now())
            .bind(slug.as_str())
            .fetch_one(p)
            .await)?;
        row.try_into()
    }

    pub async fn delete_row(&self, id: TenantId) -> Result<()> {
        on_pool!(self, p => sqlx::query("DELETE FROM tenants WHERE id = $1")
            .bind(id.0)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// A tenant by slug, in whatever state it is.
    pub async fn find(&self, slug: &TenantSlug) -> Result<Option<Tenant>> {
        let sql = format!("SELECT {COLUMNS} FROM tenants WHERE slug = $1");
        let row: Option<TenantRow> = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(slug.as_str())
            .fetch_optional(p)
            .await)?;
        row.map(Tenant::try_from).transpose()
    }

    /// A tenant by id, in whatever state it is.
    pub async fn find_by_id(&self, id: TenantId) -> Result<Option<Tenant>> {
        let sql = format!("SELECT {COLUMNS} FROM tenants WHERE id = $1");
        let row: Option<TenantRow> = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(p)
            .await)?;
        row.map(Tenant::try_from).transpose()
    }

    /// Places the tenant on shard `to`, if it is still on `from` (a move's
    /// switch), and in the same transaction records its copy on `from` as
    /// retired, to be dropped after `drop_after`; false when it was not
    /// there.
    pub async fn set_shard(
        &self,
        id: TenantId,
        from: &str,
        to: &str,
        drop_after: DateTime<Utc>,
    ) -> Result<bool> {
        let update = "UPDATE tenants SET shard = $1, updated_at = $2 WHERE id = $3 AND shard = $4";
        let done = on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            let n = sqlx::query(update)
                .bind(to)
                .bind(Utc::now())
                .bind(id.0)
                .bind(from)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                sqlx::query(RETIRE)
                    .bind(id.0)
                    .bind(from)
                    .bind(drop_after)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(n == 1)
        }
        .await)?;
        Ok(done)
    }

    /// Old copies of moved tenants: (tenant, shard, when it may go).
    pub async fn retired_copies(&self) -> Result<Vec<(TenantId, String, DateTime<Utc>)>> {
        let sql = "SELECT tenant_id, shard, drop_after FROM retired_copies";
        let rows: Vec<(Uuid, String, DateTime<Utc>)> =
            on_pool!(self, p => sqlx::query_as(sql).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(|(id, shard, at)| (TenantId(id), shard, at))
            .collect())
    }

    /// Records `id`'s copy on `shard` as retired again (its drop failed).
    pub async fn retire(&self, id: TenantId, shard: &str, after: DateTime<Utc>) -> Result<()> {
        on_pool!(self, p => sqlx::query(RETIRE)
            .bind(id.0)
            .bind(shard)
            .bind(after)
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Takes the record of `id`'s retired copy on `shard` away: whoever
    /// removes it decides the copy's fate (a mover about to use the shard,
    /// or the upkeep about to drop it), so the two never both act. With
    /// `due`, only while it still says that (a mover has not taken it).
    /// True when it was there to take.
    pub async fn claim_retired(
        &self,
        id: TenantId,
        shard: &str,
        due: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        let n = match due {
            None => {
                let sql = "DELETE FROM retired_copies WHERE tenant_id = $1 AND shard = $2";
                on_pool!(self, p => sqlx::query(sql).bind(id.0).bind(shard).execute(p).await.map(|r| r.rows_affected()))?
            }
            Some(at) => {
                let sql = "DELETE FROM retired_copies \
                           WHERE tenant_id = $1 AND shard = $2 AND drop_after = $3";
                on_pool!(self, p => sqlx::query(sql).bind(id.0).bind(shard).bind(at).execute(p).await.map(|r| r.rows_affected()))?
            }
        };
        Ok(n == 1)
    }

    /// Every tenant, ordered by slug; `state` filters when given.
    pub async fn list(&self, state: Option<TenantState>) -> Result<Vec<Tenant>> {
        let sql =
            format!("SELECT {COLUMNS} FROM tenants WHERE ($1 IS NULL OR state = $1) ORDER BY slug");
        let rows: Vec<TenantRow> = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(state.map(|s| s.as_str()))
            .fetch_all(p)
            .await)?;
        rows.into_iter().map(Tenant::try_from).collect()
    }

    /// Active tenants with slug after `after`, ordered by slug, at most `limit`.
    pub async fn page(&self, after: Option<&str>, limit: i64) -> Result<Vec<Tenant>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM tenants WHERE state = 'active' AND ($1 IS NULL OR slug > $1) \
             ORDER BY slug LIMIT $2"
        );
        let rows: Vec<TenantRow> = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        rows.into_iter().map(Tenant::try_from).collect()
    }

    /// The shared secret called `name`: `candidate` if this call made it
    /// first, else whatever another node made before.
    pub async fn platform_secret(&self, name: &str, candidate: &str) -> Result<String> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO platform_secrets (name, value, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(candidate)
        .bind(Utc::now())
        .execute(p)
        .await
        .map(|_| ()))?;
        let v: String = on_pool!(self, p => sqlx::query_scalar("SELECT value FROM platform_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(p)
            .await)?;
        Ok(v)
    }

    /// A tenant's wrapped data keys: (version, wrapped, master key id).
    pub async fn tenant_keys(&self, tenant: TenantId) -> Result<Vec<(i32, String, String)>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT version, wrapped, master_kid FROM tenant_keys WHERE tenant_id = $1 ORDER BY version",
        )
        .bind(tenant.0)
        .fetch_all(p)
        .await)?)
    }

    /// Keeps a new wrapped data key, unless that version exists already
    /// (another node made it first: the caller reads back what is kept).
    pub async fn add_tenant_key(
        &self,
        tenant: TenantId,
        version: i32,
        wrapped: &str,
        kid: &str,
    ) -> Result<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO tenant_keys (tenant_id, version, wrapped, master_kid, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, version) DO NOTHING",
        )
        .bind(tenant.0)
        .bind(version)
        .bind(wrapped)
        .bind(kid)
        .bind(Utc::now())
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Every wrapped key: (tenant, version, wrapped, master key id).
    pub async fn all_tenant_keys(&self) -> Result<Vec<(uuid::Uuid, i32, String, String)>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT tenant_id, version, wrapped, master_kid FROM tenant_keys ORDER BY tenant_id, version",
        )
        .fetch_all(p)
        .await)?)
    }

    /// Replaces every wrapped key at once (a master key rotation): all or
    /// nothing.
    pub async fn rewrap_tenant_keys(
        &self,
        rows: &[(uuid::Uuid, i32, String, String)],
    ) -> Result<()> {
        on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            for (tenant, version, wrapped, kid) in rows {
                sqlx::query(
                    "UPDATE tenant_keys SET wrapped = $1, master_kid = $2 \
                     WHERE tenant_id = $3 AND version = $4",
                )
                .bind(wrapped)
                .bind(kid)
                .bind(tenant)
                .bind(version)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await
        }.await)?;
        Ok(())
    }

    /// Forgets a tenant's keys (the tenant is being deleted).
    pub async fn drop_tenant_keys(&self, tenant: TenantId) -> Result<()> {
        on_pool!(self, p => sqlx::query("DELETE FROM tenant_keys WHERE tenant_id = $1")
            .bind(tenant.0)
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn close(&self) {
        on_pool!(self, p => p.close().await);
    }
}

//! Storage: the only module that speaks SQL.
//!
//! - [`ControlStore`]: the tenant directory (control plane).
//! - [`Shard`]: a database holding tenants, SQLite directory or PostgreSQL
//!   database; the control plane records each tenant's shard.
//! - [`TenantDb`]: the tenant-scoped handle the rest of the code gets.
//!   There is no other way to reach tenant data.

pub mod account_tokens;
pub mod agents;
pub mod api_keys;
pub mod audit;
pub mod audit_log;
pub mod blobs;
mod control;
pub mod cursors;
pub mod custom_fields;
pub mod dump;
mod error;
pub mod events;
pub mod exports;
pub mod files;
mod lanes;
pub mod leases;
pub mod list;
pub mod mail;
pub mod migrations;
pub mod passkeys;
mod postgres;
pub mod records;
pub mod relocate;
pub mod roles;
pub mod scim;
pub mod sealed;
pub mod sessions;
pub mod settings;
mod shard;
mod sqlite;
pub mod sso;
pub mod teams;
mod tenant_db;
mod tenant_keys;
pub mod tickets;
mod tx;
pub mod users;
pub mod webhooks;

use std::collections::BTreeMap;
use std::sync::Arc;

use dashmap::DashMap;

pub use control::{CONTROL_SCHEMA, ControlStore};
#[doc(hidden)]
pub use error::STALE_PLAN;
pub use error::{Result, StorageError};
pub use migrations::SchemaStatus;
pub use postgres::names as pg_names;
pub use shard::Shard;
/// JSON columns as rows carry them; re-exported so that no module but
/// this one names the SQL library.
pub use sqlx::types::Json;
pub use tenant_db::TenantDb;
pub use tx::{Dialect, TenantTx, TxConn};

use crate::config::Config;
use crate::domain::tenant::{Tenant, TenantId};

/// One connection pool's use.
#[derive(Debug, Clone)]
pub struct PoolStats {
    pub name: String,
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// Everything persistent, shared by HTTP handlers, actors and the CLI.
#[derive(Clone)]
pub struct Storage(Arc<Inner>);

struct Inner {
    control: ControlStore,
    shards: BTreeMap<String, Shard>,
    /// Opened tenant handles. PostgreSQL handles are cheap views on the
    /// shard's pool; SQLite handles own the tenant file's connections.
    open: DashMap<TenantId, TenantDb>,
    clock: crate::clock::Clock,
    master: crate::keys::MasterKey,
    blobs: blobs::BlobStore,
}

impl Storage {
    /// Connects the control plane and every configured shard, migrating the
    /// control plane (tenants are migrated by [`Storage::migrate_tenant`]).
    pub async fn connect(config: &Config) -> Result<Self> {
        std::fs::create_dir_all(&config.data_dir)?;
        let control = ControlStore::connect(
            config.database_url.as_ref().map(|s| s.expose()),
            &config.data_dir,
        )
        .await?;
        let master = crate::keys::load(config)?;
        // Every data key must be wrapped by this master key: starting with
        // another would seal new data under keys nobody can pair with the
        // old, so refuse before anything is written.
        if let Some((_, _, _, kid)) = control
            .all_tenant_keys()
            .await?
            .into_iter()
            .find(|k| k.3 != master.kid())
        {
            return Err(crate::keys::KeyError::Config(format!(
                "the master key (id {}) is not the one the tenants' data keys are wrapped with (id {kid}); \
                 start with that key (MANDANT_MASTER_KEY_FILE), or re-wrap them with `mandant keys rotate`",
                master.kid()
            ))
            .into());
        }
        let mut shards = BTreeMap::new();
        for (name, url) in config.shard_urls() {
            shards.insert(
                name,
                Shard::connect(url.expose(), config.pg_max_connections, config.pg_lanes).await?,
            );
        }
        Ok(Self(Arc::new(Inner {
            control,
            shards,
            open: DashMap::new(),
            clock: config.clock.clone(),
            master,
            blobs: blobs::BlobStore::open(config)?,
        })))
    }

    /// The attachment store (for the health page).
    pub fn blobs(&self) -> &blobs::BlobStore {
        &self.0.blobs
    }

    pub fn control(&self) -> &ControlStore {
        &self.0.control
    }

    pub fn shard(&self, name: &str) -> Option<&Shard> {
        self.0.shards.get(name)
    }

    pub fn shard_names(&self) -> impl Iterator<Item = &str> {
        self.0.shards.keys().map(String::as_str)
    }

    fn shard_of(&self, tenant: &Tenant) -> Result<&Shard> {
        self.shard(&tenant.shard).ok_or_else(|| {
            StorageError::Corrupt(format!(
                "tenant {} is placed on shard {:?}, which is not configured",
                tenant.slug, tenant.shard
            ))
        })
    }

    /// The tenant's scoped handle, opened on first use and then reused.
    pub async fn tenant_db(&self, tenant: &Tenant) -> Result<TenantDb> {
        if let Some(db) = self.0.open.get(&tenant.id) {
            return Ok(db.clone());
        }
        let keys =
            tenant_keys::Keys::load(self.0.control.clone(), self.0.master.clone(), tenant.id)
                .await?;
        let db = self
            .shard_of(tenant)?
            .open(tenant.id)
            .await?
            .placed(&tenant.shard, self.reopen(tenant.id))
            .with_clock(self.0.clock.clone())
            .with_keys(keys)
            .with_blobs(self.0.blobs.tenant(tenant.id));
        // Two requests may race to open; keep the first, close the spare.
        let kept = self.0.open.entry(tenant.id).or_insert(db.clone()).clone();
        Ok(kept)
    }

    /// How a cached handle finds its tenant after a move: the control
    /// plane names the shard (weakly held: the handle lives in `open`).
    fn reopen(&self, id: TenantId) -> tenant_db::Reopen {
        let weak = Arc::downgrade(&self.0);
        Box::new(move |from: String| {
            let weak = weak.clone();
            Box::pin(async move {
                let Some(inner) = weak.upgrade() else {
                    return Ok(None);
                };
                let storage = Storage(inner);
                let Some(t) = storage.control().find_by_id(id).await? else {
                    return Ok(None);
                };
                if t.shard == from {
                    return Ok(None);
                }
                let db = storage.shard_of(&t)?.open(id).await?;
                Ok(Some((db, t.shard)))
            })
        })
    }

    /// Closes and forgets the tenant's handle (before dropping its storage).
    pub async fn forget(&self, id: TenantId) {
        if let Some((_, db)) = self.0.open.remove(&id) {
            db.close().await;
        }
    }

    pub async fn provision(&self, tenant: &Tenant, admin: &users::NewUser) -> Result<()> {
        self.shard_of(tenant)?.provision(tenant.id, admin).await
    }

    pub async fn drop_tenant(&self, tenant: &Tenant) -> Result<()> {
        self.forget(tenant.id).await;
        self.shard_of(tenant)?.drop_tenant(tenant.id).await?;
        self.0.blobs.drop_tenant(tenant.id).await?;
        // Last: a backup of the tenant's data keeps only sealed values,
        // and with the keys gone, they open for nobody.
        self.0.control.drop_tenant_keys(tenant.id).await
    }

    /// The shared PostgreSQL pools' use (SQLite tenants each have their
    /// own small pools, not worth a series each): for `/metrics`.
    pub fn pool_stats(&self) -> Vec<PoolStats> {
        self.0
            .shards
            .iter()
            .filter_map(|(name, shard)| match shard {
                Shard::Postgres(pg) => {
                    let (size, idle, max) = pg.pool_stats();
                    Some(PoolStats {
                        name: format!("shard:{name}"),
                        size,
                        idle,
                        max,
                    })
                }
                Shard::Sqlite(_) => None,
            })
            .collect()
    }

    /// The master key (for `mandant keys`).
    pub fn master(&self) -> &crate::keys::MasterKey {
        &self.0.master
    }

    /// A new data key for `tenant`, which seals from now on (values sealed
    /// under older ones still open); the handle is reopened with it.
    pub async fn add_data_key(&self, tenant: &Tenant) -> Result<TenantDb> {
        let current = self.tenant_db(tenant).await?.keys()?.current_version();
        let master = &self.0.master;
        let next = current + 1;
        let wrapped = master.wrap(tenant.id.0, next, &crate::keys::DataKey::generate())?;
        self.0
            .control
            .add_tenant_key(tenant.id, next, &wrapped, master.kid())
            .await?;
        self.forget(tenant.id).await;
        self.tenant_db(tenant).await
    }

    pub async fn migrate_tenant(&self, tenant: &Tenant) -> Result<()> {
        self.shard_of(tenant)?.migrate(tenant.id).await
    }

    pub async fn tenant_status(&self, tenant: &Tenant) -> Result<SchemaStatus> {
        self.shard_of(tenant)?.status(tenant.id).await
    }

    /// Readiness: the control plane and every shard answer.
    pub async fn ping(&self) -> Result<()> {
        self.0.control.ping().await?;
        for shard in self.0.shards.values() {
            shard.ping().await?;
        }
        Ok(())
    }

    pub async fn close(&self) {
        let ids: Vec<TenantId> = self.0.open.iter().map(|e| *e.key()).collect();
        for id in ids {
            self.forget(id).await;
        }
        self.0.control.close().await;
    }
}

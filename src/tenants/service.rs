//! Tenant operations shared by the control-plane API and the CLI.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;

use super::directory::TenantDirectory;
use super::input::{CreateTenant, UpdateTenant};
use crate::bus::{Bus, BusMessage};
use crate::domain::FieldError;
use crate::domain::password;
use crate::domain::tenant::{Tenant, TenantId, TenantSlug, TenantState};
use crate::storage::users::NewUser;
use crate::storage::{SchemaStatus, Storage, StorageError};

#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("no such tenant")]
    NotFound,
    #[error("the slug {0:?} is taken")]
    SlugTaken(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The result of bringing every tenant to the current schema version.
#[derive(Debug, Default)]
pub struct MigrationReport {
    pub migrated: usize,
    pub failed: Vec<(String, String)>,
    pub elapsed: Duration,
}

#[derive(Clone)]
pub struct TenantService {
    storage: Storage,
    bus: Bus,
    directory: Arc<TenantDirectory>,
}

/// A tenant left in `provisioning` this long is an interrupted creation
/// (a crashed node), never one still in progress.
const STALE_PROVISIONING: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

impl TenantService {
    pub fn new(storage: Storage, bus: Bus, directory: Arc<TenantDirectory>) -> Self {
        Self {
            storage,
            bus,
            directory,
        }
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    pub fn directory(&self) -> &Arc<TenantDirectory> {
        &self.directory
    }

    /// Creates a tenant: its storage and first admin (role `owner`) exist
    /// when this returns `Ok`; on `Err` nothing of it remains.
    pub async fn create(&self, req: &CreateTenant) -> Result<Tenant, TenantError> {
        let valid = req.validate().map_err(TenantError::Validation)?;
        if self.storage.shard(&valid.shard).is_none() {
            return Err(TenantError::Validation(vec![FieldError::new(
                "shard",
                format!(
                    "unknown shard; configured: {}",
                    self.storage.shard_names().collect::<Vec<_>>().join(", ")
                ),
            )]));
        }
        // Hash before touching storage: the slow step holds no row or lock.
        let hash = password::hash(valid.admin_password).await?;
        let now = Utc::now();
        let mut tenant = Tenant {
            id: TenantId::generate(),
            slug: valid.slug,
            name: valid.name,
            plan: valid.plan,
            shard: valid.shard,
            state: TenantState::Provisioning,
            created_at: now,
            updated_at: now,
            disabled_features: Vec::new(),
        };
        // The unique slug row is the claim: of two concurrent creations
        // only one gets here, before any storage is made.
        self.storage
            .control()
            .insert(&tenant)
            .await
            .map_err(|e| match e {
                StorageError::Conflict(_) => TenantError::SlugTaken(tenant.slug.to_string()),
                other => other.into(),
            })?;
        let admin = NewUser {
            email: valid.admin_email,
            name: valid.admin_name,
            password_hash: hash,
            kind: "staff",
            roles: vec!["owner".to_owned()],
        };
        let provisioned = async {
            self.storage.provision(&tenant, &admin).await?;
            self.storage
                .control()
                .set_state(tenant.id, TenantState::Active)
                .await
        }
        .await;
        if let Err(e) = provisioned {
            tracing::error!(tenant = %tenant.slug, error = %e, "provisioning failed; rolling back");
            self.discard(&tenant).await;
            return Err(e.into());
        }
        tenant.state = TenantState::Active;
        tracing::info!(tenant = %tenant.slug, id = %tenant.id, shard = %tenant.shard, "tenant created");
        Ok(tenant)
    }

    /// Best-effort removal of a tenant's storage and row; what fails here is
    /// retried by [`TenantService::recover`] at the next start.
    async fn discard(&self, tenant: &Tenant) {
        if let Err(e) = self.storage.drop_tenant(tenant).await {
            tracing::error!(tenant = %tenant.slug, error = %e, "dropping storage failed; left for recovery");
            return;
        }
        if let Err(e) = self.storage.control().delete_row(tenant.id).await {
            tracing::error!(tenant = %tenant.slug, error = %e, "removing tenant row failed; left for recovery");
        }
    }

    pub async fn list(&self) -> Result<Vec<Tenant>, TenantError> {
        Ok(self
            .storage
            .control()
            .list(Some(TenantState::Active))
            .await?)
    }

    /// One page of active tenants by slug, and the cursor for the next page.
    pub async fn page(
        &self,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<Tenant>, Option<String>), TenantError> {
        let limit = limit.clamp(1, 200);
        let mut items = self
            .storage
            .control()
            .page(cursor, limit as i64 + 1)
            .await?;
        let next = (items.len() > limit).then(|| {
            items.truncate(limit);
            items.last().map(|t| t.slug.to_string())
        });
        Ok((items, next.flatten()))
    }

    /// An active tenant by slug; anything else is `NotFound`.
    pub async fn get(&self, slug: &str) -> Result<Tenant, TenantError> {
        let slug = TenantSlug::parse(slug).map_err(|_| TenantError::NotFound)?;
        match self.storage.control().find(&slug).await? {
            Some(t) if t.state == TenantState::Active => Ok(t),
            _ => Err(TenantError::NotFound),
        }
    }

    pub async fn status(&self, tenant: &Tenant) -> Result<SchemaStatus, TenantError> {
        Ok(self.storage.tenant_status(tenant).await?)
    }

    pub async fn update(&self, slug: &str, req: &UpdateTenant) -> Result<Tenant, TenantError> {
        let slug = TenantSlug::parse(slug).map_err(|_| TenantError::NotFound)?;
        let (name, plan) = req.validate().map_err(TenantError::Validation)?;
        let t = self
            .storage
            .control()
            .update(&slug, name.as_ref(), plan)
            .await
            .map_err(|e| match e {
                StorageError::NotFound => TenantError::NotFound,
                other => other.into(),
            })?;
        self.announce(&t).await;
        Ok(t)
    }

    /// Sets which features are off; every node's directory hears of it.
    pub async fn set_disabled_features(
        &self,
        tenant: &Tenant,
        off: &[crate::domain::features::Feature],
    ) -> Result<Tenant, TenantError> {
        let t = self
            .storage
            .control()
            .set_disabled_features(&tenant.slug, off)
            .await
            .map_err(|e| match e {
                StorageError::NotFound => TenantError::NotFound,
                other => other.into(),
            })?;
        self.announce(&t).await;
        Ok(t)
    }

    /// Deletes a tenant and all its data. Requests to it answer `404` from
    /// the moment it is marked, before its storage is dropped.
    pub async fn delete(&self, slug: &str) -> Result<(), TenantError> {
        let tenant = self.get(slug).await?;
        self.storage
            .control()
            .set_state(tenant.id, TenantState::Deleting)
            .await?;
        self.announce(&tenant).await;
        self.storage.drop_tenant(&tenant).await?;
        self.storage.control().delete_row(tenant.id).await?;
        tracing::info!(tenant = %tenant.slug, id = %tenant.id, "tenant deleted");
        Ok(())
    }

    /// Drops this node's cached view of the tenant and tells the other nodes.
    pub(crate) async fn announce(&self, tenant: &Tenant) {
        self.directory.invalidate(tenant.slug.as_str());
        let msg = BusMessage::TenantChanged {
            tenant_id: tenant.id,
            slug: tenant.slug.to_string(),
        };
        // Bounded: with Redis away, other nodes catch up within the
        // directory's TTL; the operator's request must not hang on it.
        match tokio::time::timeout(std::time::Duration::from_secs(2), self.bus.publish(msg)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(tenant = %tenant.slug, error = %e, "could not announce tenant change")
            }
            Err(_) => tracing::warn!(tenant = %tenant.slug, "announcing a tenant change timed out"),
        }
    }

    /// Finishes what a crash interrupted: deletions are completed, stale
    /// provisionings rolled back.
    pub async fn recover(&self) -> Result<usize, TenantError> {
        let mut done = 0;
        for t in self
            .storage
            .control()
            .list(Some(TenantState::Deleting))
            .await?
        {
            self.storage.drop_tenant(&t).await?;
            self.storage.control().delete_row(t.id).await?;
            done += 1;
        }
        for t in self
            .storage
            .control()
            .list(Some(TenantState::Provisioning))
            .await?
        {
            if Utc::now() - t.created_at > STALE_PROVISIONING {
                self.discard(&t).await;
                done += 1;
            }
        }
        if done > 0 {
            tracing::warn!(count = done, "recovered interrupted tenant operations");
        }
        Ok(done)
    }

    /// Brings every active tenant to the current schema version. A tenant
    /// that fails is reported and skipped; the others still migrate.
    pub async fn migrate_all(&self) -> Result<MigrationReport, TenantError> {
        let start = Instant::now();
        let mut report = MigrationReport::default();
        for t in self.list().await? {
            match self.storage.migrate_tenant(&t).await {
                Ok(()) => report.migrated += 1,
                Err(e) => {
                    tracing::error!(tenant = %t.slug, error = %e, "tenant migration failed");
                    report.failed.push((t.slug.to_string(), e.to_string()));
                }
            }
        }
        report.elapsed = start.elapsed();
        Ok(report)
    }

    /// Trims every tenant's event log and audit trail to their retention
    /// windows at `now`; how many events went.
    pub async fn trim_events(&self, now: chrono::DateTime<Utc>) -> Result<u64, TenantError> {
        let mut total = 0;
        for t in self.list().await? {
            let db = self.storage.tenant_db(&t).await?;
            match crate::records::retention::trim(&db, now).await {
                Ok(n) => total += n,
                Err(e) => tracing::warn!(tenant = %t.slug, error = %e, "event trim failed"),
            }
            match crate::audit::retention::trim(&db, now).await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(tenant = %t.slug, entries = n, "trimmed the audit trail past retention")
                }
                Err(e) => tracing::warn!(tenant = %t.slug, error = %e, "audit trim failed"),
            }
        }
        Ok(total)
    }

    /// Every active tenant with its schema status (for `migrate --check`).
    pub async fn check_all(
        &self,
    ) -> Result<Vec<(Tenant, Result<SchemaStatus, String>)>, TenantError> {
        let mut out = Vec::new();
        for t in self.list().await? {
            let s = self
                .storage
                .tenant_status(&t)
                .await
                .map_err(|e| e.to_string());
            out.push((t, s));
        }
        Ok(out)
    }
}

//! A tenant handle's data keys: unwrapped from the control plane when the
//! handle opens, and read again when a value names a key version the
//! handle has not seen (another process added it: `mandant keys
//! rotate-tenant`).

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use super::control::ControlStore;
use super::error::{Result, StorageError};
use crate::domain::tenant::TenantId;
use crate::keys::{DataKey, KeyError, Keyring, MasterKey};

pub(super) struct Keys {
    ring: RwLock<Keyring>,
    control: ControlStore,
    master: MasterKey,
    tenant: TenantId,
}

impl Keys {
    pub(super) async fn load(
        control: ControlStore,
        master: MasterKey,
        tenant: TenantId,
    ) -> Result<Arc<Self>> {
        let ring = read(&control, &master, tenant).await?;
        Ok(Arc::new(Self {
            ring: RwLock::new(ring),
            control,
            master,
            tenant,
        }))
    }

    /// The keys as last read.
    pub(super) fn ring(&self) -> Keyring {
        self.ring.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reads the keys again: another process may have added one (`mandant
    /// keys rotate-tenant`), which then seals from here on.
    pub(super) async fn refresh(&self) -> Result<Keyring> {
        let fresh = read(&self.control, &self.master, self.tenant).await?;
        *self.ring.write().unwrap_or_else(|e| e.into_inner()) = fresh.clone();
        Ok(fresh)
    }

    /// Opens `stored`, reading the keys again once if it names a version
    /// not seen yet.
    pub(super) async fn open(&self, place: &str, stored: &str) -> Result<String> {
        match self.ring().open(place, stored) {
            Err(KeyError::UnknownKey(_)) => Ok(self.refresh().await?.open(place, stored)?),
            other => Ok(other?),
        }
    }
}

/// The tenant's data keys, unwrapped; its first is made on first use.
async fn read(control: &ControlStore, master: &MasterKey, tenant: TenantId) -> Result<Keyring> {
    let mut rows = control.tenant_keys(tenant).await?;
    if rows.is_empty() {
        let wrapped = master.wrap(tenant.0, 1, &DataKey::generate())?;
        control
            .add_tenant_key(tenant, 1, &wrapped, master.kid())
            .await?;
        rows = control.tenant_keys(tenant).await?;
    }
    let mut keys = BTreeMap::new();
    for (version, wrapped, _) in rows {
        keys.insert(version, master.unwrap(tenant.0, version, &wrapped)?);
    }
    Keyring::new(tenant.0, keys)
        .ok_or_else(|| StorageError::Corrupt("a tenant without data keys".into()))
}

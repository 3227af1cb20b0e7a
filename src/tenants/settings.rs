//! A tenant's settings as a service: read one, or check and keep one, in a
//! transaction of its own. The types say where they are kept and what they
//! accept ([`Setting`]); settings whose check needs storage (the support
//! queue, the MFA roles) have their own services beside their data.

use crate::domain::FieldError;
use crate::storage::audit_log::Actor;
pub use crate::storage::settings::Setting;
use crate::storage::{StorageError, TenantDb, settings};

#[derive(Debug, thiserror::Error)]
pub enum SettingError {
    #[error("invalid setting")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The setting as kept (its default when unset).
pub async fn load<S: Setting>(db: &TenantDb) -> Result<S, StorageError> {
    let mut tx = db.begin_read().await?;
    let s = settings::read(&mut tx).await?;
    tx.rollback().await?;
    Ok(s)
}

/// Checks `value` and keeps it, with its entry in the audit trail.
pub async fn save<S: Setting>(db: &TenantDb, by: Actor, value: &S) -> Result<(), SettingError> {
    value.check().map_err(SettingError::Invalid)?;
    let mut tx = db.begin().await?;
    settings::write_audited(&mut tx, by, value).await?;
    tx.commit().await?;
    Ok(())
}

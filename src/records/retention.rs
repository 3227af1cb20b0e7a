//! Event retention: each tenant keeps its event log for a number of days
//! (setting `events.retention_days`, default 30); older events are trimmed
//! by a background sweep. Readers who ask from before the window are told
//! (`complete: false`, or `resync` on the WebSocket).

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::FieldError;
use crate::storage::{StorageError, TenantDb, events, settings};

pub const SETTING: &str = "events";

impl settings::Setting for EventSettings {
    const KEY: &'static str = SETTING;
    fn check(&self) -> Result<(), Vec<FieldError>> {
        self.validate()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSettings {
    #[serde(deserialize_with = "crate::domain::present::integer")]
    pub retention_days: i64,
}

impl Default for EventSettings {
    fn default() -> Self {
        Self { retention_days: 30 }
    }
}

impl EventSettings {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        if (1..=3650).contains(&self.retention_days) {
            Ok(())
        } else {
            Err(vec![FieldError::new(
                "retention_days",
                "must be between 1 and 3650",
            )])
        }
    }
}

/// Checks `value` (never longer than the audit trail keeps: the trail
/// outlives the events it describes) and keeps it with its trail entry;
/// the inner `Err` names what is wrong.
pub async fn save(
    db: &TenantDb,
    by: crate::storage::audit_log::Actor,
    value: &EventSettings,
) -> Result<Result<(), Vec<FieldError>>, StorageError> {
    if let Err(e) = value.validate() {
        return Ok(Err(e));
    }
    let mut tx = db.begin().await?;
    let audit: crate::storage::audit_log::AuditSettings = settings::read(&mut tx).await?;
    if value.retention_days > audit.retention_days {
        return Ok(Err(vec![FieldError::new(
            "retention_days",
            format!(
                "must not exceed the audit trail's retention ({} days)",
                audit.retention_days
            ),
        )]));
    }
    settings::write_audited(&mut tx, by, value).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

pub async fn load(db: &TenantDb) -> Result<EventSettings, StorageError> {
    let mut tx = db.begin_read().await?;
    let s = settings::read(&mut tx).await?;
    tx.rollback().await?;
    Ok(s)
}

/// Trims the tenant's events older than its retention at `now`.
pub async fn trim(db: &TenantDb, now: DateTime<Utc>) -> Result<u64, StorageError> {
    let keep = load(db).await?;
    let mut tx = db.begin().await?;
    let n = events::trim(&mut tx, now - TimeDelta::days(keep.retention_days)).await?;
    tx.commit().await?;
    Ok(n)
}

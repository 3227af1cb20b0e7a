//! How long the trail is kept. Entries older than the tenant's
//! `audit.retention_days` are trimmed from the start of the chain by the
//! hourly sweep; the chain's base moves past them, so `verify` still
//! walks an unbroken chain, and the trim is itself an entry
//! (`audit.trimmed`). The trail always outlives the event log: its
//! retention may not be shorter than the events'.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

use crate::domain::FieldError;
use crate::records::retention::EventSettings;
use crate::storage::audit_log::{self, Actor, AuditSettings};
use crate::storage::settings::{self, Setting};
use crate::storage::{StorageError, TenantDb};

/// The retention as kept.
pub async fn load(db: &TenantDb) -> Result<AuditSettings, StorageError> {
    let mut tx = db.begin_read().await?;
    let s = settings::read(&mut tx).await?;
    tx.rollback().await?;
    Ok(s)
}

/// Checks `value` (also against the event log's retention) and keeps it
/// with its trail entry; the inner `Err` names what is wrong.
pub async fn save(
    db: &TenantDb,
    by: Actor,
    value: &AuditSettings,
) -> Result<Result<(), Vec<FieldError>>, StorageError> {
    if let Err(e) = value.check() {
        return Ok(Err(e));
    }
    let mut tx = db.begin().await?;
    let events: EventSettings = settings::read(&mut tx).await?;
    if value.retention_days < events.retention_days {
        return Ok(Err(vec![FieldError::new(
            "retention_days",
            format!(
                "must be at least the event log's retention ({} days): the trail outlives the events it describes",
                events.retention_days
            ),
        )]));
    }
    settings::write_audited(&mut tx, by, value).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// Trims the entries older than the tenant keeps at `now`; how many went.
pub async fn trim(db: &TenantDb, now: DateTime<Utc>) -> Result<u64, StorageError> {
    let keep = load(db).await?;
    let before = now - TimeDelta::days(keep.retention_days);
    let mut tx = db.begin().await?;
    let Some((up_to, n)) = audit_log::trim(&mut tx, before).await? else {
        tx.rollback().await?;
        return Ok(0);
    };
    audit_log::append(
        &mut tx,
        &audit_log::NewEntry {
            action: "audit.trimmed",
            actor: Actor::Platform,
            kind: None,
            record_id: None,
            detail: json!({"before": before, "up_to": up_to, "entries": n,
                           "retention_days": keep.retention_days}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

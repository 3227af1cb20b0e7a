//! The audit trail as a service: reading it (filters, pages, CSV) and
//! proving it whole ([`verify`]). Entries are written by the services that
//! make the changes, in their transactions (`storage::audit_log`); what a
//! record write keeps of its values is `records::audit`'s rule.

pub mod head;
pub mod retention;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::storage::audit_log::{self, AuditRow};
pub use crate::storage::audit_log::{
    Actor, AuditFilter, AuditSettings, Break, ORIGIN, Origin, Verdict,
};
use crate::storage::{StorageError, TenantDb};

/// The columns of the trail's CSV export, in order.
pub const CSV_COLUMNS: [&str; 12] = [
    "seq",
    "at",
    "action",
    "actor_type",
    "actor_id",
    "kind",
    "record_id",
    "ip",
    "request_id",
    "detail",
    "prev_hash",
    "hash",
];

/// An entry as the API shows it: what was recorded (its canonical content,
/// read back) with the chain's hashes, so a reader can check a link.
pub fn view(row: &AuditRow) -> Value {
    let content: Value = serde_json::from_str(&row.entry).unwrap_or(Value::Null);
    json!({
        "seq": row.seq,
        "at": content["at"],
        "action": row.action,
        "actor": content["actor"],
        "actor_type": row.actor_type,
        "actor_id": row.actor_id,
        "kind": row.kind,
        "record_id": row.record_id,
        "ip": content["ip"],
        "request_id": content["request_id"],
        "detail": content["detail"],
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    })
}

/// A page of the trail, newest first, and the cursor for the next.
pub async fn page(
    db: &TenantDb,
    filter: &AuditFilter,
    limit: i64,
) -> Result<(Vec<Value>, Option<String>), StorageError> {
    let mut tx = db.begin_read().await?;
    let rows = audit_log::page(&mut tx, filter, limit).await?;
    tx.rollback().await?;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.seq.to_string()))
        .flatten();
    Ok((rows.iter().map(view).collect(), next))
}

/// Walks the tenant's whole chain (see `storage::audit_log::verify`).
pub async fn verify(db: &TenantDb) -> Result<Verdict, StorageError> {
    audit_log::verify(db).await
}

/// The chain's head now: its last number and hash (see [`head::sign`]).
pub async fn head(db: &TenantDb) -> Result<(i64, String), StorageError> {
    let mut tx = db.begin_read().await?;
    let head = audit_log::head(&mut tx).await?;
    tx.rollback().await?;
    Ok(head)
}

/// The hash the chain holds at entry `seq`, if the entry is there.
pub async fn hash_at(db: &TenantDb, seq: i64) -> Result<Option<String>, StorageError> {
    let mut tx = db.begin_read().await?;
    let rows = audit_log::after(&mut tx, seq - 1, 1).await?;
    tx.rollback().await?;
    Ok(rows.into_iter().find(|r| r.seq == seq).map(|r| r.hash))
}

/// An instant in a filter: RFC 3339.
pub fn parse_instant(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

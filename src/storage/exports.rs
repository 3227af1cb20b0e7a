//! Exports of what is held about a person: their state, and the archive
//! once built. Rows go when they expire or the person is erased.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::TenantTx;
use super::error::Result;
use super::events::{self, EventRow};
use crate::on_tx;

/// An export without its archive.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ExportRow {
    pub id: Uuid,
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub requested_by: Option<Uuid>,
    /// `running`, `ready` or `failed`.
    pub status: String,
    pub done: i32,
    pub total: i32,
    pub error: Option<String>,
    /// The archive's size in bytes, once ready.
    pub size: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, subject_kind, subject_id, requested_by, status, done, total, error, size, created_at, finished_at, expires_at";

pub async fn insert(tx: &mut TenantTx, e: &ExportRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO exports (id, subject_kind, subject_id, requested_by, status, done, total, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.id)
    .bind(&e.subject_kind)
    .bind(e.subject_id)
    .bind(e.requested_by)
    .bind(&e.status)
    .bind(e.done)
    .bind(e.total)
    .bind(e.created_at)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Option<ExportRow>> {
    let sql = format!("SELECT {COLUMNS} FROM exports WHERE id = $1");
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, ExportRow>(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(c)
        .await)?,
    )
}

/// The newest exports first, at most `limit`.
pub async fn list(tx: &mut TenantTx, limit: i64) -> Result<Vec<ExportRow>> {
    let sql = format!("SELECT {COLUMNS} FROM exports ORDER BY created_at DESC, id DESC LIMIT $1");
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, ExportRow>(sqlx::AssertSqlSafe(sql))
        .bind(limit)
        .fetch_all(c)
        .await)?,
    )
}

/// Exports still being built (after a restart: to build again).
pub async fn running(tx: &mut TenantTx) -> Result<Vec<ExportRow>> {
    let sql = format!("SELECT {COLUMNS} FROM exports WHERE status = 'running'");
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, ExportRow>(sqlx::AssertSqlSafe(sql))
        .fetch_all(c)
        .await)?,
    )
}

/// Moves a running export's progress; false when it is gone or no longer
/// running (erased meanwhile).
pub async fn progress(tx: &mut TenantTx, id: Uuid, done: i32, total: i32) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE exports SET done = $1, total = $2 WHERE id = $3 AND status = 'running'",
    )
    .bind(done)
    .bind(total)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Keeps the archive of a running export; false when it is gone.
pub async fn finish(
    tx: &mut TenantTx,
    id: Uuid,
    archive: &[u8],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE exports SET status = 'ready', done = total, archive = $1, size = $2, \
         finished_at = $3, expires_at = $4 WHERE id = $5 AND status = 'running'",
    )
    .bind(archive)
    .bind(archive.len() as i64)
    .bind(now)
    .bind(expires_at)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn fail(tx: &mut TenantTx, id: Uuid, error: &str, now: DateTime<Utc>) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE exports SET status = 'failed', error = $1, finished_at = $2 \
         WHERE id = $3 AND status = 'running'",
    )
    .bind(error)
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The archive of a ready export.
pub async fn archive(tx: &mut TenantTx, id: Uuid) -> Result<Option<Vec<u8>>> {
    let row: Option<(Option<Vec<u8>>,)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT archive FROM exports WHERE id = $1 AND status = 'ready'",
    )
    .bind(id)
    .fetch_optional(c)
    .await)?;
    Ok(row.and_then(|r| r.0))
}

/// Drops every export about `subject` (an erasure), each with an
/// `export.erased` event so that lists of exports drop it live.
pub async fn forget_subject(tx: &mut TenantTx, subject: Uuid) -> Result<Vec<EventRow>> {
    let ids: Vec<Uuid> = on_tx!(tx, c => sqlx::query_scalar(
        "DELETE FROM exports WHERE subject_id = $1 RETURNING id",
    )
    .bind(subject)
    .fetch_all(c)
    .await)?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let erased = events::erased_data(id);
        out.push(
            events::append(
                tx,
                &events::NewEvent {
                    event_type: "export.erased",
                    kind: "export",
                    record_id: id,
                    actor: None,
                    people: &[],
                    team_id: None,
                    data: &erased,
                },
            )
            .await?,
        );
    }
    Ok(out)
}

/// Drops exports that expired before `now`.
pub async fn expire(tx: &mut TenantTx, now: DateTime<Utc>) -> Result<u64> {
    Ok(
        on_tx!(tx, c => sqlx::query("DELETE FROM exports WHERE expires_at < $1")
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?,
    )
}

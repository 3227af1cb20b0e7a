//! What is known about attachments (their bytes are in [`super::blobs`]),
//! and the tenant's storage use that the quota is decided on.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::TenantTx;
use super::error::Result;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileRow {
    pub id: Uuid,
    pub record_kind: String,
    pub record_id: Uuid,
    pub comment_id: Option<Uuid>,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub internal: bool,
    pub created_by: Option<Uuid>,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, record_kind, record_id, comment_id, name, content_type, size, sha256, \
    internal, created_by, created_by_name, created_at";

pub async fn insert(tx: &mut TenantTx, f: &FileRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO files (id, record_kind, record_id, comment_id, name, content_type, size, \
         sha256, internal, created_by, created_by_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(f.id)
    .bind(&f.record_kind)
    .bind(f.record_id)
    .bind(f.comment_id)
    .bind(&f.name)
    .bind(&f.content_type)
    .bind(f.size)
    .bind(&f.sha256)
    .bind(f.internal)
    .bind(f.created_by)
    .bind(&f.created_by_name)
    .bind(f.created_at)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// A file that is still there.
pub async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Option<FileRow>> {
    let sql = format!("SELECT {COLUMNS} FROM files WHERE id = $1 AND deleted_at IS NULL");
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, FileRow>(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(c)
        .await)?,
    )
}

/// The files on a record, oldest first.
pub async fn of_record(tx: &mut TenantTx, record: Uuid) -> Result<Vec<FileRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM files WHERE record_id = $1 AND deleted_at IS NULL \
         ORDER BY created_at, id"
    );
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, FileRow>(sqlx::AssertSqlSafe(sql))
        .bind(record)
        .fetch_all(c)
        .await)?,
    )
}

/// Puts a file on a comment, with the comment's visibility.
pub async fn attach(tx: &mut TenantTx, id: Uuid, comment: Uuid, internal: bool) -> Result<()> {
    on_tx!(tx, c => sqlx::query("UPDATE files SET comment_id = $1, internal = $2 WHERE id = $3")
        .bind(comment)
        .bind(internal)
        .bind(id)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Counts `bytes` more against the quota, if they fit under `quota`;
/// false (and nothing counted) when they do not.
pub async fn reserve(tx: &mut TenantTx, bytes: i64, quota: Option<u64>) -> Result<bool> {
    // One conditional UPDATE of one row: concurrent uploads queue on its
    // lock and each sees the others' bytes, so the quota cannot be overrun.
    let limit = quota.map_or(i64::MAX, |q| i64::try_from(q).unwrap_or(i64::MAX));
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE file_usage SET bytes = bytes + $1, files = files + 1 \
         WHERE id = 1 AND bytes + $1 <= $2",
    )
    .bind(bytes)
    .bind(limit)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// `(bytes, files)` the tenant keeps.
pub async fn usage(tx: &mut TenantTx) -> Result<(i64, i64)> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, (i64, i64)>(
        "SELECT bytes, files FROM file_usage WHERE id = 1",
    )
    .fetch_one(c)
    .await)?)
}

/// Marks the files on any of `records` (or on comments among them) gone:
/// they leave the quota now; [`swept`] rows go once their objects have.
/// Returns how many.
pub async fn remove_of(tx: &mut TenantTx, records: &[Uuid], now: DateTime<Utc>) -> Result<u64> {
    let mut gone = 0;
    for chunk in records.chunks(200) {
        let list = (0..chunk.len())
            .map(|i| format!("${}", i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE files SET deleted_at = $1 WHERE deleted_at IS NULL \
             AND (record_id IN ({list}) OR comment_id IN ({list})) RETURNING size"
        );
        let sizes: Vec<i64> = on_tx!(tx, c => {
            let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(now);
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(c).await
        })?;
        release(tx, sizes.iter().sum(), sizes.len() as i64).await?;
        gone += sizes.len() as u64;
    }
    Ok(gone)
}

/// Marks one file gone (see [`remove_of`]).
pub async fn remove(tx: &mut TenantTx, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let size: Option<i64> = on_tx!(tx, c => sqlx::query_scalar(
        "UPDATE files SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL RETURNING size",
    )
    .bind(now)
    .bind(id)
    .fetch_optional(c)
    .await)?;
    if let Some(s) = size {
        release(tx, s, 1).await?;
    }
    Ok(size.is_some())
}

async fn release(tx: &mut TenantTx, bytes: i64, files: i64) -> Result<()> {
    if files == 0 {
        return Ok(());
    }
    on_tx!(tx, c => sqlx::query(
        "UPDATE file_usage SET bytes = bytes - $1, files = files - $2 WHERE id = 1",
    )
    .bind(bytes)
    .bind(files)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Files marked gone whose objects are still to delete.
pub async fn marked(tx: &mut TenantTx, limit: i64) -> Result<Vec<Uuid>> {
    Ok(on_tx!(tx, c => sqlx::query_scalar(
        "SELECT id FROM files WHERE deleted_at IS NOT NULL ORDER BY deleted_at LIMIT $1",
    )
    .bind(limit)
    .fetch_all(c)
    .await)?)
}

/// Forgets a file marked gone, once its object is deleted.
pub async fn swept(tx: &mut TenantTx, id: Uuid) -> Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM files WHERE id = $1 AND deleted_at IS NOT NULL")
        .bind(id)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

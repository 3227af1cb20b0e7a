//! API keys: stored as a SHA-256 of their secret part, found by prefix.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::TenantTx;
use super::error::{Result, StorageError};
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ApiKeyRow {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub prefix: String,
    #[serde(skip)]
    pub key_hash: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str =
    "id, name, role, prefix, key_hash, created_by, created_at, last_used_at, revoked_at";

pub async fn insert(tx: &mut TenantTx, k: &ApiKeyRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO api_keys (id, name, role, prefix, key_hash, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(k.id)
    .bind(&k.name)
    .bind(&k.role)
    .bind(&k.prefix)
    .bind(&k.key_hash)
    .bind(k.created_by)
    .bind(k.created_at)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn by_prefix(tx: &mut TenantTx, prefix: &str) -> Result<Option<ApiKeyRow>> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE prefix = $1");
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, ApiKeyRow>(sqlx::AssertSqlSafe(sql))
        .bind(prefix)
        .fetch_optional(c)
        .await)?,
    )
}

pub async fn list(tx: &mut TenantTx) -> Result<Vec<ApiKeyRow>> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys ORDER BY created_at DESC, id");
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, ApiKeyRow>(sqlx::AssertSqlSafe(sql)).fetch_all(c).await)?,
    )
}

pub async fn revoke(tx: &mut TenantTx, id: Uuid) -> Result<()> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
    )
    .bind(Utc::now())
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}

/// Records use, at most once a minute per key (a write per request would
/// turn every API call into a write transaction).
pub async fn touch(tx: &mut TenantTx, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(now)
    .bind(id)
    .bind(now - chrono::TimeDelta::minutes(1))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

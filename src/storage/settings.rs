//! Tenant settings: small JSON documents by key.

use chrono::Utc;
use serde_json::Value;
use sqlx::types::Json;

use super::TenantTx;
use super::error::Result;
use crate::on_tx;

pub async fn get(tx: &mut TenantTx, key: &str) -> Result<Option<Value>> {
    let row: Option<(Json<Value>,)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT value FROM settings WHERE key = $1",
    )
    .bind(key)
    .fetch_optional(c)
    .await)?;
    Ok(row.map(|r| r.0.0))
}

pub async fn put(tx: &mut TenantTx, key: &str, value: &Value) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(Json(value))
    .bind(Utc::now())
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

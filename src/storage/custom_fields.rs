//! Custom field definitions per kind. Read inside each writing
//! transaction, so a change applies to the very next write.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use super::TenantTx;
use super::error::{Result, StorageError};
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct CustomFieldRow {
    pub id: Uuid,
    pub kind: String,
    pub key: String,
    pub label: String,
    #[sqlx(rename = "type")]
    #[serde(rename = "type")]
    pub field_type: String,
    pub options: Json<Value>,
    pub required: bool,
    pub retired: bool,
    /// Values sealed at rest (`storage::sealed`); fixed at creation.
    pub sensitive: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, kind, key, label, type, options, required, retired, sensitive, version, created_at, updated_at";

pub async fn for_kind(tx: &mut TenantTx, kind: &str) -> Result<Vec<CustomFieldRow>> {
    let sql = format!("SELECT {COLUMNS} FROM custom_fields WHERE kind = $1 ORDER BY key");
    let rows = on_tx!(tx, c => sqlx::query_as::<_, CustomFieldRow>(sqlx::AssertSqlSafe(sql))
        .bind(kind)
        .fetch_all(c)
        .await)?;
    // A write reads its kind's definitions first: the sealing that
    // follows in this transaction needs no query of its own.
    let sensitive: Vec<String> = rows
        .iter()
        .filter(|r| r.sensitive)
        .map(|r| r.key.clone())
        .collect();
    tx.sensitive.insert(kind.to_owned(), sensitive.into());
    Ok(rows)
}

pub async fn all(tx: &mut TenantTx) -> Result<Vec<CustomFieldRow>> {
    let sql = format!("SELECT {COLUMNS} FROM custom_fields ORDER BY kind, key");
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, CustomFieldRow>(sqlx::AssertSqlSafe(sql)).fetch_all(c).await)?,
    )
}

pub async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Option<CustomFieldRow>> {
    let sql = format!("SELECT {COLUMNS} FROM custom_fields WHERE id = $1");
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, CustomFieldRow>(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(c)
        .await)?,
    )
}

pub async fn insert(tx: &mut TenantTx, r: &CustomFieldRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO custom_fields (id, kind, key, label, type, options, required, retired, sensitive, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(r.id)
    .bind(&r.kind)
    .bind(&r.key)
    .bind(&r.label)
    .bind(&r.field_type)
    .bind(&r.options)
    .bind(r.required)
    .bind(r.retired)
    .bind(r.sensitive)
    .bind(r.version)
    .bind(r.created_at)
    .bind(r.updated_at)
    .execute(c)
    .await
    .map(|_| ()))
    .map_err(|e| StorageError::from(e).conflict_on("custom field key"))?;
    Ok(())
}

/// Label, options, required and retired may change; key, type and
/// sensitivity never do.
pub async fn update(tx: &mut TenantTx, r: &CustomFieldRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE custom_fields SET label = $1, options = $2, required = $3, retired = $4, \
         version = version + 1, updated_at = $5 WHERE id = $6",
    )
    .bind(&r.label)
    .bind(&r.options)
    .bind(r.required)
    .bind(r.retired)
    .bind(r.updated_at)
    .bind(r.id)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

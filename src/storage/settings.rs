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

/// A setting's type: the key it is kept under, and what makes a value
/// acceptable. A value that is missing or no longer reads as the type
/// (an older shape) is the type's default.
pub trait Setting: serde::Serialize + serde::de::DeserializeOwned + Default + Send + Sync {
    const KEY: &'static str;

    /// Refuses a value the product cannot work with; checked before it is
    /// kept, so what is kept is always usable.
    fn check(&self) -> std::result::Result<(), Vec<crate::domain::FieldError>> {
        Ok(())
    }
}

/// The setting as kept (the default when unset).
pub async fn read<S: Setting>(tx: &mut TenantTx) -> Result<S> {
    Ok(get(tx, S::KEY)
        .await?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}

/// Keeps `value` (the caller has checked it).
pub async fn write<S: Setting>(tx: &mut TenantTx, value: &S) -> Result<()> {
    put(tx, S::KEY, &serde_json::to_value(value).unwrap_or_default()).await
}

/// Keeps `value` with its entry in the audit trail, in `tx`. A setting
/// holds no personal data: its value stands in the trail whole.
pub async fn write_audited<S: Setting>(
    tx: &mut TenantTx,
    by: super::audit_log::Actor,
    value: &S,
) -> Result<()> {
    write(tx, value).await?;
    super::audit_log::append(
        tx,
        &super::audit_log::NewEntry {
            action: "settings.changed",
            actor: by,
            kind: Some("setting"),
            record_id: None,
            detail: serde_json::json!({"key": S::KEY, "value": value}),
        },
    )
    .await?;
    Ok(())
}

/// The business calendar lives in `domain`, below storage, so its setting
/// is declared here.
impl Setting for crate::domain::calendar::CalendarSetting {
    const KEY: &'static str = crate::domain::calendar::SETTING;
    fn check(&self) -> std::result::Result<(), Vec<crate::domain::FieldError>> {
        self.compile().map(|_| ())
    }
}

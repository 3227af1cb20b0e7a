//! Passkeys and the WebAuthn ceremonies in flight.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::TenantTx;
use super::error::{Result, StorageError};
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct PasskeyRow {
    pub id: Uuid,
    #[serde(skip)]
    pub user_id: Uuid,
    pub name: String,
    #[serde(skip)]
    pub credential_id: String,
    /// `webauthn_rs::Passkey` as JSON: the public key and its counter.
    #[serde(skip)]
    pub credential: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, user_id, name, credential_id, credential, created_at, last_used_at";

pub async fn of_user(tx: &mut TenantTx, user: Uuid) -> Result<Vec<PasskeyRow>> {
    let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at, id");
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, PasskeyRow>(sqlx::AssertSqlSafe(sql))
        .bind(user)
        .fetch_all(c)
        .await)?,
    )
}

pub async fn count_of_user(tx: &mut TenantTx, user: Uuid) -> Result<i64> {
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM passkeys WHERE user_id = $1",
    )
    .bind(user)
    .fetch_one(c)
    .await)?)
}

pub async fn insert(tx: &mut TenantTx, p: &PasskeyRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO passkeys (id, user_id, name, credential_id, credential, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(p.id)
    .bind(p.user_id)
    .bind(&p.name)
    .bind(&p.credential_id)
    .bind(&p.credential)
    .bind(p.created_at)
    .execute(c)
    .await
    .map(|_| ()))
    .map_err(|e| StorageError::from(e).conflict_on("passkey"))?;
    Ok(())
}

/// Keeps a passkey's new counter after a sign-in.
pub async fn used(tx: &mut TenantTx, id: Uuid, credential: &str) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE passkeys SET credential = $1, last_used_at = $2 WHERE id = $3",
    )
    .bind(credential)
    .bind(Utc::now())
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn delete(tx: &mut TenantTx, user: Uuid, id: Uuid) -> Result<()> {
    let n = on_tx!(tx, c => sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}

pub async fn delete_all_of_user(tx: &mut TenantTx, user: Uuid) -> Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM passkeys WHERE user_id = $1")
        .bind(user)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Starts a ceremony; abandoned ones go with every new one.
pub async fn add_ceremony(
    tx: &mut TenantTx,
    kind: &str,
    user: Option<Uuid>,
    state: &str,
    expires_at: DateTime<Utc>,
) -> Result<Uuid> {
    on_tx!(tx, c => sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at < $1")
        .bind(Utc::now())
        .execute(c)
        .await
        .map(|_| ()))?;
    let id = Uuid::now_v7();
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO webauthn_ceremonies (id, kind, user_id, state, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(kind)
    .bind(user)
    .bind(state)
    .bind(expires_at)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(id)
}

/// Takes a ceremony out (it answers once): its user and state, when it is
/// of `kind` and unexpired.
pub async fn take_ceremony(
    tx: &mut TenantTx,
    id: Uuid,
    kind: &str,
) -> Result<Option<(Option<Uuid>, String)>> {
    let row = on_tx!(tx, c => sqlx::query_as::<_, (String, Option<Uuid>, String, DateTime<Utc>)>(
        "DELETE FROM webauthn_ceremonies WHERE id = $1 RETURNING kind, user_id, state, expires_at",
    )
    .bind(id)
    .fetch_optional(c)
    .await)?;
    Ok(row
        .filter(|(k, _, _, exp)| k == kind && *exp > Utc::now())
        .map(|(_, u, s, _)| (u, s)))
}

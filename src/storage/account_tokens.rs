//! Single-use tokens that let a person set their password (a reset, an
//! invitation). Only their SHA-256 is kept; taking one is one
//! conditional update, so a token works once even when sent twice at once.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::TenantTx;
use super::error::Result;
use crate::on_tx;

pub async fn insert(
    tx: &mut TenantTx,
    hash: &str,
    user: Uuid,
    purpose: &str,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO account_tokens (token_hash, user_id, purpose, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash)
    .bind(user)
    .bind(purpose)
    .bind(expires)
    .bind(now)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Would the token work at `now`? (Read only: a page can tell a dead
/// link before the person chooses a password.)
pub async fn usable(tx: &mut TenantTx, hash: &str, now: DateTime<Utc>) -> Result<bool> {
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM account_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(hash)
    .bind(now)
    .fetch_one(c)
    .await)?
        > 0)
}

/// Spends the token: its user and purpose when it was unused and not
/// expired at `now`, else `None`.
pub async fn take(
    tx: &mut TenantTx,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Uuid, String)>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, (Uuid, String)>(
        "UPDATE account_tokens SET used_at = $2 \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
         RETURNING user_id, purpose",
    )
    .bind(hash)
    .bind(now)
    .fetch_optional(c)
    .await)?)
}

/// Voids every unused token of `user` (its password was set, or it was
/// erased).
pub async fn void_for_user(tx: &mut TenantTx, user: Uuid, now: DateTime<Utc>) -> Result<u64> {
    Ok(on_tx!(tx, c => sqlx::query(
        "UPDATE account_tokens SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?)
}

/// Did `user` get a token for `purpose` after `since`? (A second reset
/// mail within a minute is not sent: a form sent twice, or someone
/// filling another's mailbox.)
pub async fn issued_since(
    tx: &mut TenantTx,
    user: Uuid,
    purpose: &str,
    since: DateTime<Utc>,
) -> Result<bool> {
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM account_tokens WHERE user_id = $1 AND purpose = $2 AND created_at > $3",
    )
    .bind(user)
    .bind(purpose)
    .bind(since)
    .fetch_one(c)
    .await)?
        > 0)
}

//! Login sessions and their refresh tokens. A session is a refresh-token
//! family: presenting a spent token revokes the session (RFC 9700 §4.14).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::TenantTx;
use super::error::Result;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub mfa_pending: bool,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// `password`, `sso` or `passkey`: how it began.
    pub method: String,
    pub sso_provider_id: Option<Uuid>,
    /// Sealed ID token (the hint for RP-initiated logout).
    pub sso_id_token: Option<String>,
}

impl SessionRow {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

pub struct NewSession<'a> {
    pub user_id: Uuid,
    pub mfa_pending: bool,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub method: &'a str,
    /// The provider and its sealed ID token, for a session from SSO.
    pub sso: Option<(Uuid, &'a str)>,
}

pub async fn create(tx: &mut TenantTx, s: &NewSession<'_>) -> Result<Uuid> {
    let id = Uuid::now_v7();
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO sessions (id, user_id, mfa_pending, created_at, expires_at, ip, user_agent, \
         method, sso_provider_id, sso_id_token) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(s.user_id)
    .bind(s.mfa_pending)
    .bind(Utc::now())
    .bind(s.expires_at)
    .bind(s.ip)
    .bind(s.user_agent)
    .bind(s.method)
    .bind(s.sso.map(|(p, _)| p))
    .bind(s.sso.map(|(_, t)| t))
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(id)
}

pub async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Option<SessionRow>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, SessionRow>(
        "SELECT id, user_id, mfa_pending, expires_at, revoked_at, method, sso_provider_id, \
         sso_id_token FROM sessions WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(c)
    .await)?)
}

/// Revokes one session; returns whether it was live.
pub async fn revoke(tx: &mut TenantTx, id: Uuid, reason: &str) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL",
    )
    .bind(Utc::now())
    .bind(reason)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Revokes every live session of a user (disable, password change).
pub async fn revoke_all_for_user(tx: &mut TenantTx, user_id: Uuid, reason: &str) -> Result<u64> {
    Ok(on_tx!(tx, c => sqlx::query(
        "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE user_id = $3 AND revoked_at IS NULL",
    )
    .bind(Utc::now())
    .bind(reason)
    .bind(user_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?)
}

/// Revokes every live session a provider began (provider removed or
/// disabled); the users whose sessions ended.
pub async fn revoke_all_for_provider(
    tx: &mut TenantTx,
    provider: Uuid,
    reason: &str,
) -> Result<Vec<Uuid>> {
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, Uuid>(
        "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 \
         WHERE sso_provider_id = $3 AND revoked_at IS NULL RETURNING user_id",
    )
    .bind(Utc::now())
    .bind(reason)
    .bind(provider)
    .fetch_all(c)
    .await)?)
}

/// Revokes every live password or passkey session except those of
/// `keep` (SSO made mandatory: the break-glass owners keep theirs); the
/// users whose sessions ended.
pub async fn revoke_all_but_sso(
    tx: &mut TenantTx,
    keep: &[Uuid],
    reason: &str,
) -> Result<Vec<Uuid>> {
    let live: Vec<(Uuid, Uuid)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT id, user_id FROM sessions WHERE revoked_at IS NULL AND method <> 'sso'",
    )
    .fetch_all(c)
    .await)?;
    let mut ended = Vec::new();
    for (id, user) in live.into_iter().filter(|(_, u)| !keep.contains(u)) {
        if revoke(tx, id, reason).await? {
            ended.push(user);
        }
    }
    ended.sort();
    ended.dedup();
    Ok(ended)
}

pub async fn clear_mfa_pending(tx: &mut TenantTx, id: Uuid) -> Result<()> {
    on_tx!(tx, c => sqlx::query("UPDATE sessions SET mfa_pending = $1 WHERE id = $2")
        .bind(false)
        .bind(id)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

pub async fn add_refresh_token(tx: &mut TenantTx, session: Uuid, hash: &str) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(hash)
    .bind(session)
    .bind(Utc::now())
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// What presenting a refresh token found.
#[derive(Debug, PartialEq, Eq)]
pub enum Spend {
    /// Unknown token.
    Unknown,
    /// Spent before (or spent concurrently by another request): reuse.
    Reused { session_id: Uuid },
    /// Spent now by this call.
    Fresh { session_id: Uuid },
}

/// Marks a refresh token spent. The conditional update makes two concurrent
/// refreshes with one token end as one `Fresh` and one `Reused`.
pub async fn spend_refresh_token(tx: &mut TenantTx, hash: &str) -> Result<Spend> {
    let row: Option<(Uuid, Option<DateTime<Utc>>)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT session_id, spent_at FROM refresh_tokens WHERE token_hash = $1",
    )
    .bind(hash)
    .fetch_optional(c)
    .await)?;
    let Some((session_id, spent)) = row else {
        return Ok(Spend::Unknown);
    };
    if spent.is_some() {
        return Ok(Spend::Reused { session_id });
    }
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE refresh_tokens SET spent_at = $1 WHERE token_hash = $2 AND spent_at IS NULL",
    )
    .bind(Utc::now())
    .bind(hash)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(if n == 1 {
        Spend::Fresh { session_id }
    } else {
        Spend::Reused { session_id }
    })
}

//! OpenID Connect providers, the identities they vouch for, sign-ins in
//! flight and their one-time hand-offs to the web app.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::TenantTx;
use super::error::{Result, StorageError};
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProviderRow {
    pub id: Uuid,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    /// Sealed under the tenant's data key.
    pub client_secret: Option<String>,
    /// JSON of `identity::sso::ProviderConfig`.
    pub config: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, name, issuer, client_id, client_secret, config, enabled, created_at, updated_at";

pub async fn list(tx: &mut TenantTx) -> Result<Vec<ProviderRow>> {
    let sql = format!("SELECT {COLUMNS} FROM sso_providers ORDER BY name, id");
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, ProviderRow>(sqlx::AssertSqlSafe(sql)).fetch_all(c).await)?,
    )
}

pub async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Option<ProviderRow>> {
    let sql = format!("SELECT {COLUMNS} FROM sso_providers WHERE id = $1");
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, ProviderRow>(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(c)
        .await)?,
    )
}

/// Inserts or replaces a provider (by id).
pub async fn put(tx: &mut TenantTx, p: &ProviderRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO sso_providers (id, name, issuer, client_id, client_secret, config, enabled, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, issuer = excluded.issuer, \
         client_id = excluded.client_id, client_secret = excluded.client_secret, \
         config = excluded.config, enabled = excluded.enabled, updated_at = excluded.updated_at",
    )
    .bind(p.id)
    .bind(&p.name)
    .bind(&p.issuer)
    .bind(&p.client_id)
    .bind(&p.client_secret)
    .bind(&p.config)
    .bind(p.enabled)
    .bind(p.created_at)
    .bind(p.updated_at)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn delete(tx: &mut TenantTx, id: Uuid) -> Result<()> {
    let n = on_tx!(tx, c => sqlx::query("DELETE FROM sso_providers WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}

/// The user a provider's subject is linked to.
pub async fn identity_user(
    tx: &mut TenantTx,
    provider: Uuid,
    subject: &str,
) -> Result<Option<Uuid>> {
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, Uuid>(
        "SELECT user_id FROM sso_identities WHERE provider_id = $1 AND subject = $2",
    )
    .bind(provider)
    .bind(subject)
    .fetch_optional(c)
    .await)?)
}

/// Links `subject` to `user`, or records another sign-in of the link.
pub async fn link(tx: &mut TenantTx, provider: Uuid, subject: &str, user: Uuid) -> Result<()> {
    let now = Utc::now();
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO sso_identities (provider_id, subject, user_id, created_at, last_login_at) \
         VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (provider_id, subject) DO UPDATE SET last_login_at = excluded.last_login_at",
    )
    .bind(provider)
    .bind(subject)
    .bind(user)
    .bind(now)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Has `user` a link to another subject of the same provider? (A
/// verified e-mail must not move a user from one directory entry to another.)
pub async fn linked_elsewhere(
    tx: &mut TenantTx,
    provider: Uuid,
    subject: &str,
    user: Uuid,
) -> Result<bool> {
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM sso_identities WHERE provider_id = $1 AND user_id = $2 AND subject <> $3",
    )
    .bind(provider)
    .bind(user)
    .bind(subject)
    .fetch_one(c)
    .await)?
        > 0)
}

pub struct NewAttempt<'a> {
    pub state_hash: &'a str,
    pub provider_id: Uuid,
    pub browser_hash: &'a str,
    pub nonce: &'a str,
    pub pkce_verifier: &'a str,
    pub return_to: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

pub async fn add_attempt(tx: &mut TenantTx, a: &NewAttempt<'_>) -> Result<()> {
    // Abandoned attempts go with every new one: the table stays small
    // without a sweeper.
    on_tx!(tx, c => sqlx::query("DELETE FROM sso_attempts WHERE expires_at < $1")
        .bind(Utc::now())
        .execute(c)
        .await
        .map(|_| ()))?;
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO sso_attempts (state_hash, provider_id, browser_hash, nonce, pkce_verifier, return_to, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(a.state_hash)
    .bind(a.provider_id)
    .bind(a.browser_hash)
    .bind(a.nonce)
    .bind(a.pkce_verifier)
    .bind(a.return_to)
    .bind(a.expires_at)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    pub provider_id: Uuid,
    pub browser_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub return_to: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// Takes the attempt of `state_hash` out: it answers once, whatever follows.
pub async fn take_attempt(tx: &mut TenantTx, state_hash: &str) -> Result<Option<AttemptRow>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, AttemptRow>(
        "DELETE FROM sso_attempts WHERE state_hash = $1 \
         RETURNING provider_id, browser_hash, nonce, pkce_verifier, return_to, expires_at",
    )
    .bind(state_hash)
    .fetch_optional(c)
    .await)?)
}

pub async fn add_handoff(
    tx: &mut TenantTx,
    code_hash: &str,
    session: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM sso_handoffs WHERE expires_at < $1")
        .bind(Utc::now())
        .execute(c)
        .await
        .map(|_| ()))?;
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO sso_handoffs (code_hash, session_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(code_hash)
    .bind(session)
    .bind(expires_at)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Spends a hand-off code: its session when it was unspent and fresh.
pub async fn take_handoff(tx: &mut TenantTx, code_hash: &str) -> Result<Option<Uuid>> {
    let row = on_tx!(tx, c => sqlx::query_as::<_, (Uuid, DateTime<Utc>)>(
        "DELETE FROM sso_handoffs WHERE code_hash = $1 RETURNING session_id, expires_at",
    )
    .bind(code_hash)
    .fetch_optional(c)
    .await)?;
    Ok(row.filter(|(_, exp)| *exp > Utc::now()).map(|(s, _)| s))
}

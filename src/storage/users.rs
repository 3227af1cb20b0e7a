//! A tenant's users: the rows provisioning needs (first admin, demo reset).
//! The identity issue grows this into the full user store.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::TenantTx;
use super::error::{Result, StorageError};
use crate::domain::email::Email;
use crate::on_tx;

/// A user about to be created; the password is already an Argon2id hash.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub name: String,
    pub password_hash: String,
    pub kind: &'static str,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(tx: &mut TenantTx, user: &NewUser) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO users (id, email, email_normalized, name, password_hash, kind, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $7)",
    )
    .bind(id)
    .bind(user.email.as_str())
    .bind(user.email.normalized())
    .bind(&user.name)
    .bind(&user.password_hash)
    .bind(user.kind)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| StorageError::from(e).conflict_on("user email"))?;
    for role in &user.roles {
        on_tx!(tx, c => sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(id)
            .bind(role)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(id)
}

pub async fn list(tx: &mut TenantTx) -> Result<Vec<UserRow>> {
    const SQL: &str =
        "SELECT id, email, name, kind, status, created_at FROM users ORDER BY created_at, id";
    Ok(on_tx!(tx, c => sqlx::query_as::<_, UserRow>(SQL).fetch_all(c).await)?)
}

/// Sets a user's password hash; `NotFound` when no user has that address.
pub async fn set_password_hash(tx: &mut TenantTx, email: &Email, hash: &str) -> Result<()> {
    let done = on_tx!(tx, c => sqlx::query(
        "UPDATE users SET password_hash = $1, version = version + 1, updated_at = $2 \
         WHERE email_normalized = $3",
    )
    .bind(hash)
    .bind(Utc::now())
    .bind(email.normalized())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}

/// The stored hash for an address, for login and tests.
pub async fn password_hash(tx: &mut TenantTx, email: &Email) -> Result<Option<String>> {
    let row: Option<(Option<String>,)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT password_hash FROM users WHERE email_normalized = $1",
    )
    .bind(email.normalized())
    .fetch_optional(c)
    .await)?;
    Ok(row.and_then(|r| r.0))
}

/// What login and request authentication need to know about a user.
/// `Debug` leaves out the password hash and the TOTP secret: a user in a
/// log line or a panic message must not carry them.
#[derive(Clone, sqlx::FromRow)]
pub struct AuthUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub password_hash: Option<String>,
    pub mfa_enabled: bool,
    pub mfa_secret: Option<String>,
    pub mfa_last_step: i64,
}

impl std::fmt::Debug for AuthUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |present: bool| if present { "[redacted]" } else { "none" };
        f.debug_struct("AuthUser")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("status", &self.status)
            .field("password_hash", &redacted(self.password_hash.is_some()))
            .field("mfa_enabled", &self.mfa_enabled)
            .field("mfa_secret", &redacted(self.mfa_secret.is_some()))
            .field("mfa_last_step", &self.mfa_last_step)
            .finish()
    }
}

const AUTH_COLUMNS: &str =
    "id, email, name, kind, status, password_hash, mfa_enabled, mfa_secret, mfa_last_step";

pub async fn auth_by_email(tx: &mut TenantTx, email: &Email) -> Result<Option<AuthUser>> {
    let sql = format!("SELECT {AUTH_COLUMNS} FROM users WHERE email_normalized = $1");
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, AuthUser>(sqlx::AssertSqlSafe(sql))
        .bind(email.normalized())
        .fetch_optional(c)
        .await)?,
    )
}

pub async fn auth_by_id(tx: &mut TenantTx, id: Uuid) -> Result<Option<AuthUser>> {
    let sql = format!("SELECT {AUTH_COLUMNS} FROM users WHERE id = $1");
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, AuthUser>(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(c)
        .await)?,
    )
}

pub async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Option<UserRow>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, UserRow>(
        "SELECT id, email, name, kind, status, created_at FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(c)
    .await)?)
}

pub async fn roles_of(tx: &mut TenantTx, id: Uuid) -> Result<Vec<String>> {
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, String>(
        "SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role",
    )
    .bind(id)
    .fetch_all(c)
    .await)?)
}

pub async fn teams_of(tx: &mut TenantTx, id: Uuid) -> Result<Vec<Uuid>> {
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, Uuid>(
        "SELECT team_id FROM user_teams WHERE user_id = $1 ORDER BY team_id",
    )
    .bind(id)
    .fetch_all(c)
    .await)?)
}

/// Every (user, role) and (user, team) pair: for listing users with theirs.
pub async fn all_memberships(
    tx: &mut TenantTx,
) -> Result<(Vec<(Uuid, String)>, Vec<(Uuid, Uuid)>)> {
    let roles = on_tx!(tx, c => sqlx::query_as::<_, (Uuid, String)>(
        "SELECT user_id, role FROM user_roles ORDER BY role",
    )
    .fetch_all(c)
    .await)?;
    let teams = on_tx!(tx, c => sqlx::query_as::<_, (Uuid, Uuid)>(
        "SELECT user_id, team_id FROM user_teams ORDER BY team_id",
    )
    .fetch_all(c)
    .await)?;
    Ok((roles, teams))
}

pub async fn set_roles(tx: &mut TenantTx, id: Uuid, roles: &[String]) -> Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|_| ()))?;
    for role in roles {
        on_tx!(tx, c => sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(id)
            .bind(role)
            .execute(c)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

pub async fn set_teams(tx: &mut TenantTx, id: Uuid, teams: &[Uuid]) -> Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM user_teams WHERE user_id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|_| ()))?;
    for team in teams {
        on_tx!(tx, c => sqlx::query("INSERT INTO user_teams (user_id, team_id) VALUES ($1, $2)")
            .bind(id)
            .bind(team)
            .execute(c)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

/// Changes name and/or status; `NotFound` for an unknown id.
pub async fn update_profile(
    tx: &mut TenantTx,
    id: Uuid,
    name: Option<&str>,
    status: Option<&str>,
) -> Result<()> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE users SET name = COALESCE($1, name), status = COALESCE($2, status), \
         version = version + 1, updated_at = $3 WHERE id = $4",
    )
    .bind(name)
    .bind(status)
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

pub async fn set_password_hash_by_id(tx: &mut TenantTx, id: Uuid, hash: &str) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE users SET password_hash = $1, version = version + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(hash)
    .bind(Utc::now())
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn delete(tx: &mut TenantTx, id: Uuid) -> Result<()> {
    let n = on_tx!(tx, c => sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}

/// Stores a TOTP secret; `enabled` false while enrolment awaits confirmation.
/// Every stored TOTP secret: (user, secret as stored).
pub async fn mfa_secrets(tx: &mut TenantTx) -> Result<Vec<(Uuid, String)>> {
    Ok(on_tx!(tx, c => sqlx::query_as(
        "SELECT id, mfa_secret FROM users WHERE mfa_secret IS NOT NULL",
    )
    .fetch_all(c)
    .await)?)
}

/// Replaces a user's stored TOTP secret (re-sealed), nothing else.
pub async fn set_mfa_secret(tx: &mut TenantTx, id: Uuid, stored: &str) -> Result<()> {
    on_tx!(tx, c => sqlx::query("UPDATE users SET mfa_secret = $1 WHERE id = $2")
        .bind(stored)
        .bind(id)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

pub async fn set_mfa(
    tx: &mut TenantTx,
    id: Uuid,
    secret: Option<&str>,
    enabled: bool,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE users SET mfa_secret = $1, mfa_enabled = $2, version = version + 1, updated_at = $3 WHERE id = $4",
    )
    .bind(secret)
    .bind(enabled)
    .bind(Utc::now())
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Accepts TOTP step `step` once: false if it (or a later one) was used.
pub async fn advance_mfa_step(tx: &mut TenantTx, id: Uuid, step: i64) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE users SET mfa_last_step = $1 WHERE id = $2 AND mfa_last_step < $1",
    )
    .bind(step)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn replace_recovery_codes(tx: &mut TenantTx, id: Uuid, hashes: &[String]) -> Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM mfa_recovery_codes WHERE user_id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|_| ()))?;
    for h in hashes {
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO mfa_recovery_codes (user_id, code_hash) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(h)
        .execute(c)
        .await
        .map(|_| ()))?;
    }
    Ok(())
}

/// Uses a recovery code once; false if unknown or already used.
pub async fn use_recovery_code(tx: &mut TenantTx, id: Uuid, hash: &str) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE mfa_recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(Utc::now())
    .bind(id)
    .bind(hash)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn count(tx: &mut TenantTx) -> Result<i64> {
    Ok(
        on_tx!(tx, c => sqlx::query_scalar::<_, i64>("SELECT count(*) FROM users").fetch_one(c).await)?,
    )
}

/// The domain of an erased user's placeholder address (RFC 2606: never
/// delivered).
const ERASED_DOMAIN: &str = "@erased.invalid";

/// Whether `email` is an erased user's placeholder.
pub fn is_erased(email: &str) -> bool {
    email.ends_with(ERASED_DOMAIN)
}

/// Takes everything personal off a user who is erased (a portal user who
/// was a contact): the address and name become placeholders derived from
/// the id, and the password, second factor and recovery codes go, so the
/// account can never sign in again. The id stays: records and the trail
/// refer to it.
pub async fn anonymise(tx: &mut TenantTx, id: Uuid) -> Result<()> {
    let placeholder = format!("erased-{}{ERASED_DOMAIN}", id.simple());
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE users SET email = $1, email_normalized = $1, name = 'Erased person', \
         password_hash = NULL, mfa_secret = NULL, mfa_enabled = false, status = 'disabled', \
         external_id = NULL, scim_user_name = NULL, scim_attributes = NULL, \
         version = version + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(&placeholder)
    .bind(Utc::now())
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StorageError::NotFound);
    }
    on_tx!(tx, c => sqlx::query("DELETE FROM mfa_recovery_codes WHERE user_id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|_| ()))?;
    // A provider's subject or a passkey would find the erased account again.
    for sql in [
        "DELETE FROM sso_identities WHERE user_id = $1",
        "DELETE FROM passkeys WHERE user_id = $1",
    ] {
        on_tx!(tx, c => sqlx::query(sql)
            .bind(id)
            .execute(c)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_hash_or_the_totp_secret() {
        let u = AuthUser {
            id: Uuid::now_v7(),
            email: "a@x.example".into(),
            name: "A".into(),
            kind: "staff".into(),
            status: "active".into(),
            password_hash: Some("$argon2id$v=19$secret-hash".into()),
            mfa_enabled: true,
            mfa_secret: Some("JBSWY3DPEHPK3PXP".into()),
            mfa_last_step: 0,
        };
        let shown = format!("{u:?}");
        assert!(
            !shown.contains("argon2id") && !shown.contains("JBSWY3DP"),
            "{shown}"
        );
        assert!(shown.contains("a@x.example"));
    }
}

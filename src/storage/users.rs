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

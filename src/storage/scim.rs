//! What SCIM provisioning reads and writes: staff users with the
//! directory's ids and names, teams as groups with their members, and the
//! tenant's bearer token (kept as a hash).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::TenantTx;
use super::error::{Result, StorageError};
use crate::domain::email::Email;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScimUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub status: String,
    pub external_id: Option<String>,
    pub scim_user_name: Option<String>,
    pub scim_attributes: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const USER_COLUMNS: &str = "id, email, name, status, external_id, scim_user_name, \
     scim_attributes, version, created_at, updated_at";

/// The tenant's staff (portal users are not the directory's).
pub async fn users(tx: &mut TenantTx) -> Result<Vec<ScimUser>> {
    let sql =
        format!("SELECT {USER_COLUMNS} FROM users WHERE kind = 'staff' ORDER BY created_at, id");
    Ok(on_tx!(tx, c => sqlx::query_as::<_, ScimUser>(sqlx::AssertSqlSafe(sql)).fetch_all(c).await)?)
}

pub async fn user(tx: &mut TenantTx, id: Uuid) -> Result<Option<ScimUser>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE kind = 'staff' AND id = $1");
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, ScimUser>(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(c)
        .await)?,
    )
}

/// What the directory says beyond Mandant's own columns.
pub struct Directory<'a> {
    pub external_id: Option<&'a str>,
    pub user_name: &'a str,
    pub attributes: &'a str,
}

/// Writes a user's e-mail, name, status and directory fields at once.
pub async fn update_user(
    tx: &mut TenantTx,
    id: Uuid,
    email: &Email,
    name: &str,
    status: &str,
    d: &Directory<'_>,
) -> Result<()> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE users SET email = $1, email_normalized = $2, name = $3, status = $4, \
         external_id = $5, scim_user_name = $6, scim_attributes = $7, \
         version = version + 1, updated_at = $8 WHERE id = $9 AND kind = 'staff'",
    )
    .bind(email.as_str())
    .bind(email.normalized())
    .bind(name)
    .bind(status)
    .bind(d.external_id)
    .bind(d.user_name)
    .bind(d.attributes)
    .bind(Utc::now())
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| StorageError::from(e).conflict_on("user email or userName"))?;
    if n == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScimTeam {
    pub id: Uuid,
    pub name: String,
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn teams(tx: &mut TenantTx) -> Result<Vec<ScimTeam>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, ScimTeam>(
        "SELECT id, name, external_id, created_at FROM teams ORDER BY created_at, id",
    )
    .fetch_all(c)
    .await)?)
}

pub async fn team(tx: &mut TenantTx, id: Uuid) -> Result<Option<ScimTeam>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, ScimTeam>(
        "SELECT id, name, external_id, created_at FROM teams WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(c)
    .await)?)
}

pub async fn put_team(tx: &mut TenantTx, t: &ScimTeam) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO teams (id, name, external_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, external_id = excluded.external_id",
    )
    .bind(t.id)
    .bind(&t.name)
    .bind(&t.external_id)
    .bind(t.created_at)
    .execute(c)
    .await
    .map(|_| ()))
    .map_err(|e| StorageError::from(e).conflict_on("team name"))?;
    Ok(())
}

pub async fn delete_team(tx: &mut TenantTx, id: Uuid) -> Result<()> {
    let n = on_tx!(tx, c => sqlx::query("DELETE FROM teams WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}

/// Every (team, user) membership.
pub async fn memberships(tx: &mut TenantTx) -> Result<Vec<(Uuid, Uuid)>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, (Uuid, Uuid)>(
        "SELECT team_id, user_id FROM user_teams ORDER BY team_id, user_id",
    )
    .fetch_all(c)
    .await)?)
}

/// Makes `members` the team's members; the users whose membership changed.
pub async fn set_members(tx: &mut TenantTx, team: Uuid, members: &[Uuid]) -> Result<Vec<Uuid>> {
    let before: Vec<Uuid> = on_tx!(tx, c => sqlx::query_scalar::<_, Uuid>(
        "SELECT user_id FROM user_teams WHERE team_id = $1",
    )
    .bind(team)
    .fetch_all(c)
    .await)?;
    let mut changed = Vec::new();
    for gone in before.iter().filter(|u| !members.contains(u)) {
        on_tx!(tx, c => sqlx::query("DELETE FROM user_teams WHERE team_id = $1 AND user_id = $2")
            .bind(team)
            .bind(*gone)
            .execute(c)
            .await
            .map(|_| ()))?;
        changed.push(*gone);
    }
    for new in members.iter().filter(|u| !before.contains(u)) {
        on_tx!(tx, c => sqlx::query("INSERT INTO user_teams (user_id, team_id) VALUES ($1, $2)")
            .bind(*new)
            .bind(team)
            .execute(c)
            .await
            .map(|_| ()))?;
        changed.push(*new);
    }
    Ok(changed)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: Uuid,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// The live token, if any.
pub async fn live_token(tx: &mut TenantTx) -> Result<Option<TokenRow>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, TokenRow>(
        "SELECT id, created_by, created_at, last_used_at FROM scim_tokens WHERE revoked_at IS NULL \
         ORDER BY created_at DESC LIMIT 1",
    )
    .fetch_optional(c)
    .await)?)
}

/// The live token with this hash.
pub async fn token_by_hash(tx: &mut TenantTx, hash: &str) -> Result<Option<TokenRow>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, TokenRow>(
        "SELECT id, created_by, created_at, last_used_at FROM scim_tokens \
         WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(hash)
    .fetch_optional(c)
    .await)?)
}

/// Revokes every live token; how many.
pub async fn revoke_tokens(tx: &mut TenantTx) -> Result<u64> {
    Ok(on_tx!(tx, c => sqlx::query(
        "UPDATE scim_tokens SET revoked_at = $1 WHERE revoked_at IS NULL",
    )
    .bind(Utc::now())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?)
}

pub async fn add_token(tx: &mut TenantTx, hash: &str, by: Uuid) -> Result<TokenRow> {
    let row = TokenRow {
        id: Uuid::now_v7(),
        created_by: Some(by),
        created_at: Utc::now(),
        last_used_at: None,
    };
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO scim_tokens (id, token_hash, created_by, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(row.id)
    .bind(hash)
    .bind(by)
    .bind(row.created_at)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(row)
}

/// Records use, at most once a minute (as API keys do).
pub async fn touch_token(tx: &mut TenantTx, id: Uuid, now: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE scim_tokens SET last_used_at = $1 WHERE id = $2 \
         AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(now)
    .bind(id)
    .bind(now - chrono::TimeDelta::minutes(1))
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

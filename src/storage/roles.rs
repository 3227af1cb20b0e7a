//! Custom roles and their grants. Built-in roles are not stored: their
//! definitions live in code (`identity::builtin`), the same for every tenant.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::TenantTx;
use super::error::{Result, StorageError};
use crate::on_tx;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GrantRow {
    pub permission: String,
    pub scope: String,
    pub hidden_fields: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct RoleRow {
    pub name: String,
    pub parent: Option<String>,
    pub description: String,
    pub grants: Vec<GrantRow>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// name, parent, description, created_at, updated_at
type RoleHead = (String, Option<String>, String, DateTime<Utc>, DateTime<Utc>);

/// Every custom role with its grants (a tenant has few; one query each).
pub async fn all(tx: &mut TenantTx) -> Result<Vec<RoleRow>> {
    let roles: Vec<RoleHead> = on_tx!(tx, c => sqlx::query_as(
            "SELECT name, parent, description, created_at, updated_at FROM roles ORDER BY name",
        )
        .fetch_all(c)
        .await)?;
    let grants: Vec<(String, String, String, Json<Vec<String>>)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT role, permission, scope, hidden_fields FROM role_grants ORDER BY role, permission",
    )
    .fetch_all(c)
    .await)?;
    Ok(roles
        .into_iter()
        .map(
            |(name, parent, description, created_at, updated_at)| RoleRow {
                grants: grants
                    .iter()
                    .filter(|g| g.0 == name)
                    .map(|g| GrantRow {
                        permission: g.1.clone(),
                        scope: g.2.clone(),
                        hidden_fields: g.3.0.clone(),
                    })
                    .collect(),
                name,
                parent,
                description,
                created_at,
                updated_at,
            },
        )
        .collect())
}

pub async fn insert(tx: &mut TenantTx, role: &RoleRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO roles (name, parent, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(&role.name)
    .bind(&role.parent)
    .bind(&role.description)
    .bind(Utc::now())
    .execute(c)
    .await
    .map(|_| ()))
    .map_err(|e| StorageError::from(e).conflict_on("role"))?;
    put_grants(tx, &role.name, &role.grants).await
}

/// Replaces parent, description and grants of an existing role.
pub async fn update(tx: &mut TenantTx, role: &RoleRow) -> Result<()> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE roles SET parent = $1, description = $2, version = version + 1, updated_at = $3 WHERE name = $4",
    )
    .bind(&role.parent)
    .bind(&role.description)
    .bind(Utc::now())
    .bind(&role.name)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StorageError::NotFound);
    }
    on_tx!(tx, c => sqlx::query("DELETE FROM role_grants WHERE role = $1")
        .bind(&role.name)
        .execute(c)
        .await
        .map(|_| ()))?;
    put_grants(tx, &role.name, &role.grants).await
}

async fn put_grants(tx: &mut TenantTx, role: &str, grants: &[GrantRow]) -> Result<()> {
    for g in grants {
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO role_grants (role, permission, scope, hidden_fields) VALUES ($1, $2, $3, $4)",
        )
        .bind(role)
        .bind(&g.permission)
        .bind(&g.scope)
        .bind(Json(&g.hidden_fields))
        .execute(c)
        .await
        .map(|_| ()))
        .map_err(|e| StorageError::from(e).conflict_on("grant"))?;
    }
    Ok(())
}

pub async fn delete(tx: &mut TenantTx, name: &str) -> Result<()> {
    let n = on_tx!(tx, c => sqlx::query("DELETE FROM roles WHERE name = $1")
        .bind(name)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}

/// How many users, API keys and child roles refer to `name`.
pub async fn usage(tx: &mut TenantTx, name: &str) -> Result<i64> {
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, i64>(
        "SELECT (SELECT count(*) FROM user_roles WHERE role = $1) \
              + (SELECT count(*) FROM api_keys WHERE role = $1 AND revoked_at IS NULL) \
              + (SELECT count(*) FROM roles WHERE parent = $1)",
    )
    .bind(name)
    .fetch_one(c)
    .await)?)
}

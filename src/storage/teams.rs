//! Teams: the unit of `team` scope.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::TenantTx;
use super::error::{Result, StorageError};
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct TeamRow {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(tx: &mut TenantTx, name: &str) -> Result<TeamRow> {
    let row = TeamRow {
        id: Uuid::now_v7(),
        name: name.to_owned(),
        created_at: Utc::now(),
    };
    on_tx!(tx, c => sqlx::query("INSERT INTO teams (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(row.id)
        .bind(&row.name)
        .bind(row.created_at)
        .execute(c)
        .await
        .map(|_| ()))
    .map_err(|e| StorageError::from(e).conflict_on("team name"))?;
    Ok(row)
}

pub async fn list(tx: &mut TenantTx) -> Result<Vec<TeamRow>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, TeamRow>(
        "SELECT id, name, created_at FROM teams ORDER BY name",
    )
    .fetch_all(c)
    .await)?)
}

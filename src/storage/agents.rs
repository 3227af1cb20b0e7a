//! Agents' availability and routing profile, and the round-robin cursors.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::types::Json;
use uuid::Uuid;

use super::TenantTx;
use super::error::Result;
use super::tx::Dialect;
use crate::on_tx;

/// Offers go to agents below this many open tickets unless set otherwise.
pub const DEFAULT_CAPACITY: i64 = 10;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AgentRow {
    pub user_id: Uuid,
    pub status: String,
    pub capacity: i64,
    pub skills: Json<Vec<String>>,
    pub seen_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

pub async fn list(tx: &mut TenantTx) -> Result<Vec<AgentRow>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, AgentRow>(
        "SELECT user_id, status, capacity, skills, seen_at, updated_at FROM agents ORDER BY user_id",
    )
    .fetch_all(c)
    .await)?)
}

pub async fn get(tx: &mut TenantTx, user: Uuid) -> Result<Option<AgentRow>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, AgentRow>(
        "SELECT user_id, status, capacity, skills, seen_at, updated_at FROM agents WHERE user_id = $1",
    )
    .bind(user)
    .fetch_optional(c)
    .await)?)
}

/// Creates or changes an agent's row; `None` keeps a field as it is.
pub async fn upsert(
    tx: &mut TenantTx,
    user: Uuid,
    status: Option<&str>,
    capacity: Option<i64>,
    skills: Option<&[String]>,
    now: DateTime<Utc>,
) -> Result<AgentRow> {
    let current = get(tx, user).await?;
    let row = AgentRow {
        user_id: user,
        status: status
            .map(str::to_owned)
            .or_else(|| current.as_ref().map(|c| c.status.clone()))
            .unwrap_or_else(|| "online".into()),
        capacity: capacity
            .or(current.as_ref().map(|c| c.capacity))
            .unwrap_or(DEFAULT_CAPACITY),
        skills: Json(
            skills
                .map(<[String]>::to_vec)
                .or_else(|| current.as_ref().map(|c| c.skills.0.clone()))
                .unwrap_or_default(),
        ),
        seen_at: current.as_ref().and_then(|c| c.seen_at),
        updated_at: now,
    };
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO agents (user_id, status, capacity, skills, seen_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id) DO UPDATE SET \
         status = excluded.status, capacity = excluded.capacity, skills = excluded.skills, \
         updated_at = excluded.updated_at",
    )
    .bind(row.user_id)
    .bind(&row.status)
    .bind(row.capacity)
    .bind(&row.skills)
    .bind(row.seen_at)
    .bind(row.updated_at)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(row)
}

/// These users hold a live socket on this node now.
pub async fn touch(tx: &mut TenantTx, users: &[Uuid], now: DateTime<Utc>) -> Result<()> {
    for u in users {
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO agents (user_id, status, capacity, skills, seen_at, updated_at) \
             VALUES ($1, 'online', $2, $3, $4, $4) \
             ON CONFLICT (user_id) DO UPDATE SET seen_at = excluded.seen_at",
        )
        .bind(u)
        .bind(DEFAULT_CAPACITY)
        .bind(Json(Vec::<String>::new()))
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))?;
    }
    Ok(())
}

/// Per open ticket: its assignee, status, and the current offer's agent
/// and expiry, for counting each agent's load.
pub async fn ticket_holders(
    tx: &mut TenantTx,
) -> Result<
    Vec<(
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    )>,
> {
    let sql = match tx.dialect() {
        Dialect::Sqlite => {
            "SELECT json_extract(data, '$.assignee_id'), json_extract(data, '$.status'), \
             json_extract(data, '$.offer.user_id'), json_extract(data, '$.offer.expires_at') \
             FROM records WHERE kind = 'ticket' AND (json_extract(data, '$.assignee_id') IS NOT NULL \
             OR json_extract(data, '$.offer.user_id') IS NOT NULL)"
        }
        Dialect::Postgres => {
            "SELECT data ->> 'assignee_id', data ->> 'status', data -> 'offer' ->> 'user_id', \
             data -> 'offer' ->> 'expires_at' FROM records WHERE kind = 'ticket' AND \
             (data ? 'assignee_id' OR data ? 'offer')"
        }
    };
    Ok(on_tx!(tx, c => sqlx::query_as(AssertSqlSafe(sql)).fetch_all(c).await)?)
}

pub async fn cursor(tx: &mut TenantTx, queue: Uuid) -> Result<Option<Uuid>> {
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, Uuid>(
        "SELECT last_user_id FROM routing_cursors WHERE queue_id = $1",
    )
    .bind(queue)
    .fetch_optional(c)
    .await)?)
}

pub async fn set_cursor(tx: &mut TenantTx, queue: Uuid, user: Uuid) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO routing_cursors (queue_id, last_user_id) VALUES ($1, $2) \
         ON CONFLICT (queue_id) DO UPDATE SET last_user_id = excluded.last_user_id",
    )
    .bind(queue)
    .bind(user)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

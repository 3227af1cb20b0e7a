//! Webhook endpoints and their delivery log. An endpoint's cursor
//! (`delivered_seq`) only moves forward, so a node that took the endpoint
//! over late can never move it back.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::TenantTx;
use super::error::{Result, StorageError};
use crate::on_tx;

/// An endpoint as stored (secrets sealed).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookRow {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    /// JSON array of event type patterns.
    pub event_types: String,
    /// JSON array of topic names.
    pub topics: String,
    pub role: String,
    pub created_by: Uuid,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_until: Option<DateTime<Utc>>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    /// `admin`, `failures` or `maker_inactive`.
    pub disabled_cause: Option<String>,
    pub delivered_seq: i64,
    pub attempts: i32,
    pub failing_since: Option<DateTime<Utc>>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, url, description, event_types, topics, role, created_by, secret, \
    previous_secret, previous_until, enabled, disabled_reason, disabled_cause, delivered_seq, attempts, \
    failing_since, next_attempt_at, created_at, updated_at";

pub async fn insert(tx: &mut TenantTx, w: &WebhookRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO webhooks (id, url, description, event_types, topics, role, created_by, secret, \
         enabled, delivered_seq, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(w.id)
    .bind(&w.url)
    .bind(&w.description)
    .bind(&w.event_types)
    .bind(&w.topics)
    .bind(&w.role)
    .bind(w.created_by)
    .bind(&w.secret)
    .bind(w.enabled)
    .bind(w.delivered_seq)
    .bind(w.created_at)
    .bind(w.updated_at)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Option<WebhookRow>> {
    let sql = format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1");
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, WebhookRow>(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(c)
        .await)?,
    )
}

/// Every endpoint, oldest first.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<WebhookRow>> {
    let sql = format!("SELECT {COLUMNS} FROM webhooks ORDER BY created_at, id");
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, WebhookRow>(sqlx::AssertSqlSafe(sql))
        .fetch_all(c)
        .await)?,
    )
}

/// The enabled endpoints' ids: what a node's dispatcher drives.
pub async fn enabled_ids(tx: &mut TenantTx) -> Result<Vec<Uuid>> {
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, Uuid>(
        "SELECT id FROM webhooks WHERE enabled ORDER BY id",
    )
    .fetch_all(c)
    .await)?)
}

/// Saves what an admin may change (url, description, filters, role,
/// enabled and its reason, secrets, cursor and failure state).
pub async fn update(tx: &mut TenantTx, w: &WebhookRow) -> Result<()> {
    let n = on_tx!(tx, c => sqlx::query(
        "UPDATE webhooks SET url = $2, description = $3, event_types = $4, topics = $5, role = $6, \
         secret = $7, previous_secret = $8, previous_until = $9, enabled = $10, \
         disabled_reason = $11, delivered_seq = $12, attempts = $13, failing_since = $14, \
         next_attempt_at = $15, updated_at = $16, disabled_cause = $17 WHERE id = $1",
    )
    .bind(w.id)
    .bind(&w.url)
    .bind(&w.description)
    .bind(&w.event_types)
    .bind(&w.topics)
    .bind(&w.role)
    .bind(&w.secret)
    .bind(&w.previous_secret)
    .bind(w.previous_until)
    .bind(w.enabled)
    .bind(&w.disabled_reason)
    .bind(w.delivered_seq)
    .bind(w.attempts)
    .bind(w.failing_since)
    .bind(w.next_attempt_at)
    .bind(w.updated_at)
    .bind(&w.disabled_cause)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}

pub async fn delete(tx: &mut TenantTx, id: Uuid) -> Result<()> {
    let n = on_tx!(tx, c => sqlx::query("DELETE FROM webhooks WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}

/// Moves the cursor to `seq` after a delivery (or past events the
/// endpoint does not take) and clears the failure state. Never backwards.
pub async fn advance(tx: &mut TenantTx, id: Uuid, seq: i64) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE webhooks SET delivered_seq = $2, attempts = 0, failing_since = NULL, \
         next_attempt_at = NULL WHERE id = $1 AND delivered_seq < $2",
    )
    .bind(id)
    .bind(seq)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Notes a failed attempt and when to try again.
pub async fn failed(
    tx: &mut TenantTx,
    id: Uuid,
    since: DateTime<Utc>,
    next: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE webhooks SET attempts = attempts + 1, failing_since = $2, next_attempt_at = $3 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(since)
    .bind(next)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// One attempt to deliver a message.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub webhook_id: Uuid,
    /// The `webhook-id` header: the event's number, or `ping_<id>`.
    pub message_id: String,
    pub seq: Option<i64>,
    pub event_type: String,
    pub attempt: i32,
    /// The receiver's HTTP status; none when it never answered.
    pub status: Option<i32>,
    pub ok: bool,
    pub error: Option<String>,
    pub latency_ms: i32,
    /// The start of the receiver's answer (at most 1 KiB).
    pub response: String,
    pub at: DateTime<Utc>,
}

pub async fn log_delivery(tx: &mut TenantTx, d: &DeliveryRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO webhook_deliveries (id, webhook_id, message_id, seq, event_type, attempt, \
         status, ok, error, latency_ms, response, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(d.id)
    .bind(d.webhook_id)
    .bind(&d.message_id)
    .bind(d.seq)
    .bind(&d.event_type)
    .bind(d.attempt)
    .bind(d.status)
    .bind(d.ok)
    .bind(&d.error)
    .bind(d.latency_ms)
    .bind(&d.response)
    .bind(d.at)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// The endpoint's attempts, newest first, before `before` (a delivery id).
pub async fn deliveries(
    tx: &mut TenantTx,
    webhook: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<DeliveryRow>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, DeliveryRow>(
        "SELECT id, webhook_id, message_id, seq, event_type, attempt, status, ok, error, \
         latency_ms, response, at FROM webhook_deliveries \
         WHERE webhook_id = $1 AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
    )
    .bind(webhook)
    .bind(before)
    .bind(limit)
    .fetch_all(c)
    .await)?)
}

/// Forgets attempts made before `cutoff`.
pub async fn trim_deliveries(tx: &mut TenantTx, cutoff: DateTime<Utc>) -> Result<u64> {
    Ok(
        on_tx!(tx, c => sqlx::query("DELETE FROM webhook_deliveries WHERE at < $1")
        .bind(cutoff)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?,
    )
}

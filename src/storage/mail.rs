//! The mail outbox: messages queued with the write that caused them,
//! sent by the mailer. Bodies are stored sealed and dropped once sent.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::TenantTx;
use super::error::Result;
use crate::on_tx;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct MailRow {
    pub id: Uuid,
    /// `password_reset`, `invitation`, …
    pub kind: String,
    pub to_addr: String,
    pub subject: String,
    /// Sealed; `None` once sent.
    #[serde(skip)]
    pub body: Option<String>,
    /// `queued`, `sent` or `failed` (given up).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// Set on replies to a ticket's requester: the `Message-ID` sent, and
    /// the ticket an answer naming it threads to.
    pub message_id: Option<String>,
    pub ticket_id: Option<Uuid>,
    /// A ticket reply's `Reply-To` (lower-case), which names its ticket too.
    pub reply_to: Option<String>,
}

const COLUMNS: &str = "id, kind, to_addr, subject, body, status, attempts, next_attempt_at, \
    last_error, created_at, sent_at, message_id, ticket_id, reply_to";

pub async fn insert(tx: &mut TenantTx, m: &MailRow) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO mail_outbox (id, kind, to_addr, subject, body, status, next_attempt_at, \
         created_at, message_id, ticket_id, reply_to) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(m.id)
    .bind(&m.kind)
    .bind(&m.to_addr)
    .bind(&m.subject)
    .bind(&m.body)
    .bind(&m.status)
    .bind(m.next_attempt_at)
    .bind(m.created_at)
    .bind(&m.message_id)
    .bind(m.ticket_id)
    .bind(&m.reply_to)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Queued messages due at `now`, oldest first.
pub async fn due(tx: &mut TenantTx, now: DateTime<Utc>, limit: i64) -> Result<Vec<MailRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, id LIMIT $2"
    );
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, MailRow>(sqlx::AssertSqlSafe(sql))
        .bind(now)
        .bind(limit)
        .fetch_all(c)
        .await)?,
    )
}

/// The newest messages first (what admins see), without bodies.
pub async fn recent(tx: &mut TenantTx, limit: i64) -> Result<Vec<MailRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM mail_outbox ORDER BY created_at DESC, id DESC LIMIT $1");
    Ok(
        on_tx!(tx, c => sqlx::query_as::<_, MailRow>(sqlx::AssertSqlSafe(sql))
        .bind(limit)
        .fetch_all(c)
        .await)?,
    )
}

/// Sent: the body goes, the fact stays.
pub async fn sent(tx: &mut TenantTx, id: Uuid, at: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "UPDATE mail_outbox SET status = 'sent', body = NULL, sent_at = $2, \
         attempts = attempts + 1, last_error = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(at)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// A failed attempt: tried again at `next`, or given up (`None`; the
/// body goes then too).
pub async fn failed(
    tx: &mut TenantTx,
    id: Uuid,
    error: &str,
    next: Option<DateTime<Utc>>,
) -> Result<()> {
    match next {
        Some(at) => on_tx!(tx, c => sqlx::query(
            "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(error)
        .bind(at)
        .execute(c)
        .await
        .map(|_| ()))?,
        None => on_tx!(tx, c => sqlx::query(
            "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2, status = 'failed', \
             body = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(error)
        .execute(c)
        .await
        .map(|_| ()))?,
    }
    Ok(())
}

/// Forgets messages created before `cutoff`.
pub async fn trim(tx: &mut TenantTx, cutoff: DateTime<Utc>) -> Result<u64> {
    Ok(
        on_tx!(tx, c => sqlx::query("DELETE FROM mail_outbox WHERE created_at < $1 AND status <> 'queued'")
        .bind(cutoff)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?,
    )
}

/// Anything still queued for `to` is dropped (a person erased).
pub async fn forget_recipient(tx: &mut TenantTx, to: &str) -> Result<u64> {
    Ok(
        on_tx!(tx, c => sqlx::query("DELETE FROM mail_outbox WHERE lower(to_addr) = lower($1)")
        .bind(to)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?,
    )
}

/// The ticket whose reply was sent with one of `addresses` as its
/// `Reply-To` (compared lower-case).
pub async fn ticket_of_reply_address(
    tx: &mut TenantTx,
    addresses: &[String],
) -> Result<Option<Uuid>> {
    for a in addresses.iter().take(20) {
        let found = on_tx!(tx, c => sqlx::query_scalar::<_, Option<Uuid>>(
            "SELECT ticket_id FROM mail_outbox WHERE reply_to = $1 AND ticket_id IS NOT NULL",
        )
        .bind(a.to_lowercase())
        .fetch_optional(c)
        .await)?;
        if let Some(Some(t)) = found {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

/// The ticket of the first of `ids` that names a reply we sent.
pub async fn ticket_of_message(tx: &mut TenantTx, ids: &[String]) -> Result<Option<Uuid>> {
    for id in ids.iter().take(20) {
        let found = on_tx!(tx, c => sqlx::query_scalar::<_, Option<Uuid>>(
            "SELECT ticket_id FROM mail_outbox WHERE message_id = $1 AND ticket_id IS NOT NULL",
        )
        .bind(id)
        .fetch_optional(c)
        .await)?;
        if let Some(Some(t)) = found {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

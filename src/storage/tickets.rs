//! Single-use WebSocket tickets.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::TenantTx;
use super::error::Result;
use crate::on_tx;

pub async fn insert(
    tx: &mut TenantTx,
    hash: &str,
    session: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO realtime_tickets (ticket_hash, session_id, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(hash)
    .bind(session)
    .bind(expires_at)
    .execute(c)
    .await
    .map(|_| ()))?;
    // Keep the table small: spent and expired tickets are of no use.
    on_tx!(tx, c => sqlx::query("DELETE FROM realtime_tickets WHERE expires_at < $1")
        .bind(Utc::now() - chrono::TimeDelta::minutes(5))
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Spends a ticket: its session, if it was unused and unexpired.
pub async fn consume(tx: &mut TenantTx, hash: &str) -> Result<Option<Uuid>> {
    let now = Utc::now();
    Ok(on_tx!(tx, c => sqlx::query_scalar::<_, Uuid>(
        "UPDATE realtime_tickets SET used_at = $1 \
         WHERE ticket_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING session_id",
    )
    .bind(now)
    .bind(hash)
    .fetch_optional(c)
    .await)?)
}

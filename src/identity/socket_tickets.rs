//! WebSocket tickets: a browser cannot send an `Authorization` header when
//! it opens a socket, so its session asks for a one-time ticket (30 s, kept
//! hashed) and puts it in the socket's URL, where a leak is worth little.

use chrono::{TimeDelta, Utc};
use uuid::Uuid;

use super::tokens::{new_refresh_token, sha256_hex};
use crate::storage::{StorageError, TenantDb, tickets};

/// How long a ticket may wait for its socket.
pub const TICKET_TTL_SECS: i64 = 30;

/// A new ticket for `session`, shown to the caller once.
pub async fn issue(db: &TenantDb, session: Uuid) -> Result<String, StorageError> {
    let (ticket, hash) = new_refresh_token();
    let mut tx = db.begin().await?;
    tickets::insert(
        &mut tx,
        &hash,
        session,
        Utc::now() + TimeDelta::seconds(TICKET_TTL_SECS),
    )
    .await?;
    tx.commit().await?;
    Ok(ticket)
}

/// The session a ticket was issued to, if it is unused and unexpired;
/// it is used up either way.
pub async fn redeem(db: &TenantDb, ticket: &str) -> Result<Option<Uuid>, StorageError> {
    let mut tx = db.begin().await?;
    let session = tickets::consume(&mut tx, &sha256_hex(ticket)).await?;
    tx.commit().await?;
    Ok(session)
}

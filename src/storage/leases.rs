//! Leases: a duty one node at a time does for a tenant. Taking a lease is
//! one conditional upsert, atomic on both backends: it succeeds when the
//! lease is free, has run out, or is already the caller's (a renewal).

use chrono::{DateTime, Utc};

use super::TenantTx;
use super::error::Result;
use crate::on_tx;

/// Takes or renews `name` for `holder` until `until`; false when another
/// holder's lease is still running at `now`.
pub async fn take(
    tx: &mut TenantTx,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query(
        "INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
         WHERE leases.until < $4 OR leases.holder = excluded.holder",
    )
    .bind(name)
    .bind(holder)
    .bind(until)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Gives `name` up if `holder` has it.
pub async fn release(tx: &mut TenantTx, name: &str, holder: &str) -> Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
        .bind(name)
        .bind(holder)
        .execute(c)
        .await
        .map(|_| ()))?;
    Ok(())
}

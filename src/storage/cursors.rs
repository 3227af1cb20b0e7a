//! How far a follower of the event log has read, by name.

use super::TenantTx;
use super::error::Result;
use crate::on_tx;

pub async fn get(tx: &mut TenantTx, name: &str) -> Result<Option<i64>> {
    Ok(
        on_tx!(tx, c => sqlx::query_scalar::<_, i64>("SELECT seq FROM cursors WHERE name = $1")
        .bind(name)
        .fetch_optional(c)
        .await)?,
    )
}

/// Sets `name` to `seq`, never backwards.
pub async fn set(tx: &mut TenantTx, name: &str, seq: i64) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO cursors (name, seq) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET seq = excluded.seq WHERE cursors.seq < excluded.seq",
    )
    .bind(name)
    .bind(seq)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

//! Agent availability: what the agent chose (online / away / offline),
//! whether any node holds a live socket of theirs, and their routing
//! profile (capacity, skills). Changes are events of kind `agent`, which
//! no client topic carries but every node's queues act on.

use serde_json::json;
use uuid::Uuid;

use super::tickets::SEEN_TTL_SECS;
use crate::records::service::RecordError;
use crate::storage::agents::{self, AgentRow};
use crate::storage::{TenantDb, TenantTx, events};

pub const STATUSES: [&str; 3] = ["online", "away", "offline"];

async fn announce(
    tx: &mut TenantTx,
    event_type: &str,
    row: &AgentRow,
    actor: Option<Uuid>,
) -> Result<i64, RecordError> {
    Ok(events::append(
        tx,
        &events::NewEvent {
            event_type,
            kind: "agent",
            record_id: row.user_id,
            actor,
            people: &[row.user_id],
            team_id: None,
            data: &json!(row),
        },
    )
    .await?)
}

/// Refreshes `seen_at` for agents with live sockets on this node. Returns
/// the last event's sequence if any of them had not been seen recently.
pub async fn touch(db: &TenantDb, users: &[Uuid]) -> Result<Option<i64>, RecordError> {
    let now = db.clock().now();
    let stale = now - chrono::Duration::seconds(SEEN_TTL_SECS);
    let mut tx = db.begin().await?;
    let mut seq = None;
    for u in users {
        let before = agents::get(&mut tx, *u).await?;
        agents::touch(&mut tx, &[*u], now).await?;
        if before
            .as_ref()
            .is_none_or(|b| b.seen_at.is_none_or(|s| s < stale))
            && let Some(row) = agents::get(&mut tx, *u).await?
        {
            seq = Some(announce(&mut tx, "agent.online", &row, Some(*u)).await?);
        }
    }
    tx.commit().await?;
    Ok(seq)
}

/// Sets an agent's chosen status and/or profile; returns the row and the
/// event's sequence.
pub async fn update(
    db: &TenantDb,
    user: Uuid,
    status: Option<&str>,
    capacity: Option<i64>,
    skills: Option<&[String]>,
    actor: Uuid,
) -> Result<(AgentRow, i64), RecordError> {
    let mut tx = db.begin().await?;
    let row = agents::upsert(&mut tx, user, status, capacity, skills, db.clock().now()).await?;
    let seq = announce(&mut tx, "agent.updated", &row, Some(actor)).await?;
    tx.commit().await?;
    Ok((row, seq))
}

/// The agent as the API shows it, with whether they can be offered work.
pub fn view(row: &AgentRow, now: chrono::DateTime<chrono::Utc>) -> serde_json::Value {
    let connected = row
        .seen_at
        .is_some_and(|s| s >= now - chrono::Duration::seconds(SEEN_TTL_SECS));
    let effective = if connected {
        row.status.as_str()
    } else {
        "offline"
    };
    json!({
        "user_id": row.user_id,
        "status": row.status,
        "connected": connected,
        "availability": effective,
        "capacity": row.capacity,
        "skills": row.skills.0,
        "updated_at": row.updated_at,
    })
}

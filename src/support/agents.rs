//! Agent availability: what the agent chose (online / away / offline),
//! whether any node holds a live socket of theirs, and their routing
//! profile (capacity, skills). A change is announced on the bus
//! (`AgentsChanged`), and every node's queues of the tenant route again.

use serde_json::json;
use uuid::Uuid;

use super::tickets::SEEN_TTL_SECS;
use crate::records::core::RecordError;
use crate::storage::TenantDb;
use crate::storage::agents::{self, AgentRow};

pub const STATUSES: [&str; 3] = ["online", "away", "offline"];

/// Refreshes `seen_at` for agents with live sockets on this node. True
/// when any of them had not been seen recently: they just came online.
pub async fn touch(db: &TenantDb, users: &[Uuid]) -> Result<bool, RecordError> {
    let now = db.clock().now();
    let stale = now - chrono::Duration::seconds(SEEN_TTL_SECS);
    let mut tx = db.begin().await?;
    let mut arrived = false;
    for u in users {
        let before = agents::get(&mut tx, *u).await?;
        arrived |= before
            .as_ref()
            .is_none_or(|b| b.status == "online" && b.seen_at.is_none_or(|s| s < stale));
        agents::touch(&mut tx, &[*u], now).await?;
    }
    tx.commit().await?;
    Ok(arrived)
}

/// Sets an agent's chosen status and/or profile.
pub async fn update(
    db: &TenantDb,
    user: Uuid,
    status: Option<&str>,
    capacity: Option<i64>,
    skills: Option<&[String]>,
) -> Result<AgentRow, RecordError> {
    let mut tx = db.begin().await?;
    let row = agents::upsert(&mut tx, user, status, capacity, skills, db.clock().now()).await?;
    tx.commit().await?;
    Ok(row)
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

//! Agent availability: what the agent chose (online / away / offline),
//! whether any node holds a live socket of theirs, and their routing
//! profile (capacity, skills). A change is announced on the bus
//! (`AgentsChanged`), and every node's queues of the tenant route again.

use serde_json::{Value, json};
use uuid::Uuid;

use super::tickets::SEEN_TTL_SECS;
use crate::identity::principal::redact;
use crate::identity::{Decision, Principal, RecordMeta};
use crate::records::core::RecordError;
use crate::storage::agents::{self, AgentRow};
use crate::storage::{TenantDb, users};

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

/// Sets an agent's chosen status and/or profile. Only staff are agents
/// (`NotFound` for anyone else).
pub async fn update(
    db: &TenantDb,
    user: Uuid,
    status: Option<&str>,
    capacity: Option<i64>,
    skills: Option<&[String]>,
) -> Result<AgentRow, RecordError> {
    let mut tx = db.begin().await?;
    if users::get(&mut tx, user)
        .await?
        .is_none_or(|u| u.kind != "staff")
    {
        return Err(RecordError::NotFound);
    }
    let row = agents::upsert(&mut tx, user, status, capacity, skills, db.clock().now()).await?;
    tx.commit().await?;
    Ok(row)
}

/// Agents as `users:read` lets `actor` see them: within its scope (their
/// own team, say), hidden fields removed.
pub async fn list(db: &TenantDb, actor: &Principal) -> Result<Vec<Value>, RecordError> {
    let mut tx = db.begin_read().await?;
    let rows = agents::list(&mut tx).await?;
    let (_, memberships) = users::all_memberships(&mut tx).await?;
    tx.rollback().await?;
    let now = db.clock().now();
    Ok(rows
        .iter()
        .filter_map(|r| {
            let meta = RecordMeta {
                people: vec![r.user_id],
                teams: memberships
                    .iter()
                    .filter(|(u, _)| *u == r.user_id)
                    .map(|(_, t)| *t)
                    .collect(),
            };
            match actor.decide("users:read", &meta) {
                Decision::Allow { hidden_fields } => {
                    let mut v = view(r, now);
                    if let Some(o) = v.as_object_mut() {
                        redact(o, hidden_fields);
                    }
                    Some(v)
                }
                Decision::Deny => None,
            }
        })
        .collect())
}

/// One agent as the API shows them; one never seen is online by choice
/// but not connected, with the default capacity.
pub async fn of(db: &TenantDb, user: Uuid) -> Result<Value, RecordError> {
    let mut tx = db.begin_read().await?;
    let row = agents::get(&mut tx, user).await?;
    tx.rollback().await?;
    Ok(match row {
        Some(r) => view(&r, db.clock().now()),
        None => json!({"user_id": user, "status": "online", "connected": false,
                       "availability": "offline", "capacity": agents::DEFAULT_CAPACITY, "skills": []}),
    })
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

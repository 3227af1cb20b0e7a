//! A queue's waiting tickets as the API shows them: open and unassigned,
//! in the queue's order, as far as the caller may see them, each with its
//! place in the whole queue.

use crate::domain::ids::QueueId;
use serde_json::{Value, json};

use super::queue::{open_tickets, order_key};
use crate::identity::{Decision, Principal};
use crate::records::core::{RecordError, meta, render, ticket_workflow};
use crate::storage::{TenantDb, records};

/// The visible waiting tickets, and how many wait in all.
pub async fn list(
    db: &TenantDb,
    actor: &Principal,
    queue: QueueId,
) -> Result<(Vec<Value>, usize), RecordError> {
    let mut tx = db.begin_read().await?;
    if records::get(&mut tx, "queue", queue.uuid())
        .await?
        .is_none()
    {
        return Err(RecordError::NotFound);
    }
    let wf = ticket_workflow(&mut tx).await?;
    let rows: Vec<_> = open_tickets(&mut tx, queue, &wf)
        .await?
        .into_iter()
        .filter(|r| !r.data.0.contains_key("assignee_id"))
        .collect();
    tx.rollback().await?;
    let mut keyed: Vec<_> = rows
        .iter()
        .map(|r| {
            let mut d = r.data.0.clone();
            d.insert("created_at".into(), json!(r.created_at));
            (order_key(r.id, &d), r)
        })
        .collect();
    keyed.sort_by_key(|k| k.0);
    let items: Vec<Value> = keyed
        .iter()
        .enumerate()
        .filter_map(|(i, (_, r))| match actor.decide("tickets:read", &meta(r)) {
            Decision::Allow { hidden_fields } => {
                let mut v = render(r, hidden_fields, &[]);
                v["position"] = json!(i);
                Some(v)
            }
            Decision::Deny => None,
        })
        .collect();
    Ok((items, keyed.len()))
}

//! What customers and suppliers may write from the portals.
//!
//! Their roles let them write their own tickets, but a ticket's priority,
//! queue, assignee, SLA and workflow belong to the support team: a portal
//! user describes the problem (customers) or reports progress on work
//! shared with them (suppliers). Tickets they open land in the tenant's
//! portal queue (setting `support`), so the engine routes them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::core::RecordError;
use crate::domain::FieldError;
use crate::identity::Principal;
use crate::storage::audit_log::Actor;
use crate::storage::{TenantDb, TenantTx, records, settings};

/// Setting key: `{"portal_queue_id": uuid | null}`.
pub const SETTING: &str = "support";

/// Checked against the queues by [`put_setting`], which needs storage.
impl settings::Setting for SupportSetting {
    const KEY: &'static str = SETTING;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportSetting {
    /// The queue tickets opened from the portals join.
    #[serde(default)]
    pub portal_queue_id: Option<Uuid>,
}

/// The ticket fields a portal user of `kind` may set, on create and on update.
fn writable(user_kind: &str, creating: bool) -> Option<&'static [&'static str]> {
    match (user_kind, creating) {
        ("staff", _) => None,
        (_, true) => Some(&["subject", "description"]),
        ("supplier", false) => Some(&["status"]),
        _ => Some(&["subject", "description"]),
    }
}

/// Refuses, field by field, what a portal user may not set on a ticket.
pub fn check(
    kind: &str,
    actor: &Principal,
    input: &Value,
    creating: bool,
) -> Result<(), RecordError> {
    let Some(allowed) = writable(&actor.kind, creating) else {
        return Ok(());
    };
    if kind != "ticket" {
        return Ok(());
    }
    let Some(obj) = input.as_object() else {
        return Ok(());
    };
    let errors: Vec<FieldError> = obj
        .iter()
        // An empty `custom` object (as forms send) sets nothing.
        .filter(|(k, v)| !(allowed.contains(&k.as_str()) || k.as_str() == "custom" && is_empty(v)))
        .map(|(k, _)| FieldError::new(k, "cannot be changed from the portal"))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(RecordError::Validation(errors))
    }
}

fn is_empty(v: &Value) -> bool {
    v.is_null() || v.as_object().is_some_and(Map::is_empty)
}

/// A ticket opened from a portal joins the portal queue, if one is set
/// and still exists.
pub async fn place_new_ticket(
    tx: &mut TenantTx,
    actor: &Principal,
    data: &mut Map<String, Value>,
) -> Result<(), RecordError> {
    if actor.kind == "staff" {
        return Ok(());
    }
    let Some(queue) = setting(tx).await?.portal_queue_id else {
        return Ok(());
    };
    if records::get(tx, "queue", queue).await?.is_some() {
        data.insert("queue_id".into(), json!(queue));
    }
    Ok(())
}

pub async fn setting(tx: &mut TenantTx) -> Result<SupportSetting, RecordError> {
    Ok(settings::read(tx).await?)
}

/// Stores the setting after checking the queue exists.
pub async fn save_setting(db: &TenantDb, by: Actor, s: &SupportSetting) -> Result<(), RecordError> {
    let mut tx = db.begin().await?;
    if let Some(q) = s.portal_queue_id
        && records::get(&mut tx, "queue", q).await?.is_none()
    {
        return Err(RecordError::Validation(vec![FieldError::new(
            "portal_queue_id",
            "no such queue",
        )]));
    }
    settings::write_audited(&mut tx, by, s).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_write_anything_and_portal_users_only_their_fields() {
        assert_eq!(writable("staff", false), None);
        assert_eq!(
            writable("customer", true),
            Some(&["subject", "description"][..])
        );
        assert_eq!(
            writable("customer", false),
            Some(&["subject", "description"][..])
        );
        assert_eq!(writable("supplier", false), Some(&["status"][..]));
    }
}

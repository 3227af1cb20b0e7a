//! The event log as one principal may read it.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::schema::{COMMENT, by_kind, change_field};
use crate::domain::features::Feature;
use crate::domain::tenant::Tenant;
use crate::identity::principal::{hides, redact};
use crate::identity::{Decision, Principal, RecordMeta};
use crate::storage::events::EventRow;
use crate::storage::{StorageError, TenantDb, events};

#[derive(Debug, Serialize)]
pub struct EventView {
    pub seq: i64,
    #[serde(rename = "type")]
    pub event_type: String,
    pub kind: String,
    pub record_id: Uuid,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: Option<Uuid>,
    pub data: Value,
}

#[derive(Debug, Serialize)]
pub struct EventPage {
    pub items: Vec<EventView>,
    /// Pass as `since` for the next page (covers events filtered out too).
    pub next_since: i64,
    /// The newest sequence number of the tenant.
    pub head: i64,
    /// False when events after `since` were already trimmed by retention:
    /// the client missed some and must reload what it shows.
    pub complete: bool,
}

/// May `p` see event `e`, and with which fields hidden? (`None`: not at all.)
/// The HTTP log and the WebSocket fan-out both ask here.
pub fn audience(p: &Principal, e: &EventRow) -> Option<BTreeSet<String>> {
    let meta = RecordMeta {
        people: e.people.0.clone(),
        teams: e.team_id.into_iter().collect(),
    };
    let (perm, extra) = match e.kind.as_str() {
        COMMENT => {
            let internal = e.data.0.get("internal") == Some(&Value::Bool(true));
            (
                "tickets:read".to_owned(),
                internal.then_some("tickets:internal"),
            )
        }
        "custom_field" => ("custom_fields:read".to_owned(), None),
        // An attachment: for who reads its record (and internal ones for
        // who may read internal notes); a record's hidden fields are not a
        // file's, so none are hidden from its data.
        super::schema::FILE => {
            let kind = e.data.0.get("record_kind").and_then(Value::as_str)?;
            let internal = e.data.0.get("internal") == Some(&Value::Bool(true));
            let perm = by_kind(kind)?.read_perm();
            if p.decide(&perm, &meta) == Decision::Deny
                || internal && p.decide("tickets:internal", &meta) == Decision::Deny
            {
                return None;
            }
            return Some(BTreeSet::new());
        }
        // An export's progress: for whoever may export people's data.
        super::person_export::KIND => ("privacy:export".to_owned(), None),
        k => (by_kind(k)?.read_perm(), None),
    };
    let hidden = match p.decide(&perm, &meta) {
        Decision::Allow { hidden_fields } => hidden_fields.clone(),
        Decision::Deny => return None,
    };
    if let Some(x) = extra
        && p.decide(x, &meta) == Decision::Deny
    {
        return None;
    }
    Some(hidden)
}

/// The event's record data with `hidden` fields removed, and with them
/// the `change` that says how a hidden field moved.
pub fn redacted(e: &EventRow, hidden: &BTreeSet<String>) -> Value {
    let mut data = e.data.0.clone();
    if let Some(o) = data.as_object_mut() {
        redact(o, hidden);
        if !hidden.is_empty()
            && o.contains_key("change")
            && change_field(&e.event_type).is_none_or(|f| hides(hidden, f))
        {
            o.remove("change");
        }
    }
    data
}

fn view(p: &Principal, e: EventRow) -> Option<EventView> {
    let hidden = audience(p, &e)?;
    let data = redacted(&e, &hidden);
    Some(EventView {
        seq: e.seq,
        event_type: e.event_type,
        kind: e.kind,
        record_id: e.record_id,
        at: e.at,
        actor: e.actor,
        data,
    })
}

/// A page of the log after `since` as `p` may read it; events of the
/// features `tenant` switched off are left out, like their routes.
pub async fn read(
    db: &TenantDb,
    tenant: &Tenant,
    p: &Principal,
    since: i64,
    limit: i64,
) -> Result<EventPage, StorageError> {
    let mut tx = db.begin_read().await?;
    let head = events::head(&mut tx).await?;
    let oldest = events::oldest(&mut tx).await?;
    let rows = events::since(&mut tx, since, limit).await?;
    tx.rollback().await?;
    let complete = match oldest {
        Some(o) => since >= o - 1,
        // Empty log: complete only if nothing was ever trimmed.
        None => since >= head,
    };
    let next_since = rows.last().map_or(since.max(0), |r| r.seq);
    Ok(EventPage {
        items: rows
            .into_iter()
            .filter(|e| Feature::of_kind(&e.kind).is_none_or(|f| tenant.has(f)))
            .filter_map(|e| view(p, e))
            .collect(),
        next_since,
        head,
        complete,
    })
}

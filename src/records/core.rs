//! The record core: what every writer of records shares (the CRM API, the
//! support engine, imports, the portals): the error type, how a record is
//! loaded for a caller and rendered for them, who it belongs to, its search
//! text, and what a write returns. Nothing here calls back into the
//! services built on it.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::schema::{COMMENT, KindDef};
use super::validate::{self, Custom};
use super::workflow::TicketWorkflow;
use crate::domain::FieldError;
use crate::identity::principal::redact;
use crate::identity::{Decision, Principal, RecordMeta};
use crate::storage::audit_log::Actor;
use crate::storage::events::EventRow;
use crate::storage::records::RecordRow;
use crate::storage::{
    Json, StorageError, TenantTx, custom_fields, events, records, sealed, settings,
};

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("the record changed since version {0}")]
    VersionConflict(i64),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("{0}")]
    QuotaExceeded(String),
    /// Someone else holds the ticket (a claim lost the race).
    #[error("{0}")]
    AlreadyClaimed(String),
    /// Accept or decline without a live offer to the caller.
    #[error("{0}")]
    NoOffer(String),
    /// The record, or one that would go with it, is under legal hold.
    #[error("{0}")]
    Held(String),
    /// Records that cannot do without this one still refer to it.
    #[error("{0}")]
    InUse(String),
    /// The record's state does not allow this (a claim on a closed ticket).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unexpected(String),
}

pub(crate) type Result<T> = std::result::Result<T, RecordError>;

/// How many times a version-checked write is tried in all when it keeps
/// losing races to other writes of the same record.
const RACE_TRIES: usize = 5;

/// Runs a version-checked write again when it lost a race to another write
/// of the same record (`VersionConflict`: a newer version committed between
/// its read and its write), reading the newer record each time. After
/// `RACE_TRIES` lost races the last conflict is returned, for the caller
/// to say what that means (a claim: "someone else has it").
pub async fn retry_races<T, F, Fut>(mut once: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut tries = 1;
    loop {
        match once().await {
            Err(RecordError::VersionConflict(_)) if tries < RACE_TRIES => tries += 1,
            other => return other,
        }
    }
}

/// What a write returns: the record as the caller may see it, and the
/// events it appended, in order (none: nothing changed), for the hub to
/// deliver without reading them back.
pub struct Written {
    pub record: Value,
    pub version: i64,
    pub events: Vec<Arc<EventRow>>,
}

/// What a background job (a retention run, an export) committed, handed
/// on while it goes on: events for the hub, and a portal user an erasure
/// signed out, whose sockets must close on every node.
pub struct Committed {
    pub events: Vec<Arc<EventRow>>,
    pub signed_out: Option<Uuid>,
}

/// The custom fields of `kind` as validation needs them.
pub async fn customs(tx: &mut TenantTx, kind: &str) -> Result<Vec<Custom>> {
    Ok(custom_fields::for_kind(tx, kind)
        .await?
        .into_iter()
        .filter_map(|c| {
            validate::custom_type(&c.field_type, &c.options.0).map(|ty| Custom {
                key: c.key,
                ty,
                required: c.required,
                retired: c.retired,
                sensitive: c.sensitive,
            })
        })
        .collect())
}

pub async fn ticket_workflow(tx: &mut TenantTx) -> Result<TicketWorkflow> {
    Ok(settings::read(tx).await?)
}

pub(crate) fn meta(row: &RecordRow) -> RecordMeta {
    RecordMeta {
        people: row.people.0.clone(),
        teams: row.team_id.into_iter().collect(),
    }
}

/// The keys of `customs` whose values are sealed at rest.
pub fn sensitive(customs: &[Custom]) -> Vec<String> {
    customs
        .iter()
        .filter(|c| c.sensitive)
        .map(|c| c.key.clone())
        .collect()
}

/// The record as the API shows it, hidden fields and retired custom
/// fields removed, and a sensitive value that did not open
/// (`storage::sealed`) left out.
pub fn render(row: &RecordRow, hidden: &BTreeSet<String>, retired: &[String]) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(row.id));
    o.insert("version".into(), json!(row.version));
    o.insert("created_at".into(), json!(row.created_at));
    o.insert("updated_at".into(), json!(row.updated_at));
    o.insert("created_by".into(), json!(row.created_by));
    for (k, v) in &row.data.0 {
        o.insert(k.clone(), v.clone());
    }
    let custom: Map<String, Value> = row
        .custom
        .0
        .iter()
        .filter(|(k, v)| !retired.contains(k) && !sealed::is_sealed(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if row.kind != COMMENT {
        o.insert("custom".into(), Value::Object(custom));
    }
    redact(&mut o, hidden);
    Value::Object(o)
}

pub(crate) async fn retired(tx: &mut TenantTx, kind: &str) -> Result<Vec<String>> {
    Ok(customs(tx, kind)
        .await?
        .into_iter()
        .filter(|c| c.retired)
        .map(|c| c.key)
        .collect())
}

/// The words a record is found by: its searchable fields, custom fields
/// but the `sensitive` ones (sealed at rest, so never in the index), and
/// its tags.
pub fn search_text(
    kind: &KindDef,
    data: &Map<String, Value>,
    custom: &Map<String, Value>,
    sensitive: &[String],
) -> String {
    let mut parts: Vec<String> = kind
        .fields
        .iter()
        .filter(|f| f.searchable)
        .filter_map(|f| data.get(f.key).and_then(Value::as_str).map(str::to_owned))
        .collect();
    parts.extend(
        custom
            .iter()
            .filter(|(k, _)| !sensitive.contains(k))
            .filter_map(|(_, v)| v.as_str())
            .map(str::to_owned),
    );
    if let Some(tags) = data.get("tags").and_then(Value::as_array) {
        parts.extend(tags.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    parts.join(" ")
}

pub(crate) fn uuid_of(data: &Map<String, Value>, key: &str) -> Option<Uuid> {
    data.get(key)
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
}

/// Who a record belongs to, for `own` scope.
pub(crate) async fn people_of(
    tx: &mut TenantTx,
    kind: &KindDef,
    data: &Map<String, Value>,
    created_by: Option<Uuid>,
) -> Result<Vec<Uuid>> {
    let mut p: BTreeSet<Uuid> = BTreeSet::new();
    p.extend(uuid_of(data, "owner_id"));
    p.extend(uuid_of(data, "assignee_id"));
    if let Some(a) = data.get("shared_with").and_then(Value::as_array) {
        p.extend(
            a.iter()
                .filter_map(Value::as_str)
                .filter_map(|s| Uuid::parse_str(s).ok()),
        );
    }
    match kind.kind {
        "contact" => p.extend(uuid_of(data, "user_id")),
        "ticket" => {
            p.extend(created_by);
            // The agent offered the ticket may read it to decide.
            p.extend(
                data.get("offer")
                    .and_then(|o| o.get("user_id"))
                    .and_then(Value::as_str)
                    .and_then(|s| Uuid::parse_str(s).ok()),
            );
            if let Some(requester) = uuid_of(data, "requester_id")
                && let Some(c) = records::get(tx, "contact", requester).await?
            {
                p.extend(uuid_of(&c.data.0, "user_id"));
            }
        }
        _ => {}
    }
    Ok(p.into_iter().collect())
}

/// Loads a record the actor may read; anything else is `NotFound`.
pub(crate) async fn readable(
    tx: &mut TenantTx,
    kind: &KindDef,
    actor: &Principal,
    id: Uuid,
) -> Result<RecordRow> {
    let row = records::get(tx, kind.kind, id)
        .await?
        .ok_or(RecordError::NotFound)?;
    match actor.decide(&kind.read_perm(), &meta(&row)) {
        Decision::Allow { .. } => Ok(row),
        Decision::Deny => Err(RecordError::NotFound),
    }
}

/// Writes `data` and `custom` over `before` if it is still at its
/// version, with `list`'s events (type, and a change or `null`) after it,
/// and one trail entry: named by the first event that is not
/// `<kind>.updated`, with its change; else `<kind>.updated` with
/// `because` (why a write nobody asked for happened: a reference cleared
/// by a deletion). A write that changes no field and names no event (a
/// reply's SLA bookkeeping) leaves the entry to the write that caused it.
/// Returns the row and the events as appended; `None` when someone
/// changed the record first. The engine's writes and the reference rules
/// use it.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn rewrite(
    tx: &mut TenantTx,
    kind: &KindDef,
    now: DateTime<Utc>,
    before: &RecordRow,
    (data, custom): (Map<String, Value>, Map<String, Value>),
    by: &Actor,
    list: &[(&str, Value)],
    because: Option<&Value>,
) -> Result<Option<(RecordRow, Vec<Arc<EventRow>>)>> {
    let row = RecordRow {
        people: Json(people_of(tx, kind, &data, before.created_by).await?),
        team_id: if kind.scoped {
            uuid_of(&data, "team_id")
        } else {
            before.team_id
        },
        version: before.version + 1,
        updated_at: now,
        data: Json(data),
        custom: Json(custom),
        ..before.clone()
    };
    let sensitive = tx.sensitive_keys(kind.kind).await?;
    let text = search_text(kind, &row.data.0, &row.custom.0, &sensitive);
    if !records::update(tx, &row, before.version, &text).await? {
        return Ok(None);
    }
    let full = render(&row, &BTreeSet::new(), &[]);
    let mut appended = Vec::with_capacity(list.len());
    for (event_type, change) in list {
        let mut data = full.clone();
        if !change.is_null() {
            data["change"] = change.clone();
        }
        let event = events::append(
            tx,
            &events::NewEvent {
                event_type,
                kind: kind.kind,
                record_id: row.id,
                actor: by.user_id(),
                people: &row.people.0,
                team_id: row.team_id,
                data: &data,
            },
        )
        .await?;
        appended.push(Arc::new(event));
    }
    let updated = format!("{}.updated", kind.kind);
    let named = list.iter().find(|(t, _)| *t != updated);
    let changes = super::audit::changes(kind, Some(before), Some(&row));
    if named.is_some() || !changes.is_empty() {
        let (action, change) = named.map_or((updated.as_str(), because), |(t, c)| (*t, Some(c)));
        super::audit::record(
            tx,
            action,
            by.clone(),
            kind,
            Some(before),
            Some(&row),
            change,
        )
        .await?;
    }
    Ok(Some((row, appended)))
}

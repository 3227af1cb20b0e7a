//! Reading and writing records: authorisation, validation, workflows,
//! optimistic concurrency, and the event written in the same transaction.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Utc;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::audit;
use super::core::{
    RecordError, Result, Written, customs, meta, people_of, readable, render, retired, retry_races,
    search_text, sensitive, ticket_workflow, uuid_of,
};
use super::portal;
use super::query::{self, ListQuery};
use super::references::Removal;
use super::removal;
use super::schema::{COMMENT, COMMENT_KIND, KindDef, by_kind};
use super::validate::{self, Checked, Ref};
use crate::domain::FieldError;
use crate::identity::permission::Scope;
use crate::identity::principal::hides;
use crate::identity::{Decision, Principal};
use crate::storage::events::EventRow;
use crate::storage::list::{self, Reach};
use crate::storage::records::RecordRow;
use crate::storage::{Json, TenantDb, TenantTx, events, records, teams, users};

fn invalid(field: &str, msg: impl Into<String>) -> RecordError {
    RecordError::Validation(vec![FieldError::new(field, msg)])
}

/// Checks that referenced records, users and teams exist in this tenant.
async fn check_refs(tx: &mut TenantTx, refs: &[Ref]) -> Result<()> {
    let mut errors = Vec::new();
    let mut team_ids: Option<Vec<Uuid>> = None;
    for r in refs {
        match r {
            Ref::Record { field, kind, ids } => {
                let found = records::existing(tx, kind, ids).await?;
                if found.len() != ids.len() {
                    errors.push(FieldError::new(
                        field,
                        format!("refers to a {kind} that does not exist"),
                    ));
                }
            }
            Ref::User { field, ids } => {
                for id in ids {
                    if users::get(tx, *id).await?.is_none() {
                        errors.push(FieldError::new(
                            field,
                            "refers to a user that does not exist",
                        ));
                        break;
                    }
                }
            }
            Ref::Team { field, ids } => {
                if team_ids.is_none() {
                    team_ids = Some(teams::list(tx).await?.into_iter().map(|t| t.id).collect());
                }
                if ids
                    .iter()
                    .any(|i| !team_ids.as_deref().unwrap_or_default().contains(i))
                {
                    errors.push(FieldError::new(
                        field,
                        "refers to a team that does not exist",
                    ));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(RecordError::Validation(errors))
    }
}

/// Kind-specific rules on the merged record (`before`: the stored data on update).
async fn kind_rules(
    tx: &mut TenantTx,
    kind: &KindDef,
    data: &mut Map<String, Value>,
    before: Option<&Map<String, Value>>,
    actor: &Principal,
    now: chrono::DateTime<Utc>,
) -> Result<Vec<(&'static str, Value)>> {
    let mut extra_events = Vec::new();
    match kind.kind {
        "ticket" => {
            let wf = ticket_workflow(tx).await?;
            let status = data
                .get("status")
                .and_then(Value::as_str)
                .map(str::to_owned);
            match (
                before.and_then(|b| b.get("status")).and_then(Value::as_str),
                status,
            ) {
                (None, None) => {
                    data.insert("status".into(), json!(wf.initial));
                }
                (_, Some(s)) if !wf.knows(&s) => {
                    return Err(invalid(
                        "status",
                        format!(
                            "unknown status {s:?}; the workflow has {}",
                            wf.statuses.join(", ")
                        ),
                    ));
                }
                (Some(from), Some(to)) if !wf.allows(from, &to) => {
                    return Err(invalid(
                        "status",
                        format!("the transition {from} → {to} is not allowed"),
                    ));
                }
                (Some(from), Some(to)) if from != to => {
                    extra_events.push(("ticket.status_changed", json!({"from": from, "to": to})));
                }
                _ => {}
            }
            if data.get("priority").is_none_or(Value::is_null) {
                data.insert("priority".into(), json!("normal"));
            }
            let assignee_before = before
                .and_then(|b| b.get("assignee_id"))
                .cloned()
                .unwrap_or(Value::Null);
            let assignee_now = data.get("assignee_id").cloned().unwrap_or(Value::Null);
            if before.is_some() && assignee_before != assignee_now {
                extra_events.push((
                    "ticket.assigned",
                    json!({"from": assignee_before, "to": assignee_now}),
                ));
            }
            super::ticket_clocks::on_save(tx, data, before, &wf, now).await?;
        }
        "deal" => {
            let Some(pipeline_id) = uuid_of(data, "pipeline_id") else {
                return Err(invalid("pipeline_id", "is required"));
            };
            let pipeline = records::get(tx, "pipeline", pipeline_id)
                .await?
                .ok_or_else(|| {
                    invalid("pipeline_id", "refers to a pipeline that does not exist")
                })?;
            let stages: Vec<String> = pipeline
                .data
                .0
                .get("stages")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s["id"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let stage = match data.get("stage_id").and_then(Value::as_str) {
                Some(s) => s.to_owned(),
                None => stages
                    .first()
                    .cloned()
                    .ok_or_else(|| invalid("pipeline_id", "the pipeline has no stages"))?,
            };
            if !stages.contains(&stage) {
                return Err(invalid("stage_id", "is not a stage of this pipeline"));
            }
            data.insert("stage_id".into(), json!(stage));
            if data.get("currency").is_none_or(Value::is_null)
                && data.get("amount").is_some_and(|a| !a.is_null())
            {
                data.insert("currency".into(), json!("EUR"));
            }
            let from = before
                .and_then(|b| b.get("stage_id"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            if from.as_deref() != Some(stage.as_str()) {
                let mut history = before
                    .and_then(|b| b.get("stage_history"))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                history.push(json!({"from": from, "to": stage, "by": actor.user_id, "at": now}));
                data.insert("stage_history".into(), Value::Array(history));
                if before.is_some() {
                    extra_events.push(("deal.stage_changed", json!({"from": from, "to": stage})));
                }
            }
        }
        "activity" => {
            let rk = data
                .get("related_kind")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let rid = data
                .get("related_id")
                .and_then(Value::as_str)
                .map(str::to_owned);
            match (rk, rid) {
                (None, None) => {}
                (Some(k), Some(id)) => {
                    let id =
                        Uuid::parse_str(&id).map_err(|_| invalid("related_id", "must be an id"))?;
                    if records::get(tx, &k, id).await?.is_none() {
                        return Err(invalid(
                            "related_id",
                            format!("refers to a {k} that does not exist"),
                        ));
                    }
                }
                _ => {
                    return Err(invalid(
                        "related_id",
                        "related_kind and related_id go together",
                    ));
                }
            }
        }
        _ => {}
    }
    Ok(extra_events)
}

fn grant_scope(actor: &Principal, perm: &str) -> Option<Scope> {
    actor.grant(perm).map(|g| g.scope)
}

/// Ownership may be handed to someone else only with `all` scope.
fn check_owner(
    kind: &KindDef,
    actor: &Principal,
    data: &Map<String, Value>,
    before: Option<&Map<String, Value>>,
) -> Result<()> {
    if !kind.scoped || grant_scope(actor, &kind.write_perm()) == Some(Scope::All) {
        return Ok(());
    }
    let new_owner = uuid_of(data, "owner_id");
    let old_owner = before.and_then(|b| uuid_of(b, "owner_id"));
    if new_owner != old_owner && new_owner.is_some_and(|o| o != actor.user_id) {
        return Err(invalid(
            "owner_id",
            "only users who may write all records can give one to someone else",
        ));
    }
    Ok(())
}

async fn append_event(
    tx: &mut TenantTx,
    event_type: &str,
    row: &RecordRow,
    actor: &Principal,
    data: Value,
) -> Result<Arc<EventRow>> {
    Ok(Arc::new(
        events::append(
            tx,
            &events::NewEvent {
                event_type,
                kind: &row.kind,
                record_id: row.id,
                actor: Some(actor.user_id),
                people: &row.people.0,
                team_id: row.team_id,
                data: &data,
            },
        )
        .await?,
    ))
}

fn merge(mut base: Map<String, Value>, patch: Map<String, Value>) -> Map<String, Value> {
    for (k, v) in patch {
        if v.is_null() {
            base.remove(&k);
        } else {
            base.insert(k, v);
        }
    }
    base
}

/// Creates a record; `quota`: the plan's record limit, if any.
pub async fn create(
    db: &TenantDb,
    kind: &KindDef,
    actor: &Principal,
    input: &Value,
    quota: Option<i64>,
) -> Result<Written> {
    let mut tx = db.begin().await?;
    if let Some(max) = quota
        && records::count(&mut tx).await? >= max
    {
        return Err(RecordError::QuotaExceeded(format!(
            "The plan allows {max} records; this tenant has reached it."
        )));
    }
    portal::check(kind.kind, actor, input, true)?;
    let customs = customs(&mut tx, kind.kind).await?;
    let Checked { data, custom, refs } =
        validate::record(kind, &customs, input, true).map_err(RecordError::Validation)?;
    check_refs(&mut tx, &refs).await?;
    let mut data = merge(Map::new(), data);
    let custom = merge(Map::new(), custom);
    if kind.field("owner_id").is_some() && !data.contains_key("owner_id") {
        data.insert("owner_id".into(), json!(actor.user_id));
    }
    check_owner(kind, actor, &data, None)?;
    if kind.kind == "ticket" {
        portal::place_new_ticket(&mut tx, actor, &mut data).await?;
    }
    // Record times come from the tenant's clock, as SLA clocks and
    // dashboards do, so all of a tenant's "when" agree.
    let now = db.clock().now();
    kind_rules(&mut tx, kind, &mut data, None, actor, now).await?;
    let row = RecordRow {
        id: Uuid::now_v7(),
        kind: kind.kind.to_owned(),
        people: Json(people_of(&mut tx, kind, &data, Some(actor.user_id)).await?),
        team_id: uuid_of(&data, "team_id"),
        parent_id: None,
        version: 1,
        created_by: Some(actor.user_id),
        created_at: now,
        updated_at: now,
        data: Json(data),
        custom: Json(custom),
    };
    if kind.scoped && actor.decide(&kind.write_perm(), &meta(&row)) == Decision::Deny {
        return Err(RecordError::Forbidden(format!(
            "The record would be outside what you may write ({}).",
            kind.write_perm()
        )));
    }
    records::insert(
        &mut tx,
        &row,
        &search_text(kind, &row.data.0, &row.custom.0, &sensitive(&customs)),
    )
    .await?;
    let full = render(&row, &BTreeSet::new(), &[]);
    let action = format!("{}.created", kind.kind);
    let event = append_event(&mut tx, &action, &row, actor, full).await?;
    audit::record(
        &mut tx,
        &action,
        actor.audit_actor(),
        kind,
        None,
        Some(&row),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(Written {
        record: visible(actor, kind, &row, &[]),
        version: row.version,
        events: vec![event],
    })
}

/// The record as the actor may read it (fields hidden).
fn visible(actor: &Principal, kind: &KindDef, row: &RecordRow, retired: &[String]) -> Value {
    match actor.decide(&kind.read_perm(), &meta(row)) {
        Decision::Allow { hidden_fields } => render(row, hidden_fields, retired),
        // Written but not readable (e.g. a write-only grant): show the id.
        Decision::Deny => json!({"id": row.id, "version": row.version}),
    }
}

pub async fn get(
    db: &TenantDb,
    kind: &KindDef,
    actor: &Principal,
    id: Uuid,
) -> Result<(Value, i64)> {
    let mut tx = db.begin_read().await?;
    let row = readable(&mut tx, kind, actor, id).await?;
    let retired = retired(&mut tx, kind.kind).await?;
    tx.rollback().await?;
    Ok((visible(actor, kind, &row, &retired), row.version))
}

pub async fn update(
    db: &TenantDb,
    kind: &KindDef,
    actor: &Principal,
    id: Uuid,
    input: &Value,
    if_match: Option<i64>,
) -> Result<Written> {
    match if_match {
        // The caller's precondition: a conflict is their answer.
        Some(_) => update_once(db, kind, actor, id, input, if_match).await,
        // Without If-Match the caller asked for no precondition: a write
        // that lost a race to another one is merged again onto the newer
        // record.
        None => retry_races(|| update_once(db, kind, actor, id, input, None)).await,
    }
}

async fn update_once(
    db: &TenantDb,
    kind: &KindDef,
    actor: &Principal,
    id: Uuid,
    input: &Value,
    if_match: Option<i64>,
) -> Result<Written> {
    let mut tx = db.begin().await?;
    let before = readable(&mut tx, kind, actor, id).await?;
    if let Some(v) = if_match
        && v != before.version
    {
        return Err(RecordError::VersionConflict(before.version));
    }
    if actor.decide(&kind.write_perm(), &meta(&before)) == Decision::Deny {
        return Err(RecordError::Forbidden(format!(
            "This needs the permission {} on this record.",
            kind.write_perm()
        )));
    }
    portal::check(kind.kind, actor, input, false)?;
    let customs = customs(&mut tx, kind.kind).await?;
    let Checked { data, custom, refs } =
        validate::record(kind, &customs, input, false).map_err(RecordError::Validation)?;
    check_refs(&mut tx, &refs).await?;
    let mut new_data = merge(before.data.0.clone(), data);
    check_owner(kind, actor, &new_data, Some(&before.data.0))?;
    let now = db.clock().now();
    let extra = kind_rules(
        &mut tx,
        kind,
        &mut new_data,
        Some(&before.data.0),
        actor,
        now,
    )
    .await?;
    let new_custom = merge(before.custom.0.clone(), custom);
    for c in customs.iter().filter(|c| c.required && !c.retired) {
        if kind.custom && !new_custom.contains_key(&c.key) {
            return Err(invalid(&format!("custom.{}", c.key), "is required"));
        }
    }
    let row = RecordRow {
        people: Json(people_of(&mut tx, kind, &new_data, before.created_by).await?),
        team_id: uuid_of(&new_data, "team_id"),
        version: before.version + 1,
        updated_at: now,
        data: Json(new_data),
        custom: Json(new_custom),
        ..before.clone()
    };
    if kind.scoped && actor.decide(&kind.write_perm(), &meta(&row)) == Decision::Deny {
        return Err(RecordError::Forbidden(
            "The change would move the record outside what you may write.".into(),
        ));
    }
    if !records::update(
        &mut tx,
        &row,
        before.version,
        &search_text(kind, &row.data.0, &row.custom.0, &sensitive(&customs)),
    )
    .await?
    {
        return Err(RecordError::VersionConflict(before.version));
    }
    let full = render(&row, &BTreeSet::new(), &[]);
    let action = format!("{}.updated", kind.kind);
    let mut events = vec![append_event(&mut tx, &action, &row, actor, full.clone()).await?];
    for (event_type, change) in extra {
        let mut data = full.clone();
        data["change"] = change;
        events.push(append_event(&mut tx, event_type, &row, actor, data).await?);
    }
    // One entry for the write: the field diff says what the extra events
    // (a stage change, say) say.
    audit::record(
        &mut tx,
        &action,
        actor.audit_actor(),
        kind,
        Some(&before),
        Some(&row),
        None,
    )
    .await?;
    // The definitions were read at the start of this transaction already.
    let retired: Vec<String> = customs
        .iter()
        .filter(|c| c.retired)
        .map(|c| c.key.clone())
        .collect();
    tx.commit().await?;
    Ok(Written {
        record: visible(actor, kind, &row, &retired),
        version: row.version,
        events,
    })
}

/// Deletes a record, and by the reference rules (`references`) clears or
/// deletes what refers to it, or refuses; returns the events written.
pub async fn delete(
    db: &TenantDb,
    kind: &KindDef,
    actor: &Principal,
    id: Uuid,
    if_match: Option<i64>,
) -> Result<Vec<Arc<EventRow>>> {
    let mut tx = db.begin().await?;
    let before = readable(&mut tx, kind, actor, id).await?;
    if let Some(v) = if_match
        && v != before.version
    {
        return Err(RecordError::VersionConflict(before.version));
    }
    if actor.decide(&kind.delete_perm(), &meta(&before)) == Decision::Deny {
        return Err(RecordError::Forbidden(format!(
            "This needs the permission {} on this record.",
            kind.delete_perm()
        )));
    }
    let now = db.clock().now();
    let by = actor.audit_actor();
    let removed = removal::remove(&mut tx, now, &by, before, Vec::new(), Removal::Delete).await?;
    tx.commit().await?;
    Ok(removed.events)
}

/// One page of records the actor may read, and the cursor for the next.
/// Rounds of `MAX_LIMIT` rows a search re-checked on visible fields scans
/// before it answers a short page with a cursor to go on from.
const SEARCH_SCAN_ROUNDS: usize = 10;

pub async fn list(
    db: &TenantDb,
    kind: &KindDef,
    actor: &Principal,
    pairs: &[(String, String)],
) -> Result<(Vec<Value>, Option<String>)> {
    let mut tx = db.begin_read().await?;
    let customs = customs(&mut tx, kind.kind).await?;
    let q = ListQuery::parse(kind, &customs, pairs).map_err(RecordError::Validation)?;
    let grant = actor
        .grant(&kind.read_perm())
        .ok_or_else(|| RecordError::Forbidden(kind.read_perm()))?;
    let hidden = &grant.hidden_fields;
    q.refuse_hidden(hidden).map_err(RecordError::Validation)?;
    let reach = match grant.scope {
        Scope::All => Reach::All,
        Scope::Own => Reach::Own(actor.user_id),
        Scope::Team => Reach::Team(actor.user_id, actor.teams.clone()),
    };
    let retired: Vec<String> = customs
        .iter()
        .filter(|c| c.retired)
        .map(|c| c.key.clone())
        .collect();
    // The index holds every field's words; when some of them are not the
    // caller's to read, a hit must also be a hit on what they can read.
    let recheck = q.search().is_some()
        && (!retired.is_empty()
            || kind
                .fields
                .iter()
                .any(|f| f.searchable && hides(hidden, f.key))
            || hides(hidden, "tags")
            || customs.iter().any(|c| hidden.contains(&c.key)));
    let dialect = tx.dialect();
    let sealed = sensitive(&customs);
    let (conditions, words, order) = (q.conditions(), q.words(), q.order());
    let visible_hit = |item: &Value| match (q.search(), item.as_object()) {
        (Some(words), Some(o)) => {
            let empty = Map::new();
            let custom = o.get("custom").and_then(Value::as_object).unwrap_or(&empty);
            query::text_matches(words, &search_text(kind, o, custom, &sealed), dialect)
        }
        _ => true,
    };
    let limit = q.limit;
    let mut scan = q.clone();
    if recheck {
        scan.limit = query::MAX_LIMIT;
    }
    let mut items: Vec<(Value, RecordRow)> = Vec::new();
    let mut last_scanned: Option<RecordRow> = None;
    let mut exhausted = false;
    for _ in 0..SEARCH_SCAN_ROUNDS {
        let spec = scan.spec(kind.kind, &reach, &conditions, &words, &order);
        let mut rows = list::page(&mut tx, &spec).await?;
        exhausted = rows.len() <= scan.limit;
        rows.truncate(scan.limit);
        if let Some(last) = rows.last() {
            scan.continue_after(last.id, last.created_at, last.updated_at, &last.data.0);
        }
        last_scanned = rows.last().cloned().or(last_scanned);
        for r in rows {
            let item = render(&r, hidden, &retired);
            if !recheck || visible_hit(&item) {
                items.push((item, r));
            }
        }
        if !recheck || exhausted || items.len() > limit {
            break;
        }
    }
    tx.rollback().await?;
    let cursor = |r: &RecordRow| q.cursor_after(r.id, r.created_at, r.updated_at, &r.data.0);
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|(_, r)| cursor(r))
    } else if !exhausted {
        // A search that ran out of rounds: go on after the last row scanned.
        last_scanned.as_ref().map(cursor)
    } else {
        None
    };
    Ok((items.into_iter().map(|(v, _)| v).collect(), next))
}

// ---- ticket comments --------------------------------------------------------

pub async fn comments(db: &TenantDb, actor: &Principal, ticket: Uuid) -> Result<Vec<Value>> {
    let tickets = by_kind("ticket").ok_or(RecordError::NotFound)?;
    let mut tx = db.begin_read().await?;
    let t = readable(&mut tx, tickets, actor, ticket).await?;
    let internal_ok = matches!(
        actor.decide("tickets:internal", &meta(&t)),
        Decision::Allow { .. }
    );
    let rows = records::children(&mut tx, ticket, COMMENT).await?;
    tx.rollback().await?;
    Ok(rows
        .iter()
        .filter(|r| internal_ok || r.data.0.get("internal") != Some(&Value::Bool(true)))
        .map(|r| render(r, &BTreeSet::new(), &[]))
        .collect())
}

pub async fn add_comment(
    db: &TenantDb,
    actor: &Principal,
    ticket: Uuid,
    input: &Value,
) -> Result<Written> {
    // A public reply also moves the ticket's SLA clocks; if the ticket
    // changed meanwhile, the reply is written again onto the newer ticket.
    retry_races(|| add_comment_once(db, actor, ticket, input, None)).await
}

/// The most files one comment carries.
const MAX_ATTACHMENTS: usize = 20;

/// `attachments`: a list of distinct file ids.
fn attachment_ids(v: Option<&Value>) -> Result<Vec<Uuid>> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    let bad = || {
        invalid(
            "attachments",
            "must be a list of at most 20 distinct file ids",
        )
    };
    let list = v.as_array().ok_or_else(bad)?;
    let ids: Vec<Uuid> = list
        .iter()
        .map(|i| i.as_str().and_then(|s| Uuid::parse_str(s).ok()))
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    let distinct: BTreeSet<&Uuid> = ids.iter().collect();
    if ids.len() > MAX_ATTACHMENTS || distinct.len() != ids.len() {
        return Err(bad());
    }
    Ok(ids)
}

/// Puts the caller's files waiting on the ticket on the new comment,
/// with its visibility (a public reply shares them with the customer);
/// what the comment shows of each.
async fn attach_files(
    tx: &mut TenantTx,
    actor: &Principal,
    ticket: Uuid,
    comment: Uuid,
    internal: bool,
    ids: &[Uuid],
) -> Result<Vec<Value>> {
    let mut shown = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let f = crate::storage::files::get(tx, *id)
            .await?
            .filter(|f| {
                f.record_kind == "ticket"
                    && f.record_id == ticket
                    && f.comment_id.is_none()
                    && f.created_by == Some(actor.user_id)
            })
            .ok_or_else(|| {
                invalid(
                    &format!("attachments[{i}]"),
                    "is not a file you uploaded to this ticket that is waiting for a comment",
                )
            })?;
        crate::storage::files::attach(tx, f.id, comment, internal).await?;
        shown.push(
            json!({"id": f.id, "name": f.name, "size": f.size, "content_type": f.content_type}),
        );
    }
    Ok(shown)
}

/// Who wrote a comment that came in by e-mail: the sender's name and
/// address, which are no user of the tenant.
#[derive(Debug, Clone)]
pub struct MailAuthor {
    pub name: String,
    pub email: String,
}

/// A comment written by `actor` (the inbound mail hook) for someone who
/// wrote by e-mail: their words, their name, author kind `email`.
pub async fn add_mailed_comment(
    db: &TenantDb,
    actor: &Principal,
    ticket: Uuid,
    input: &Value,
    author: &MailAuthor,
) -> Result<Written> {
    retry_races(|| add_comment_once(db, actor, ticket, input, Some(author))).await
}

async fn add_comment_once(
    db: &TenantDb,
    actor: &Principal,
    ticket: Uuid,
    input: &Value,
    mailed_by: Option<&MailAuthor>,
) -> Result<Written> {
    let tickets = by_kind("ticket").ok_or(RecordError::NotFound)?;
    let obj = input
        .as_object()
        .ok_or_else(|| invalid("", "the body must be a JSON object"))?;
    if let Some(k) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "body" | "internal" | "attachments"))
    {
        return Err(invalid(k, "unknown field"));
    }
    let attachments = attachment_ids(obj.get("attachments"))?;
    let body = validate::value(
        "body",
        &super::schema::FieldType::LongText { max: 20_000 },
        obj.get("body").unwrap_or(&Value::Null),
        &mut vec![],
    )
    .map_err(|e| RecordError::Validation(vec![e]))?;
    if body.as_str().is_none_or(|s| s.trim().is_empty()) {
        return Err(invalid("body", "is required"));
    }
    let internal = match obj.get("internal") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("internal", "must be true or false")),
    };
    let mut tx = db.begin().await?;
    let t = readable(&mut tx, tickets, actor, ticket).await?;
    let need = if internal {
        "tickets:internal"
    } else {
        "tickets:write"
    };
    if actor.decide(need, &meta(&t)) == Decision::Deny {
        return Err(RecordError::Forbidden(format!(
            "This needs the permission {need} on this ticket."
        )));
    }
    let now = db.clock().now();
    let comment_id = Uuid::now_v7();
    let attached = attach_files(&mut tx, actor, ticket, comment_id, internal, &attachments).await?;
    let row = RecordRow {
        id: comment_id,
        kind: COMMENT.into(),
        data: Json(Map::from_iter([
            ("ticket_id".to_owned(), json!(ticket)),
            ("body".to_owned(), body),
            ("internal".to_owned(), json!(internal)),
            (
                "author_id".to_owned(),
                mailed_by.map_or(json!(actor.user_id), |_| Value::Null),
            ),
            // Who wrote it as they were then, so a thread reads the same
            // after a rename, and a portal reader needs no user directory.
            (
                "author_name".to_owned(),
                json!(mailed_by.map_or(actor.name.as_str(), |m| m.name.as_str())),
            ),
            (
                "author_kind".to_owned(),
                json!(mailed_by.map_or(actor.kind.as_str(), |_| "email")),
            ),
            ("attachments".to_owned(), Value::Array(attached)),
        ])),
        custom: Json(Map::new()),
        people: t.people.clone(),
        team_id: t.team_id,
        parent_id: Some(ticket),
        version: 1,
        created_by: Some(actor.user_id),
        created_at: now,
        updated_at: now,
    };
    records::insert(&mut tx, &row, "").await?;
    // The ticket row is locked before the event counter, as in every other
    // write: taking them in the other order deadlocks against an update.
    let mut events = if internal {
        Vec::new()
    } else {
        super::ticket_clocks::on_reply(&mut tx, &t, actor, mailed_by.is_some(), now).await?
    };
    let rendered = render(&row, &BTreeSet::new(), &[]);
    events.push(append_event(&mut tx, "comment.created", &row, actor, rendered.clone()).await?);
    audit::record(
        &mut tx,
        "comment.created",
        actor.audit_actor(),
        &COMMENT_KIND,
        None,
        Some(&row),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(Written {
        record: rendered,
        version: 1,
        events,
    })
}

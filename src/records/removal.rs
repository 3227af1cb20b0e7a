//! Records going: deleted, or erased with what a person asked and wrote
//! (Art. 17). Everything that would go is found first, so a legal hold
//! or a refusing reference anywhere stops the removal before anything is
//! written; then, in the same transaction, references are cleared (each
//! such record rewritten with its event and trail entry), the records go
//! (each with its `<kind>.deleted` or `<kind>.erased` event and entry),
//! and an erasure overwrites what the event log held about them.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::audit;
use super::core::{RecordError, Result, rewrite};
use super::references::{self, OnDelete, Removal, Slot};
use super::schema::{COMMENT, KINDS, any_kind};
use super::validate::Custom;
use crate::storage::TenantTx;
use crate::storage::audit_log::Actor;
use crate::storage::events::{self, EventRow};
use crate::storage::records::{self, RecordRow};

/// What a removal did.
#[derive(Debug, Default)]
pub struct Removed {
    /// The events appended, in order.
    pub events: Vec<Arc<EventRow>>,
    /// Records that went, per kind.
    pub gone: BTreeMap<String, usize>,
    /// Records whose reference to one that went was cleared, per kind.
    pub cleared: BTreeMap<String, usize>,
    /// Events of the log overwritten (an erasure).
    pub events_erased: u64,
    /// Attachments that went with the records (their objects are deleted
    /// after commit, by `files::sweep`).
    pub files_gone: u64,
}

/// The hold on a record, if it is under one.
pub fn hold_of(row: &RecordRow) -> Option<&Value> {
    row.data.0.get("legal_hold").filter(|h| !h.is_null())
}

pub(crate) fn held(row: &RecordRow) -> RecordError {
    let reason = hold_of(row)
        .and_then(|h| h.get("reason"))
        .and_then(Value::as_str)
        .unwrap_or("no reason given");
    RecordError::Held(format!(
        "The {} {} is under legal hold ({reason}); it cannot be deleted or erased until the hold is lifted.",
        row.kind, row.id
    ))
}

/// The tenant's custom fields of every kind that has them.
pub(crate) async fn all_customs(tx: &mut TenantTx) -> Result<Vec<(&'static str, Vec<Custom>)>> {
    let mut out = Vec::new();
    for k in KINDS.iter().filter(|k| k.custom) {
        out.push((k.kind, super::core::customs(tx, k.kind).await?));
    }
    Ok(out)
}

/// The records referring to `target` from `slot` of `kind`.
pub(crate) async fn referring(
    tx: &mut TenantTx,
    kind: &str,
    slot: &Slot,
    target: &RecordRow,
) -> Result<Vec<RecordRow>> {
    Ok(match slot {
        Slot::Field { column, key, array } => {
            records::referring(tx, kind, column, key, *array, target.id).await?
        }
        Slot::Related => records::referring(tx, kind, "data", "related_id", false, target.id)
            .await?
            .into_iter()
            .filter(|a| a.data.0.get("related_kind").and_then(Value::as_str) == Some(&target.kind))
            .collect(),
        Slot::Parent => records::children(tx, target.id, kind).await?,
    })
}

/// A reference to clear: in `row`, at `slot`, to `target`.
struct Clear {
    row: RecordRow,
    slot: Slot,
    target: Uuid,
}

/// Everything a removal would touch, found before anything is written.
pub(crate) struct Plan {
    root: RecordRow,
    removal: Removal,
    /// Records that go, in the order they were found (roots first).
    going: Vec<RecordRow>,
    /// References to clear in records that stay.
    clears: Vec<Clear>,
}

impl Plan {
    /// Records that would go, per kind.
    pub fn gone(&self) -> BTreeMap<String, usize> {
        count(self.going.iter().map(|r| &r.kind))
    }

    /// Records whose reference would be cleared, per kind.
    pub fn cleared(&self) -> BTreeMap<String, usize> {
        count(self.clears.iter().map(|c| &c.row.kind))
    }
}

fn count<'a>(kinds: impl Iterator<Item = &'a String>) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for k in kinds {
        *out.entry(k.clone()).or_default() += 1;
    }
    out
}

/// Removes `root` and what goes with it by the reference rules; `also`
/// are further records that go with it (an erased person's comments
/// elsewhere). Refuses with `Held` or `InUse` before writing anything.
pub(crate) async fn remove(
    tx: &mut TenantTx,
    now: DateTime<Utc>,
    by: &Actor,
    root: RecordRow,
    also: Vec<RecordRow>,
    removal: Removal,
) -> Result<Removed> {
    let plan = plan(tx, root, also, removal).await?;
    apply(tx, now, by, plan).await
}

/// Finds what removing `root` (and `also`) would touch: `Held` or `InUse`
/// when it may not go. Reads only, so a dry run can ask.
pub(crate) async fn plan(
    tx: &mut TenantTx,
    root: RecordRow,
    also: Vec<RecordRow>,
    removal: Removal,
) -> Result<Plan> {
    let customs = all_customs(tx).await?;
    let mut seen: HashSet<Uuid> = HashSet::from([root.id]);
    seen.extend(also.iter().map(|r| r.id));
    let mut queue: VecDeque<RecordRow> = VecDeque::from([root.clone()]);
    queue.extend(also);
    let mut going: Vec<RecordRow> = Vec::new();
    let mut clears: Vec<Clear> = Vec::new();
    while let Some(r) = queue.pop_front() {
        if hold_of(&r).is_some() {
            return Err(held(&r));
        }
        for referrer in references::to(&r.kind, &customs, removal) {
            let rows = referring(tx, referrer.kind, &referrer.slot, &r).await?;
            match referrer.rule {
                OnDelete::Refuse => {
                    let others = rows.iter().filter(|x| !seen.contains(&x.id)).count();
                    if others > 0 {
                        let field = match &referrer.slot {
                            Slot::Field { key, .. } => key.as_str(),
                            _ => "",
                        };
                        return Err(RecordError::InUse(format!(
                            "{others} {}(s) still refer to this {} (field {field}); move or delete them first.",
                            referrer.kind, r.kind
                        )));
                    }
                }
                OnDelete::Delete => {
                    for x in rows {
                        if seen.insert(x.id) {
                            queue.push_back(x);
                        }
                    }
                }
                OnDelete::Clear => clears.extend(rows.into_iter().map(|row| Clear {
                    row,
                    slot: referrer.slot.clone(),
                    target: r.id,
                })),
            }
        }
        going.push(r);
    }
    clears.retain(|c| !seen.contains(&c.row.id));
    Ok(Plan {
        root,
        removal,
        going,
        clears,
    })
}

/// Carries out `plan` in `tx`.
pub(crate) async fn apply(
    tx: &mut TenantTx,
    now: DateTime<Utc>,
    by: &Actor,
    plan: Plan,
) -> Result<Removed> {
    let Plan {
        root,
        removal,
        going,
        clears,
    } = plan;
    let mut out = Removed::default();
    let verb = match removal {
        Removal::Delete => "deleted",
        Removal::Erase => "erased",
    };
    let because = json!({"because": format!("{}.{verb}", root.kind), "record_id": root.id});
    for c in clears {
        let kind = c.row.kind.clone();
        out.events.extend(clear(tx, now, by, c, &because).await?);
        *out.cleared.entry(kind).or_default() += 1;
    }
    // Children before what they hang on (a ticket's comments first).
    for r in going.iter().rev() {
        let kind = any_kind(&r.kind).ok_or(RecordError::NotFound)?;
        records::delete(tx, &r.kind, r.id).await?;
        let action = format!("{}.{verb}", r.kind);
        let event = events::append(
            tx,
            &events::NewEvent {
                event_type: &action,
                kind: &r.kind,
                record_id: r.id,
                actor: by.user_id(),
                people: &r.people.0,
                team_id: r.team_id,
                data: &gone_data(r, removal),
            },
        )
        .await?;
        let cause = (r.id != root.id).then_some(&because);
        audit::record(tx, &action, by.clone(), kind, Some(r), None, cause).await?;
        out.events.push(Arc::new(event));
        *out.gone.entry(r.kind.clone()).or_default() += 1;
    }
    let ids: Vec<Uuid> = going.iter().map(|r| r.id).collect();
    out.files_gone = crate::storage::files::remove_of(tx, &ids, now).await?;
    if removal == Removal::Erase {
        out.events_erased = events::erase(tx, &ids).await?;
    }
    Ok(out)
}

/// What a `.deleted` or `.erased` event says: the id, and the references
/// topics route by (a deal's pipeline, a ticket's queue, a comment's
/// ticket), so that a board or a queue view drops the record live. Ids
/// only, no content.
fn gone_data(r: &RecordRow, removal: Removal) -> Value {
    let mut d = json!({"id": r.id});
    for key in ["pipeline_id", "queue_id", "ticket_id"] {
        if let Some(v) = r.data.0.get(key) {
            d[key] = v.clone();
        }
    }
    if removal == Removal::Erase {
        d["erased"] = json!(true);
    }
    d
}

/// Takes `c.target` out of `c.row` (re-read, so that a change committed
/// since the search is kept) and writes it; returns its event.
async fn clear(
    tx: &mut TenantTx,
    now: DateTime<Utc>,
    by: &Actor,
    c: Clear,
    because: &Value,
) -> Result<Vec<Arc<EventRow>>> {
    let kind = any_kind(&c.row.kind).ok_or(RecordError::NotFound)?;
    let Slot::Field { column, key, array } = &c.slot else {
        return Ok(Vec::new());
    };
    let target = c.target.to_string();
    for _ in 0..5 {
        let Some(row) = records::get(tx, &c.row.kind, c.row.id).await? else {
            return Ok(Vec::new());
        };
        let (mut data, mut custom) = (row.data.0.clone(), row.custom.0.clone());
        let fields: &mut Map<String, Value> = if *column == "custom" {
            &mut custom
        } else {
            &mut data
        };
        if *array {
            if let Some(Value::Array(ids)) = fields.get_mut(key.as_str()) {
                ids.retain(|v| v.as_str() != Some(target.as_str()));
            }
        } else if fields.get(key.as_str()).and_then(Value::as_str) == Some(target.as_str()) {
            fields.remove(key.as_str());
        }
        let updated = format!("{}.updated", kind.kind);
        let list = [(updated.as_str(), Value::Null)];
        if let Some((_, events)) = rewrite(
            tx,
            kind,
            now,
            &row,
            (data, custom),
            by,
            &list,
            Some(because),
        )
        .await?
        {
            return Ok(events);
        }
    }
    Err(RecordError::VersionConflict(c.row.version))
}

/// The comments `user` wrote, wherever they are (an erased person's
/// replies on tickets that were not theirs).
pub(crate) async fn comments_by(tx: &mut TenantTx, user: Uuid) -> Result<Vec<RecordRow>> {
    Ok(records::referring(tx, COMMENT, "data", "author_id", false, user).await?)
}

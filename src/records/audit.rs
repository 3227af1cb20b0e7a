//! What the audit trail keeps of a record write: which fields changed,
//! with the values of references and workflow fields (status, stage,
//! owner, queue, dates, choices), and only the fact of a change for
//! content (names, e-mail, phone, text, numbers, amounts, tags, custom
//! fields). The trail then holds no personal data that an erasure would
//! have to rewrite, and no value a role may be hiding.

use serde_json::{Map, Value, json};

use super::core::Result;
use super::schema::{FieldType, KindDef};
use crate::storage::TenantTx;
use crate::storage::audit_log::{self, Actor, NewEntry};
use crate::storage::records::RecordRow;

/// Text fields whose values are workflow states or ids, not content: a
/// ticket's status (one of the workflow's), a deal's stage (one of its
/// pipeline's), an activity's related record.
const WORKFLOW_TEXT: [&str; 3] = ["status", "stage_id", "related_id"];

/// Whether a field's value may stand in the trail in clear.
pub(crate) fn kept(key: &str, ty: &FieldType) -> bool {
    WORKFLOW_TEXT.contains(&key)
        || matches!(
            ty,
            FieldType::Bool
                | FieldType::Date
                | FieldType::DateTime
                | FieldType::Select(_)
                | FieldType::MultiSelect(_)
                | FieldType::CurrencyCode
                | FieldType::Relation(_)
                | FieldType::Relations(_)
                | FieldType::User
                | FieldType::Users
                | FieldType::Team
                | FieldType::Stages
                | FieldType::SlaTargets
        )
}

/// The fields of `kind` that differ between `before` and `after` (either
/// may be absent: a create, a delete), kept or masked by type; custom
/// fields are always masked.
pub fn changes(
    kind: &KindDef,
    before: Option<&RecordRow>,
    after: Option<&RecordRow>,
) -> Map<String, Value> {
    let mut out = Map::new();
    let data = |r: Option<&RecordRow>, k: &str| r.and_then(|r| r.data.0.get(k)).cloned();
    for f in &kind.fields {
        let (from, to) = (data(before, f.key), data(after, f.key));
        if from == to {
            continue;
        }
        let entry = if kept(f.key, &f.ty) {
            json!({"from": from, "to": to})
        } else {
            json!({"changed": true})
        };
        out.insert(f.key.to_owned(), entry);
    }
    let custom = |r: Option<&RecordRow>| r.map(|r| r.custom.0.clone()).unwrap_or_default();
    let (cb, ca) = (custom(before), custom(after));
    let mut keys: Vec<&String> = cb.keys().chain(ca.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        if cb.get(k) != ca.get(k) {
            out.insert(format!("custom.{k}"), json!({"changed": true}));
        }
    }
    out
}

/// Appends the trail's entry for a record write (in its transaction, after
/// its events). `change` is what the event said beyond the record (an SLA
/// alarm's metric, an offer's agent): references and instants only.
pub async fn record(
    tx: &mut TenantTx,
    action: &str,
    by: Actor,
    kind: &KindDef,
    before: Option<&RecordRow>,
    after: Option<&RecordRow>,
    change: Option<&Value>,
) -> Result<()> {
    let id = after.or(before).map(|r| r.id);
    let mut detail = json!({"changes": changes(kind, before, after)});
    if let Some(c) = change.filter(|c| !c.is_null()) {
        detail["change"] = c.clone();
    }
    if let (Some(b), Some(a)) = (before, after) {
        detail["version"] = json!({"from": b.version, "to": a.version});
    }
    audit_log::append(
        tx,
        &NewEntry {
            action,
            actor: by,
            kind: Some(kind.kind),
            record_id: id,
            detail,
        },
    )
    .await?;
    Ok(())
}

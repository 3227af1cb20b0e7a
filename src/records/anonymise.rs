//! Anonymising a record: a retention rule's third action, beside delete
//! and erase. The record stays with what reports and dashboards count
//! (dates, status, stage, priority, amounts, choices, owner, team,
//! queue, company, SLA state) and loses what says who someone is or what
//! was said: texts, e-mail addresses, links, tags, custom fields, its
//! references to contacts, a ticket's comments. Required texts read
//! "Anonymised". The event log's earlier copies are overwritten as an
//! erasure's are, a contact's portal account is anonymised and signed
//! out, and the record says when and by which rule (`anonymised`), which
//! also keeps the rule from matching it again.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::core::{RecordError, Result, rewrite, uuid_of};
use super::references::Removal;
use super::removal::{self, Removed, hold_of};
use super::schema::{FieldType, KindDef, by_kind};
use crate::storage::audit_log::Actor;
use crate::storage::records::{self, RecordRow};
use crate::storage::{TenantTx, events, sessions, users};

/// What a required text reads once anonymised.
pub const PLACEHOLDER: &str = "Anonymised";
/// The data key saying a record was anonymised: `{"at", "rule"}`.
pub const MARK: &str = "anonymised";

/// Whether `row` was anonymised already.
pub fn anonymised(row: &RecordRow) -> bool {
    row.data.0.get(MARK).is_some_and(|m| !m.is_null())
}

/// Whether a field's value is something counted, not something said or
/// someone named.
fn counted(key: &str, ty: &FieldType) -> bool {
    match ty {
        FieldType::Relation("contact") | FieldType::Relations("contact") => false,
        FieldType::Number { .. } | FieldType::Integer { .. } | FieldType::Money => true,
        other => super::audit::kept(key, other),
    }
}

/// `data` as it reads anonymised: counted fields and the engine's own
/// state kept, the rest dropped, required texts a placeholder.
fn strip(kind: &KindDef, data: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in data {
        match kind.field(k) {
            // Not a field a client writes: the engine's state (SLA clocks,
            // an offer), a legal hold.
            None => {
                out.insert(k.clone(), v.clone());
            }
            Some(f) if counted(f.key, &f.ty) => {
                out.insert(k.clone(), v.clone());
            }
            Some(f) if f.required => {
                out.insert(k.clone(), json!(PLACEHOLDER));
            }
            Some(_) => {}
        }
    }
    out
}

/// What anonymising a record did.
pub struct Anonymised {
    pub removed: Removed,
    /// A contact's portal account, anonymised and signed out.
    pub portal_user: Option<Uuid>,
}

/// Whether `row` may be anonymised, and what would go with it (a
/// ticket's comments): a dry run's answer.
pub(crate) async fn plan(tx: &mut TenantTx, row: &RecordRow) -> Result<Vec<RecordRow>> {
    if hold_of(row).is_some() {
        return Err(removal::held(row));
    }
    Ok(records::children(tx, row.id, super::schema::COMMENT).await?)
}

/// Anonymises `row` in `tx` as `by` (a rule named `rule`); the caller
/// commits.
pub(crate) async fn anonymise_in(
    tx: &mut TenantTx,
    now: DateTime<Utc>,
    by: &Actor,
    rule: &str,
    row: RecordRow,
) -> Result<Anonymised> {
    let kind = by_kind(&row.kind).ok_or(RecordError::NotFound)?;
    let comments = plan(tx, &row).await?;
    let mut removed = Removed::default();
    for c in comments {
        let went = removal::remove(tx, now, by, c, Vec::new(), Removal::Erase).await?;
        removed.events.extend(went.events);
        removed.events_erased += went.events_erased;
        for (k, n) in went.gone {
            *removed.gone.entry(k).or_default() += n;
        }
    }
    // Earlier events held what is now dropped: overwritten, as for an
    // erasure; the `.anonymised` event tells the hubs to do the same to
    // their rings (`actors::hub`).
    removed.events_erased += events::anonymise(tx, row.id).await?;
    let mut data = strip(kind, &row.data.0);
    data.insert(MARK.into(), json!({"at": now, "rule": rule}));
    let portal_user = match (kind.kind, uuid_of(&row.data.0, "user_id")) {
        ("contact", Some(u)) => match users::get(tx, u).await? {
            Some(user) if user.kind != "staff" => {
                crate::storage::audit::forget(tx, user.id, &user.email).await?;
                users::anonymise(tx, user.id).await?;
                sessions::revoke_all_for_user(tx, user.id, "anonymised").await?;
                Some(user.id)
            }
            _ => None,
        },
        _ => None,
    };
    let anonymised = format!("{}.anonymised", kind.kind);
    let updated = format!("{}.updated", kind.kind);
    let list = [
        (anonymised.as_str(), json!({"rule": rule})),
        (updated.as_str(), Value::Null),
    ];
    let (_, written) = rewrite(tx, kind, now, &row, (data, Map::new()), by, &list, None)
        .await?
        .ok_or(RecordError::VersionConflict(row.version))?;
    removed.events.extend(written);
    Ok(Anonymised {
        removed,
        portal_user,
    })
}

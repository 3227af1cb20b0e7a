//! Privacy duties on records: legal holds, and erasing a person (GDPR
//! Art. 17). Both are all-or-nothing permissions (`privacy:hold`,
//! `privacy:erase`) held by whoever answers for data protection, who may
//! need to act on a record their role does not otherwise show them; the
//! routes check the permission, these functions do the work.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::core::{RecordError, Result, Written, render, rewrite, uuid_of};
use super::references::Removal;
use super::removal::{self, Plan, Removed, comments_by, hold_of};
use super::schema::{KindDef, by_kind};
use crate::domain::FieldError;
use crate::identity::Principal;
use crate::storage::events::EventRow;
use crate::storage::records::RecordRow;
use crate::storage::{TenantDb, TenantTx, audit, audit_log, records, sessions, users};

/// The longest reason a hold may give.
const REASON_MAX: usize = 500;

fn invalid(field: &str, msg: &str) -> RecordError {
    RecordError::Validation(vec![FieldError::new(field, msg)])
}

/// `{"reason": "…"}`: why the record must be kept.
fn reason(input: &Value) -> Result<String> {
    let obj = input
        .as_object()
        .ok_or_else(|| invalid("", "the body must be a JSON object"))?;
    if let Some(k) = obj.keys().find(|k| *k != "reason") {
        return Err(invalid(k, "unknown field"));
    }
    let reason = match obj.get("reason") {
        Some(Value::String(s)) => s.trim().to_owned(),
        None | Some(Value::Null) => return Err(invalid("reason", "is required")),
        Some(_) => return Err(invalid("reason", "must be text")),
    };
    if reason.is_empty() {
        return Err(invalid("reason", "is required"));
    }
    if reason.chars().count() > REASON_MAX {
        return Err(invalid("reason", "must be at most 500 characters"));
    }
    if reason.chars().any(char::is_control) {
        return Err(invalid("reason", "must be one line of text"));
    }
    Ok(reason)
}

/// Places (`Some(input)`) or lifts (`None`) the legal hold on a record of
/// `kind`. A record under hold refuses deletion and erasure, and so does
/// every removal that would take it along. Placing a hold on a held
/// record replaces its reason; lifting one that is not held is a no-op
/// write refused as a conflict.
pub async fn set_hold(
    db: &TenantDb,
    kind: &KindDef,
    actor: &Principal,
    id: Uuid,
    input: Option<&Value>,
) -> Result<Written> {
    let placing = input.map(reason).transpose()?;
    super::core::retry_races(|| async {
        let mut tx = db.begin().await?;
        let before = records::get(&mut tx, kind.kind, id)
            .await?
            .ok_or(RecordError::NotFound)?;
        let now = db.clock().now();
        let mut data = before.data.0.clone();
        let event = match &placing {
            Some(reason) => {
                data.insert(
                    "legal_hold".into(),
                    json!({"reason": reason, "by": actor.user_id, "at": now}),
                );
                "hold_placed"
            }
            None => {
                if hold_of(&before).is_none() {
                    return Err(RecordError::Conflict(format!(
                        "The {} {id} is not under legal hold.",
                        kind.kind
                    )));
                }
                data.remove("legal_hold");
                "hold_lifted"
            }
        };
        let updated = format!("{}.updated", kind.kind);
        let named = format!("{}.{event}", kind.kind);
        let list = [
            (updated.as_str(), Value::Null),
            (named.as_str(), Value::Null),
        ];
        let custom = before.custom.0.clone();
        let by = actor.audit_actor();
        let (row, events) = rewrite(
            &mut tx,
            kind,
            now,
            &before,
            (data, custom),
            &by,
            &list,
            None,
        )
        .await?
        .ok_or(RecordError::VersionConflict(before.version))?;
        tx.commit().await?;
        Ok(Written {
            record: render(&row, &Default::default(), &[]),
            version: row.version,
            events,
        })
    })
    .await
}

/// What erasing a person did.
#[derive(Debug)]
pub struct Erasure {
    pub removed: Removed,
    /// The portal user who was this contact, now anonymised.
    pub portal_user: Option<Uuid>,
    /// Sign-in log entries that no longer say who or from where.
    pub sign_ins_forgotten: u64,
}

impl Erasure {
    pub fn events(&self) -> Vec<Arc<EventRow>> {
        self.removed.events.clone()
    }
}

/// Erases the contact `id` and what is held about them, in one
/// transaction: the contact; the tickets they asked (with every comment
/// and activity on them); the activities about them; the comments they
/// wrote through the portal anywhere; their portal account (anonymised:
/// it cannot sign in again, its sessions end); the sign-in log's record
/// of their address. Deals and other records that named them keep their
/// place and lose the reference. Every event the log held about what
/// went is overwritten to say only its id and that it was erased, and a
/// `<kind>.erased` event tells live clients to drop it. The trail keeps
/// one entry per record saying it was erased, and none of its content.
pub async fn erase(db: &TenantDb, actor: &Principal, id: Uuid) -> Result<Erasure> {
    let contacts = by_kind("contact").ok_or(RecordError::NotFound)?;
    let mut tx = db.begin().await?;
    let contact = records::get(&mut tx, contacts.kind, id)
        .await?
        .ok_or(RecordError::NotFound)?;
    let erasure = erase_in(&mut tx, db.clock().now(), actor.audit_actor(), contact).await?;
    tx.commit().await?;
    scrub(db).await;
    Ok(erasure)
}

/// Overwrites what the database file may still hold of erased rows.
pub(crate) async fn scrub(db: &TenantDb) {
    if let Err(e) = db.scrub().await {
        // The erasure holds; only the file-level clean-up waits for the
        // next erasure or SQLite's own checkpoints.
        tracing::warn!(error = %e, "scrubbing the database after an erasure failed");
    }
}

/// The portal account a contact stands for, if it is not staff.
async fn portal_user_of(tx: &mut TenantTx, contact: &RecordRow) -> Result<Option<users::UserRow>> {
    Ok(match uuid_of(&contact.data.0, "user_id") {
        Some(u) => users::get(tx, u).await?.filter(|u| u.kind != "staff"),
        None => None,
    })
}

/// What erasing `contact` would touch (`Held` or `InUse` if it may not
/// go), without writing: a retention rule's dry run. With it, the portal
/// account the contact stands for.
pub(crate) async fn erasure_plan(
    tx: &mut TenantTx,
    contact: RecordRow,
) -> Result<(Plan, Option<users::UserRow>)> {
    let user = portal_user_of(tx, &contact).await?;
    let also = match &user {
        Some(u) => comments_by(tx, u.id).await?,
        None => Vec::new(),
    };
    Ok((
        removal::plan(tx, contact, also, Removal::Erase).await?,
        user,
    ))
}

/// Erases `contact` in `tx`, attributed to `by` (see [`erase`]). The
/// caller commits, then [`scrub`]s.
pub(crate) async fn erase_in(
    tx: &mut TenantTx,
    now: DateTime<Utc>,
    by: audit_log::Actor,
    contact: RecordRow,
) -> Result<Erasure> {
    let id = contact.id;
    let email = contact
        .data
        .0
        .get("email")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let (plan, portal_user) = erasure_plan(tx, contact).await?;
    let mut removed = removal::apply(tx, now, &by, plan).await?;
    // An export of the person not yet fetched goes too.
    let dropped = crate::storage::exports::forget_subject(tx, id).await?;
    let exports_dropped = dropped.len();
    removed.events.extend(dropped.into_iter().map(Arc::new));
    // Mail to them, sent or waiting, goes: its address and subject are theirs.
    if let Some(e) = &email {
        crate::storage::mail::forget_recipient(tx, e).await?;
    }
    let mut sign_ins_forgotten = 0;
    if let Some(u) = &portal_user {
        crate::storage::mail::forget_recipient(tx, &u.email).await?;
        crate::storage::account_tokens::void_for_user(tx, u.id, now).await?;
        sign_ins_forgotten = audit::forget(tx, u.id, &u.email).await?;
        users::anonymise(tx, u.id).await?;
        sessions::revoke_all_for_user(tx, u.id, "erased").await?;
    }
    audit_log::append(
        tx,
        &audit_log::NewEntry {
            action: "person.erased",
            actor: by,
            kind: Some("contact"),
            record_id: Some(id),
            detail: json!({
                "gone": removed.gone,
                "cleared": removed.cleared,
                "events_erased": removed.events_erased,
                "portal_user": portal_user.as_ref().map(|u| u.id),
                "sign_ins_forgotten": sign_ins_forgotten,
                "exports_dropped": exports_dropped,
            }),
        },
    )
    .await?;
    Ok(Erasure {
        removed,
        portal_user: portal_user.map(|u| u.id),
        sign_ins_forgotten,
    })
}

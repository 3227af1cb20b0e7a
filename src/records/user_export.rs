//! Everything held about a user (GDPR Art. 15, 20), for a colleague or a
//! portal account that is no contact: the account (name, e-mail, kind,
//! status, roles, teams), its sign-ins, what the trail says they did and
//! what administrators did to the account, and
//! which records they own, are assigned or wrote comments on, by
//! reference. The records themselves are not copied: they hold other
//! people's data (customers, colleagues), which Art. 15(4) keeps out of
//! one person's copy; a request for a record's content goes through the
//! record. Packed as `person_export` packs a contact's.

use serde_json::json;
use tokio::sync::mpsc;

use super::core::{Committed, RecordError, Result};
use super::person_export::{Held, finish, step, trail_entry};
use super::schema::COMMENT;
use crate::storage::audit_log::{self, AuditFilter};
use crate::storage::exports::ExportRow;
use crate::storage::records;
use crate::storage::{TenantDb, audit, users};

/// The steps a user's export reports: account, records, trail, archive.
pub const STEPS: usize = 4;

/// Trail entries read per round.
const TRAIL_PAGE: i64 = 500;

/// Who holds which part of a record: `(kind, field)`.
const HOLDERS: [(&str, &str); 6] = [
    ("contact", "owner_id"),
    ("company", "owner_id"),
    ("deal", "owner_id"),
    ("ticket", "owner_id"),
    ("ticket", "assignee_id"),
    ("activity", "owner_id"),
];

const README: &str = "What this archive holds\n\
\n\
export.json   everything below in one document\n\
  account     name, e-mail, kind, status, roles and teams\n\
  sign_ins    every sign-in, sign-out and failed attempt the log keeps\n\
  audit_trail what the trail says you did (which fields changed, when),\n\
              and what administrators did to your account\n\
  records     references: the records you own or are assigned, and\n\
              your comments, by id: their content is about other\n\
              people too\n\
references.csv the same references, one per line\n";

pub(super) async fn build(
    db: &TenantDb,
    mut row: ExportRow,
    written: &mpsc::UnboundedSender<Committed>,
) -> Result<()> {
    let id = row.subject_id;
    let mut held = Held::default();
    let mut tx = db.begin_read().await?;
    let user = users::get(&mut tx, id)
        .await?
        .ok_or(RecordError::NotFound)?;
    held.account = Some(json!({
        "id": user.id, "email": user.email, "name": user.name, "kind": user.kind,
        "status": user.status, "created_at": user.created_at,
        "roles": users::roles_of(&mut tx, id).await?,
        "teams": users::teams_of(&mut tx, id).await?,
    }));
    held.sign_ins = audit::of_user(&mut tx, id)
        .await?
        .into_iter()
        .map(|s| json!({"at": s.at, "kind": s.kind, "ip": s.ip, "detail": s.detail.0}))
        .collect();
    tx.rollback().await?;
    if !step(db, &mut row, 1, written).await? {
        return Ok(());
    }

    let mut tx = db.begin_read().await?;
    let mut refs = Vec::new();
    for (kind, field) in HOLDERS {
        for r in records::referring(&mut tx, kind, "data", field, false, id).await? {
            refs.push(
                json!({"id": r.id, "kind": kind, "as": field.trim_end_matches("_id"),
                             "created_at": r.created_at, "updated_at": r.updated_at}),
            );
        }
    }
    for c in records::referring(&mut tx, COMMENT, "data", "author_id", false, id).await? {
        refs.push(json!({"id": c.id, "kind": COMMENT, "as": "author",
                         "ticket_id": c.parent_id, "created_at": c.created_at,
                         "updated_at": c.updated_at}));
    }
    held.records.insert("references", refs);
    tx.rollback().await?;
    if !step(db, &mut row, 2, written).await? {
        return Ok(());
    }

    let mut filter = AuditFilter {
        actor_id: Some(id),
        ..AuditFilter::default()
    };
    loop {
        let mut tx = db.begin_read().await?;
        let page = audit_log::page(&mut tx, &filter, TRAIL_PAGE).await?;
        tx.rollback().await?;
        held.trail.extend(page.iter().map(trail_entry));
        match page.last() {
            Some(last) if page.len() as i64 == TRAIL_PAGE => filter.before = Some(last.seq),
            _ => break,
        }
    }
    // And what administrators did to the account: created it, changed
    // its roles, disabled it.
    let mut tx = db.begin_read().await?;
    let about = audit_log::about(&mut tx, id).await?;
    held.trail.extend(
        about
            .iter()
            .filter(|a| a.actor_id != Some(id))
            .map(trail_entry),
    );
    tx.rollback().await?;
    // Oldest first, as a contact's export lists it.
    held.trail.sort_by_key(|t| t["seq"].as_i64());
    if !step(db, &mut row, 3, written).await? {
        return Ok(());
    }
    finish(db, row, &held, README, written).await
}

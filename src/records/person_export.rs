//! Everything held about a person, for their right of access and
//! portability (GDPR Art. 15, 20): the contact; the tickets they asked,
//! with every comment; the activities about the contact and those
//! tickets; the deals that name them; their portal account, the comments
//! it wrote anywhere and its sign-ins; and every event and trail entry
//! about all of these. Built in the background (`requested` answers at
//! once, `build` runs on), with progress as `export.progress` events on
//! the `exports` topic, into a ZIP: `export.json` with all of it, one CSV
//! per kind, and a README. The archive is kept until it expires, and goes
//! at once when the person is erased. A user's own export (a colleague,
//! or a portal account that is no contact) is gathered by `user_export`
//! and packed the same way.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use uuid::Uuid;
use zip::write::SimpleFileOptions;

use super::core::{Committed, RecordError, Result, render, uuid_of};
use super::csv_io::write_rows;
use super::schema::COMMENT;
use crate::storage::audit_log::{self, Actor};
use crate::storage::events::{self, EventRow, NewEvent};
use crate::storage::exports::{self, ExportRow};
use crate::storage::records::{self, RecordRow};
use crate::storage::{TenantDb, TenantTx, audit, users};

/// The kind of the export events and of their topic's permission.
pub const KIND: &str = "export";
/// How long an archive can be fetched.
pub const KEEP_FOR: TimeDelta = TimeDelta::days(7);
/// The steps a build reports as it goes.
const STEPS: [&str; 7] = [
    "contact",
    "tickets",
    "activities",
    "deals",
    "account",
    "history",
    "archive",
];

/// The event that tells `exports` subscribers where an export stands:
/// its state and counts, never its content.
async fn announce(tx: &mut TenantTx, action: &str, e: &ExportRow) -> Result<EventRow> {
    Ok(events::append(
        tx,
        &NewEvent {
            event_type: action,
            kind: KIND,
            record_id: e.id,
            actor: e.requested_by,
            people: &[],
            team_id: None,
            // The export as `GET /exports/{id}` shows it: state and
            // counts, no content.
            data: &serde_json::to_value(e).unwrap_or_default(),
        },
    )
    .await?)
}

/// Who an export is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Contact(Uuid),
    User(Uuid),
}

/// Starts an export of `subject` for `by`: the row and its
/// `export.requested` event and trail entry. The caller then runs
/// [`build`] in the background.
pub async fn requested(
    db: &TenantDb,
    by: Actor,
    subject: Subject,
) -> Result<(ExportRow, Vec<Arc<EventRow>>)> {
    let mut tx = db.begin().await?;
    let (kind, subject, total) = match subject {
        Subject::Contact(id) => {
            records::get(&mut tx, "contact", id)
                .await?
                .ok_or(RecordError::NotFound)?;
            ("contact", id, STEPS.len())
        }
        Subject::User(id) => {
            let user = users::get(&mut tx, id)
                .await?
                .ok_or(RecordError::NotFound)?;
            if users::is_erased(&user.email) {
                return Err(RecordError::Conflict(
                    "This user was erased: nothing about them is held to export.".into(),
                ));
            }
            ("user", id, super::user_export::STEPS)
        }
    };
    let e = ExportRow {
        id: Uuid::now_v7(),
        subject_kind: kind.into(),
        subject_id: subject,
        requested_by: by.user_id(),
        status: "running".into(),
        done: 0,
        total: total as i32,
        error: None,
        size: None,
        created_at: db.clock().now(),
        finished_at: None,
        expires_at: None,
    };
    exports::insert(&mut tx, &e).await?;
    let event = announce(&mut tx, "export.requested", &e).await?;
    audit_log::append(
        &mut tx,
        &audit_log::NewEntry {
            action: "person.export_requested",
            actor: by,
            kind: Some(kind),
            record_id: Some(subject),
            detail: json!({"export_id": e.id}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((e, vec![Arc::new(event)]))
}

/// One export as it stands.
pub async fn get(db: &TenantDb, id: Uuid) -> Result<ExportRow> {
    let mut tx = db.begin_read().await?;
    let e = exports::get(&mut tx, id).await?;
    tx.rollback().await?;
    let e = e.ok_or(RecordError::NotFound)?;
    if e.expires_at.is_some_and(|x| x <= db.clock().now()) {
        return Err(RecordError::NotFound);
    }
    Ok(e)
}

/// The newest exports, expired ones left out.
pub async fn list(db: &TenantDb) -> Result<Vec<ExportRow>> {
    let now = db.clock().now();
    let mut tx = db.begin_read().await?;
    let all = exports::list(&mut tx, 100).await?;
    tx.rollback().await?;
    Ok(all
        .into_iter()
        .filter(|e| e.expires_at.is_none_or(|x| x > now))
        .collect())
}

/// A ready export's archive, its download audited. `Conflict` while it
/// is still being built, `NotFound` once expired, failed or erased.
pub async fn download(db: &TenantDb, by: Actor, id: Uuid) -> Result<(ExportRow, Vec<u8>)> {
    let e = get(db, id).await?;
    match e.status.as_str() {
        "ready" => {}
        "running" => {
            return Err(RecordError::Conflict(
                "The export is still being prepared; it can be fetched once it is ready.".into(),
            ));
        }
        _ => return Err(RecordError::NotFound),
    }
    let mut tx = db.begin().await?;
    let bytes = exports::archive(&mut tx, id)
        .await?
        .ok_or(RecordError::NotFound)?;
    audit_log::append(
        &mut tx,
        &audit_log::NewEntry {
            action: "person.export_downloaded",
            actor: by,
            kind: Some(&e.subject_kind),
            record_id: Some(e.subject_id),
            detail: json!({"export_id": id, "size": bytes.len()}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((e, bytes))
}

/// Drops expired archives.
pub async fn expire(db: &TenantDb) -> Result<u64> {
    let mut tx = db.begin().await?;
    let n = exports::expire(&mut tx, db.clock().now()).await?;
    tx.commit().await?;
    Ok(n)
}

/// Exports a node was building when it stopped.
pub async fn unfinished(db: &TenantDb) -> Result<Vec<Uuid>> {
    let mut tx = db.begin_read().await?;
    let rows = exports::running(&mut tx).await?;
    tx.rollback().await?;
    Ok(rows.into_iter().map(|e| e.id).collect())
}

/// A trail entry as an archive holds it: its place, and its content as
/// it was hashed.
pub(super) fn trail_entry(a: &audit_log::AuditRow) -> Value {
    let entry: Value = serde_json::from_str(&a.entry).unwrap_or(Value::Null);
    json!({
        "seq": a.seq, "at": a.at, "action": a.action, "kind": a.kind,
        "record_id": a.record_id, "entry": entry,
    })
}

/// What the archive holds, per part.
#[derive(Default)]
pub(super) struct Held {
    pub records: BTreeMap<&'static str, Vec<Value>>,
    pub account: Option<Value>,
    pub sign_ins: Vec<Value>,
    pub events: Vec<Value>,
    pub trail: Vec<Value>,
}

/// Builds export `id`, moving its progress as it goes; each step's events
/// go to `written`. Ends ready (with the archive) or failed (with why);
/// an export erased meanwhile just stops.
pub async fn build(db: &TenantDb, id: Uuid, written: mpsc::UnboundedSender<Committed>) {
    if let Err(e) = build_steps(db, id, &written).await {
        tracing::warn!(export = %id, error = %e, "a person export failed");
        let now = db.clock().now();
        let failed = async {
            let mut tx = db.begin().await?;
            let Some(mut row) = exports::get(&mut tx, id).await? else {
                return Ok(None);
            };
            if !exports::fail(
                &mut tx,
                id,
                "The export could not be built; request it again.",
                now,
            )
            .await?
            {
                return Ok(None);
            }
            row.status = "failed".into();
            row.error = Some("The export could not be built; request it again.".into());
            let ev = announce(&mut tx, "export.failed", &row).await?;
            tx.commit().await?;
            Ok::<_, RecordError>(Some(ev))
        };
        if let Ok(Some(ev)) = failed.await {
            let _ = written.send(Committed {
                events: vec![Arc::new(ev)],
                signed_out: None,
            });
        }
    }
}

/// Moves the export to `done` steps with its event; false when it is no
/// longer running.
pub(super) async fn step(
    db: &TenantDb,
    row: &mut ExportRow,
    done: usize,
    written: &mpsc::UnboundedSender<Committed>,
) -> Result<bool> {
    row.done = done as i32;
    let mut tx = db.begin().await?;
    if !exports::progress(&mut tx, row.id, row.done, row.total).await? {
        return Ok(false);
    }
    let ev = announce(&mut tx, "export.progress", row).await?;
    tx.commit().await?;
    let _ = written.send(Committed {
        events: vec![Arc::new(ev)],
        signed_out: None,
    });
    Ok(true)
}

async fn build_steps(
    db: &TenantDb,
    id: Uuid,
    written: &mpsc::UnboundedSender<Committed>,
) -> Result<()> {
    let mut tx = db.begin_read().await?;
    let Some(mut row) = exports::get(&mut tx, id).await? else {
        return Ok(());
    };
    if row.subject_kind == "user" {
        tx.rollback().await?;
        return super::user_export::build(db, row, written).await;
    }
    let Some(contact) = records::get(&mut tx, "contact", row.subject_id).await? else {
        tx.rollback().await?;
        return Err(RecordError::NotFound);
    };
    let mut held = Held::default();
    let mut ids: Vec<Uuid> = vec![contact.id];
    let none = BTreeSet::new();
    let add = |held: &mut Held, ids: &mut Vec<Uuid>, kind: &'static str, rows: &[RecordRow]| {
        for r in rows {
            if !ids.contains(&r.id) {
                ids.push(r.id);
                held.records
                    .entry(kind)
                    .or_default()
                    .push(render(r, &none, &[]));
            }
        }
    };
    held.records
        .entry("contacts")
        .or_default()
        .push(render(&contact, &none, &[]));
    tx.rollback().await?;
    if !step(db, &mut row, 1, written).await? {
        return Ok(());
    }

    let mut tx = db.begin_read().await?;
    let tickets =
        records::referring(&mut tx, "ticket", "data", "requester_id", false, contact.id).await?;
    add(&mut held, &mut ids, "tickets", &tickets);
    for t in &tickets {
        let comments = records::children(&mut tx, t.id, COMMENT).await?;
        add(&mut held, &mut ids, "comments", &comments);
    }
    tx.rollback().await?;
    if !step(db, &mut row, 2, written).await? {
        return Ok(());
    }

    let mut tx = db.begin_read().await?;
    let about: Vec<(&str, Uuid)> = std::iter::once(("contact", contact.id))
        .chain(tickets.iter().map(|t| ("ticket", t.id)))
        .collect();
    for (kind, rid) in about {
        let acts: Vec<RecordRow> =
            records::referring(&mut tx, "activity", "data", "related_id", false, rid)
                .await?
                .into_iter()
                .filter(|a| a.data.0.get("related_kind").and_then(Value::as_str) == Some(kind))
                .collect();
        add(&mut held, &mut ids, "activities", &acts);
    }
    tx.rollback().await?;
    if !step(db, &mut row, 3, written).await? {
        return Ok(());
    }

    let mut tx = db.begin_read().await?;
    let deals =
        records::referring(&mut tx, "deal", "data", "contact_ids", true, contact.id).await?;
    add(&mut held, &mut ids, "deals", &deals);
    tx.rollback().await?;
    if !step(db, &mut row, 4, written).await? {
        return Ok(());
    }

    let mut tx = db.begin_read().await?;
    if let Some(u) = uuid_of(&contact.data.0, "user_id")
        && let Some(user) = users::get(&mut tx, u).await?.filter(|u| u.kind != "staff")
    {
        held.account = Some(json!({
            "id": user.id, "email": user.email, "name": user.name,
            "kind": user.kind, "status": user.status, "created_at": user.created_at,
        }));
        let mine = records::referring(&mut tx, COMMENT, "data", "author_id", false, u).await?;
        add(&mut held, &mut ids, "comments", &mine);
        held.sign_ins = audit::of_user(&mut tx, u)
            .await?
            .into_iter()
            .map(|s| json!({"at": s.at, "kind": s.kind, "ip": s.ip, "detail": s.detail.0}))
            .collect();
    }
    tx.rollback().await?;
    if !step(db, &mut row, 5, written).await? {
        return Ok(());
    }

    let mut tx = db.begin_read().await?;
    for rid in &ids {
        // What is known of their attachments; the bytes stay downloadable
        // by the API, not copied into an archive kept for a week.
        for f in crate::storage::files::of_record(&mut tx, *rid).await? {
            held.records.entry("files").or_default().push(json!({
                "id": f.id, "record_kind": f.record_kind, "record_id": f.record_id,
                "comment_id": f.comment_id, "name": f.name, "content_type": f.content_type,
                "size": f.size, "sha256": f.sha256, "created_by_name": f.created_by_name,
                "created_at": f.created_at,
            }));
        }
        for e in events::about(&mut tx, *rid).await? {
            held.events.push(json!({
                "seq": e.seq, "at": e.at, "type": e.event_type, "kind": e.kind,
                "record_id": e.record_id, "actor": e.actor, "data": e.data.0,
            }));
        }
        for a in audit_log::about(&mut tx, *rid).await? {
            held.trail.push(trail_entry(&a));
        }
    }
    tx.rollback().await?;
    if !step(db, &mut row, 6, written).await? {
        return Ok(());
    }

    finish(db, row, &held, README, written).await
}

/// Packs `held` (with `readme`) into the archive and makes the export
/// ready: its event, and the trail's entry with the counts.
pub(super) async fn finish(
    db: &TenantDb,
    mut row: ExportRow,
    held: &Held,
    readme: &str,
    written: &mpsc::UnboundedSender<Committed>,
) -> Result<()> {
    let id = row.id;
    let now = db.clock().now();
    let bytes =
        archive(&row, now, held, readme).map_err(|e| RecordError::Unexpected(e.to_string()))?;
    let mut tx = db.begin().await?;
    let expires = now + KEEP_FOR;
    if !exports::finish(&mut tx, id, &bytes, now, expires).await? {
        return Ok(());
    }
    row.status = "ready".into();
    row.done = row.total;
    row.size = Some(bytes.len() as i64);
    row.finished_at = Some(now);
    row.expires_at = Some(expires);
    let ev = announce(&mut tx, "export.ready", &row).await?;
    let counts: BTreeMap<&str, usize> = held.records.iter().map(|(k, v)| (*k, v.len())).collect();
    audit_log::append(
        &mut tx,
        &audit_log::NewEntry {
            action: "person.exported",
            actor: match row.requested_by {
                Some(id) => Actor::User { id, kind: None },
                None => Actor::Platform,
            },
            kind: Some(&row.subject_kind),
            record_id: Some(row.subject_id),
            detail: json!({"export_id": id, "records": counts, "events": held.events.len(),
                           "trail": held.trail.len(), "size": bytes.len()}),
        },
    )
    .await?;
    tx.commit().await?;
    let _ = written.send(Committed {
        events: vec![Arc::new(ev)],
        signed_out: None,
    });
    Ok(())
}

const README: &str = "What this archive holds\n\
\n\
export.json    everything below in one document\n\
contacts.csv   the person as a contact\n\
tickets.csv    the tickets they asked\n\
comments.csv   the comments on those tickets, and the ones they wrote\n\
activities.csv calls, meetings, notes and tasks about them or their tickets\n\
deals.csv      the deals that name them\n\
files.csv      the files attached to these records (names, sizes, types,\n\
               SHA-256; the files themselves: GET files/{id} in the API)\n\
\n\
export.json also holds their portal account and its sign-ins, every event\n\
the log still holds about these records, and the audit trail's entries\n\
about them (which fields changed, by whom, when).\n";

/// The ZIP: `README.txt`, `export.json`, a CSV per kind.
fn archive(
    row: &ExportRow,
    now: DateTime<Utc>,
    held: &Held,
    readme: &str,
) -> zip::result::ZipResult<Vec<u8>> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default();
    z.start_file("README.txt", opts)?;
    z.write_all(readme.as_bytes())?;
    // A contact's account is their portal's; a user's is the subject.
    let account = match row.subject_kind.as_str() {
        "user" => "account",
        _ => "portal_account",
    };
    let doc = json!({
        "export": {"id": row.id, "subject_kind": row.subject_kind, "subject_id": row.subject_id,
                   "created_at": now},
        "records": held.records,
        account: held.account,
        "sign_ins": held.sign_ins,
        "events": held.events,
        "audit_trail": held.trail,
    });
    z.start_file("export.json", opts)?;
    z.write_all(&serde_json::to_vec_pretty(&doc).unwrap_or_default())?;
    for (kind, items) in &held.records {
        z.start_file(format!("{kind}.csv"), opts)?;
        z.write_all(&write_rows(&columns(items), items, true))?;
    }
    Ok(z.finish()?.into_inner())
}

/// Every field any of `items` has, `id` first, custom fields last.
fn columns(items: &[Value]) -> Vec<String> {
    let mut plain = BTreeSet::new();
    let mut custom = BTreeSet::new();
    for item in items.iter().filter_map(Value::as_object) {
        for (k, v) in item {
            if k == "custom" {
                custom.extend(v.as_object().into_iter().flat_map(Map::keys).cloned());
            } else if k != "id" {
                plain.insert(k.clone());
            }
        }
    }
    std::iter::once("id".to_owned())
        .chain(plain)
        .chain(custom.into_iter().map(|k| format!("custom.{k}")))
        .collect()
}

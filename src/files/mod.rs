//! Attachments on records (contacts, companies, deals, tickets) and on
//! ticket comments. Who may see a file is who may read its record, and
//! for a file marked internal (an internal note's, or a staff upload not
//! yet sent to the customer) also `tickets:internal`: portal users see
//! only what was shared with them. Bytes go to the object store
//! (`storage::blobs`), streamed; the row, the quota and the `file.added`
//! event are written in one transaction after the bytes are safely stored.

pub mod links;
pub mod scan;
pub mod sealed;
pub mod sniff;
mod upload;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::config::Config;
use crate::domain::FieldError;
use crate::domain::tenant::{Plan, Tenant};
use crate::identity::{Decision, Principal};
use crate::records::core::{RecordError, meta, readable};
use crate::records::schema::{KindDef, by_kind};
use crate::storage::events::{self, EventRow};
use crate::storage::files::{self as rows, FileRow};
use crate::storage::records::RecordRow;
use crate::storage::{StorageError, TenantDb, TenantTx};

pub use upload::{Upload, upload};

pub use crate::records::schema::FILE as KIND;

/// The record kinds files hang on.
pub const KINDS: [&str; 4] = ["contact", "company", "deal", "ticket"];

/// The longest file name kept (most file systems' limit).
const MAX_NAME: usize = 255;

/// The attachment settings of this installation.
#[derive(Debug)]
pub struct Files {
    pub max_bytes: u64,
    quotas: BTreeMap<Plan, Option<u64>>,
    scanner: Option<scan::Scanner>,
    links: links::LinkKey,
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Quota(String),
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Infected(String),
    /// The scanner is configured but cannot give a verdict: fail closed.
    #[error("{0}")]
    Scanner(String),
    /// The upload broke off (the client went away).
    #[error("the upload broke off: {0}")]
    Body(String),
}

impl From<StorageError> for FileError {
    fn from(e: StorageError) -> Self {
        FileError::Record(e.into())
    }
}

pub type Result<T, E = FileError> = std::result::Result<T, E>;

impl Files {
    /// The link key is made on first start and kept in the control plane,
    /// so every node signs and checks links alike.
    pub async fn new(
        config: &Config,
        control: &crate::storage::ControlStore,
    ) -> anyhow::Result<Self> {
        let secret = control
            .platform_secret("file_links_hmac", &crate::secret::random_hex(32))
            .await?;
        let scanner = config
            .clamd_url
            .as_deref()
            .and_then(scan::Scanner::from_url);
        match &scanner {
            Some(s) => tracing::info!(clamd = ?s, "uploads are scanned by ClamAV"),
            None => tracing::info!(
                "no virus scanner configured (MANDANT_CLAMD_URL): uploads are not scanned"
            ),
        }
        Ok(Self {
            max_bytes: config.upload_max_bytes,
            quotas: config.storage_quotas.clone(),
            scanner,
            links: links::LinkKey::new(&secret),
        })
    }

    /// The bytes of attachments a tenant on `plan` may keep.
    pub fn quota(&self, plan: Plan) -> Option<u64> {
        self.quotas
            .get(&plan)
            .copied()
            .unwrap_or_else(|| crate::limits::plans::quotas(plan).storage_bytes)
    }

    pub fn scanning(&self) -> bool {
        self.scanner.is_some()
    }

    /// The file as the API shows it, with a fresh download link.
    pub fn view(&self, tenant: &Tenant, f: &FileRow, now: DateTime<Utc>) -> Value {
        let (query, until) = self.links.sign(tenant.id, f.id, now);
        let mut v = data(f);
        v["download_url"] = json!(format!(
            "/t/{}/api/v1/files/{}/content?{query}",
            tenant.slug.as_str(),
            f.id
        ));
        v["download_expires_at"] = json!(until);
        v
    }

    pub fn link_valid(
        &self,
        tenant: &Tenant,
        file: Uuid,
        expires: i64,
        signature: &str,
        now: DateTime<Utc>,
    ) -> bool {
        self.links.verify(tenant.id, file, expires, signature, now)
    }
}

/// What events and comments say of a file (no link: links are made per
/// reader, when asked).
pub fn data(f: &FileRow) -> Value {
    json!({
        "id": f.id,
        "record_kind": f.record_kind,
        "record_id": f.record_id,
        "comment_id": f.comment_id,
        "name": f.name,
        "content_type": f.content_type,
        "size": f.size,
        "sha256": f.sha256,
        "internal": f.internal,
        "created_by": f.created_by,
        "created_by_name": f.created_by_name,
        "created_at": f.created_at,
    })
}

/// A kind files may hang on.
pub fn parent_kind(kind: &str) -> Option<&'static KindDef> {
    KINDS.contains(&kind).then(|| by_kind(kind)).flatten()
}

/// May `actor` see a file marked `internal` on `parent`?
fn sees(actor: &Principal, parent: &RecordRow, internal: bool) -> bool {
    !internal
        || matches!(
            actor.decide("tickets:internal", &meta(parent)),
            Decision::Allow { .. }
        )
}

/// The permission that adds or removes files (marked `internal` or not) on
/// a record of `kind`.
fn write_perm(kind: &KindDef, internal: bool) -> String {
    match (kind.kind, internal) {
        ("ticket", true) => "tickets:internal".into(),
        _ => kind.write_perm(),
    }
}

fn may_write(actor: &Principal, kind: &KindDef, parent: &RecordRow, internal: bool) -> Result<()> {
    let need = write_perm(kind, internal);
    if actor.decide(&need, &meta(parent)) == Decision::Deny {
        return Err(RecordError::Forbidden(format!(
            "This needs the permission {need} on this record."
        ))
        .into());
    }
    Ok(())
}

/// The files on a record that `actor` may see.
pub async fn list(
    db: &TenantDb,
    actor: &Principal,
    kind: &KindDef,
    record: Uuid,
) -> Result<Vec<FileRow>> {
    let mut tx = db.begin_read().await?;
    let parent = readable(&mut tx, kind, actor, record).await?;
    let files = rows::of_record(&mut tx, record).await?;
    tx.rollback().await?;
    Ok(files
        .into_iter()
        .filter(|f| sees(actor, &parent, f.internal))
        .collect())
}

/// A file and its record, if `actor` may see it (else `NotFound`, as for
/// records: no telling what exists).
async fn visible(
    tx: &mut TenantTx,
    actor: &Principal,
    id: Uuid,
) -> Result<(FileRow, &'static KindDef, RecordRow)> {
    let f = rows::get(tx, id).await?.ok_or(RecordError::NotFound)?;
    let kind = parent_kind(&f.record_kind).ok_or(RecordError::NotFound)?;
    let parent = readable(tx, kind, actor, f.record_id).await?;
    if !sees(actor, &parent, f.internal) {
        return Err(RecordError::NotFound.into());
    }
    Ok((f, kind, parent))
}

pub async fn get(db: &TenantDb, actor: &Principal, id: Uuid) -> Result<FileRow> {
    let mut tx = db.begin_read().await?;
    let (f, _, _) = visible(&mut tx, actor, id).await?;
    tx.rollback().await?;
    Ok(f)
}

/// A file by id, for a signed link (whose signature is the authority).
pub async fn by_link(db: &TenantDb, id: Uuid) -> Result<FileRow> {
    let mut tx = db.begin_read().await?;
    let f = rows::get(&mut tx, id).await?.ok_or(RecordError::NotFound)?;
    tx.rollback().await?;
    Ok(f)
}

/// Removes a file: gone from lists and the quota at commit (with its
/// `file.removed` event); the object is deleted right after.
pub async fn delete(db: &TenantDb, actor: &Principal, id: Uuid) -> Result<Arc<EventRow>> {
    let mut tx = db.begin().await?;
    let (f, kind, parent) = visible(&mut tx, actor, id).await?;
    may_write(actor, kind, &parent, f.internal)?;
    rows::remove(&mut tx, id, db.clock().now()).await?;
    let event = append(&mut tx, "file.removed", &f, &parent, actor).await?;
    trail(&mut tx, "file.removed", &f, actor).await?;
    tx.commit().await?;
    sweep(db).await;
    Ok(event)
}

async fn append(
    tx: &mut TenantTx,
    event_type: &str,
    f: &FileRow,
    parent: &RecordRow,
    actor: &Principal,
) -> Result<Arc<EventRow>> {
    Ok(Arc::new(
        events::append(
            tx,
            &events::NewEvent {
                event_type,
                kind: KIND,
                record_id: f.id,
                actor: Some(actor.user_id),
                // The record's people and team: the record's rules decide
                // who hears of its files.
                people: &parent.people.0,
                team_id: parent.team_id,
                data: &data(f),
            },
        )
        .await?,
    ))
}

/// The trail's entry for a file added or removed: on its record's
/// history, with what identifies the content (its digest) but not its name,
/// which may be personal ("passport-jane-doe.pdf"), as the trail masks
/// content everywhere.
async fn trail(tx: &mut TenantTx, action: &str, f: &FileRow, actor: &Principal) -> Result<()> {
    crate::storage::audit_log::append(
        tx,
        &crate::storage::audit_log::NewEntry {
            action,
            actor: actor.audit_actor(),
            kind: Some(&f.record_kind),
            record_id: Some(f.record_id),
            detail: json!({
                "file_id": f.id,
                "size": f.size,
                "content_type": f.content_type,
                "sha256": f.sha256,
                "internal": f.internal,
            }),
        },
    )
    .await?;
    Ok(())
}

/// Deletes the objects of files marked gone (a removed file, or the
/// files of deleted and erased records), then their rows. Run after the
/// commits that mark them, and hourly for anything a crash left.
pub async fn sweep(db: &TenantDb) {
    if let Err(e) = sweep_once(db).await {
        tracing::warn!(error = %e, "could not delete removed files' objects; the hourly sweep retries");
    }
}

async fn sweep_once(db: &TenantDb) -> Result<(), StorageError> {
    loop {
        let mut tx = db.begin_read().await?;
        let ids = rows::marked(&mut tx, 100).await?;
        tx.rollback().await?;
        if ids.is_empty() {
            return Ok(());
        }
        for id in ids {
            db.blobs()?.delete(id).await?;
            let mut tx = db.begin().await?;
            rows::swept(&mut tx, id).await?;
            tx.commit().await?;
        }
    }
}

/// `(bytes, files)` the tenant's attachments take.
pub async fn usage(db: &TenantDb) -> Result<(i64, i64)> {
    let mut tx = db.begin_read().await?;
    let u = rows::usage(&mut tx).await?;
    tx.rollback().await?;
    Ok(u)
}

/// A file name as kept: trimmed; refused when it holds a path or control
/// characters, is only dots and spaces, or is too long.
pub fn clean_name(raw: &str) -> Result<String> {
    let invalid =
        |m: &str| -> FileError { RecordError::Validation(vec![FieldError::new("name", m)]).into() };
    if raw.chars().any(char::is_control) {
        return Err(invalid("must not contain control characters"));
    }
    if raw.contains(['/', '\\']) {
        return Err(invalid("must be a file's name, without a path"));
    }
    if raw.chars().count() > MAX_NAME {
        return Err(invalid("must be at most 255 characters"));
    }
    let name = raw.trim();
    if name.chars().all(|c| c == '.' || c.is_whitespace()) {
        return Err(invalid("is required (the file's name)"));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_names_not_paths() {
        assert_eq!(
            clean_name(" report.pdf ").ok().as_deref(),
            Some("report.pdf")
        );
        assert_eq!(clean_name("Grüße .txt").ok().as_deref(), Some("Grüße .txt"));
        assert_eq!(clean_name(".env").ok().as_deref(), Some(".env"));
        for bad in [
            "",
            "  ",
            "...",
            "../../etc/passwd",
            "C:\\Users\\a.txt",
            "a\0b",
            "x\ny",
            &"n".repeat(256),
        ] {
            assert!(clean_name(bad).is_err(), "{bad:?}");
        }
    }
}

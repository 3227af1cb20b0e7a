//! One upload: checked before a byte is read, streamed to the store
//! (sealed, `sealed.rs`) and to the scanner chunk by chunk, judged by its
//! content, then recorded.
//! Whatever refuses it, the object is aborted or deleted: nothing is kept
//! of a refused upload.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{FileError, Files, Result, append, clean_name, may_write, scan, sniff, trail};
use crate::domain::tenant::Tenant;
use crate::identity::Principal;
use crate::records::core::{RecordError, readable};
use crate::records::schema::KindDef;
use crate::storage::TenantDb;
use crate::storage::blobs::{self, TenantBlobs};
use crate::storage::events::EventRow;
use crate::storage::files::{self as rows, FileRow};
use object_store::WriteMultipart;

/// What the uploader says about the upload.
#[derive(Debug)]
pub struct Upload<'a> {
    pub kind: &'static KindDef,
    pub record: Uuid,
    pub name: &'a str,
    /// The `Content-Type` sent (a claim, checked against the content).
    pub claimed: &'a str,
    /// Asked for; staff uploads default to internal, portal users' are never.
    pub internal: Option<bool>,
    /// `Content-Length`, when sent: refused early when it cannot fit.
    pub length: Option<u64>,
}

fn too_large(max: u64) -> FileError {
    FileError::TooLarge(format!(
        "A file may be at most {} MiB.",
        max.div_ceil(1024 * 1024)
    ))
}

fn quota_full(quota: u64) -> FileError {
    FileError::Quota(format!(
        "The storage quota of {} MiB is used up: delete attachments or move to a larger plan.",
        quota / (1024 * 1024)
    ))
}

/// Whether the file is internal: portal users (without `tickets:internal`)
/// always share; staff keep a ticket's uploads internal until a public
/// reply carries them, unless they say otherwise. Only tickets have
/// internal files.
fn internal_of(kind: &KindDef, actor: &Principal, asked: Option<bool>) -> bool {
    kind.kind == "ticket" && asked.unwrap_or(actor.kind == "staff")
}

pub async fn upload<S, E>(
    files: &Files,
    tenant: &Tenant,
    db: &TenantDb,
    actor: &Principal,
    up: Upload<'_>,
    body: S,
) -> Result<(FileRow, Arc<EventRow>)>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let name = clean_name(up.name)?;
    let internal = internal_of(up.kind, actor, up.internal);
    let quota = files.quota(tenant.plan);
    // Who may, and whether it can fit, is known before a byte is read.
    let mut tx = db.begin_read().await?;
    let parent = readable(&mut tx, up.kind, actor, up.record).await?;
    may_write(actor, up.kind, &parent, internal)?;
    let (used, _) = rows::usage(&mut tx).await?;
    tx.rollback().await?;
    if up.length.is_some_and(|n| n > files.max_bytes) {
        return Err(too_large(files.max_bytes));
    }
    if let Some(q) = quota
        && (used as u64).saturating_add(up.length.unwrap_or(1)) > q
    {
        return Err(quota_full(q));
    }
    let id = Uuid::now_v7();
    let store = db.blobs()?;
    let sealer = super::sealed::Sealer::new(db.keys()?, id);
    let mut writer = store.writer(id).await?;
    let scanning = match &files.scanner {
        Some(s) => Some(
            s.start()
                .await
                .map_err(|e| FileError::Scanner(e.to_string())),
        ),
        None => None,
    }
    .transpose();
    let scanning = match scanning {
        Ok(s) => s,
        Err(e) => {
            blobs::abort(writer).await;
            return Err(e);
        }
    };
    let read = receive(files, body, &mut writer, sealer, scanning).await;
    let (size, sha256, head, verdict) = match read {
        Ok(r) => r,
        Err(e) => {
            blobs::abort(writer).await;
            return Err(e);
        }
    };
    let judged = if size == 0 {
        Err(RecordError::Validation(vec![crate::domain::FieldError::new(
            "body",
            "the file is empty",
        )])
        .into())
    } else {
        sniff::judge(&name, up.claimed, &head).map_err(|r| FileError::Refused(r.message()))
    };
    let content_type = match (judged, verdict) {
        (_, Some(scan::Verdict::Infected(what))) => {
            blobs::abort(writer).await;
            // The file's name stays out of the log: it may be personal.
            tracing::warn!(tenant = %tenant.slug, file = %id, found = %what, "refused an infected upload");
            return Err(FileError::Infected(format!(
                "The virus scanner found {what} in this file; it was not kept."
            )));
        }
        (Err(e), _) => {
            blobs::abort(writer).await;
            return Err(e);
        }
        (Ok(t), _) => t,
    };
    blobs::finish(writer).await?;
    let row = FileRow {
        id,
        record_kind: up.kind.kind.to_owned(),
        record_id: up.record,
        comment_id: None,
        name,
        content_type,
        size: size as i64,
        sha256,
        internal,
        created_by: Some(actor.user_id),
        created_by_name: actor.name.clone(),
        created_at: db.clock().now(),
    };
    match record(db, actor, &up, &row, quota).await {
        Ok(event) => Ok((row, event)),
        Err(e) => {
            forget(store, id).await;
            Err(e)
        }
    }
}

async fn forget(store: &TenantBlobs, id: Uuid) {
    if let Err(e) = store.delete(id).await {
        tracing::warn!(file = %id, error = %e, "could not delete a refused upload's object");
    }
}

type Received = (u64, String, Vec<u8>, Option<scan::Verdict>);

fn sealing(e: crate::keys::KeyError) -> FileError {
    FileError::from(crate::storage::StorageError::from(e))
}

/// Streams the body, sealed, into the store (and into the scanner): its
/// size, SHA-256, first bytes, and the scanner's verdict.
async fn receive<S, E>(
    files: &Files,
    mut body: S,
    writer: &mut WriteMultipart,
    mut sealer: super::sealed::Sealer,
    mut scanning: Option<scan::Scan>,
) -> Result<Received>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut size: u64 = 0;
    let mut hash = Sha256::new();
    let mut head = Vec::with_capacity(sniff::HEAD);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| FileError::Body(e.to_string()))?;
        size += chunk.len() as u64;
        if size > files.max_bytes {
            return Err(too_large(files.max_bytes));
        }
        let room = sniff::HEAD.saturating_sub(head.len()).min(chunk.len());
        head.extend_from_slice(&chunk[..room]);
        hash.update(&chunk);
        if let Some(s) = scanning.as_mut() {
            s.feed(&chunk)
                .await
                .map_err(|e| FileError::Scanner(e.to_string()))?;
        }
        for sealed in sealer.push(&chunk).map_err(sealing)? {
            blobs::wait_for_capacity(writer).await?;
            writer.put(sealed);
        }
    }
    writer.put(sealer.finish().map_err(sealing)?);
    let verdict = match scanning {
        Some(s) => Some(
            s.verdict()
                .await
                .map_err(|e| FileError::Scanner(e.to_string()))?,
        ),
        None => None,
    };
    Ok((size, hex::encode(hash.finalize()), head, verdict))
}

/// The row, the quota and the event, in one transaction: the record must
/// still be there and writable, and the bytes must still fit.
async fn record(
    db: &TenantDb,
    actor: &Principal,
    up: &Upload<'_>,
    row: &FileRow,
    quota: Option<u64>,
) -> Result<Arc<EventRow>> {
    let mut tx = db.begin().await?;
    let parent = readable(&mut tx, up.kind, actor, up.record).await?;
    may_write(actor, up.kind, &parent, row.internal)?;
    if !rows::reserve(&mut tx, row.size, quota).await? {
        return Err(quota_full(quota.unwrap_or(0)));
    }
    rows::insert(&mut tx, row).await?;
    let event = append(&mut tx, "file.added", row, &parent, actor).await?;
    trail(&mut tx, "file.added", row, actor).await?;
    tx.commit().await?;
    Ok(event)
}

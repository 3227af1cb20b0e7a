//! Loading an archive's content into a tenant's fresh storage, checking
//! every table's and file's sum against what the archive says, and the
//! manifest against all of it.

use std::collections::BTreeMap;
use std::io::Read;

use indicatif::ProgressBar;
use sha2::{Digest, Sha256};

use super::archive::Reader;
use super::{
    BackupError, BlobEnd, BlobStart, Manifest, RowSum, TableEnd, TableStart, TableSum, damaged,
    files_sum, tag,
};
use crate::storage::blobs::{self, TenantBlobs};
use crate::storage::dump::{self, Cell, Loader};
use crate::storage::{TenantDb, TenantTx};

/// What becomes of the files' bytes.
pub enum Files {
    /// Into the tenant's part of the file store.
    Write(TenantBlobs),
    /// Only summed (a verification).
    Check,
}

struct OpenBlob {
    start: BlobStart,
    hash: Sha256,
    size: u64,
    writer: Option<object_store::WriteMultipart>,
}

pub struct Load {
    files: Files,
    seen: Manifest,
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, BackupError> {
    serde_json::from_slice(body).map_err(damaged)
}

impl Load {
    pub fn new(schema_version: i64, files: Files) -> Self {
        Self {
            files,
            seen: Manifest {
                schema_version,
                ..Manifest::default()
            },
        }
    }

    pub async fn run<R: Read>(
        mut self,
        db: &TenantDb,
        r: &mut Reader<R>,
        progress: &ProgressBar,
    ) -> Result<Manifest, BackupError> {
        let mut blob: Option<OpenBlob> = None;
        let result = self.frames(db, r, progress, &mut blob).await;
        if result.is_err()
            && let Some(OpenBlob {
                writer: Some(w), ..
            }) = blob
        {
            blobs::abort(w).await;
        }
        result
    }

    async fn frames<R: Read>(
        &mut self,
        db: &TenantDb,
        r: &mut Reader<R>,
        progress: &ProgressBar,
        blob: &mut Option<OpenBlob>,
    ) -> Result<Manifest, BackupError> {
        let mut tx: Option<TenantTx> = Some(db.begin().await?);
        if let Some(t) = tx.as_mut() {
            dump::begin_load(t).await?;
        }
        let mut table: Option<(Loader, String, RowSum)> = None;
        let mut ends: Vec<BlobEnd> = Vec::new();
        let mut manifest: Option<Manifest> = None;
        while let Some((kind, body)) = r.frame()? {
            progress.set_position(r.consumed());
            if manifest.is_some() {
                return Err(BackupError::Damaged("content after the manifest".into()));
            }
            let in_table = table.is_some();
            match kind {
                tag::TABLE => {
                    let t = tx
                        .as_mut()
                        .ok_or_else(|| BackupError::Damaged("a table after the files".into()))?;
                    if in_table || blob.is_some() {
                        return Err(BackupError::Damaged("a table inside another part".into()));
                    }
                    let start: TableStart = parse(&body)?;
                    if self.seen.tables.contains_key(&start.name) {
                        return Err(BackupError::Damaged(format!(
                            "table {} appears twice",
                            start.name
                        )));
                    }
                    progress.set_message(start.name.clone());
                    let loader = Loader::new(t, &start.name, &start.columns).await?;
                    table = Some((loader, start.name, RowSum::default()));
                }
                tag::ROW => {
                    let (loader, _, sum) = table
                        .as_mut()
                        .ok_or_else(|| BackupError::Damaged("a row outside a table".into()))?;
                    let t = tx
                        .as_mut()
                        .ok_or_else(|| BackupError::Damaged("a row after the files".into()))?;
                    let cells: Vec<Cell> = parse(&body)?;
                    sum.add(&cells)?;
                    loader.insert(t, cells).await?;
                }
                tag::TABLE_END => {
                    let (loader, name, sum) = table
                        .take()
                        .ok_or_else(|| BackupError::Damaged("a table's end without it".into()))?;
                    let end: TableEnd = parse(&body)?;
                    let got = sum.finish();
                    if end.name != name || end.sum != got {
                        return Err(BackupError::Damaged(format!(
                            "table {name}: {} rows read do not match the {} rows it was written with",
                            got.rows, end.sum.rows
                        )));
                    }
                    let t = tx
                        .as_mut()
                        .ok_or_else(|| BackupError::Damaged("a table after the files".into()))?;
                    loader.finish(t).await?;
                    self.seen.tables.insert(name, got);
                }
                tag::BLOB => {
                    if in_table || blob.is_some() {
                        return Err(BackupError::Damaged("a file inside another part".into()));
                    }
                    // The tables are complete before the first file.
                    if let Some(t) = tx.take() {
                        t.commit().await?;
                    }
                    let start: BlobStart = parse(&body)?;
                    let writer = match &self.files {
                        Files::Write(b) => Some(b.writer(start.id).await?),
                        Files::Check => None,
                    };
                    *blob = Some(OpenBlob {
                        start,
                        hash: Sha256::new(),
                        size: 0,
                        writer,
                    });
                }
                tag::BLOB_CHUNK => {
                    let open = blob
                        .as_mut()
                        .ok_or_else(|| BackupError::Damaged("file bytes outside a file".into()))?;
                    open.hash.update(&body);
                    open.size += body.len() as u64;
                    if let Some(w) = open.writer.as_mut() {
                        w.write(&body);
                        blobs::wait_for_capacity(w).await?;
                    }
                }
                tag::BLOB_END => {
                    let open = blob
                        .take()
                        .ok_or_else(|| BackupError::Damaged("a file's end without it".into()))?;
                    let end: BlobEnd = parse(&body)?;
                    let got = BlobEnd {
                        id: open.start.id,
                        size: open.size,
                        sha256: hex::encode(open.hash.finalize()),
                    };
                    if end != got {
                        if let Some(w) = open.writer {
                            blobs::abort(w).await;
                        }
                        return Err(BackupError::Damaged(format!(
                            "file {} does not match its checksum",
                            got.id
                        )));
                    }
                    if let Some(w) = open.writer {
                        blobs::finish(w).await?;
                    }
                    self.seen.files += 1;
                    self.seen.file_bytes += got.size;
                    ends.push(got);
                }
                tag::MANIFEST => {
                    if in_table || blob.is_some() {
                        return Err(BackupError::Damaged(
                            "the manifest inside another part".into(),
                        ));
                    }
                    if let Some(t) = tx.take() {
                        t.commit().await?;
                    }
                    manifest = Some(parse(&body)?);
                }
                other => {
                    return Err(BackupError::Damaged(format!(
                        "an unknown part {:?}",
                        char::from(other)
                    )));
                }
            }
        }
        let manifest = manifest.ok_or_else(|| BackupError::Damaged("it has no manifest".into()))?;
        self.seen.files_sha256 = files_sum(&ends);
        if manifest != self.seen {
            return Err(BackupError::Damaged(
                "the manifest does not match the content".into(),
            ));
        }
        Ok(manifest)
    }
}

/// Every table's count and sum as `db` holds it now.
pub async fn sums(db: &TenantDb) -> Result<BTreeMap<String, TableSum>, BackupError> {
    let mut tx = db.begin_snapshot().await?;
    let mut out = BTreeMap::new();
    for table in dump::tables(&mut tx).await? {
        let cols = dump::columns(&mut tx, &table).await?;
        let mut sum = RowSum::default();
        let mut failed = None;
        dump::dump(&mut tx, &table, &cols, |cells| {
            if let Err(e) = sum.add(&cells) {
                failed = Some(e);
            }
            Ok(())
        })
        .await?;
        if let Some(e) = failed {
            return Err(e);
        }
        out.insert(table, sum.finish());
    }
    tx.rollback().await?;
    Ok(out)
}

//! One tenant's backup: a portable, consistent, encrypted archive of
//! everything that is the tenant (its tables at one moment, its files, its
//! settings in the control plane and its wrapped data keys), restorable
//! under the same or another slug on either backend, and checkable by
//! restoring it into a scratch database.
//!
//! The archive (see [`archive`]) holds, in order: the tenant's meta data,
//! each table (its columns, its rows in the portable form of
//! [`crate::storage::dump`], a count and checksum), each file's bytes
//! with its checksum, and last the manifest of every count and checksum.
//! Restoring checks each of them as it goes and leaves nothing behind
//! when one does not match.

pub mod archive;
mod load;
pub mod run;
pub mod schedule;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{TenantError, TenantService};
use crate::domain::features::Feature;
use crate::domain::tenant::{Plan, Tenant, TenantId, TenantName, TenantSlug, TenantState};
use crate::keys::MasterKey;
use crate::storage::dump::{self, Cell};
use crate::storage::{Shard, StorageError};

/// The content's format; a reader refuses one it does not know.
pub const FORMAT: u32 = 1;

pub(crate) mod tag {
    pub const META: u8 = b'M';
    pub const TABLE: u8 = b'T';
    pub const ROW: u8 = b'R';
    pub const TABLE_END: u8 = b'E';
    pub const BLOB: u8 = b'B';
    pub const BLOB_CHUNK: u8 = b'C';
    pub const BLOB_END: u8 = b'F';
    pub const MANIFEST: u8 = b'Z';
}

/// A file's bytes travel in frames of at most this.
const BLOB_FRAME: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("not a Mandant tenant backup")]
    NotAnArchive,
    #[error(
        "the archive was made under master key {archive}, this installation has {ours}: pass the key it was made under (--master-key-file)"
    )]
    WrongKey { archive: String, ours: String },
    #[error("the archive ends early: it was cut off")]
    Truncated,
    #[error("the archive is damaged: {0}")]
    Damaged(String),
    #[error("the archive does not fit here: {0}")]
    Schema(String),
    #[error("{0}")]
    Conflict(String),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Tenant(#[from] TenantError),
}

/// Who the tenant is, as the control plane knows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TenantMeta {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub plan: Plan,
    pub shard: String,
    pub created_at: DateTime<Utc>,
    pub disabled_features: Vec<Feature>,
}

/// A data key as the control plane keeps it: wrapped by the master key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WrappedKey {
    pub version: i32,
    pub wrapped: String,
    pub master_kid: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    pub format: u32,
    pub made_at: DateTime<Utc>,
    pub mandant_version: String,
    /// `sqlite` or `postgres`: where it was read (it restores on either).
    pub backend: String,
    pub schema_version: i64,
    pub tenant: TenantMeta,
    pub keys: Vec<WrappedKey>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableStart {
    pub name: String,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSum {
    pub rows: u64,
    /// SHA-256 over the rows' hashes in sorted order: the same rows give
    /// the same sum whatever order a database returned them in.
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableEnd {
    pub name: String,
    #[serde(flatten)]
    pub sum: TableSum,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlobStart {
    pub id: Uuid,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobEnd {
    pub id: Uuid,
    pub size: u64,
    pub sha256: String,
}

/// The last frame: everything the archive holds, counted and summed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: i64,
    pub tables: BTreeMap<String, TableSum>,
    pub files: u64,
    pub file_bytes: u64,
    /// SHA-256 over every file's id and checksum, in id order.
    pub files_sha256: String,
}

impl Manifest {
    pub fn rows(&self) -> u64 {
        self.tables.values().map(|t| t.rows).sum()
    }
}

/// Sums rows as they pass.
#[derive(Default)]
pub(crate) struct RowSum {
    hashes: Vec<[u8; 32]>,
}

impl RowSum {
    pub fn add(&mut self, cells: &[Cell]) -> Result<Vec<u8>, BackupError> {
        let bytes = serde_json::to_vec(cells).map_err(|e| BackupError::Damaged(e.to_string()))?;
        self.hashes.push(Sha256::digest(&bytes).into());
        Ok(bytes)
    }

    pub fn finish(mut self) -> TableSum {
        self.hashes.sort_unstable();
        let mut h = Sha256::new();
        for r in &self.hashes {
            h.update(r);
        }
        TableSum {
            rows: self.hashes.len() as u64,
            sha256: hex::encode(h.finalize()),
        }
    }
}

pub(crate) fn files_sum(files: &[BlobEnd]) -> String {
    let mut sorted: Vec<&BlobEnd> = files.iter().collect();
    sorted.sort_by_key(|f| f.id);
    let mut h = Sha256::new();
    for f in sorted {
        h.update(f.id.as_bytes());
        h.update(f.sha256.as_bytes());
    }
    hex::encode(h.finalize())
}

fn damaged(e: serde_json::Error) -> BackupError {
    BackupError::Damaged(e.to_string())
}

/// Writes `tenant`'s archive to `out`. The tables are read in one
/// snapshot, so the archive is one consistent moment even while the
/// tenant keeps working; files, which never change once written, are read
/// after it.
pub async fn backup<W: Write>(
    tenants: &TenantService,
    tenant: &Tenant,
    out: W,
    progress: &ProgressBar,
) -> Result<(Manifest, u64), BackupError> {
    let storage = tenants.storage();
    let status = storage.tenant_status(tenant).await?;
    if let Some(problem) = status.problem {
        return Err(BackupError::Schema(format!(
            "the tenant's schema is not in order ({problem}); run `mandant migrate --check`"
        )));
    }
    let keys = storage
        .control()
        .tenant_keys(tenant.id)
        .await?
        .into_iter()
        .map(|(version, wrapped, master_kid)| WrappedKey {
            version,
            wrapped,
            master_kid,
        })
        .collect();
    let db = storage.tenant_db(tenant).await?;
    let mut w = archive::Writer::new(out, storage.master())?;
    let mut tx = db.begin_snapshot().await?;
    let meta = Meta {
        format: FORMAT,
        made_at: Utc::now(),
        mandant_version: env!("CARGO_PKG_VERSION").to_owned(),
        backend: match tx.dialect() {
            crate::storage::Dialect::Sqlite => "sqlite",
            crate::storage::Dialect::Postgres => "postgres",
        }
        .to_owned(),
        schema_version: status.version,
        tenant: TenantMeta {
            id: tenant.id.0,
            slug: tenant.slug.to_string(),
            name: tenant.name.as_str().to_owned(),
            plan: tenant.plan,
            shard: tenant.shard.clone(),
            created_at: tenant.created_at,
            disabled_features: tenant.disabled_features.clone(),
        },
        keys,
    };
    w.json(tag::META, &meta)?;
    let mut manifest = Manifest {
        schema_version: status.version,
        ..Manifest::default()
    };
    let tables = dump::tables(&mut tx).await?;
    progress.set_length(0);
    for table in &tables {
        let cols = dump::columns(&mut tx, table).await?;
        w.json(
            tag::TABLE,
            &TableStart {
                name: table.clone(),
                columns: cols.iter().map(|c| c.name.clone()).collect(),
            },
        )?;
        progress.set_message(table.clone());
        let mut sum = RowSum::default();
        let mut failed = None;
        dump::dump(&mut tx, table, &cols, |cells| {
            match sum.add(&cells).and_then(|bytes| w.frame(tag::ROW, &bytes)) {
                Ok(()) => {}
                Err(e) => failed = Some(e),
            }
            progress.inc(1);
            // A failed write stops the read at once.
            if failed.is_some() {
                return Err(StorageError::Corrupt(
                    "the archive could not be written".into(),
                ));
            }
            Ok(())
        })
        .await
        .map_err(|e| failed.take().unwrap_or(BackupError::Storage(e)))?;
        let sum = sum.finish();
        w.json(
            tag::TABLE_END,
            &TableEnd {
                name: table.clone(),
                sum: sum.clone(),
            },
        )?;
        manifest.tables.insert(table.clone(), sum);
    }
    tx.rollback().await?;

    let blobs = db.blobs()?;
    let mut ends = Vec::new();
    progress.set_message("files");
    for (id, _) in blobs.list().await? {
        // A file deleted since the snapshot has no row left to need it.
        let got = match blobs.read(id).await {
            Ok(g) => g,
            Err(StorageError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        w.json(
            tag::BLOB,
            &BlobStart {
                id,
                size: got.meta.size,
            },
        )?;
        let mut stream = got.into_stream();
        let (mut h, mut size) = (Sha256::new(), 0u64);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| StorageError::Blob(e.to_string()))?;
            for part in chunk.chunks(BLOB_FRAME) {
                h.update(part);
                size += part.len() as u64;
                w.frame(tag::BLOB_CHUNK, part)?;
            }
        }
        let end = BlobEnd {
            id,
            size,
            sha256: hex::encode(h.finalize()),
        };
        w.json(tag::BLOB_END, &end)?;
        manifest.files += 1;
        manifest.file_bytes += size;
        ends.push(end);
        progress.inc(1);
    }
    manifest.files_sha256 = files_sum(&ends);
    w.json(tag::MANIFEST, &manifest)?;
    let (_, bytes) = w.finish()?;
    Ok((manifest, bytes))
}

fn next_meta<R: Read>(r: &mut archive::Reader<R>) -> Result<Meta, BackupError> {
    match r.frame()? {
        Some((tag::META, body)) => {
            let meta: Meta = serde_json::from_slice(&body).map_err(damaged)?;
            if meta.format != FORMAT {
                return Err(BackupError::Schema(format!(
                    "archive format {} is not one this Mandant reads ({FORMAT})",
                    meta.format
                )));
            }
            let latest = crate::storage::migrations::tenant_latest();
            if meta.schema_version > latest {
                return Err(BackupError::Schema(format!(
                    "made at schema version {} by Mandant {}, newer than this one (version {latest})",
                    meta.schema_version, meta.mandant_version
                )));
            }
            Ok(meta)
        }
        Some(_) => Err(BackupError::Damaged(
            "it does not begin with its meta data".into(),
        )),
        None => Err(BackupError::Damaged("it is empty".into())),
    }
}

/// Where a restore goes, when not where the archive came from.
#[derive(Default)]
pub struct RestoreTo {
    pub slug: Option<String>,
    pub shard: Option<String>,
    /// The master key the archive was made under, when it is not this
    /// installation's: its data keys are re-wrapped under ours.
    pub source_master: Option<MasterKey>,
}

/// Brings an archive back as a tenant. Nothing of it is visible until it
/// is complete: the tenant stays `provisioning` while it loads, and on any
/// failure its storage, files, keys and row are removed.
pub async fn restore<R: Read>(
    tenants: &TenantService,
    input: R,
    to: RestoreTo,
    progress: &ProgressBar,
) -> Result<(Tenant, Manifest), BackupError> {
    let storage = tenants.storage();
    let local = storage.master().clone();
    let source = to.source_master.unwrap_or_else(|| local.clone());
    let mut r = archive::Reader::open(input, &source)?;
    let meta = next_meta(&mut r)?;
    let slug_text = to.slug.unwrap_or_else(|| meta.tenant.slug.clone());
    let slug = TenantSlug::parse(&slug_text)
        .map_err(|e| BackupError::Conflict(format!("slug {slug_text:?}: {}", e.message)))?;
    let name = TenantName::parse(&meta.tenant.name).map_err(|e| BackupError::Damaged(e.message))?;
    let shard_name = to.shard.unwrap_or_else(|| {
        if storage.shard(&meta.tenant.shard).is_some() {
            meta.tenant.shard.clone()
        } else {
            "default".to_owned()
        }
    });
    let shard = storage.shard(&shard_name).ok_or_else(|| {
        BackupError::Conflict(format!(
            "no shard {shard_name:?} here; configured: {}",
            storage.shard_names().collect::<Vec<_>>().join(", ")
        ))
    })?;
    let id = TenantId(meta.tenant.id);
    if let Some(t) = storage.control().find_by_id(id).await? {
        return Err(BackupError::Conflict(format!(
            "tenant {} is here already, as {:?}: delete it first (mandant tenant delete {}), or restore into another installation",
            id.0,
            t.slug.as_str(),
            t.slug.as_str()
        )));
    }
    // Keys first re-wrapped under our master key, before anything is
    // written: a wrong source key fails here and leaves nothing.
    let mut keys = Vec::new();
    for k in &meta.keys {
        let wrapped = if k.master_kid == local.kid() {
            k.wrapped.clone()
        } else {
            let key =
                source
                    .unwrap(id.0, k.version, &k.wrapped)
                    .map_err(|_| BackupError::WrongKey {
                        archive: k.master_kid.clone(),
                        ours: source.kid().to_owned(),
                    })?;
            local
                .wrap(id.0, k.version, &key)
                .map_err(|e| BackupError::Damaged(e.to_string()))?
        };
        keys.push((k.version, wrapped));
    }
    let now = Utc::now();
    let mut tenant = Tenant {
        id,
        slug,
        name,
        plan: meta.tenant.plan,
        shard: shard_name,
        state: TenantState::Provisioning,
        created_at: meta.tenant.created_at,
        updated_at: now,
        disabled_features: meta.tenant.disabled_features.clone(),
    };
    storage
        .control()
        .insert(&tenant)
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => {
                BackupError::Conflict(format!("the slug {:?} is taken", tenant.slug.as_str()))
            }
            other => other.into(),
        })?;
    let loaded = async {
        if !tenant.disabled_features.is_empty() {
            storage
                .control()
                .set_disabled_features(&tenant.slug, &tenant.disabled_features)
                .await?;
        }
        for (version, wrapped) in &keys {
            storage
                .control()
                .add_tenant_key(id, *version, wrapped, local.kid())
                .await?;
        }
        let manifest = load_into(
            shard,
            id,
            meta.schema_version,
            &mut r,
            load::Files::Write(storage.blobs().tenant(id)),
            progress,
        )
        .await?;
        storage.migrate_tenant(&tenant).await?;
        storage
            .control()
            .set_state(tenant.id, TenantState::Active)
            .await?;
        Ok::<_, BackupError>(manifest)
    }
    .await;
    match loaded {
        Ok(manifest) => {
            tenant.state = TenantState::Active;
            tenants.announce(&tenant).await;
            tracing::info!(tenant = %tenant.slug, id = %tenant.id, shard = %tenant.shard, rows = manifest.rows(), files = manifest.files, "tenant restored");
            Ok((tenant, manifest))
        }
        Err(e) => {
            tracing::error!(tenant = %tenant.slug, error = %e, "restore failed; removing what was loaded");
            if let Err(d) = storage.drop_tenant(&tenant).await {
                tracing::error!(tenant = %tenant.slug, error = %d, "could not remove a failed restore; `mandant serve` retries at start");
            } else if let Err(d) = storage.control().delete_row(tenant.id).await {
                tracing::error!(tenant = %tenant.slug, error = %d, "could not remove a failed restore's row");
            }
            Err(e)
        }
    }
}

/// Creates the tenant's storage on `shard` at the archive's schema
/// version and loads the rest of `r` into it, checking every sum. On
/// failure the storage is removed again.
async fn load_into<R: Read>(
    shard: &Shard,
    id: TenantId,
    schema_version: i64,
    r: &mut archive::Reader<R>,
    files: load::Files,
    progress: &ProgressBar,
) -> Result<Manifest, BackupError> {
    shard.create_at(id, schema_version).await?;
    let db = shard.open(id).await?;
    let result = load::Load::new(schema_version, files)
        .run(&db, r, progress)
        .await;
    db.close().await;
    if result.is_err()
        && let Err(e) = shard.drop_tenant(id).await
    {
        tracing::error!(tenant = %id, error = %e, "could not remove a half-loaded tenant");
    }
    result
}

/// What `verify` found.
#[derive(Debug)]
pub struct Verified {
    pub meta: Meta,
    pub manifest: Manifest,
}

/// Restores the archive at `path` into a scratch SQLite database under
/// `scratch` (files are checked, not kept), reads every table back and
/// compares it with the manifest, and brings the scratch copy to the
/// current schema: the archive opens, is whole, loads, and upgrades.
/// The scratch copy is removed afterwards.
pub async fn verify(
    path: &Path,
    master: &MasterKey,
    scratch: &Path,
    progress: &ProgressBar,
) -> Result<Verified, BackupError> {
    let dir = scratch.join(format!("mandant-verify-{}", Uuid::now_v7().simple()));
    let result = async {
        let shard = Shard::connect(&format!("sqlite:{}", dir.display()), 1, 1).await?;
        let mut r =
            archive::Reader::open(std::io::BufReader::new(std::fs::File::open(path)?), master)?;
        let meta = next_meta(&mut r)?;
        let id = TenantId(meta.tenant.id);
        let manifest = load_into(
            &shard,
            id,
            meta.schema_version,
            &mut r,
            load::Files::Check,
            progress,
        )
        .await?;
        // Read back what was loaded: the same rows, the same sums.
        let db = shard.open(id).await?;
        let reread = load::sums(&db).await;
        db.close().await;
        let reread = reread?;
        if reread != manifest.tables {
            let differ: Vec<&String> = manifest
                .tables
                .keys()
                .chain(reread.keys())
                .filter(|t| manifest.tables.get(*t) != reread.get(*t))
                .collect();
            return Err(BackupError::Damaged(format!(
                "read back from the scratch copy, these tables differ: {differ:?}"
            )));
        }
        shard.migrate(id).await?;
        Ok(Verified { meta, manifest })
    }
    .await;
    if let Err(e) = std::fs::remove_dir_all(&dir)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(dir = %dir.display(), error = %e, "could not remove the scratch copy");
    }
    result
}

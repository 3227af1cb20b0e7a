//! Where attachments' bytes live: an `object_store` (the local file system
//! under the data directory, or an S3-compatible bucket). Every object of
//! a tenant sits under `t/<tenant id>/`, and a tenant's handle
//! ([`TenantBlobs`]) can only name keys there, so no code path can build
//! another tenant's key; deleting a tenant deletes that prefix.

use std::sync::Arc;

use futures_util::StreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetResult, ObjectStore, ObjectStoreExt, WriteMultipart};
use uuid::Uuid;

use super::{Result, StorageError};
use crate::config::Config;
use crate::domain::tenant::TenantId;

#[derive(Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    /// `local` or `s3`, for the health page and logs.
    kind: &'static str,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BlobStore({})", self.kind)
    }
}

fn failed(e: object_store::Error) -> StorageError {
    StorageError::Blob(e.to_string())
}

impl BlobStore {
    pub fn open(config: &Config) -> Result<Self> {
        match &config.files_url {
            None => {
                let dir = config.data_dir.join("files");
                std::fs::create_dir_all(&dir)?;
                let fs = LocalFileSystem::new_with_prefix(&dir)
                    .map_err(failed)?
                    // Deleting a tenant's last file leaves no empty folders behind.
                    .with_automatic_cleanup(true);
                Ok(Self {
                    store: Arc::new(fs),
                    kind: "local",
                })
            }
            Some(url) => Ok(Self {
                store: Arc::new(s3(url.expose())?),
                kind: "s3",
            }),
        }
    }

    pub fn kind(&self) -> &'static str {
        self.kind
    }

    pub fn tenant(&self, id: TenantId) -> TenantBlobs {
        TenantBlobs {
            store: self.store.clone(),
            prefix: Path::from(format!("t/{}", id.0)),
        }
    }

    /// Deletes every object of the tenant (after its database is gone).
    pub async fn drop_tenant(&self, id: TenantId) -> Result<()> {
        let blobs = self.tenant(id);
        let keys = self
            .store
            .list(Some(&blobs.prefix))
            .map(|m| m.map(|m| m.location))
            .boxed();
        let mut deleted = self.store.delete_stream(keys);
        while let Some(r) = deleted.next().await {
            match r {
                Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(failed(e)),
            }
        }
        Ok(())
    }
}

/// Where scheduled tenant backups go (`MANDANT_BACKUP_URL`): an S3
/// bucket (`s3://…`, as for files) or a local directory. Each tenant's
/// archives are under `<tenant id>/`, named by the time they were made, so
/// names sort by age.
#[derive(Clone)]
pub struct BackupStore {
    store: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for BackupStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BackupStore")
    }
}

impl BackupStore {
    pub fn open(url: &str) -> Result<Self> {
        let store: Arc<dyn ObjectStore> = if url.starts_with("s3://") {
            Arc::from(s3(url)?)
        } else {
            let dir = url.strip_prefix("file://").unwrap_or(url);
            std::fs::create_dir_all(dir)?;
            Arc::new(LocalFileSystem::new_with_prefix(dir).map_err(failed)?)
        };
        Ok(Self { store })
    }

    /// The tenant's archives' names, oldest first.
    pub async fn list(&self, tenant: TenantId) -> Result<Vec<String>> {
        let prefix = Path::from(tenant.0.to_string());
        let mut names = Vec::new();
        let mut listing = self.store.list(Some(&prefix));
        while let Some(meta) = listing.next().await {
            if let Some(n) = meta.map_err(failed)?.location.filename() {
                names.push(n.to_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    /// Uploads the file at `from` as `name`, streamed in parts.
    pub async fn put_file(
        &self,
        tenant: TenantId,
        name: &str,
        from: &std::path::Path,
    ) -> Result<()> {
        use tokio::io::AsyncReadExt;
        let key = Path::from(tenant.0.to_string()).join(name);
        let upload = self.store.put_multipart(&key).await.map_err(failed)?;
        let mut w = WriteMultipart::new(upload);
        let mut file = tokio::fs::File::open(from).await?;
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = match file.read(&mut buf).await {
                Ok(n) => n,
                Err(e) => {
                    abort(w).await;
                    return Err(e.into());
                }
            };
            if n == 0 {
                break;
            }
            w.write(&buf[..n]);
            if let Err(e) = wait_for_capacity(&mut w).await {
                abort(w).await;
                return Err(e);
            }
        }
        finish(w).await
    }

    /// The archive `name`'s bytes into the file at `to`.
    pub async fn get_file(&self, tenant: TenantId, name: &str, to: &std::path::Path) -> Result<()> {
        use tokio::io::AsyncWriteExt;
        let key = Path::from(tenant.0.to_string()).join(name);
        let got = self.store.get(&key).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => StorageError::NotFound,
            e => failed(e),
        })?;
        let mut stream = got.into_stream();
        let mut file = tokio::fs::File::create(to).await?;
        while let Some(chunk) = stream.next().await {
            file.write_all(&chunk.map_err(failed)?).await?;
        }
        file.sync_all().await?;
        Ok(())
    }

    pub async fn delete(&self, tenant: TenantId, name: &str) -> Result<()> {
        let key = Path::from(tenant.0.to_string()).join(name);
        match self.store.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(failed(e)),
        }
    }
}

/// `s3://bucket[/prefix]?endpoint=…&region=…&access_key_id=…`: any option
/// object_store knows for S3 (`aws_`-prefixed or not) may be given in the
/// query; the rest comes from the usual `AWS_*` variables.
fn s3(raw: &str) -> Result<Box<dyn ObjectStore>> {
    let bad = |why: String| StorageError::Blob(format!("MANDANT_FILES_URL: {why}"));
    // object_store's HTTP client takes the process's rustls provider: ring,
    // as everywhere else in the server (src/tls.rs says why; an error
    // means one is already set).
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
    let url = url::Url::parse(raw).map_err(|e| bad(e.to_string()))?;
    let bucket = url
        .host_str()
        .filter(|b| !b.is_empty())
        .ok_or_else(|| bad("names no bucket (s3://bucket)".into()))?;
    let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
    for (k, v) in url.query_pairs() {
        let key: AmazonS3ConfigKey = k
            .parse()
            .map_err(|_| bad(format!("unknown S3 option {k:?}")))?;
        b = b.with_config(key, v.as_ref());
    }
    let store = b.build().map_err(|e| bad(e.to_string()))?;
    let prefix = url.path().trim_matches('/');
    Ok(if prefix.is_empty() {
        Box::new(store)
    } else {
        Box::new(object_store::prefix::PrefixStore::new(store, prefix))
    })
}

/// One tenant's part of the store.
#[derive(Clone)]
pub struct TenantBlobs {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
}

impl std::fmt::Debug for TenantBlobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TenantBlobs({})", self.prefix)
    }
}

impl TenantBlobs {
    fn key(&self, file: Uuid) -> Path {
        self.prefix.clone().join(file.to_string())
    }

    /// A streamed upload of `file`: parts are sent as they fill, so an
    /// upload never sits whole in memory; nothing is visible until
    /// `finish`, and `abort` leaves nothing behind.
    pub async fn writer(&self, file: Uuid) -> Result<WriteMultipart> {
        let upload = self
            .store
            .put_multipart(&self.key(file))
            .await
            .map_err(failed)?;
        Ok(WriteMultipart::new(upload))
    }

    pub async fn read(&self, file: Uuid) -> Result<GetResult> {
        self.store.get(&self.key(file)).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => StorageError::NotFound,
            e => failed(e),
        })
    }

    /// Bytes `range` of `file`'s object, in one read (the local store reads
    /// a plain stream 8 KiB per blocking call; ranges of a megabyte cost
    /// one each).
    pub async fn read_range(
        &self,
        file: Uuid,
        range: std::ops::Range<u64>,
    ) -> Result<bytes::Bytes> {
        self.store
            .get_range(&self.key(file), range)
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => StorageError::NotFound,
                e => failed(e),
            })
    }

    /// The length of `file`'s object.
    pub async fn len(&self, file: Uuid) -> Result<u64> {
        match self.store.head(&self.key(file)).await {
            Ok(m) => Ok(m.size),
            Err(object_store::Error::NotFound { .. }) => Err(StorageError::NotFound),
            Err(e) => Err(failed(e)),
        }
    }

    /// Every object of the tenant: (file, length), in key order.
    pub async fn list(&self) -> Result<Vec<(Uuid, u64)>> {
        let mut out = Vec::new();
        let mut listing = self.store.list(Some(&self.prefix));
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(failed)?;
            // Keys are `t/<tenant>/<file uuid>`; anything else is not ours.
            if let Some(id) = meta
                .location
                .filename()
                .and_then(|n| Uuid::parse_str(n).ok())
            {
                out.push((id, meta.size));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Deletes `file`'s object; one already gone is fine.
    pub async fn delete(&self, file: Uuid) -> Result<()> {
        match self.store.delete(&self.key(file)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(failed(e)),
        }
    }
}

/// Writes, finishes and reports errors of a multipart upload as storage errors.
pub async fn finish(w: WriteMultipart) -> Result<()> {
    w.finish().await.map(|_| ()).map_err(failed)
}

pub async fn abort(w: WriteMultipart) {
    if let Err(e) = w.abort().await {
        tracing::warn!(error = %e, "could not abort an upload");
    }
}

pub async fn wait_for_capacity(w: &mut WriteMultipart) -> Result<()> {
    // Two parts in flight at most: a slow store slows the uploader, not memory.
    w.wait_for_capacity(2).await.map_err(failed)
}

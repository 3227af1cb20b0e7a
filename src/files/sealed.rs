//! Attachments are kept sealed under the tenant's data key (AES-256-GCM,
//! `keys::Keyring::seal_chunk`), in chunks of 64 KiB so that they are
//! sealed and opened as they stream, never whole in memory. A file of
//! `n` bytes is `n / CHUNK + 1` chunks: every full chunk is followed by
//! another, and the last (possibly empty) is marked last, so a file cut
//! short at a chunk boundary does not open. The object store and its
//! backups hold nothing readable; deleting a tenant's keys shreds them.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use uuid::Uuid;

use crate::keys::{KeyError, Keyring};
use crate::storage::{StorageError, TenantDb};

/// Plaintext bytes per chunk.
pub const CHUNK: usize = 64 * 1024;
/// What sealing adds to a chunk: key version, nonce, tag.
const OVERHEAD: usize = 4 + 12 + 16;

fn place(file: Uuid) -> String {
    format!("files:{file}")
}

/// Seals a file's bytes as they come.
pub struct Sealer {
    ring: Keyring,
    place: String,
    index: u64,
    buf: Vec<u8>,
}

impl Sealer {
    pub fn new(ring: Keyring, file: Uuid) -> Self {
        Self {
            ring,
            place: place(file),
            index: 0,
            buf: Vec::with_capacity(CHUNK),
        }
    }

    /// The sealed chunks `bytes` completes.
    pub fn push(&mut self, mut bytes: &[u8]) -> Result<Vec<Bytes>, KeyError> {
        let mut out = Vec::new();
        while !bytes.is_empty() {
            let take = (CHUNK - self.buf.len()).min(bytes.len());
            self.buf.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.buf.len() == CHUNK {
                // A full chunk is never the last: one always follows.
                out.push(self.seal(false)?);
            }
        }
        Ok(out)
    }

    /// The last chunk (what is left, perhaps nothing).
    pub fn finish(mut self) -> Result<Bytes, KeyError> {
        self.seal(true)
    }

    fn seal(&mut self, last: bool) -> Result<Bytes, KeyError> {
        let sealed = self
            .ring
            .seal_chunk(&self.place, self.index, last, &self.buf)?;
        self.index += 1;
        self.buf.clear();
        Ok(Bytes::from(sealed))
    }
}

/// Sealed chunks read from the store at a time (about a megabyte).
const RANGE_CHUNKS: u64 = 16;

struct Reading {
    db: TenantDb,
    ring: Keyring,
    file: Uuid,
    place: String,
    /// Chunks in all, and the sealed object's length.
    chunks: u64,
    total: u64,
    /// Sealed bytes read ahead, starting at `buf_at`.
    buf: Bytes,
    buf_at: u64,
    index: u64,
    done: bool,
}

/// A file's bytes, opened as they stream from the store.
pub async fn open(
    db: &TenantDb,
    file: Uuid,
    size: u64,
) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + use<>, StorageError> {
    let chunks = size / CHUNK as u64 + 1;
    let start = Reading {
        db: db.clone(),
        ring: db.keys()?,
        file,
        place: place(file),
        chunks,
        total: size + chunks * OVERHEAD as u64,
        buf: Bytes::new(),
        buf_at: 0,
        index: 0,
        done: false,
    };
    // A missing or damaged object is told now (404, 500), not as a
    // response broken off halfway.
    let stored = db.blobs()?.len(file).await?;
    if stored != start.total {
        return Err(StorageError::Corrupt(format!(
            "file {file}: {stored} bytes stored, {} expected",
            start.total
        )));
    }
    Ok(futures_util::stream::unfold(start, |mut r| async move {
        if r.done {
            return None;
        }
        let item = next_chunk(&mut r).await;
        r.done |= item.is_err();
        Some((item, r))
    }))
}

async fn next_chunk(r: &mut Reading) -> Result<Bytes, std::io::Error> {
    let broken = |why: String| std::io::Error::other(format!("{}: {why}", r.place));
    let full = (CHUNK + OVERHEAD) as u64;
    let last = r.index + 1 == r.chunks;
    let from = r.index * full;
    let to = if last { r.total } else { from + full };
    if from < r.buf_at || to > r.buf_at + r.buf.len() as u64 {
        let end = r.total.min(from + RANGE_CHUNKS * full);
        let blobs = r.db.blobs().map_err(|e| broken(e.to_string()))?;
        r.buf = blobs
            .read_range(r.file, from..end)
            .await
            .map_err(|e| broken(e.to_string()))?;
        r.buf_at = from;
        if (r.buf.len() as u64) < end - from {
            return Err(broken("cut short".into()));
        }
    }
    let sealed = r
        .buf
        .slice((from - r.buf_at) as usize..(to - r.buf_at) as usize);
    let opened = match r.ring.open_chunk(&r.place, r.index, last, &sealed) {
        // Sealed under a data key added on another node since this handle
        // opened: learn it, once.
        Err(KeyError::UnknownKey(_)) => {
            r.ring = r.db.fresh_keys().await.map_err(|e| broken(e.to_string()))?;
            r.ring.open_chunk(&r.place, r.index, last, &sealed)
        }
        other => other,
    }
    .map_err(|e| broken(e.to_string()))?;
    r.index += 1;
    r.done = last;
    Ok(Bytes::from(opened))
}

/// A whole file, opened (for a mail attachment, capped by its caller).
pub async fn read_all(db: &TenantDb, file: Uuid, size: u64) -> Result<Vec<u8>, StorageError> {
    let mut out = Vec::with_capacity(size as usize);
    let mut s = Box::pin(open(db, file, size).await?);
    while let Some(b) = s.next().await {
        out.extend_from_slice(&b.map_err(|e| StorageError::Blob(e.to_string()))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_chunks_are_followed_by_a_last_one() {
        use crate::keys::{DataKey, MasterKey};
        let tenant = Uuid::now_v7();
        let master = MasterKey::from_hex(&MasterKey::generate_hex(), "test").unwrap();
        let wrapped = master.wrap(tenant, 1, &DataKey::generate()).unwrap();
        let dk = master.unwrap(tenant, 1, &wrapped).unwrap();
        let ring = Keyring::new(tenant, std::collections::BTreeMap::from([(1, dk)])).unwrap();
        let file = Uuid::now_v7();
        let mut s = Sealer::new(ring.clone(), file);
        let mut chunks = s.push(&vec![7; CHUNK]).unwrap();
        assert_eq!(chunks.len(), 1);
        chunks.push(s.finish().unwrap());
        assert_eq!(chunks[1].len(), OVERHEAD, "an empty last chunk");
        let p = place(file);
        assert_eq!(
            ring.open_chunk(&p, 0, false, &chunks[0]).unwrap(),
            vec![7; CHUNK]
        );
        assert!(ring.open_chunk(&p, 1, true, &chunks[1]).unwrap().is_empty());
        // Cut at the boundary: the full chunk is not a last one.
        assert!(ring.open_chunk(&p, 0, true, &chunks[0]).is_err());
    }
}

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

struct Reading<S> {
    db: TenantDb,
    ring: Keyring,
    input: S,
    buf: Vec<u8>,
    index: u64,
    done: bool,
}

/// A file's bytes, opened as they stream from the store.
pub async fn open(
    db: &TenantDb,
    file: Uuid,
    size: u64,
) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + use<>, StorageError> {
    let object = db.blobs()?.read(file).await?;
    let chunks = size / CHUNK as u64 + 1;
    let place = place(file);
    let start = Reading {
        db: db.clone(),
        ring: db.keys()?,
        input: object.into_stream(),
        buf: Vec::new(),
        index: 0,
        done: false,
    };
    Ok(futures_util::stream::unfold(start, move |mut r| {
        let place = place.clone();
        async move {
            if r.done {
                return None;
            }
            let item = next_chunk(&mut r, &place, chunks).await;
            r.done |= item.is_err();
            Some((item, r))
        }
    }))
}

async fn next_chunk<S>(
    r: &mut Reading<S>,
    place: &str,
    chunks: u64,
) -> Result<Bytes, std::io::Error>
where
    S: Stream<Item = object_store::Result<Bytes>> + Unpin,
{
    let broken = |why: String| std::io::Error::other(format!("{place}: {why}"));
    let last = r.index + 1 == chunks;
    let want = if last { usize::MAX } else { CHUNK + OVERHEAD };
    while r.buf.len() < want {
        match r.input.next().await {
            Some(Ok(b)) => r.buf.extend_from_slice(&b),
            Some(Err(e)) => return Err(broken(e.to_string())),
            None => break,
        }
    }
    if !last && r.buf.len() < want {
        return Err(broken("cut short".into()));
    }
    let sealed: Vec<u8> = if last {
        std::mem::take(&mut r.buf)
    } else {
        r.buf.drain(..want).collect()
    };
    let opened = match r.ring.open_chunk(place, r.index, last, &sealed) {
        // Sealed under a data key added on another node since this handle
        // opened: learn it, once.
        Err(KeyError::UnknownKey(_)) => {
            r.ring = r.db.fresh_keys().await.map_err(|e| broken(e.to_string()))?;
            r.ring.open_chunk(place, r.index, last, &sealed)
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

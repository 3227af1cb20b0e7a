//! The container of a tenant backup: a short plain-text header, then the
//! content as a stream of AES-256-GCM chunks under a key derived from the
//! master key and the archive's own salt.
//!
//! Each chunk's nonce is the archive's random prefix, the chunk's number
//! and a last-chunk flag, and every chunk is bound to the header: chunks
//! cannot be reordered, dropped, swapped between archives or cut off at
//! the end without the reader noticing (the STREAM construction). Inside,
//! the content is a sequence of frames: one tag byte, a 32-bit length,
//! the payload.

use std::io::{Read, Write};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key};

type Nonce = aes_gcm::aead::Nonce<Aes256Gcm>;
use serde::{Deserialize, Serialize};

use super::BackupError;
use crate::keys::MasterKey;

pub const MAGIC: &[u8] = b"MANDANT-BACKUP 1\n";
/// What the archive key is derived for, so it is never another key's twin.
const PURPOSE: &str = "mandant tenant backup v1";
/// Plain text per chunk: large enough that the tag costs nothing, small
/// enough that neither side holds much.
const CHUNK: usize = 64 * 1024;
/// The high bit of a chunk's length marks the last chunk (the flag is
/// also in the nonce, so flipping it breaks authentication).
const LAST: u32 = 1 << 31;
/// No frame is larger: a damaged length cannot make the reader allocate
/// gigabytes.
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

/// The plain-text header: enough to derive the key, nothing about the
/// tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    /// Which master key the archive key comes from.
    pub master_kid: String,
    /// hex, 16 bytes
    pub salt: String,
    /// hex, 7 bytes: the nonces' prefix
    pub nonce: String,
}

fn nonce(prefix: &[u8; 7], counter: u32, last: bool) -> Nonce {
    let mut n = [0u8; 12];
    n[..7].copy_from_slice(prefix);
    n[7..11].copy_from_slice(&counter.to_be_bytes());
    n[11] = u8::from(last);
    Nonce::from(n)
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).unwrap_or_else(|e| panic!("no randomness from the OS: {e}"));
    b
}

pub struct Writer<W: Write> {
    out: W,
    cipher: Aes256Gcm,
    prefix: [u8; 7],
    counter: u32,
    aad: Vec<u8>,
    buf: Vec<u8>,
    written: u64,
}

impl<W: Write> Writer<W> {
    pub fn new(mut out: W, master: &MasterKey) -> Result<Self, BackupError> {
        let salt: [u8; 16] = random();
        let prefix: [u8; 7] = random();
        let header = Header {
            master_kid: master.kid().to_owned(),
            salt: hex::encode(salt),
            nonce: hex::encode(prefix),
        };
        let mut aad = MAGIC.to_vec();
        aad.extend(serde_json::to_vec(&header).map_err(|e| BackupError::Damaged(e.to_string()))?);
        aad.push(b'\n');
        out.write_all(&aad)?;
        let key = master.derive(PURPOSE, &salt);
        Ok(Self {
            out,
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(key)),
            prefix,
            counter: 0,
            written: aad.len() as u64,
            aad,
            buf: Vec::with_capacity(CHUNK * 2),
        })
    }

    /// Bytes written to the file so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    fn seal(&mut self, take: usize, last: bool) -> Result<(), BackupError> {
        let plain: Vec<u8> = self.buf.drain(..take).collect();
        let sealed = self
            .cipher
            .encrypt(
                &nonce(&self.prefix, self.counter, last),
                Payload {
                    msg: &plain,
                    aad: &self.aad,
                },
            )
            .map_err(|_| BackupError::Damaged("a chunk could not be sealed".into()))?;
        self.counter = self
            .counter
            .checked_add(1)
            .ok_or_else(|| BackupError::Damaged("the archive is too large (2^32 chunks)".into()))?;
        let len = sealed.len() as u32 | if last { LAST } else { 0 };
        self.out.write_all(&len.to_be_bytes())?;
        self.out.write_all(&sealed)?;
        self.written += 4 + sealed.len() as u64;
        Ok(())
    }

    pub fn frame(&mut self, tag: u8, payload: &[u8]) -> Result<(), BackupError> {
        if payload.len() > MAX_FRAME {
            return Err(BackupError::Damaged(format!(
                "a frame of {} bytes is over the limit",
                payload.len()
            )));
        }
        self.buf.push(tag);
        self.buf
            .extend_from_slice(&(payload.len() as u32).to_be_bytes());
        self.buf.extend_from_slice(payload);
        while self.buf.len() >= CHUNK {
            self.seal(CHUNK, false)?;
        }
        Ok(())
    }

    pub fn json<T: Serialize>(&mut self, tag: u8, value: &T) -> Result<(), BackupError> {
        let bytes = serde_json::to_vec(value).map_err(|e| BackupError::Damaged(e.to_string()))?;
        self.frame(tag, &bytes)
    }

    /// Seals what is left as the last chunk and flushes.
    pub fn finish(mut self) -> Result<(W, u64), BackupError> {
        let rest = self.buf.len();
        self.seal(rest, true)?;
        self.out.flush()?;
        Ok((self.out, self.written))
    }
}

pub struct Reader<R: Read> {
    inp: R,
    cipher: Aes256Gcm,
    prefix: [u8; 7],
    counter: u32,
    aad: Vec<u8>,
    plain: Vec<u8>,
    pos: usize,
    ended: bool,
    consumed: u64,
}

/// Reads the header line (at most 1 KiB) byte by byte, so nothing of the
/// stream after it is consumed.
fn header_line<R: Read>(inp: &mut R) -> Result<Vec<u8>, BackupError> {
    let mut magic = vec![0u8; MAGIC.len()];
    inp.read_exact(&mut magic)
        .map_err(|_| BackupError::NotAnArchive)?;
    if magic != MAGIC {
        return Err(BackupError::NotAnArchive);
    }
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        inp.read_exact(&mut byte)
            .map_err(|_| BackupError::NotAnArchive)?;
        if byte[0] == b'\n' {
            break;
        }
        line.push(byte[0]);
        if line.len() > 1024 {
            return Err(BackupError::NotAnArchive);
        }
    }
    Ok(line)
}

impl<R: Read> Reader<R> {
    /// Reads the header and derives the key from `master`, which must be
    /// the key the archive was made under.
    pub fn open(mut inp: R, master: &MasterKey) -> Result<Self, BackupError> {
        let line = header_line(&mut inp)?;
        let header: Header =
            serde_json::from_slice(&line).map_err(|_| BackupError::NotAnArchive)?;
        if header.master_kid != master.kid() {
            return Err(BackupError::WrongKey {
                archive: header.master_kid,
                ours: master.kid().to_owned(),
            });
        }
        let salt = hex::decode(&header.salt).map_err(|_| BackupError::NotAnArchive)?;
        let prefix: [u8; 7] = hex::decode(&header.nonce)
            .ok()
            .and_then(|p| p.try_into().ok())
            .ok_or(BackupError::NotAnArchive)?;
        let mut aad = MAGIC.to_vec();
        aad.extend(&line);
        aad.push(b'\n');
        let key = master.derive(PURPOSE, &salt);
        Ok(Self {
            inp,
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(key)),
            prefix,
            counter: 0,
            consumed: aad.len() as u64,
            aad,
            plain: Vec::new(),
            pos: 0,
            ended: false,
        })
    }

    /// Bytes of the file read so far.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// The next chunk into `plain`; false after the last one.
    fn fill(&mut self) -> Result<bool, BackupError> {
        if self.ended {
            return Ok(false);
        }
        let mut len = [0u8; 4];
        self.inp
            .read_exact(&mut len)
            .map_err(|_| BackupError::Truncated)?;
        let len = u32::from_be_bytes(len);
        let last = len & LAST != 0;
        let size = (len & !LAST) as usize;
        if size > CHUNK + 16 {
            return Err(BackupError::Damaged(
                "a chunk is longer than any written".into(),
            ));
        }
        let mut sealed = vec![0u8; size];
        self.inp
            .read_exact(&mut sealed)
            .map_err(|_| BackupError::Truncated)?;
        let plain = self
            .cipher
            .decrypt(
                &nonce(&self.prefix, self.counter, last),
                Payload {
                    msg: &sealed,
                    aad: &self.aad,
                },
            )
            .map_err(|_| {
                BackupError::Damaged(format!(
                    "chunk {} does not authenticate (changed, moved or from another archive)",
                    self.counter
                ))
            })?;
        self.consumed += 4 + size as u64;
        self.counter += 1;
        self.plain.drain(..self.pos);
        self.pos = 0;
        self.plain.extend(plain);
        if last {
            self.ended = true;
            let mut more = [0u8; 1];
            if self.inp.read(&mut more)? != 0 {
                return Err(BackupError::Damaged("bytes after the last chunk".into()));
            }
        }
        Ok(true)
    }

    fn take(&mut self, n: usize) -> Result<Option<Vec<u8>>, BackupError> {
        while self.plain.len() - self.pos < n {
            if !self.fill()? {
                return Ok(None);
            }
        }
        let out = self.plain[self.pos..self.pos + n].to_vec();
        self.pos += n;
        Ok(Some(out))
    }

    /// The next frame, or `None` at the archive's authenticated end.
    pub fn frame(&mut self) -> Result<Option<(u8, Vec<u8>)>, BackupError> {
        let Some(head) = self.take(5)? else {
            if self.plain.len() > self.pos {
                return Err(BackupError::Damaged("the last frame is cut short".into()));
            }
            return Ok(None);
        };
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        if len > MAX_FRAME {
            return Err(BackupError::Damaged(format!("a frame claims {len} bytes")));
        }
        let body = self
            .take(len)?
            .ok_or_else(|| BackupError::Damaged("the last frame is cut short".into()))?;
        Ok(Some((head[0], body)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master() -> MasterKey {
        MasterKey::from_hex(&"11".repeat(32), "test").unwrap_or_else(|e| panic!("{e}"))
    }

    fn archive(frames: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut w = Writer::new(Vec::new(), &master()).unwrap_or_else(|e| panic!("{e}"));
        for (t, p) in frames {
            w.frame(*t, p).unwrap_or_else(|e| panic!("{e}"));
        }
        w.finish().unwrap_or_else(|e| panic!("{e}")).0
    }

    fn read_all(bytes: &[u8]) -> Result<Vec<(u8, Vec<u8>)>, BackupError> {
        let mut r = Reader::open(bytes, &master())?;
        let mut out = Vec::new();
        while let Some(f) = r.frame()? {
            out.push(f);
        }
        Ok(out)
    }

    #[test]
    fn frames_come_back_across_chunks() {
        let frames = vec![
            (b'A', b"first".to_vec()),
            (b'B', vec![7u8; CHUNK * 3 + 11]),
            (b'C', Vec::new()),
        ];
        let bytes = archive(&frames);
        assert_eq!(read_all(&bytes).unwrap_or_else(|e| panic!("{e}")), frames);
        // The content is not in the file in clear.
        assert!(!bytes.windows(5).any(|w| w == b"first"));
    }

    #[test]
    fn a_cut_changed_or_foreign_archive_is_refused() {
        let bytes = archive(&[(b'A', vec![1u8; CHUNK * 2])]);
        // Cut exactly after the first chunk: every chunk left authenticates,
        // but the last one is missing.
        let body = MAGIC.len()
            + bytes[MAGIC.len()..]
                .iter()
                .position(|b| *b == b'\n')
                .unwrap_or_else(|| panic!("no header line"))
            + 1;
        let len = u32::from_be_bytes([
            bytes[body],
            bytes[body + 1],
            bytes[body + 2],
            bytes[body + 3],
        ]);
        let boundary = body + 4 + (len & !LAST) as usize;
        assert!(matches!(
            read_all(&bytes[..boundary]),
            Err(BackupError::Truncated)
        ));
        assert!(matches!(
            read_all(&bytes[..bytes.len() - 10]),
            Err(BackupError::Truncated)
        ));
        let mut flipped = bytes.clone();
        let at = flipped.len() - 20;
        flipped[at] ^= 1;
        assert!(matches!(read_all(&flipped), Err(BackupError::Damaged(_))));
        let other = MasterKey::from_hex(&"22".repeat(32), "test").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            Reader::open(bytes.as_slice(), &other),
            Err(BackupError::WrongKey { .. })
        ));
        assert!(matches!(
            read_all(b"PK\x03\x04 not a backup"),
            Err(BackupError::NotAnArchive)
        ));
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(matches!(read_all(&extra), Err(BackupError::Damaged(_))));
    }
}

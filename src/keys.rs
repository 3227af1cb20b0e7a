//! Encryption at rest, by envelope: each tenant has its own data keys
//! (AES-256-GCM), kept in the control plane only wrapped by the master
//! key, which the operator supplies (`MANDANT_MASTER_KEY_FILE` or
//! `MANDANT_MASTER_KEY`; the embedded default makes one under the data
//! directory). A value sealed under a data key reads
//! `enc:v1:<key version>:<hex(nonce ‖ ciphertext ‖ tag)>`, bound by its
//! associated data to its tenant and its place (`users.mfa_secret:<id>`),
//! so a ciphertext copied to another row or tenant does not open.
//! Deleting a tenant deletes its wrapped keys, and with them every
//! backup's sealed values. A low layer: storage holds the keys.

use std::collections::BTreeMap;
use std::sync::Arc;

use aes_gcm::aead::{Aead, Generate, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const PREFIX: &str = "enc:v1:";
const NONCE: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{0}")]
    Config(String),
    /// A sealed value that does not open: damaged, or sealed under a key
    /// this installation does not have.
    #[error("a sealed value cannot be opened (damaged, or sealed under another key)")]
    Unreadable,
    /// Sealed under a data key version this keyring does not hold.
    #[error("a sealed value names data key version {0}, which is not known here")]
    UnknownKey(i32),
}

/// 32 bytes from 64 hex digits (surrounding whitespace ignored).
fn key_bytes(hex_text: &str, source: &str) -> Result<[u8; 32], KeyError> {
    let raw = hex::decode(hex_text.trim())
        .map_err(|_| KeyError::Config(format!("the master key in {source} is not hexadecimal")))?;
    raw.try_into().map_err(|_| {
        KeyError::Config(format!(
            "the master key in {source} must be 32 bytes (64 hex digits)"
        ))
    })
}

fn cipher(key: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key))
}

/// Refuses only a message beyond AES-GCM's limit (64 GiB).
fn seal_bytes(key: &[u8; 32], aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, KeyError> {
    let nonce = Nonce::generate();
    let sealed = cipher(key)
        .encrypt(&nonce, Payload { msg: plain, aad })
        .map_err(|_| KeyError::Config("a value too long to seal".into()))?;
    let mut out = nonce.to_vec();
    out.extend(sealed);
    Ok(out)
}

fn open_bytes(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, KeyError> {
    if sealed.len() < NONCE {
        return Err(KeyError::Unreadable);
    }
    let (nonce, body) = sealed.split_at(NONCE);
    let nonce = Nonce::try_from(nonce).map_err(|_| KeyError::Unreadable)?;
    cipher(key)
        .decrypt(&nonce, Payload { msg: body, aad })
        .map_err(|_| KeyError::Unreadable)
}

/// The operator's key: wraps the tenants' data keys, never touches data.
#[derive(Clone)]
pub struct MasterKey {
    key: [u8; 32],
    kid: String,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({})", self.kid)
    }
}

impl MasterKey {
    pub fn from_hex(hex_text: &str, source: &str) -> Result<Self, KeyError> {
        let key = key_bytes(hex_text, source)?;
        let kid = hex::encode(
            &Sha256::digest([b"mandant master key id\n".as_slice(), &key].concat())[..8],
        );
        Ok(Self { key, kid })
    }

    /// A new random key, as 64 hex digits (for a key file).
    pub fn generate_hex() -> String {
        hex::encode(Key::<Aes256Gcm>::generate())
    }

    /// Names the key without revealing it: which key wrapped a data key.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// A key for `purpose` (a tenant backup's archive key), made from
    /// this key and `salt` by HMAC-SHA256: the archive opens wherever this
    /// master key is, and each archive's own salt gives it its own key.
    pub fn derive(&self, purpose: &str, salt: &[u8]) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(purpose.as_bytes());
        mac.update(b"\n");
        mac.update(salt);
        mac.finalize().into_bytes().into()
    }

    pub fn wrap(&self, tenant: Uuid, version: i32, data_key: &DataKey) -> Result<String, KeyError> {
        Ok(hex::encode(seal_bytes(
            &self.key,
            format!("tenant-key:{tenant}:{version}").as_bytes(),
            data_key.key.as_slice(),
        )?))
    }

    pub fn unwrap(&self, tenant: Uuid, version: i32, wrapped: &str) -> Result<DataKey, KeyError> {
        let raw = hex::decode(wrapped).map_err(|_| KeyError::Unreadable)?;
        let key = open_bytes(
            &self.key,
            format!("tenant-key:{tenant}:{version}").as_bytes(),
            &raw,
        )?;
        let key: [u8; 32] = key.try_into().map_err(|_| KeyError::Unreadable)?;
        Ok(DataKey { key: Arc::new(key) })
    }
}

/// The master key the configuration names: the key itself
/// (`MANDANT_MASTER_KEY`), a key file (`MANDANT_MASTER_KEY_FILE`), or with
/// neither `<data_dir>/master.key`, made once (readable by its owner only).
pub fn load(config: &crate::config::Config) -> Result<MasterKey, KeyError> {
    if let Some(k) = &config.master_key {
        return MasterKey::from_hex(k.expose(), "MANDANT_MASTER_KEY");
    }
    if let Some(path) = &config.master_key_file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            KeyError::Config(format!(
                "cannot read the master key file {} (MANDANT_MASTER_KEY_FILE): {e}",
                path.display()
            ))
        })?;
        return MasterKey::from_hex(&text, &path.display().to_string());
    }
    let path = config.data_dir.join("master.key");
    let source = path.display().to_string();
    match std::fs::read_to_string(&path) {
        Ok(text) => MasterKey::from_hex(&text, &source),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            make_key_file(&path)?;
            tracing::warn!(
                path = %source,
                "made a master key for encryption at rest; keep a copy elsewhere (without it, sealed data cannot be read) and set MANDANT_MASTER_KEY_FILE in production"
            );
            MasterKey::from_hex(
                &std::fs::read_to_string(&path).map_err(io(&source))?,
                &source,
            )
        }
        Err(e) => Err(io(&source)(e)),
    }
}

fn io(source: &str) -> impl Fn(std::io::Error) -> KeyError + '_ {
    move |e| KeyError::Config(format!("cannot read the master key file {source}: {e}"))
}

/// Writes a new key to `path` unless one appears there first (two nodes
/// starting on one data directory): written aside, then linked in, which
/// fails rather than replaces.
fn make_key_file(path: &std::path::Path) -> Result<(), KeyError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let source = path.display().to_string();
    let tmp = path.with_extension(format!("key.{}.tmp", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io(&source))?;
    f.write_all(MasterKey::generate_hex().as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(io(&source))?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io(&source)(e)),
    }
}

/// One tenant data key.
#[derive(Clone)]
pub struct DataKey {
    key: Arc<[u8; 32]>,
}

impl DataKey {
    pub fn generate() -> Self {
        Self {
            key: Arc::new(Key::<Aes256Gcm>::generate().into()),
        }
    }
}

/// A tenant's data keys: the current one seals, any version opens.
#[derive(Clone)]
pub struct Keyring {
    tenant: Uuid,
    current: i32,
    keys: Arc<BTreeMap<i32, DataKey>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keyring({}, v{})", self.tenant, self.current)
    }
}

impl Keyring {
    /// `keys` by version; the highest seals.
    pub fn new(tenant: Uuid, keys: BTreeMap<i32, DataKey>) -> Option<Self> {
        let current = *keys.keys().next_back()?;
        Some(Self {
            tenant,
            current,
            keys: Arc::new(keys),
        })
    }

    pub fn current_version(&self) -> i32 {
        self.current
    }

    fn aad(&self, place: &str) -> Vec<u8> {
        format!("{}:{place}", self.tenant).into_bytes()
    }

    /// `plain` sealed for `place` under the current key.
    pub fn seal(&self, place: &str, plain: &str) -> Result<String, KeyError> {
        let key = &self
            .keys
            .get(&self.current)
            .ok_or(KeyError::UnknownKey(self.current))?
            .key;
        let body = seal_bytes(key, &self.aad(place), plain.as_bytes())?;
        Ok(format!("{PREFIX}{}:{}", self.current, hex::encode(body)))
    }

    /// Opens a value sealed for `place`. A value written before sealing
    /// existed (no prefix) is returned as it is.
    pub fn open(&self, place: &str, stored: &str) -> Result<String, KeyError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let (version, body) = rest.split_once(':').ok_or(KeyError::Unreadable)?;
        let version: i32 = version.parse().map_err(|_| KeyError::Unreadable)?;
        let key = self
            .keys
            .get(&version)
            .ok_or(KeyError::UnknownKey(version))?;
        let raw = hex::decode(body).map_err(|_| KeyError::Unreadable)?;
        let plain = open_bytes(&key.key, &self.aad(place), &raw)?;
        String::from_utf8(plain).map_err(|_| KeyError::Unreadable)
    }

    /// One chunk of a sealed stream (an attachment's bytes): `version
    /// (4 bytes, big-endian) ‖ nonce ‖ ciphertext ‖ tag`, bound to its
    /// tenant, `place` (the file), its index and whether it is the last,
    /// so that chunks cannot be reordered, dropped, cut off, or moved to
    /// another file or tenant without failing to open.
    pub fn seal_chunk(
        &self,
        place: &str,
        index: u64,
        last: bool,
        plain: &[u8],
    ) -> Result<Vec<u8>, KeyError> {
        let key = &self
            .keys
            .get(&self.current)
            .ok_or(KeyError::UnknownKey(self.current))?
            .key;
        let mut out = self.current.to_be_bytes().to_vec();
        out.extend(seal_bytes(key, &self.chunk_aad(place, index, last), plain)?);
        Ok(out)
    }

    /// Opens a chunk made by [`seal_chunk`](Self::seal_chunk).
    pub fn open_chunk(
        &self,
        place: &str,
        index: u64,
        last: bool,
        sealed: &[u8],
    ) -> Result<Vec<u8>, KeyError> {
        let (version, body) = sealed.split_at_checked(4).ok_or(KeyError::Unreadable)?;
        let version = i32::from_be_bytes(version.try_into().map_err(|_| KeyError::Unreadable)?);
        let key = self
            .keys
            .get(&version)
            .ok_or(KeyError::UnknownKey(version))?;
        open_bytes(&key.key, &self.chunk_aad(place, index, last), body)
    }

    fn chunk_aad(&self, place: &str, index: u64, last: bool) -> Vec<u8> {
        format!("{}:{place}:{index}:{}", self.tenant, u8::from(last)).into_bytes()
    }

    /// Whether `stored` is sealed under an older key than the current.
    pub fn is_stale(&self, stored: &str) -> bool {
        stored
            .strip_prefix(PREFIX)
            .and_then(|r| r.split_once(':'))
            .and_then(|(v, _)| v.parse::<i32>().ok())
            .is_none_or(|v| v != self.current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(tenant: Uuid) -> (MasterKey, Keyring) {
        let master = MasterKey::from_hex(&MasterKey::generate_hex(), "test").unwrap();
        let dk = DataKey::generate();
        let wrapped = master.wrap(tenant, 1, &dk).unwrap();
        let dk = master.unwrap(tenant, 1, &wrapped).unwrap();
        (
            master,
            Keyring::new(tenant, BTreeMap::from([(1, dk)])).unwrap(),
        )
    }

    #[test]
    fn a_chunk_opens_only_as_itself() {
        let (t, other) = (Uuid::now_v7(), Uuid::now_v7());
        let (_, k) = ring(t);
        let sealed = k.seal_chunk("files:a", 3, false, b"passport scan").unwrap();
        assert_eq!(sealed.len(), 4 + NONCE + 13 + 16);
        assert_eq!(
            k.open_chunk("files:a", 3, false, &sealed).unwrap(),
            b"passport scan"
        );
        for (place, index, last) in [
            ("files:b", 3, false),
            ("files:a", 2, false),
            ("files:a", 3, true),
        ] {
            assert!(
                k.open_chunk(place, index, last, &sealed).is_err(),
                "{place} {index} {last}"
            );
        }
        let (_, elsewhere) = ring(other);
        assert!(elsewhere.open_chunk("files:a", 3, false, &sealed).is_err());
        assert!(k.open_chunk("files:a", 3, false, &sealed[..10]).is_err());
    }

    #[test]
    fn a_sealed_value_opens_only_in_its_place() {
        let (t, other) = (Uuid::now_v7(), Uuid::now_v7());
        let (_, k) = ring(t);
        let sealed = k.seal("users.mfa_secret:a", "JBSWY3DPEHPK3PXP").unwrap();
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(
            k.open("users.mfa_secret:a", &sealed).unwrap(),
            "JBSWY3DPEHPK3PXP"
        );
        assert!(
            k.open("users.mfa_secret:b", &sealed).is_err(),
            "another row"
        );
        let (_, k2) = ring(other);
        assert!(
            k2.open("users.mfa_secret:a", &sealed).is_err(),
            "another tenant"
        );
        let mut damaged = sealed.clone();
        damaged.pop();
        damaged.push(if sealed.ends_with('0') { '1' } else { '0' });
        assert!(k.open("users.mfa_secret:a", &damaged).is_err());
        assert_eq!(
            k.open("x", "plain, from before").unwrap(),
            "plain, from before"
        );
    }

    #[test]
    fn a_data_key_unwraps_only_under_its_master_and_tenant() {
        let t = Uuid::now_v7();
        let (master, _) = ring(t);
        let dk = DataKey::generate();
        let wrapped = master.wrap(t, 2, &dk).unwrap();
        assert!(master.unwrap(t, 2, &wrapped).is_ok());
        assert!(master.unwrap(t, 3, &wrapped).is_err());
        assert!(master.unwrap(Uuid::now_v7(), 2, &wrapped).is_err());
        let other = MasterKey::from_hex(&MasterKey::generate_hex(), "test").unwrap();
        assert_ne!(other.kid(), master.kid());
        assert!(other.unwrap(t, 2, &wrapped).is_err());
        assert!(MasterKey::from_hex("abc", "test").is_err());
        assert!(MasterKey::from_hex(&"zz".repeat(32), "test").is_err());
    }
}

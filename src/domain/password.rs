//! Passwords: the length rule, and Argon2id hashing off the async threads.

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordVerifier, Version};

use super::FieldError;
use crate::secret::Secret;

/// A password that passed the rules; its text is kept as a [`Secret`].
#[derive(Debug, Clone)]
pub struct Password(Secret);

/// Longer than any passphrase, short enough that hashing it costs nothing extra.
const MAX_LEN: usize = 1024;
const MIN_LEN: usize = 12;

/// Shipped with the binary; see the file's header for its source.
const COMMON: &str = include_str!("../../assets/common-passwords.txt");

fn is_common(raw: &str) -> bool {
    let lower = raw.to_lowercase();
    COMMON
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l == lower)
}

impl Password {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let n = raw.chars().count();
        if n < MIN_LEN {
            return Err(FieldError::new(
                field,
                format!("must be at least {MIN_LEN} characters long"),
            ));
        }
        if raw.len() > MAX_LEN {
            return Err(FieldError::new(
                field,
                format!("must be at most {MAX_LEN} bytes long"),
            ));
        }
        if is_common(raw) {
            return Err(FieldError::new(
                field,
                "is one of the most common passwords; choose another",
            ));
        }
        // Twelve of one character, or two alternating, is no password.
        let mut distinct: Vec<char> = raw.chars().collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 3 {
            return Err(FieldError::new(
                field,
                "needs at least three different characters",
            ));
        }
        Ok(Self(Secret::new(raw)))
    }

    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

/// OWASP's Argon2id baseline: m=19456 KiB, t=2, p=1.
fn argon2() -> Argon2<'static> {
    // unwrap-free: these constants are within Argon2's documented bounds.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Argon2 runs on a few threads of its own, one per core, fed by a
/// bounded queue. The cap keeps a flood of logins from holding 19 MiB per
/// hash in flight (240 at once once took a node to 4.9 GB), and the fixed
/// threads keep what the allocator retains to one block per core, where
/// the blocking pool's many threads each kept theirs. The threads end when
/// the pool is dropped.
pub struct HashPool {
    jobs: std::sync::mpsc::SyncSender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

/// Verifications that may wait for a hashing thread, per core; beyond
/// that a login is told to come back ([`Busy`]).
const QUEUE_PER_CORE: usize = 32;

/// Too many password checks are waiting; try again in a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many password checks are waiting")]
pub struct Busy;

impl HashPool {
    /// One thread per core, and a queue of [`QUEUE_PER_CORE`] per thread.
    pub fn new(name: &str) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (jobs, rx) = std::sync::mpsc::sync_channel::<Job>(cores * QUEUE_PER_CORE);
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..cores {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || {
                    loop {
                        // A poisoned lock only means another worker panicked
                        // while receiving; the receiver itself is intact.
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(p) => p.into_inner().recv(),
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return, // the pool was dropped
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start an Argon2 thread");
            }
        }
        HashPool { jobs }
    }

    /// Runs `f` on a hashing thread. `wait`: queue behind others however
    /// long (accounts being made); otherwise a full queue is [`Busy`].
    async fn run<T: Send + 'static>(
        &self,
        wait: bool,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        if wait {
            let jobs = self.jobs.clone();
            // A full queue blocks the sender: not on an async worker.
            tokio::task::spawn_blocking(move || jobs.send(job))
                .await
                .map_err(|_| Busy)?
                .map_err(|_| Busy)?;
        } else {
            self.jobs.try_send(job).map_err(|_| Busy)?;
        }
        rx.await.map_err(|_| Busy)
    }

    /// Verifies on this pool's threads; a malformed stored hash counts as
    /// a mismatch. [`Busy`] when too many checks are already waiting.
    pub async fn verify(&self, password: String, stored: String) -> Result<bool, Busy> {
        self.run(false, move || {
            PasswordHash::new(&stored)
                .map(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
                .unwrap_or(false)
        })
        .await
    }
}

/// The process's pool for hashing new passwords (accounts being made or
/// changed, which wait their turn). Sign-ins check on their own service's
/// pool, so a flood of them never delays these.
fn shared() -> &'static HashPool {
    static POOL: std::sync::OnceLock<HashPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| HashPool::new("argon2"))
}

/// Hashes on the hashing threads: ~20 ms of CPU must not stall an async
/// worker (and with it every connection that worker serves).
pub async fn hash(password: Password) -> Result<String, anyhow::Error> {
    shared()
        .run(true, move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.expose().as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
        })
        .await
        .map_err(|_| anyhow::anyhow!("the hashing threads are gone"))?
}

/// Verifies on the process's shared pool (see [`HashPool::verify`]).
pub async fn verify(password: String, stored: String) -> Result<bool, Busy> {
    shared().verify(password, stored).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rules() {
        assert!(Password::parse("p", "short").is_err());
        assert!(Password::parse("p", "exactly12chr").is_ok());
        assert!(Password::parse("p", &"x".repeat(MAX_LEN + 1)).is_err());
    }

    #[test]
    fn common_and_repetitive_passwords_are_refused_saying_why() {
        for common in ["123456123456", "QwertyUiop12", "1234567890QWERTYUIOP"] {
            let msg = Password::parse("p", common).err().map(|e| e.message);
            assert!(
                msg.as_deref().is_some_and(|m| m.contains("common")),
                "{common}: {msg:?}"
            );
        }
        let msg = Password::parse("p", "abababababab")
            .err()
            .map(|e| e.message);
        assert!(msg.is_some_and(|m| m.contains("different")));
        assert!(Password::parse("p", "violet tractor sings").is_ok());
    }

    #[tokio::test]
    async fn hashes_are_argon2id_with_the_baseline_and_verify() {
        let p = Password::parse("p", "correct horse battery").unwrap_or_else(|e| panic!("{e:?}"));
        let h = hash(p).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert_eq!(
            verify("correct horse battery".into(), h.clone()).await,
            Ok(true)
        );
        assert_eq!(verify("wrong horse battery".into(), h).await, Ok(false));
        assert_eq!(verify("x".into(), "not a hash".into()).await, Ok(false));
    }
}

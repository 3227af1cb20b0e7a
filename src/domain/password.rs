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

/// Hashes on the blocking pool: ~20 ms of CPU must not stall an async worker
/// (and with it every connection that worker serves).
pub async fn hash(password: Password) -> Result<String, anyhow::Error> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
    })
    .await?
}

/// Verifies on the blocking pool; a malformed stored hash counts as a mismatch.
pub async fn verify(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
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
        assert!(verify("correct horse battery".into(), h.clone()).await);
        assert!(!verify("wrong horse battery".into(), h).await);
        assert!(!verify("x".into(), "not a hash".into()).await);
    }
}

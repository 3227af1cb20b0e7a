//! TOTP (RFC 6238: SHA-1, 6 digits, 30 s) and recovery codes.

use totp_rs::{Algorithm, Builder, Secret, Totp};

use super::tokens::sha256_hex;
use crate::secret::random_hex;

pub const STEP_SECS: u64 = 30;

fn totp(secret_b32: &str, account: &str, issuer: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_b32).ok()?;
    // totp-rs refuses ':' in labels (it separates issuer and account).
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP_SECS)
        .with_secret(secret)
        .with_account_name(account.replace(':', ""))
        .with_issuer(Some(issuer.replace(':', "")))
        .build()
        .ok()
}

/// A fresh secret (base32) and its `otpauth://` URI for authenticator apps.
pub fn enroll(account: &str, issuer: &str) -> Option<(String, String)> {
    let secret = Secret::generate().to_base32();
    let t = totp(&secret, account, issuer)?;
    Some((secret.clone(), t.to_url().ok()?))
}

/// The time step `code` is valid for (now, or one step either side for
/// clock drift), or `None`. The caller must also refuse a step it has
/// already accepted: that is what stops replay.
pub fn verify(secret_b32: &str, code: &str, unix_now: u64) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp(secret_b32, "x", "x")?
        .check(code, unix_now)
        .map(|s| s as i64)
}

/// The code for `unix_time` (tests and the web app's enrolment preview).
pub fn code_at(secret_b32: &str, unix_time: u64) -> Option<String> {
    totp(secret_b32, "x", "x").map(|t| t.generate(unix_time).to_string())
}

/// Ten single-use recovery codes (`xxxxx-xxxxx`) and their stored hashes.
pub fn recovery_codes() -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = (0..10)
        .map(|_| {
            let h = random_hex(5);
            format!("{}-{}", &h[..5], &h[5..])
        })
        .collect();
    let hashes = codes.iter().map(|c| hash_recovery_code(c)).collect();
    (codes, hashes)
}

/// Recovery codes are 40 random bits: a fast hash suffices (no dictionary
/// to attack), and it lets the code be found by its hash.
pub fn hash_recovery_code(code: &str) -> String {
    let normal: String = code
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| *c != '-')
        .collect();
    sha256_hex(&normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_verify_within_one_step_and_not_beyond() {
        let (secret, uri) = enroll("jane@acme.example", "Mandant Acme").unwrap();
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        let now = 1_800_000_000;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(verify(&secret, &code, now), Some((now / 30) as i64));
        assert!(verify(&secret, &code, now + 30).is_some()); // drift tolerated
        assert!(verify(&secret, &code, now + 90).is_none());
        assert!(verify(&secret, "12345", now).is_none());
        assert!(verify(&secret, "abcdef", now).is_none());
    }

    #[test]
    fn recovery_codes_are_distinct_and_normalised() {
        let (codes, hashes) = recovery_codes();
        assert_eq!(codes.len(), 10);
        let mut h = hashes.clone();
        h.sort();
        h.dedup();
        assert_eq!(h.len(), 10);
        assert_eq!(
            hash_recovery_code(&codes[0].to_uppercase().replace('-', "")),
            hashes[0]
        );
    }
}

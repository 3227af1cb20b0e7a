//! Access tokens (JWT, HS256 only), refresh tokens and API keys.

use chrono::Utc;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::tenant::TenantId;
use crate::secret::{Secret, random_hex};

pub const ISSUER: &str = "mandant";
pub const AUDIENCE: &str = "mandant-api";
/// Longer than any token we issue; longer input is refused unparsed.
pub const MAX_TOKEN_LEN: usize = 4096;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// User id.
    pub sub: Uuid,
    /// Tenant id: must match the tenant in the URL.
    pub tid: Uuid,
    /// Session id: checked on every request, so logout and disable bite at once.
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is invalid")]
    Invalid,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    pub fn new(secret: &Secret) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
            validation,
        }
    }

    pub fn issue(&self, tenant: TenantId, user: Uuid, session: Uuid, ttl_secs: i64) -> String {
        let now = Utc::now().timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user,
            tid: tenant.0,
            sid: session,
            iat: now,
            exp: now + ttl_secs,
        };
        // unwrap-free: HS256 encoding of plain claims cannot fail.
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).unwrap_or_default()
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Invalid);
        }
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A new opaque refresh token (`mr_` + 256 random bits) and its stored hash.
pub fn new_refresh_token() -> (String, String) {
    let token = format!("mr_{}", random_hex(32));
    let hash = sha256_hex(&token);
    (token, hash)
}

/// A new API key `mk_<prefix>_<secret>`: the prefix finds the row, the
/// secret's hash proves possession. Returns (key, prefix, hash).
pub fn new_api_key() -> (String, String, String) {
    let prefix = random_hex(6);
    let secret = random_hex(24);
    (format!("mk_{prefix}_{secret}"), prefix, sha256_hex(&secret))
}

/// Splits a presented API key into (prefix, secret), if it has the shape.
pub fn parse_api_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix("mk_")?;
    let (prefix, secret) = rest.split_once('_')?;
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(prefix, 12) && hex(secret, 48)).then_some((prefix, secret))
}

/// Compares two hex digests without leaking where they differ.
pub fn digest_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64_free::b64url;

    /// Tiny base64url encoder for hand-made tokens (no extra dependency).
    mod base64_free {
        pub fn b64url(data: &[u8]) -> String {
            const T: &[u8; 64] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let mut out = String::new();
            for chunk in data.chunks(3) {
                let n = chunk
                    .iter()
                    .enumerate()
                    .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
                for i in 0..=chunk.len() {
                    out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
                }
            }
            out
        }
    }

    fn keys() -> JwtKeys {
        JwtKeys::new(&Secret::new("k".repeat(64)))
    }

    #[test]
    fn round_trip() {
        let k = keys();
        let t = TenantId::generate();
        let (u, s) = (Uuid::now_v7(), Uuid::now_v7());
        let c = k.verify(&k.issue(t, u, s, 60)).unwrap();
        assert_eq!((c.tid, c.sub, c.sid), (t.0, u, s));
    }

    #[test]
    fn expired_foreign_and_none_tokens_are_refused() {
        let k = keys();
        let t = TenantId::generate();
        let old = k.issue(t, Uuid::now_v7(), Uuid::now_v7(), -60);
        assert_eq!(k.verify(&old).err(), Some(TokenError::Expired));
        let other = JwtKeys::new(&Secret::new("z".repeat(64)));
        let forged = other.issue(t, Uuid::now_v7(), Uuid::now_v7(), 60);
        assert_eq!(k.verify(&forged).err(), Some(TokenError::Invalid));
        // alg "none": header and claims with an empty signature.
        let good = k.issue(t, Uuid::now_v7(), Uuid::now_v7(), 60);
        let claims = good.split('.').nth(1).unwrap();
        let none = format!("{}.{claims}.", b64url(br#"{"alg":"none","typ":"JWT"}"#));
        assert_eq!(k.verify(&none).err(), Some(TokenError::Invalid));
        for junk in ["", "a.b.c", "not a token", &"x".repeat(MAX_TOKEN_LEN + 1)] {
            assert_eq!(k.verify(junk).err(), Some(TokenError::Invalid));
        }
    }

    #[test]
    fn api_keys_parse_and_hash() {
        let (key, prefix, hash) = new_api_key();
        let (p, s) = parse_api_key(&key).unwrap();
        assert_eq!(p, prefix);
        assert!(digest_eq(&sha256_hex(s), &hash));
        assert!(parse_api_key("mk_short_x").is_none());
        assert!(!digest_eq("ab", "abc"));
    }
}

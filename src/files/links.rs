//! Short-lived signed download links: a link names a tenant's file and
//! the instant it expires, under an HMAC-SHA256 by a key every node shares
//! (kept in the control plane). Whoever holds the link may download until
//! then, as with an S3 presigned URL: a browser can open it without an
//! `Authorization` header, and a leaked link dies within minutes. Access
//! is decided when the link is made, for the caller who asked.

use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::domain::tenant::TenantId;

/// How long a link works.
pub const LIFETIME: TimeDelta = TimeDelta::minutes(5);

#[derive(Clone)]
pub struct LinkKey(Vec<u8>);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(..)")
    }
}

impl LinkKey {
    pub fn new(secret: &str) -> Self {
        Self(secret.as_bytes().to_vec())
    }

    fn mac(&self, tenant: TenantId, file: Uuid, expires: i64) -> Hmac<Sha256> {
        // Keys of any length are accepted by HMAC.
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        m.update(format!("file-link:v1:{}:{file}:{expires}", tenant.0).as_bytes());
        m
    }

    /// The query of a link valid until `now + LIFETIME`, and that instant.
    pub fn sign(
        &self,
        tenant: TenantId,
        file: Uuid,
        now: DateTime<Utc>,
    ) -> (String, DateTime<Utc>) {
        let until = now + LIFETIME;
        let expires = until.timestamp();
        let sig = hex::encode(self.mac(tenant, file, expires).finalize().into_bytes());
        (format!("expires={expires}&signature={sig}"), until)
    }

    /// Is this a link we made for this file, and still valid at `now`?
    pub fn verify(
        &self,
        tenant: TenantId,
        file: Uuid,
        expires: i64,
        signature: &str,
        now: DateTime<Utc>,
    ) -> bool {
        let Ok(sig) = hex::decode(signature) else {
            return false;
        };
        expires >= now.timestamp() && self.mac(tenant, file, expires).verify_slice(&sig).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(q: &str) -> (i64, String) {
        let mut e = 0;
        let mut s = String::new();
        for kv in q.split('&') {
            match kv.split_once('=') {
                Some(("expires", v)) => e = v.parse().unwrap_or(0),
                Some(("signature", v)) => s = v.to_owned(),
                _ => {}
            }
        }
        (e, s)
    }

    #[test]
    fn a_link_opens_its_file_until_it_expires() {
        let key = LinkKey::new("k");
        let (t, f, now) = (TenantId(Uuid::now_v7()), Uuid::now_v7(), Utc::now());
        let (q, until) = key.sign(t, f, now);
        let (e, s) = parts(&q);
        assert!(key.verify(t, f, e, &s, now));
        assert!(key.verify(t, f, e, &s, until));
        assert!(!key.verify(t, f, e, &s, until + TimeDelta::seconds(1)));
        // Not another file, tenant, expiry or key.
        assert!(!key.verify(t, Uuid::now_v7(), e, &s, now));
        assert!(!key.verify(TenantId(Uuid::now_v7()), f, e, &s, now));
        assert!(!key.verify(t, f, e + 3600, &s, now));
        assert!(!LinkKey::new("other").verify(t, f, e, &s, now));
        assert!(!key.verify(t, f, e, "zz", now));
    }
}

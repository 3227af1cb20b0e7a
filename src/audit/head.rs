//! The chain's head as a signed statement: `mandant audit head` prints it,
//! to be kept outside the database (a ticket, a log, a notary); `audit
//! verify --expect` checks the signature and that the chain still holds
//! that hash at that number. A rewrite that recomputed every later hash
//! passes a bare walk of the chain, but not this.
//!
//! The statement is a JWT (HS256) under a key of its own, made once per
//! installation and kept in the control plane, apart from the tenants'
//! data; it is bound to the tenant's id.

use std::collections::HashSet;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use crate::domain::tenant::TenantId;

/// The control plane's name for the signing key.
pub const KEY_NAME: &str = "audit_head_hs256";
const ISSUER: &str = "mandant";
const AUDIENCE: &str = "mandant-audit-head";

#[derive(Debug, Serialize, Deserialize)]
struct HeadClaims {
    iss: String,
    aud: String,
    /// The tenant's id.
    sub: String,
    seq: i64,
    hash: String,
    iat: i64,
}

/// The statement "tenant `tenant`'s chain holds `hash` at entry `seq`".
pub fn sign(key: &str, tenant: TenantId, seq: i64, hash: &str) -> String {
    let claims = HeadClaims {
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        sub: tenant.to_string(),
        seq,
        hash: hash.into(),
        iat: chrono::Utc::now().timestamp(),
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(key.as_bytes()),
    )
    .unwrap_or_default()
}

/// The (number, hash) a statement vouches for, if this installation signed
/// it for this tenant.
pub fn read(key: &str, tenant: TenantId, statement: &str) -> Result<(i64, String), String> {
    let mut v = Validation::new(Algorithm::HS256);
    v.set_issuer(&[ISSUER]);
    v.set_audience(&[AUDIENCE]);
    v.validate_exp = false;
    v.required_spec_claims = HashSet::from(["iss".to_owned(), "aud".to_owned(), "sub".to_owned()]);
    let claims = decode::<HeadClaims>(
        statement.trim(),
        &DecodingKey::from_secret(key.as_bytes()),
        &v,
    )
    .map_err(|_| "the statement was not signed by this installation, or was changed".to_owned())?
    .claims;
    if claims.sub != tenant.to_string() {
        return Err("the statement is about another tenant".into());
    }
    Ok((claims.seq, claims.hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_holds_only_as_signed_and_for_its_tenant() {
        let t = TenantId::generate();
        let s = sign("k1", t, 42, "ab");
        assert_eq!(read("k1", t, &s), Ok((42, "ab".into())));
        assert!(read("k2", t, &s).is_err(), "another key");
        assert!(
            read("k1", TenantId::generate(), &s).is_err(),
            "another tenant"
        );
        let mut forged: Vec<char> = s.chars().collect();
        let mid = s.find('.').unwrap() + 3;
        forged[mid] = if forged[mid] == 'A' { 'B' } else { 'A' };
        let forged: String = forged.into_iter().collect();
        assert!(read("k1", t, &forged).is_err(), "a changed payload");
    }
}

//! A tenant's OpenID providers as an admin configures them: what may be
//! written, what is shown (never the client secret), and the checks that
//! keep a provider from granting more than the admin who set it up holds.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::present::present;
use crate::domain::{FieldError, Validation};
use crate::identity::roles::covers;
use crate::identity::service::role_set;
use crate::identity::{AuthError, Principal};
use crate::storage::sso::ProviderRow;
use crate::storage::{TenantTx, teams};

const MAX_LIST: usize = 50;
const MAX_TEXT: usize = 200;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RoleMapping {
    pub value: String,
    pub role: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TeamMapping {
    pub value: String,
    pub team_id: Uuid,
}

/// What is kept of a provider besides its name, issuer and client.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProviderConfig {
    pub scopes: Vec<String>,
    /// E-mail domains whose people are provisioned on first sign-in.
    pub allowed_domains: Vec<String>,
    /// The ID token claim whose values the mappings match (a string or a
    /// list of strings, as `groups` usually is).
    pub role_claim: String,
    pub role_mappings: Vec<RoleMapping>,
    pub team_mappings: Vec<TeamMapping>,
    /// Given when no mapping matches.
    pub default_role: String,
}

impl ProviderConfig {
    pub fn of(row: &ProviderRow) -> ProviderConfig {
        serde_json::from_str(&row.config).unwrap_or_else(|_| ProviderConfig::default())
    }

    /// The roles the mappings and the default hand out: the ones a sign-in
    /// may take away again.
    pub fn managed_roles(&self) -> Vec<String> {
        let mut r: Vec<String> = self.role_mappings.iter().map(|m| m.role.clone()).collect();
        r.push(self.default_role.clone());
        r.sort();
        r.dedup();
        r
    }
}

impl Default for ProviderConfig {
    fn default() -> Self {
        Self {
            scopes: vec!["openid".into(), "email".into(), "profile".into()],
            allowed_domains: Vec::new(),
            role_claim: "groups".into(),
            role_mappings: Vec::new(),
            team_mappings: Vec::new(),
            default_role: "agent".into(),
        }
    }
}

/// A provider as written: every field optional, so one shape serves
/// creating (where name, issuer and client_id are required) and changing.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderInput {
    #[serde(default, deserialize_with = "present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub issuer: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub client_id: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub client_secret: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub scopes: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    pub allowed_domains: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    pub role_claim: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub role_mappings: Option<Vec<RoleMapping>>,
    #[serde(default, deserialize_with = "present")]
    pub team_mappings: Option<Vec<TeamMapping>>,
    #[serde(default, deserialize_with = "present")]
    pub default_role: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub enabled: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct ProviderView {
    pub id: Uuid,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    pub has_client_secret: bool,
    #[serde(flatten)]
    pub config: ProviderConfig,
    pub enabled: bool,
    /// What the admin registers at the provider.
    pub redirect_uri: String,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
}

pub fn view(row: &ProviderRow, redirect_uri: String) -> ProviderView {
    ProviderView {
        id: row.id,
        name: row.name.clone(),
        issuer: row.issuer.clone(),
        client_id: row.client_id.clone(),
        has_client_secret: row.client_secret.is_some(),
        config: ProviderConfig::of(row),
        enabled: row.enabled,
        redirect_uri,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn text(v: &mut Validation, field: &str, s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > MAX_TEXT || t.chars().any(char::is_control) {
        v.push(FieldError::new(
            field,
            format!("must be 1-{MAX_TEXT} characters without control characters"),
        ));
        None
    } else {
        Some(t.to_owned())
    }
}

fn list_len<T>(v: &mut Validation, field: &str, items: &[T]) {
    if items.len() > MAX_LIST {
        v.push(FieldError::new(
            field,
            format!("at most {MAX_LIST} entries"),
        ));
    }
}

/// RFC 6749 §3.3: a scope token is printable ASCII without space, `"` or `\`.
fn scope_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

fn domain_ok(d: &str) -> bool {
    d.len() <= 253
        && d.contains('.')
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

fn claim_ok(c: &str) -> bool {
    !c.is_empty()
        && c.len() <= 100
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_:./-".contains(&b))
}

/// The issuer as a URL: https, or http to an address the operator allowed
/// (a provider on the operator's own network, or a test's).
pub fn issuer_url(
    v: &mut Validation,
    raw: &str,
    outbound: &super::outbound::Outbound,
) -> Option<String> {
    let url = match url::Url::parse(raw) {
        Ok(u) if raw.len() <= 2000 => u,
        _ => {
            v.push(FieldError::new(
                "issuer",
                "must be an absolute URL of at most 2000 bytes",
            ));
            return None;
        }
    };
    let plain_http_allowed = url.scheme() == "http" && outbound.allows_plain_http(&url);
    if url.scheme() != "https" && !plain_http_allowed {
        v.push(FieldError::new(
            "issuer",
            "must be an https URL (http only to a network the operator allows)",
        ));
        return None;
    }
    if url.query().is_some() || url.fragment().is_some() {
        v.push(FieldError::new(
            "issuer",
            "must have no query or fragment (OpenID Connect Discovery §2)",
        ));
        return None;
    }
    if let Err(e) = outbound.check(&url) {
        v.push(FieldError::new("issuer", e.to_string()));
        return None;
    }
    // Kept as written: the ID token's `iss` must equal it exactly.
    Some(raw.to_owned())
}

/// The input applied over `base` (a new provider's defaults, or the
/// stored one), checked; what is kept, and the plain client secret when
/// a new one was given.
pub async fn apply(
    tx: &mut TenantTx,
    actor: &Principal,
    base: &ProviderRow,
    input: &ProviderInput,
    outbound: &super::outbound::Outbound,
) -> Result<(ProviderRow, Option<String>), AuthError> {
    let mut v = Validation::default();
    let mut row = base.clone();
    let mut config = ProviderConfig::of(base);
    if let Some(n) = &input.name {
        row.name = text(&mut v, "name", n).unwrap_or_default();
    }
    if let Some(i) = &input.issuer {
        row.issuer = issuer_url(&mut v, i, outbound).unwrap_or_default();
    }
    if let Some(c) = &input.client_id {
        row.client_id = text(&mut v, "client_id", c).unwrap_or_default();
    }
    let secret = match &input.client_secret {
        Some(s) if s.is_empty() || s.len() > 1000 || s.chars().any(char::is_control) => {
            v.push(FieldError::new(
                "client_secret",
                "must be 1-1000 characters without control characters",
            ));
            None
        }
        Some(s) => Some(s.clone()),
        None => None,
    };
    if let Some(s) = &input.scopes {
        list_len(&mut v, "scopes", s);
        if let Some(bad) = s.iter().find(|s| !scope_ok(s)) {
            v.push(FieldError::new(
                "scopes",
                format!("{bad:?} is not a scope token"),
            ));
        }
        let mut scopes = vec!["openid".to_owned()];
        scopes.extend(s.iter().filter(|s| *s != "openid").cloned());
        config.scopes = scopes;
    }
    if let Some(d) = &input.allowed_domains {
        list_len(&mut v, "allowed_domains", d);
        if let Some(bad) = d.iter().find(|d| !domain_ok(d)) {
            v.push(FieldError::new(
                "allowed_domains",
                format!("{bad:?} is not a domain name in lower case"),
            ));
        }
        config.allowed_domains = d.clone();
    }
    if let Some(c) = &input.role_claim {
        if !claim_ok(c) {
            v.push(FieldError::new(
                "role_claim",
                "must be a claim name: letters, digits and _ : . / -",
            ));
        }
        config.role_claim = c.clone();
    }
    if let Some(m) = &input.role_mappings {
        list_len(&mut v, "role_mappings", m);
        for x in m {
            text(&mut v, "role_mappings.value", &x.value);
        }
        config.role_mappings = m.clone();
    }
    if let Some(m) = &input.team_mappings {
        list_len(&mut v, "team_mappings", m);
        for x in m {
            text(&mut v, "team_mappings.value", &x.value);
        }
        config.team_mappings = m.clone();
    }
    if let Some(r) = &input.default_role {
        config.default_role = r.clone();
    }
    if let Some(e) = input.enabled {
        row.enabled = e;
    }
    if row.name.is_empty() && input.name.is_none() {
        v.push(FieldError::new("name", "is required"));
    }
    if row.issuer.is_empty() && input.issuer.is_none() {
        v.push(FieldError::new("issuer", "is required"));
    }
    if row.client_id.is_empty() && input.client_id.is_none() {
        v.push(FieldError::new("client_id", "is required"));
    }
    let set = role_set(tx).await?;
    let handed_out = config.managed_roles();
    if handed_out.iter().any(|r| r == "owner") {
        v.push(FieldError::new(
            "role_mappings",
            "owner is given by an owner, never by a provider's claim",
        ));
    }
    for r in &handed_out {
        if !set.exists(r) {
            v.push(FieldError::new(
                "role_mappings",
                format!("unknown role {r:?}"),
            ));
        }
    }
    let known: Vec<Uuid> = teams::list(tx).await?.into_iter().map(|t| t.id).collect();
    for m in &config.team_mappings {
        if !known.contains(&m.team_id) {
            v.push(FieldError::new(
                "team_mappings",
                format!("unknown team {}", m.team_id),
            ));
        }
    }
    v.finish().map_err(AuthError::Validation)?;
    // A provider signs people in with these roles: whoever configures it
    // must hold them, or a mapping would be a way up.
    if !covers(&actor.grants, &set.effective(&handed_out)) {
        return Err(AuthError::Forbidden(
            "role_mappings: you cannot hand out permissions you do not hold yourself".into(),
        ));
    }
    row.config = serde_json::to_string(&config).unwrap_or_default();
    row.updated_at = Utc::now();
    Ok((row, secret))
}

/// A fresh row for `POST`: empty where the input must fill it.
pub fn blank() -> ProviderRow {
    let now = Utc::now();
    ProviderRow {
        id: Uuid::now_v7(),
        name: String::new(),
        issuer: String::new(),
        client_id: String::new(),
        client_secret: None,
        config: serde_json::to_string(&ProviderConfig::default()).unwrap_or_default(),
        enabled: true,
        created_at: now,
        updated_at: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_tokens_follow_rfc_6749() {
        assert!(scope_ok("openid") && scope_ok("https://x/y") && scope_ok("a!#"));
        assert!(!scope_ok("a b") && !scope_ok("a\"b") && !scope_ok("a\\b") && !scope_ok(""));
        assert!(!scope_ok("é"));
    }

    #[test]
    fn domains_are_lower_case_names() {
        assert!(domain_ok("acme.example") && domain_ok("eu.acme-corp.example"));
        assert!(!domain_ok("acme") && !domain_ok("-a.example") && !domain_ok("a..example"));
        assert!(!domain_ok("Acme.example") && !domain_ok("a\0.example"));
    }

    #[test]
    fn managed_roles_are_the_mapped_ones_and_the_default() {
        let c = ProviderConfig {
            role_mappings: vec![
                RoleMapping {
                    value: "x".into(),
                    role: "admin".into(),
                },
                RoleMapping {
                    value: "y".into(),
                    role: "admin".into(),
                },
            ],
            ..ProviderConfig::default()
        };
        assert_eq!(c.managed_roles(), vec!["admin", "agent"]);
    }
}

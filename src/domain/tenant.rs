//! The tenant's identity: id, slug, display name and plan.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::FieldError;

/// A tenant's permanent id. Storage names (schema, file, role) derive from
/// it, not from the slug, so they never collide and never need renaming.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TenantId(pub Uuid);

impl TenantId {
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }

    /// 32 lowercase hex digits: safe inside SQL identifiers and file names.
    pub fn simple(&self) -> String {
        self.0.simple().to_string()
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// `^[a-z][a-z0-9-]{1,62}$`, the tenant's name in URLs (`/t/{slug}/…`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct TenantSlug(String);

impl TenantSlug {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let err = |m: &str| Err(FieldError::new("slug", m));
        let mut chars = raw.chars();
        match chars.next() {
            None => return err("must not be empty"),
            Some('a'..='z') => {}
            Some(_) => return err("must start with a lowercase letter a-z"),
        }
        if !(2..=63).contains(&raw.len()) {
            return err("must be 2 to 63 characters long");
        }
        if !chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-')) {
            return err("may contain only a-z, 0-9 and '-'");
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A tenant's display name: 1-200 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct TenantName(String);

impl TenantName {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(FieldError::new("name", "must not be empty"));
        }
        if t.chars().count() > 200 {
            return Err(FieldError::new("name", "must be at most 200 characters"));
        }
        if t.chars().any(char::is_control) {
            return Err(FieldError::new(
                "name",
                "must not contain control characters",
            ));
        }
        Ok(Self(t.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The commercial plan; quotas per plan come with the real-time issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    Free,
    Standard,
    Professional,
    Enterprise,
}

impl Plan {
    pub const ALL: [Plan; 4] = [
        Plan::Free,
        Plan::Standard,
        Plan::Professional,
        Plan::Enterprise,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Standard => "standard",
            Plan::Professional => "professional",
            Plan::Enterprise => "enterprise",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == raw)
            .ok_or_else(|| {
                FieldError::new(
                    "plan",
                    "must be one of free, standard, professional, enterprise",
                )
            })
    }
}

/// Where a tenant is in its life. Only `Active` tenants are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TenantState {
    /// Storage is being created; on failure or crash it is cleaned up.
    Provisioning,
    Active,
    /// Storage is being dropped; start-up finishes what a crash interrupted.
    Deleting,
}

impl TenantState {
    pub fn as_str(&self) -> &'static str {
        match self {
            TenantState::Provisioning => "provisioning",
            TenantState::Active => "active",
            TenantState::Deleting => "deleting",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "provisioning" => Some(Self::Provisioning),
            "active" => Some(Self::Active),
            "deleting" => Some(Self::Deleting),
            _ => None,
        }
    }
}

/// A tenant as the control plane knows it.
#[derive(Debug, Clone, Serialize)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: TenantSlug,
    pub name: TenantName,
    pub plan: Plan,
    /// The named database (shard) holding the tenant's data.
    pub shard: String,
    #[serde(skip)]
    pub state: TenantState,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Features the tenant's admin switched off.
    pub disabled_features: Vec<super::features::Feature>,
}

impl Tenant {
    pub fn has(&self, f: super::features::Feature) -> bool {
        !self.disabled_features.contains(&f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_the_contract() {
        for ok in ["ab", "acme", "acme-gmbh-2", &format!("a{}", "b".repeat(62))] {
            assert!(TenantSlug::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a",
            "Acme",
            "1acme",
            "-acme",
            "acme_gmbh",
            "acme gmbh",
            "acmé",
            &format!("a{}", "b".repeat(63)),
        ] {
            let e = TenantSlug::parse(bad).err();
            assert_eq!(e.map(|e| e.field), Some("slug".to_owned()), "{bad:?}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            TenantName::parse("  Acme GmbH ").map(|n| n.0),
            Ok("Acme GmbH".into())
        );
        assert!(TenantName::parse("   ").is_err());
        assert!(TenantName::parse(&"x".repeat(201)).is_err());
        assert!(TenantName::parse("a\u{0}b").is_err());
    }

    #[test]
    fn plans_round_trip() {
        for p in Plan::ALL {
            assert_eq!(Plan::parse(p.as_str()), Ok(p));
        }
        assert!(Plan::parse("gold").is_err());
    }

    #[test]
    fn tenant_ids_are_identifier_safe() {
        let s = TenantId::generate().simple();
        assert_eq!(s.len(), 32);
        assert!(
            s.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
}

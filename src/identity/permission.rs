//! The permission catalogue: every `resource:action` Mandant knows, and the
//! scopes a grant can carry.

use serde::{Deserialize, Serialize};

/// How far a grant reaches over records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Records the principal owns, requested, is assigned, or that were shared with them.
    Own,
    /// Records of the principal's teams, and their own.
    Team,
    /// Every record of the tenant.
    All,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "own" => Some(Scope::Own),
            "team" => Some(Scope::Team),
            "all" => Some(Scope::All),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Own => "own",
            Scope::Team => "team",
            Scope::All => "all",
        }
    }
}

/// One catalogue entry.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PermissionSpec {
    pub name: &'static str,
    /// Record-level permissions honour own/team/all; the others are all-or-nothing.
    pub scoped: bool,
    pub description: &'static str,
}

const fn p(name: &'static str, scoped: bool, description: &'static str) -> PermissionSpec {
    PermissionSpec {
        name,
        scoped,
        description,
    }
}

/// The one documented list. A grant naming anything else is refused.
pub const CATALOGUE: &[PermissionSpec] = &[
    p("contacts:read", true, "See contacts"),
    p("contacts:write", true, "Create and change contacts"),
    p("contacts:delete", true, "Delete contacts"),
    p("companies:read", true, "See companies"),
    p("companies:write", true, "Create and change companies"),
    p("companies:delete", true, "Delete companies"),
    p("deals:read", true, "See deals"),
    p("deals:write", true, "Create, change and move deals"),
    p("deals:delete", true, "Delete deals"),
    p("pipelines:read", false, "See pipelines and stages"),
    p("pipelines:write", false, "Change pipelines and stages"),
    p("tickets:read", true, "See tickets and public replies"),
    p(
        "tickets:write",
        true,
        "Create tickets, reply, change status",
    ),
    p("tickets:internal", true, "See and write internal notes"),
    p("tickets:assign", true, "Claim and assign tickets"),
    p("tickets:delete", true, "Delete tickets"),
    p("queues:read", false, "See queues"),
    p("queues:write", false, "Change queues and routing"),
    p("activities:read", true, "See notes, calls, meetings, tasks"),
    p("activities:write", true, "Create and change activities"),
    p("custom_fields:read", false, "See custom field definitions"),
    p("custom_fields:write", false, "Define custom fields"),
    p("sla_policies:read", false, "See SLA policies"),
    p("sla_policies:write", false, "Change SLA policies"),
    p("dashboards:read", false, "See live dashboards"),
    p("events:read", true, "Read the event log"),
    p(
        "users:read",
        true,
        "See users (own: oneself, team: team mates)",
    ),
    p("webhooks:read", false, "See webhooks"),
    p("webhooks:write", false, "Change webhooks"),
    p(
        "admin:users",
        false,
        "Create, change, disable users; manage teams",
    ),
    p("admin:roles", false, "Create and change roles"),
    p("admin:api_keys", false, "Create and revoke API keys"),
    p(
        "admin:settings",
        false,
        "Change tenant settings (security, branding)",
    ),
    p("admin:audit", false, "Read the audit trail"),
    p(
        "privacy:hold",
        false,
        "Place and lift legal holds on records",
    ),
    p(
        "privacy:erase",
        false,
        "Erase a person and what is held about them (GDPR Art. 17)",
    ),
    p(
        "privacy:export",
        false,
        "Export everything held about a person (GDPR Art. 15, 20)",
    ),
];

pub fn lookup(name: &str) -> Option<&'static PermissionSpec> {
    CATALOGUE.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_resource_action_pairs() {
        let mut names: Vec<_> = CATALOGUE.iter().map(|p| p.name).collect();
        assert!(names.iter().all(|n| n.split(':').count() == 2));
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len());
    }

    #[test]
    fn scopes_order_from_narrow_to_wide() {
        assert!(Scope::Own < Scope::Team && Scope::Team < Scope::All);
        assert_eq!(Scope::parse("team"), Some(Scope::Team));
        assert_eq!(Scope::parse("everything"), None);
    }
}

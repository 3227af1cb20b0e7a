//! The built-in roles every tenant has. Defined here rather than stored, so
//! every tenant gets the same, upgradable definitions; they can be used as
//! parents of custom roles but not changed or deleted.

use super::permission::{CATALOGUE, Scope};

pub struct BuiltinRole {
    pub name: &'static str,
    pub parent: Option<&'static str>,
    pub description: &'static str,
    pub grants: &'static [(&'static str, Scope)],
}

use Scope::{All, Own, Team};

pub const BUILTIN: &[BuiltinRole] = &[
    BuiltinRole {
        name: "viewer",
        parent: None,
        description: "Reads everything in the CRM, changes nothing",
        grants: &[
            ("contacts:read", All),
            ("companies:read", All),
            ("deals:read", All),
            ("pipelines:read", All),
            ("tickets:read", All),
            ("queues:read", All),
            ("activities:read", All),
            ("custom_fields:read", All),
            ("sla_policies:read", All),
            ("dashboards:read", All),
            ("events:read", All),
            ("users:read", All),
        ],
    },
    BuiltinRole {
        name: "agent",
        parent: None,
        description: "Support agent: works the tickets of their team",
        grants: &[
            ("contacts:read", All),
            ("contacts:write", All),
            ("companies:read", All),
            ("tickets:read", Team),
            ("tickets:write", Team),
            ("tickets:internal", Team),
            ("tickets:assign", Own),
            ("queues:read", All),
            ("activities:read", All),
            ("activities:write", Own),
            ("custom_fields:read", All),
            ("sla_policies:read", All),
            ("dashboards:read", All),
            ("events:read", Team),
            ("users:read", Team),
        ],
    },
    BuiltinRole {
        name: "sales",
        parent: None,
        description: "Sales: works their own deals, shares contacts and companies",
        grants: &[
            ("contacts:read", All),
            ("contacts:write", All),
            ("companies:read", All),
            ("companies:write", All),
            ("deals:read", All),
            ("deals:write", Own),
            ("pipelines:read", All),
            ("activities:read", All),
            ("activities:write", Own),
            ("custom_fields:read", All),
            ("dashboards:read", All),
            ("events:read", All),
            ("users:read", Team),
        ],
    },
    BuiltinRole {
        name: "manager",
        parent: Some("viewer"),
        description: "Runs support and sales: every record, assignment, workflows",
        grants: &[
            ("contacts:write", All),
            ("contacts:delete", All),
            ("companies:write", All),
            ("companies:delete", All),
            ("deals:write", All),
            ("deals:delete", All),
            ("pipelines:write", All),
            ("tickets:write", All),
            ("tickets:internal", All),
            ("tickets:assign", All),
            ("tickets:delete", All),
            ("queues:write", All),
            ("activities:write", All),
            ("custom_fields:write", All),
            ("sla_policies:write", All),
        ],
    },
    BuiltinRole {
        name: "admin",
        parent: Some("manager"),
        description: "Administers users, roles, keys and settings",
        grants: &[
            ("webhooks:read", All),
            ("webhooks:write", All),
            ("admin:users", All),
            ("admin:roles", All),
            ("admin:api_keys", All),
            ("admin:settings", All),
            ("admin:audit", All),
            ("privacy:hold", All),
            ("privacy:erase", All),
            ("privacy:export", All),
        ],
    },
    BuiltinRole {
        name: "owner",
        parent: Some("admin"),
        description: "Everything (granted below by `owner_grants`)",
        grants: &[],
    },
    BuiltinRole {
        name: "customer",
        parent: None,
        description: "Customer portal: their own tickets and public replies",
        grants: &[("tickets:read", Own), ("tickets:write", Own)],
    },
    BuiltinRole {
        name: "supplier",
        parent: None,
        description: "Supplier portal: what was shared with them",
        grants: &[
            ("tickets:read", Own),
            ("tickets:write", Own),
            ("companies:read", Own),
            ("deals:read", Own),
        ],
    },
];

pub fn find(name: &str) -> Option<&'static BuiltinRole> {
    BUILTIN.iter().find(|r| r.name == name)
}

/// The owner holds every permission in the catalogue, at `all`.
pub fn owner_grants() -> impl Iterator<Item = (&'static str, Scope)> {
    CATALOGUE.iter().map(|p| (p.name, All))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_grants_name_catalogue_permissions() {
        for r in BUILTIN {
            for (perm, _) in r.grants {
                assert!(
                    super::super::permission::lookup(perm).is_some(),
                    "{}: {perm}",
                    r.name
                );
            }
            if let Some(p) = r.parent {
                assert!(find(p).is_some(), "{} has unknown parent {p}", r.name);
            }
        }
    }
}

//! Role resolution: built-in plus custom roles, inheritance along parents,
//! and the effective grants of a set of roles.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;

use super::builtin::{self, BUILTIN};
use super::permission::{self, Scope};
use crate::storage::roles::RoleRow;

/// What a principal may do under one permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EffectiveGrant {
    pub scope: Scope,
    /// Fields of the resource this principal must not see.
    pub hidden_fields: BTreeSet<String>,
}

pub type Grants = BTreeMap<&'static str, EffectiveGrant>;

/// Merges one grant in. Several roles granting the same permission combine
/// to the most permissive: the widest scope, and only fields hidden by all.
fn merge(into: &mut Grants, perm: &'static str, scope: Scope, hidden: BTreeSet<String>) {
    into.entry(perm)
        .and_modify(|g| {
            g.scope = g.scope.max(scope);
            g.hidden_fields = g.hidden_fields.intersection(&hidden).cloned().collect();
        })
        .or_insert(EffectiveGrant {
            scope,
            hidden_fields: hidden,
        });
}

/// The tenant's roles: the built-ins and its custom ones.
pub struct RoleSet {
    custom: HashMap<String, RoleRow>,
}

impl RoleSet {
    pub fn new(custom: Vec<RoleRow>) -> Self {
        Self {
            custom: custom.into_iter().map(|r| (r.name.clone(), r)).collect(),
        }
    }

    pub fn exists(&self, name: &str) -> bool {
        builtin::find(name).is_some() || self.custom.contains_key(name)
    }

    pub fn is_builtin(name: &str) -> bool {
        builtin::find(name).is_some()
    }

    pub fn custom(&self, name: &str) -> Option<&RoleRow> {
        self.custom.get(name)
    }

    pub fn custom_roles(&self) -> impl Iterator<Item = &RoleRow> {
        self.custom.values()
    }

    fn parent(&self, name: &str) -> Option<String> {
        match builtin::find(name) {
            Some(b) => b.parent.map(str::to_owned),
            None => self.custom.get(name).and_then(|r| r.parent.clone()),
        }
    }

    /// Would giving `role` the parent `parent` make a cycle?
    pub fn would_cycle(&self, role: &str, parent: &str) -> bool {
        let mut seen = HashSet::new();
        let mut at = Some(parent.to_owned());
        while let Some(name) = at {
            if name == role || !seen.insert(name.clone()) {
                return true;
            }
            at = self.parent(&name);
        }
        false
    }

    /// The grants of one role alone, without its parents.
    fn own_grants(&self, name: &str, into: &mut Grants) {
        if name == "owner" {
            for (perm, scope) in builtin::owner_grants() {
                merge(into, perm, scope, BTreeSet::new());
            }
        }
        if let Some(b) = builtin::find(name) {
            for (perm, scope) in b.grants {
                merge(into, perm, *scope, BTreeSet::new());
            }
        } else if let Some(r) = self.custom.get(name) {
            for g in &r.grants {
                // Stored grants were validated on write; skip anything a
                // newer catalogue dropped rather than fail the request.
                let (Some(spec), Some(scope)) =
                    (permission::lookup(&g.permission), Scope::parse(&g.scope))
                else {
                    continue;
                };
                merge(
                    into,
                    spec.name,
                    scope,
                    g.hidden_fields.iter().cloned().collect(),
                );
            }
        }
    }

    /// Effective grants of a principal holding `roles`, parents included.
    ///
    /// Along one role's chain of parents the nearest definition of a
    /// permission wins: a child that grants a permission its parent grants
    /// too replaces it, scope and hidden fields alike, so a child may widen
    /// a scope *and* hide more fields than its parent (a `sales` child
    /// hiding `email` hides it). Permissions the child does not mention are
    /// inherited unchanged. The roles a principal holds side by side then
    /// combine to the most permissive ([`merge`]).
    /// Stored data with a cycle (which writes refuse) still terminates.
    pub fn effective(&self, roles: &[String]) -> Grants {
        let mut out = Grants::new();
        for role in roles {
            for (perm, g) in self.chain(role) {
                merge(&mut out, perm, g.scope, g.hidden_fields);
            }
        }
        out
    }

    /// One role's grants with its parents', the nearest definition winning.
    fn chain(&self, role: &str) -> Grants {
        let mut chain = Grants::new();
        let mut seen = HashSet::new();
        let mut at = Some(role.to_owned());
        while let Some(name) = at {
            if !seen.insert(name.clone()) {
                break;
            }
            let mut level = Grants::new();
            self.own_grants(&name, &mut level);
            for (perm, g) in level {
                chain.entry(perm).or_insert(g);
            }
            at = self.parent(&name);
        }
        chain
    }

    /// The tenant's roles with `row` in place of the custom role of its
    /// name (or added): what a role change would make of every role.
    pub fn with(&self, row: RoleRow) -> RoleSet {
        let mut custom = self.custom.clone();
        custom.insert(row.name.clone(), row);
        RoleSet { custom }
    }

    /// Names of all roles, built-ins first.
    pub fn names(&self) -> Vec<String> {
        let mut custom: Vec<_> = self.custom.keys().cloned().collect();
        custom.sort();
        BUILTIN
            .iter()
            .map(|b| b.name.to_owned())
            .chain(custom)
            .collect()
    }
}

/// Does `have` cover `want`: every permission at least as wide, hiding no
/// more? Used to stop anyone from handing out more than they hold.
pub fn covers(have: &Grants, want: &Grants) -> bool {
    want.iter().all(|(perm, w)| {
        have.get(perm)
            .is_some_and(|h| h.scope >= w.scope && h.hidden_fields.is_subset(&w.hidden_fields))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::roles::GrantRow;
    use chrono::Utc;

    fn role(name: &str, parent: Option<&str>, grants: &[(&str, &str, &[&str])]) -> RoleRow {
        RoleRow {
            name: name.into(),
            parent: parent.map(Into::into),
            description: String::new(),
            grants: grants
                .iter()
                .map(|(p, s, h)| GrantRow {
                    permission: (*p).into(),
                    scope: (*s).into(),
                    hidden_fields: h.iter().map(|x| (*x).into()).collect(),
                })
                .collect(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_role_inherits_its_parents_grants() {
        let set = RoleSet::new(vec![role(
            "lead",
            Some("agent"),
            &[("tickets:assign", "team", &[])],
        )]);
        let g = set.effective(&["lead".into()]);
        assert_eq!(g["tickets:assign"].scope, Scope::Team); // own, widened
        assert_eq!(g["tickets:read"].scope, Scope::Team); // from agent
        assert!(!g.contains_key("admin:users"));
        let admin = set.effective(&["admin".into()]);
        assert_eq!(admin["contacts:read"].scope, Scope::All); // admin → manager → viewer
        assert!(admin.contains_key("admin:users"));
    }

    #[test]
    fn a_child_may_hide_what_its_parent_shows() {
        let set = RoleSet::new(vec![role(
            "discreet-sales",
            Some("sales"),
            &[("contacts:read", "all", &["email"])],
        )]);
        let g = set.effective(&["discreet-sales".into()]);
        assert_eq!(
            g["contacts:read"].hidden_fields,
            BTreeSet::from(["email".to_owned()])
        );
        assert_eq!(g["deals:read"].scope, Scope::All); // inherited unchanged
        // Holding the parent beside it shows the field again (most permissive).
        let both = set.effective(&["discreet-sales".into(), "sales".into()]);
        assert!(both["contacts:read"].hidden_fields.is_empty());
    }

    #[test]
    fn cycles_are_detected() {
        let set = RoleSet::new(vec![
            role("a", Some("b"), &[]),
            role("b", Some("c"), &[]),
            role("c", None, &[]),
        ]);
        assert!(set.would_cycle("c", "a"));
        assert!(set.would_cycle("a", "a"));
        assert!(!set.would_cycle("c", "viewer"));
        // Even a stored cycle resolves without looping.
        let looped = RoleSet::new(vec![
            role("x", Some("y"), &[]),
            role("y", Some("x"), &[("contacts:read", "own", &[])]),
        ]);
        assert_eq!(
            looped.effective(&["x".into()])["contacts:read"].scope,
            Scope::Own
        );
    }

    #[test]
    fn combining_roles_is_most_permissive() {
        let set = RoleSet::new(vec![
            role("r1", None, &[("contacts:read", "own", &["phone", "email"])]),
            role("r2", None, &[("contacts:read", "team", &["phone"])]),
        ]);
        let g = set.effective(&["r1".into(), "r2".into()]);
        assert_eq!(g["contacts:read"].scope, Scope::Team);
        assert_eq!(
            g["contacts:read"].hidden_fields,
            BTreeSet::from(["phone".to_owned()])
        );
    }

    #[test]
    fn owner_has_everything_and_covers_admin() {
        let set = RoleSet::new(vec![]);
        let owner = set.effective(&["owner".into()]);
        assert_eq!(owner.len(), permission::CATALOGUE.len());
        assert!(covers(&owner, &set.effective(&["admin".into()])));
        assert!(!covers(&set.effective(&["agent".into()]), &owner));
    }
}

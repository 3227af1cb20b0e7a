//! Who is asking, and the one place that decides what they may do.

use std::collections::BTreeSet;

use serde_json::{Map, Value};
use uuid::Uuid;

use super::permission::Scope;
use super::roles::{EffectiveGrant, Grants};
use crate::domain::tenant::TenantId;
use crate::storage::audit_log::Actor;

/// An authenticated caller within one tenant.
#[derive(Debug, Clone)]
pub struct Principal {
    pub tenant_id: TenantId,
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub kind: String,
    pub roles: Vec<String>,
    pub teams: Vec<Uuid>,
    pub grants: Grants,
    pub via: Via,
    /// MFA is required for this user's roles but not enrolled: the session
    /// may only enrol (and read `/me`, and log out).
    pub mfa_enrollment_required: bool,
}

/// How the caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Session(Uuid),
    ApiKey(Uuid),
    /// A webhook endpoint reading the log for delivery (never writes).
    Webhook(Uuid),
}

/// The people a record belongs to, for `own` and `team` scopes.
#[derive(Debug, Clone, Default)]
pub struct RecordMeta {
    /// Owner, requester, assignee, and whoever it was shared with.
    pub people: Vec<Uuid>,
    pub teams: Vec<Uuid>,
}

/// The answer to "may this principal do this?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision<'a> {
    Allow { hidden_fields: &'a BTreeSet<String> },
    Deny,
}

impl Principal {
    /// Who this caller is in the audit trail: the user, or the API key
    /// acting for its maker.
    pub fn audit_actor(&self) -> Actor {
        match self.via {
            Via::ApiKey(id) => Actor::ApiKey {
                id,
                user_id: self.user_id,
            },
            Via::Session(_) | Via::Webhook(_) => Actor::User {
                id: self.user_id,
                kind: Some(self.kind.clone()),
            },
        }
    }

    pub fn grant(&self, permission: &str) -> Option<&EffectiveGrant> {
        self.grants.get(permission)
    }

    /// May the principal use `permission` at all (on some record)?
    pub fn has(&self, permission: &str) -> bool {
        self.grants.contains_key(permission)
    }

    /// May the principal do `permission` on this record, and which of its
    /// fields stay hidden? HTTP handlers and event delivery both ask here.
    pub fn decide(&self, permission: &str, record: &RecordMeta) -> Decision<'_> {
        let Some(g) = self.grants.get(permission) else {
            return Decision::Deny;
        };
        let mine = record.people.contains(&self.user_id);
        let ours = record.teams.iter().any(|t| self.teams.contains(t));
        let ok = match g.scope {
            Scope::All => true,
            Scope::Team => mine || ours,
            Scope::Own => mine,
        };
        if ok {
            Decision::Allow {
                hidden_fields: &g.hidden_fields,
            }
        } else {
            Decision::Deny
        }
    }
}

/// Fields kept by the server from another field's values: hiding the
/// source hides them too (a deal's `stage_history` lists its stage ids).
const DERIVED: &[(&str, &str)] = &[("stage_history", "stage_id")];

/// Is `field` hidden by `hidden`, itself or through the field it derives from?
pub fn hides(hidden: &BTreeSet<String>, field: &str) -> bool {
    hidden.contains(field)
        || DERIVED
            .iter()
            .any(|(derived, source)| *derived == field && hidden.contains(*source))
}

/// Removes hidden fields from a serialised record (top level, derived
/// fields, and `custom`).
pub fn redact(object: &mut Map<String, Value>, hidden: &BTreeSet<String>) {
    if hidden.is_empty() {
        return;
    }
    object.retain(|k, _| !hides(hidden, k));
    if let Some(Value::Object(custom)) = object.get_mut("custom") {
        custom.retain(|k, _| !hidden.contains(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::roles::RoleSet;

    fn principal(roles: &[&str], teams: Vec<Uuid>) -> Principal {
        let set = RoleSet::new(vec![]);
        Principal {
            tenant_id: TenantId::generate(),
            user_id: Uuid::now_v7(),
            email: "p@x.example".into(),
            name: "P".into(),
            kind: "staff".into(),
            roles: roles.iter().map(|r| (*r).into()).collect(),
            grants: set.effective(&roles.iter().map(|r| (*r).to_string()).collect::<Vec<_>>()),
            teams,
            via: Via::Session(Uuid::now_v7()),
            mfa_enrollment_required: false,
        }
    }

    #[test]
    fn scopes_reach_as_far_as_they_say() {
        let team = Uuid::now_v7();
        let agent = principal(&["agent"], vec![team]);
        let customer = principal(&["customer"], vec![]);
        let theirs = RecordMeta {
            people: vec![Uuid::now_v7()],
            teams: vec![],
        };
        let team_rec = RecordMeta {
            people: vec![],
            teams: vec![team],
        };
        let customer_rec = RecordMeta {
            people: vec![customer.user_id],
            teams: vec![],
        };
        // agent: tickets:read at team scope
        assert_eq!(agent.decide("tickets:read", &theirs), Decision::Deny);
        assert!(matches!(
            agent.decide("tickets:read", &team_rec),
            Decision::Allow { .. }
        ));
        // customer: own tickets only
        assert_eq!(customer.decide("tickets:read", &team_rec), Decision::Deny);
        assert!(matches!(
            customer.decide("tickets:read", &customer_rec),
            Decision::Allow { .. }
        ));
        assert_eq!(
            customer.decide("contacts:read", &customer_rec),
            Decision::Deny
        );
        // viewer: all
        assert!(matches!(
            principal(&["viewer"], vec![]).decide("tickets:read", &theirs),
            Decision::Allow { .. }
        ));
    }

    #[test]
    fn hiding_a_stage_hides_its_history() {
        let mut v =
            serde_json::json!({"id": "1", "stage_id": "won", "stage_history": [{"to": "won"}]});
        redact(
            v.as_object_mut().unwrap(),
            &BTreeSet::from(["stage_id".to_owned()]),
        );
        assert_eq!(v, serde_json::json!({"id": "1"}));
    }

    #[test]
    fn redaction_removes_top_level_and_custom_fields() {
        let mut v =
            serde_json::json!({"id": "1", "phone": "+49", "custom": {"phone": 1, "vip": true}});
        let hidden = BTreeSet::from(["phone".to_owned()]);
        redact(v.as_object_mut().unwrap(), &hidden);
        assert_eq!(v, serde_json::json!({"id": "1", "custom": {"vip": true}}));
    }
}

//! Administration of identities: users, teams, roles, API keys, security
//! settings. Every change is checked against the actor's own grants, so
//! nobody can hand out more than they hold.

use super::builtin::BUILTIN;
use super::permission::{self, Scope};
use super::principal::{Decision, Principal, RecordMeta, redact};
use super::roles::{RoleSet, covers};
use super::service::{AuthError, ClientInfo, SecuritySettings, role_set, security_settings};
use super::tokens;
use crate::domain::email::Email;
use crate::domain::password::{self, Password};
use crate::domain::{FieldError, Validation};
use crate::storage::roles::{GrantRow, RoleRow};
use crate::storage::users::NewUser;
use crate::storage::{
    StorageError, TenantDb, TenantTx, api_keys, audit, sessions, settings, teams, users,
};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use uuid::Uuid;

const KINDS: [&str; 3] = ["staff", "customer", "supplier"];

/// Without an explicit kind, a user who holds only the customer (or only
/// the supplier) role is that portal's user; anyone else is staff.
fn default_kind(roles: &[String]) -> &'static str {
    for portal in ["customer", "supplier"] {
        if !roles.is_empty() && roles.iter().all(|r| r == portal) {
            return portal;
        }
    }
    "staff"
}

async fn record(
    tx: &mut TenantTx,
    actor: &Principal,
    c: &ClientInfo,
    kind: &str,
    detail: Value,
) -> Result<(), AuthError> {
    audit::record(
        tx,
        &audit::AuthEvent {
            kind,
            user_id: Some(actor.user_id),
            email: Some(&actor.email),
            ip: Some(&c.ip),
            detail,
        },
    )
    .await?;
    Ok(())
}

/// Refuses roles the actor could not hold themselves.
fn check_escalation(
    actor: &Principal,
    set: &RoleSet,
    roles: &[String],
    field: &str,
) -> Result<(), AuthError> {
    if covers(&actor.grants, &set.effective(roles)) {
        Ok(())
    } else {
        Err(AuthError::Forbidden(format!(
            "{field}: you cannot grant permissions you do not hold yourself"
        )))
    }
}

fn check_roles_exist(v: &mut Validation, set: &RoleSet, roles: &[String], field: &str) {
    for r in roles {
        if !set.exists(r) {
            v.push(FieldError::new(field, format!("unknown role {r:?}")));
        }
    }
}

async fn check_teams_exist(
    tx: &mut TenantTx,
    v: &mut Validation,
    ids: &[Uuid],
) -> Result<(), AuthError> {
    let known: BTreeSet<Uuid> = teams::list(tx).await?.into_iter().map(|t| t.id).collect();
    for id in ids {
        if !known.contains(id) {
            v.push(FieldError::new("teams", format!("unknown team {id}")));
        }
    }
    Ok(())
}

fn check_name(v: &mut Validation, name: &str) -> Option<String> {
    let t = name.trim();
    if t.is_empty() || t.chars().count() > 200 || t.chars().any(char::is_control) {
        v.push(FieldError::new(
            "name",
            "must be 1-200 characters without control characters",
        ));
        None
    } else {
        Some(t.to_owned())
    }
}

mod key_admin;
mod role_admin;
mod security_admin;
mod team_admin;
mod user_admin;

pub use key_admin::*;
pub use role_admin::*;
pub use security_admin::*;
pub use team_admin::*;
pub use user_admin::*;

//! Administration of identities: users, teams, roles, API keys, security
//! settings. Every change is checked against the actor's own grants, so
//! nobody can hand out more than they hold.

use std::collections::BTreeSet;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::builtin::BUILTIN;
use super::permission::{self, Scope};
use super::principal::{Decision, Principal, RecordMeta, redact};
use super::roles::{RoleSet, covers};
use super::service::{
    AuthError, ClientInfo, SECURITY_KEY, SecuritySettings, role_set, security_settings,
};
use super::tokens;
use crate::domain::email::Email;
use crate::domain::password::{self, Password};
use crate::domain::{FieldError, Validation};
use crate::storage::roles::{GrantRow, RoleRow};
use crate::storage::users::NewUser;
use crate::storage::{
    StorageError, TenantDb, TenantTx, api_keys, audit, sessions, settings, teams, users,
};

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

// ---- users -------------------------------------------------------------

#[derive(Debug, Serialize)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub roles: Vec<String>,
    pub teams: Vec<Uuid>,
    pub created_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUserInput {
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub password: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub kind: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub teams: Vec<Uuid>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub roles: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub teams: Option<Vec<Uuid>>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub password: Option<String>,
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

/// Users as JSON objects the actor may see (scope of `users:read`, hidden fields removed).
pub async fn list_users(db: &TenantDb, actor: &Principal) -> Result<Vec<Value>, AuthError> {
    let mut tx = db.begin_read().await?;
    let all = users::list(&mut tx).await?;
    let (roles, teams) = users::all_memberships(&mut tx).await?;
    tx.rollback().await?;
    Ok(all
        .into_iter()
        .filter_map(|u| {
            let view = UserView {
                roles: roles
                    .iter()
                    .filter(|r| r.0 == u.id)
                    .map(|r| r.1.clone())
                    .collect(),
                teams: teams.iter().filter(|t| t.0 == u.id).map(|t| t.1).collect(),
                id: u.id,
                email: u.email,
                name: u.name,
                kind: u.kind,
                status: u.status,
                created_at: u.created_at,
            };
            visible_user(actor, view)
        })
        .collect())
}

/// The user as `actor` may see them, or `None` (outside their scope).
fn visible_user(actor: &Principal, view: UserView) -> Option<Value> {
    let meta = RecordMeta {
        people: vec![view.id],
        teams: view.teams.clone(),
    };
    match actor.decide("users:read", &meta) {
        Decision::Allow { hidden_fields } => {
            let mut v = serde_json::to_value(&view).ok()?;
            if let Some(o) = v.as_object_mut() {
                redact(o, hidden_fields);
            }
            Some(v)
        }
        Decision::Deny => None,
    }
}

pub async fn get_user(db: &TenantDb, actor: &Principal, id: Uuid) -> Result<Value, AuthError> {
    let mut tx = db.begin_read().await?;
    let view = load_view(&mut tx, id).await?;
    tx.rollback().await?;
    visible_user(actor, view).ok_or(AuthError::NotFound)
}

async fn load_view(tx: &mut TenantTx, id: Uuid) -> Result<UserView, AuthError> {
    let u = users::get(tx, id).await?.ok_or(AuthError::NotFound)?;
    Ok(UserView {
        roles: users::roles_of(tx, id).await?,
        teams: users::teams_of(tx, id).await?,
        id: u.id,
        email: u.email,
        name: u.name,
        kind: u.kind,
        status: u.status,
        created_at: u.created_at,
    })
}

pub async fn create_user(
    db: &TenantDb,
    actor: &Principal,
    input: &NewUserInput,
    c: &ClientInfo,
    max_users: Option<i64>,
) -> Result<UserView, AuthError> {
    let mut v = Validation::default();
    let email = match &input.email {
        Some(e) => v.check(Email::parse("email", e)),
        None => {
            v.push(FieldError::new("email", "is required"));
            None
        }
    };
    let name = match &input.name {
        Some(n) => check_name(&mut v, n),
        None => email
            .as_ref()
            .map(|e| e.as_str().split('@').next().unwrap_or_default().to_owned()),
    };
    let password = match &input.password {
        Some(p) => v.check(Password::parse("password", p)),
        None => {
            v.push(FieldError::new("password", "is required"));
            None
        }
    };
    let kind = input
        .kind
        .clone()
        .unwrap_or_else(|| default_kind(&input.roles).into());
    if !KINDS.contains(&kind.as_str()) {
        v.push(FieldError::new(
            "kind",
            "must be staff, customer or supplier",
        ));
    }
    let mut tx = db.begin().await?;
    let set = role_set(&mut tx).await?;
    check_roles_exist(&mut v, &set, &input.roles, "roles");
    check_teams_exist(&mut tx, &mut v, &input.teams).await?;
    v.finish().map_err(AuthError::Validation)?;
    check_escalation(actor, &set, &input.roles, "roles")?;
    if let Some(max) = max_users
        && users::count(&mut tx).await? >= max
    {
        return Err(AuthError::QuotaExceeded(format!(
            "The plan allows {max} users; this tenant has reached it."
        )));
    }
    let (Some(email), Some(name), Some(password)) = (email, name, password) else {
        return Err(AuthError::Validation(vec![FieldError::new(
            "",
            "invalid user",
        )]));
    };
    let hash = password::hash(password).await?;
    let kind_static = KINDS
        .iter()
        .find(|k| **k == kind)
        .copied()
        .unwrap_or("staff");
    let id = users::insert(
        &mut tx,
        &NewUser {
            email,
            name,
            password_hash: hash,
            kind: kind_static,
            roles: input.roles.clone(),
        },
    )
    .await
    .map_err(|e| match e {
        StorageError::Conflict(_) => {
            AuthError::Conflict("A user with this email already exists.".into())
        }
        other => other.into(),
    })?;
    users::set_teams(&mut tx, id, &input.teams).await?;
    record(
        &mut tx,
        actor,
        c,
        "user.created",
        json!({"target": id, "roles": input.roles}),
    )
    .await?;
    let view = load_view(&mut tx, id).await?;
    tx.commit().await?;
    Ok(view)
}

pub async fn update_user(
    db: &TenantDb,
    actor: &Principal,
    id: Uuid,
    patch: &UserPatch,
    c: &ClientInfo,
) -> Result<UserView, AuthError> {
    let mut v = Validation::default();
    let name = patch.name.as_deref().and_then(|n| check_name(&mut v, n));
    if let Some(s) = &patch.status
        && s != "active"
        && s != "disabled"
    {
        v.push(FieldError::new("status", "must be active or disabled"));
    }
    let password = patch
        .password
        .as_deref()
        .and_then(|p| v.check(Password::parse("password", p)));
    let mut tx = db.begin().await?;
    let set = role_set(&mut tx).await?;
    if let Some(roles) = &patch.roles {
        check_roles_exist(&mut v, &set, roles, "roles");
    }
    if let Some(t) = &patch.teams {
        check_teams_exist(&mut tx, &mut v, t).await?;
    }
    v.finish().map_err(AuthError::Validation)?;
    let before = load_view(&mut tx, id).await?;
    // Nobody changes anything of a user who holds more than they do
    // (a password or status change is a takeover), and roles given must
    // be within reach too.
    if !covers(&actor.grants, &set.effective(&before.roles)) {
        return Err(AuthError::Forbidden(
            "This user holds permissions you do not hold; only someone who holds them may change the user.".into(),
        ));
    }
    if let Some(roles) = &patch.roles {
        check_escalation(actor, &set, roles, "roles")?;
    }
    let disabling = patch.status.as_deref() == Some("disabled") && before.status == "active";
    let losing_owner = before.roles.iter().any(|r| r == "owner")
        && (disabling
            || patch
                .roles
                .as_ref()
                .is_some_and(|r| !r.iter().any(|x| x == "owner")));
    if losing_owner && active_owners(&mut tx).await? <= 1 {
        return Err(AuthError::Conflict(
            "The tenant's last active owner cannot be removed.".into(),
        ));
    }
    users::update_profile(&mut tx, id, name.as_deref(), patch.status.as_deref()).await?;
    if let Some(roles) = &patch.roles {
        users::set_roles(&mut tx, id, roles).await?;
        if *roles != before.roles {
            record(
                &mut tx,
                actor,
                c,
                "user.roles_changed",
                json!({"target": id, "before": before.roles, "after": roles}),
            )
            .await?;
        }
    }
    if let Some(t) = &patch.teams {
        users::set_teams(&mut tx, id, t).await?;
    }
    if let Some(p) = password {
        users::set_password_hash_by_id(&mut tx, id, &password::hash(p).await?).await?;
        sessions::revoke_all_for_user(&mut tx, id, "password_changed").await?;
        record(
            &mut tx,
            actor,
            c,
            "user.password_changed",
            json!({"target": id}),
        )
        .await?;
    }
    if disabling {
        sessions::revoke_all_for_user(&mut tx, id, "user_disabled").await?;
        record(&mut tx, actor, c, "user.disabled", json!({"target": id})).await?;
    }
    let view = load_view(&mut tx, id).await?;
    tx.commit().await?;
    Ok(view)
}

async fn active_owners(tx: &mut TenantTx) -> Result<usize, AuthError> {
    let all = users::list(tx).await?;
    let (roles, _) = users::all_memberships(tx).await?;
    Ok(all
        .iter()
        .filter(|u| u.status == "active" && roles.iter().any(|r| r.0 == u.id && r.1 == "owner"))
        .count())
}

pub async fn delete_user(
    db: &TenantDb,
    actor: &Principal,
    id: Uuid,
    c: &ClientInfo,
) -> Result<(), AuthError> {
    let mut tx = db.begin().await?;
    let before = load_view(&mut tx, id).await?;
    if id == actor.user_id {
        return Err(AuthError::Conflict("You cannot delete yourself.".into()));
    }
    let set = role_set(&mut tx).await?;
    check_escalation(actor, &set, &before.roles, "roles")?;
    if before.roles.iter().any(|r| r == "owner") && active_owners(&mut tx).await? <= 1 {
        return Err(AuthError::Conflict(
            "The tenant's last active owner cannot be removed.".into(),
        ));
    }
    users::delete(&mut tx, id).await?;
    record(
        &mut tx,
        actor,
        c,
        "user.deleted",
        json!({"target": id, "email": before.email}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- teams -------------------------------------------------------------

pub async fn create_team(
    db: &TenantDb,
    actor: &Principal,
    name: &str,
    c: &ClientInfo,
) -> Result<teams::TeamRow, AuthError> {
    let mut v = Validation::default();
    let name = check_name(&mut v, name);
    v.finish().map_err(AuthError::Validation)?;
    let mut tx = db.begin().await?;
    let team = teams::insert(&mut tx, name.as_deref().unwrap_or_default())
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => {
                AuthError::Conflict("A team with this name exists.".into())
            }
            other => other.into(),
        })?;
    record(
        &mut tx,
        actor,
        c,
        "team.created",
        json!({"team": team.id, "name": team.name}),
    )
    .await?;
    tx.commit().await?;
    Ok(team)
}

// ---- roles -------------------------------------------------------------

#[derive(Debug, Serialize)]
pub struct RoleView {
    pub name: String,
    pub parent: Option<String>,
    pub description: String,
    pub builtin: bool,
    pub grants: Vec<GrantRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub parent: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub grants: Option<Vec<GrantInput>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    pub permission: String,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub scope: Option<String>,
    #[serde(default)]
    pub hidden_fields: Vec<String>,
}

pub async fn list_roles(db: &TenantDb) -> Result<Vec<RoleView>, AuthError> {
    let mut tx = db.begin_read().await?;
    let set = role_set(&mut tx).await?;
    tx.rollback().await?;
    let mut out: Vec<RoleView> = BUILTIN
        .iter()
        .map(|b| RoleView {
            name: b.name.into(),
            parent: b.parent.map(Into::into),
            description: b.description.into(),
            builtin: true,
            grants: if b.name == "owner" {
                super::builtin::owner_grants()
                    .map(|(p, s)| GrantRow {
                        permission: p.into(),
                        scope: s.as_str().into(),
                        hidden_fields: vec![],
                    })
                    .collect()
            } else {
                b.grants
                    .iter()
                    .map(|(p, s)| GrantRow {
                        permission: (*p).into(),
                        scope: s.as_str().into(),
                        hidden_fields: vec![],
                    })
                    .collect()
            },
        })
        .collect();
    let mut custom: Vec<_> = set.custom_roles().collect();
    custom.sort_by(|a, b| a.name.cmp(&b.name));
    out.extend(custom.into_iter().map(|r| RoleView {
        name: r.name.clone(),
        parent: r.parent.clone(),
        description: r.description.clone(),
        builtin: false,
        grants: r.grants.clone(),
    }));
    Ok(out)
}

fn valid_role_name(n: &str) -> bool {
    let mut c = n.chars();
    matches!(c.next(), Some('a'..='z'))
        && n.len() <= 40
        && c.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-' | '_'))
}

fn parse_grants(v: &mut Validation, grants: &[GrantInput]) -> Vec<GrantRow> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, g) in grants.iter().enumerate() {
        let field = format!("grants[{i}]");
        let Some(spec) = permission::lookup(&g.permission) else {
            v.push(FieldError::new(
                format!("{field}.permission"),
                format!("unknown permission {:?}", g.permission),
            ));
            continue;
        };
        if !seen.insert(spec.name) {
            v.push(FieldError::new(
                format!("{field}.permission"),
                "listed twice",
            ));
            continue;
        }
        let scope = match g.scope.as_deref() {
            None => Scope::All,
            Some(s) => match Scope::parse(s) {
                Some(sc) => sc,
                None => {
                    v.push(FieldError::new(
                        format!("{field}.scope"),
                        "must be own, team or all",
                    ));
                    continue;
                }
            },
        };
        if !spec.scoped && scope != Scope::All {
            v.push(FieldError::new(
                format!("{field}.scope"),
                format!("{} is not record-scoped; use all", spec.name),
            ));
            continue;
        }
        if g.hidden_fields.iter().any(|f| f.is_empty() || f.len() > 64) {
            v.push(FieldError::new(
                format!("{field}.hidden_fields"),
                "field names are 1-64 characters",
            ));
            continue;
        }
        out.push(GrantRow {
            permission: spec.name.into(),
            scope: scope.as_str().into(),
            hidden_fields: g.hidden_fields.clone(),
        });
    }
    out
}

pub async fn create_role(
    db: &TenantDb,
    actor: &Principal,
    input: &RoleInput,
    c: &ClientInfo,
) -> Result<RoleView, AuthError> {
    let mut v = Validation::default();
    let name = input.name.clone().unwrap_or_default();
    if !valid_role_name(&name) {
        v.push(FieldError::new(
            "name",
            "1-40 characters a-z, 0-9, '-' or '_', starting with a letter",
        ));
    } else if RoleSet::is_builtin(&name) {
        v.push(FieldError::new("name", "is the name of a built-in role"));
    }
    let grants = parse_grants(&mut v, input.grants.as_deref().unwrap_or_default());
    let mut tx = db.begin().await?;
    let set = role_set(&mut tx).await?;
    if let Some(p) = &input.parent
        && !set.exists(p)
    {
        v.push(FieldError::new("parent", format!("unknown role {p:?}")));
    }
    v.finish().map_err(AuthError::Validation)?;
    let row = RoleRow {
        name: name.clone(),
        parent: input.parent.clone(),
        description: input.description.clone().unwrap_or_default(),
        grants,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    };
    // What the role would grant with its parents, the nearest definition
    // winning: the actor must hold all of it.
    let wanted = set.with(row.clone()).effective(std::slice::from_ref(&name));
    if !covers(&actor.grants, &wanted) {
        return Err(AuthError::Forbidden(
            "grants: you cannot grant permissions you do not hold yourself".into(),
        ));
    }
    super::super::storage::roles::insert(&mut tx, &row)
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => {
                AuthError::Conflict(format!("A role named {name:?} exists."))
            }
            other => other.into(),
        })?;
    record(&mut tx, actor, c, "role.created", json!({"role": name})).await?;
    tx.commit().await?;
    Ok(RoleView {
        name: row.name,
        parent: row.parent,
        description: row.description,
        builtin: false,
        grants: row.grants,
    })
}

pub async fn update_role(
    db: &TenantDb,
    actor: &Principal,
    name: &str,
    input: &RoleInput,
    c: &ClientInfo,
) -> Result<RoleView, AuthError> {
    if RoleSet::is_builtin(name) {
        return Err(AuthError::Forbidden(
            "Built-in roles cannot be changed; make a custom role with it as parent.".into(),
        ));
    }
    let mut v = Validation::default();
    if input.name.as_deref().is_some_and(|n| n != name) {
        v.push(FieldError::new("name", "roles cannot be renamed"));
    }
    let grants = input.grants.as_deref().map(|g| parse_grants(&mut v, g));
    let mut tx = db.begin().await?;
    let set = role_set(&mut tx).await?;
    let current = set.custom(name).cloned().ok_or(AuthError::NotFound)?;
    if let Some(p) = &input.parent {
        if !set.exists(p) {
            v.push(FieldError::new("parent", format!("unknown role {p:?}")));
        } else if set.would_cycle(name, p) {
            v.push(FieldError::new(
                "parent",
                format!("{p:?} inherits from {name:?}: that would be a cycle"),
            ));
        }
    }
    v.finish().map_err(AuthError::Validation)?;
    let row = RoleRow {
        parent: input.parent.clone().or(current.parent.clone()),
        description: input
            .description
            .clone()
            .unwrap_or(current.description.clone()),
        grants: grants.unwrap_or(current.grants.clone()),
        ..current.clone()
    };
    // Both what the role grants now and what it would grant, parents
    // included, must be within the actor's reach.
    let wanted = set.with(row.clone()).effective(&[name.to_owned()]);
    if !covers(&actor.grants, &wanted) || !covers(&actor.grants, &set.effective(&[name.to_owned()]))
    {
        return Err(AuthError::Forbidden(
            "grants: you cannot grant permissions you do not hold yourself".into(),
        ));
    }
    super::super::storage::roles::update(&mut tx, &row).await?;
    record(
        &mut tx,
        actor,
        c,
        "role.changed",
        json!({"role": name, "before": current.grants, "after": row.grants, "parent": row.parent}),
    )
    .await?;
    tx.commit().await?;
    Ok(RoleView {
        name: row.name,
        parent: row.parent,
        description: row.description,
        builtin: false,
        grants: row.grants,
    })
}

pub async fn delete_role(
    db: &TenantDb,
    actor: &Principal,
    name: &str,
    c: &ClientInfo,
) -> Result<(), AuthError> {
    if RoleSet::is_builtin(name) {
        return Err(AuthError::Forbidden(
            "Built-in roles cannot be deleted.".into(),
        ));
    }
    let mut tx = db.begin().await?;
    let set = role_set(&mut tx).await?;
    if set.custom(name).is_none() {
        return Err(AuthError::NotFound);
    }
    if !covers(&actor.grants, &set.effective(&[name.to_owned()])) {
        return Err(AuthError::Forbidden(
            "You cannot delete a role that holds more than you do.".into(),
        ));
    }
    let used = super::super::storage::roles::usage(&mut tx, name).await?;
    if used > 0 {
        return Err(AuthError::Conflict(format!(
            "The role is still used {used} time(s) (users, API keys, child roles)."
        )));
    }
    super::super::storage::roles::delete(&mut tx, name).await?;
    record(&mut tx, actor, c, "role.deleted", json!({"role": name})).await?;
    tx.commit().await?;
    Ok(())
}

// ---- API keys ------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyInput {
    pub name: Option<String>,
    pub role: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct NewApiKey {
    #[serde(flatten)]
    pub row: api_keys::ApiKeyRow,
    /// The key itself: shown in this response only.
    pub key: String,
}

pub async fn create_api_key(
    db: &TenantDb,
    actor: &Principal,
    input: &ApiKeyInput,
    c: &ClientInfo,
) -> Result<NewApiKey, AuthError> {
    let mut v = Validation::default();
    let name = match &input.name {
        Some(n) => check_name(&mut v, n),
        None => {
            v.push(FieldError::new("name", "is required"));
            None
        }
    };
    let mut tx = db.begin().await?;
    let set = role_set(&mut tx).await?;
    let role = input.role.clone().unwrap_or_default();
    if !set.exists(&role) {
        v.push(FieldError::new("role", format!("unknown role {role:?}")));
    }
    v.finish().map_err(AuthError::Validation)?;
    check_escalation(actor, &set, std::slice::from_ref(&role), "role")?;
    let (key, prefix, hash) = tokens::new_api_key();
    let row = api_keys::ApiKeyRow {
        id: Uuid::now_v7(),
        name: name.unwrap_or_default(),
        role,
        prefix,
        key_hash: hash,
        created_by: actor.user_id,
        created_at: Utc::now(),
        last_used_at: None,
        revoked_at: None,
    };
    api_keys::insert(&mut tx, &row).await?;
    record(
        &mut tx,
        actor,
        c,
        "api_key.created",
        json!({"api_key_id": row.id, "role": row.role}),
    )
    .await?;
    tx.commit().await?;
    Ok(NewApiKey { row, key })
}

pub async fn revoke_api_key(
    db: &TenantDb,
    actor: &Principal,
    id: Uuid,
    c: &ClientInfo,
) -> Result<(), AuthError> {
    let mut tx = db.begin().await?;
    api_keys::revoke(&mut tx, id).await.map_err(|e| match e {
        StorageError::NotFound => AuthError::NotFound,
        other => other.into(),
    })?;
    record(
        &mut tx,
        actor,
        c,
        "api_key.revoked",
        json!({"api_key_id": id}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- security settings ---------------------------------------------------

pub async fn put_security(
    db: &TenantDb,
    actor: &Principal,
    s: &SecuritySettings,
    c: &ClientInfo,
) -> Result<SecuritySettings, AuthError> {
    let mut v = Validation::default();
    let mut tx = db.begin().await?;
    let set = role_set(&mut tx).await?;
    check_roles_exist(&mut v, &set, &s.mfa_required_roles, "mfa_required_roles");
    v.finish().map_err(AuthError::Validation)?;
    let before = security_settings(&mut tx).await?;
    settings::put(
        &mut tx,
        SECURITY_KEY,
        &serde_json::to_value(s).unwrap_or_default(),
    )
    .await?;
    record(
        &mut tx,
        actor,
        c,
        "settings.security_changed",
        json!({"before": before.mfa_required_roles, "after": s.mfa_required_roles}),
    )
    .await?;
    tx.commit().await?;
    Ok(s.clone())
}

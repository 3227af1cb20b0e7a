//! `/Users`: the tenant's staff as the directory sees them.

use serde_json::{Value, json};
use uuid::Uuid;

use super::patch::{self, PatchRequest};
use super::resources::{self, UserInput};
use super::{Caller, ScimError, filtered_page, parse_filter};
use crate::storage::scim::{self, Directory, ScimUser};
use crate::storage::users::NewUser;
use crate::storage::{TenantDb, TenantTx, sessions, users};

/// Never matches a password: a provisioned person signs in through the
/// tenant's identity provider, or by an invitation an admin sends.
const NO_PASSWORD: &str = "!scim";

/// Each staff user's groups as (team id, team name).
async fn groups_of(tx: &mut TenantTx) -> Result<Vec<(Uuid, Uuid, String)>, ScimError> {
    let teams = scim::teams(tx).await?;
    Ok(scim::memberships(tx)
        .await?
        .into_iter()
        .filter_map(|(team, user)| {
            teams
                .iter()
                .find(|t| t.id == team)
                .map(|t| (user, t.id, t.name.clone()))
        })
        .collect())
}

fn json_of(u: &ScimUser, groups: &[(Uuid, Uuid, String)], base: &str) -> Value {
    let mine: Vec<(Uuid, String)> = groups
        .iter()
        .filter(|g| g.0 == u.id)
        .map(|g| (g.1, g.2.clone()))
        .collect();
    resources::user_json(u, &mine, base)
}

async fn load(tx: &mut TenantTx, id: Uuid, base: &str) -> Result<Value, ScimError> {
    let u = scim::user(tx, id).await?.ok_or_else(ScimError::not_found)?;
    Ok(json_of(&u, &groups_of(tx).await?, base))
}

pub async fn list(
    db: &TenantDb,
    filter: Option<&str>,
    start: Option<i64>,
    count: Option<i64>,
    base: &str,
) -> Result<Value, ScimError> {
    let f = parse_filter(filter)?;
    let mut tx = db.begin_read().await?;
    let all = scim::users(&mut tx).await?;
    let groups = groups_of(&mut tx).await?;
    tx.rollback().await?;
    let resources = all.iter().map(|u| json_of(u, &groups, base)).collect();
    Ok(filtered_page(resources, f.as_ref(), start, count))
}

pub async fn get(db: &TenantDb, id: Uuid, base: &str) -> Result<Value, ScimError> {
    let mut tx = db.begin_read().await?;
    let v = load(&mut tx, id, base).await?;
    tx.rollback().await?;
    Ok(v)
}

async fn active_owners(tx: &mut TenantTx) -> Result<usize, ScimError> {
    let all = users::list(tx).await?;
    let (roles, _) = users::all_memberships(tx).await?;
    Ok(all
        .iter()
        .filter(|u| u.status == "active" && roles.iter().any(|r| r.0 == u.id && r.1 == "owner"))
        .count())
}

async fn is_last_owner(tx: &mut TenantTx, id: Uuid) -> Result<bool, ScimError> {
    let owner = users::roles_of(tx, id).await?.iter().any(|r| r == "owner");
    Ok(owner && active_owners(tx).await? <= 1)
}

pub async fn create(
    db: &TenantDb,
    caller: &Caller,
    body: &Value,
    base: &str,
    max_users: Option<i64>,
) -> Result<Value, ScimError> {
    let input = resources::user_input(body)?;
    let mut tx = db.begin().await?;
    if let Some(max) = max_users
        && users::count(&mut tx).await? >= max
    {
        return Err(ScimError::status(
            403,
            format!("The plan allows {max} users; this tenant has reached it."),
        ));
    }
    let set = crate::identity::service::role_set(&mut tx).await?;
    let roles: Vec<String> = std::iter::once(caller.default_role.clone())
        .filter(|r| set.exists(r))
        .collect();
    // The role a new user starts with is handed out by the token's maker.
    if !crate::identity::roles::covers(&caller.grants, &set.effective(&roles)) {
        return Err(ScimError::status(
            403,
            "The default role holds permissions the token's maker does not; only someone who holds them may provision with it.",
        ));
    }
    let id = users::insert(
        &mut tx,
        &NewUser {
            email: input.email.clone(),
            name: input.display_name.clone(),
            password_hash: NO_PASSWORD.into(),
            kind: "staff",
            roles: roles.clone(),
        },
    )
    .await?;
    write(&mut tx, id, &input, input.active.unwrap_or(true)).await?;
    caller
        .record(
            &mut tx,
            "user.created",
            json!({"target": id, "roles": roles, "active": input.active.unwrap_or(true)}),
        )
        .await?;
    let v = load(&mut tx, id, base).await?;
    tx.commit().await?;
    Ok(v)
}

async fn write(
    tx: &mut TenantTx,
    id: Uuid,
    input: &UserInput,
    active: bool,
) -> Result<(), ScimError> {
    scim::update_user(
        tx,
        id,
        &input.email,
        &input.display_name,
        if active { "active" } else { "disabled" },
        &Directory {
            external_id: input.external_id.as_deref(),
            user_name: &input.user_name,
            attributes: &input.attributes,
        },
    )
    .await?;
    Ok(())
}

/// Writes `input` over user `id`. Whether their sessions ended
/// (deactivated), for the caller to close their sockets.
async fn replace_in(
    tx: &mut TenantTx,
    caller: &Caller,
    id: Uuid,
    input: &UserInput,
) -> Result<bool, ScimError> {
    let before = scim::user(tx, id).await?.ok_or_else(ScimError::not_found)?;
    caller.may_change(tx, id).await?;
    let active = input.active.unwrap_or(before.status == "active");
    let disabling = before.status == "active" && !active;
    if disabling && is_last_owner(tx, id).await? {
        return Err(ScimError::status(
            409,
            "The tenant's last active owner cannot be deactivated.",
        ));
    }
    write(tx, id, input, active).await?;
    if disabling {
        sessions::revoke_all_for_user(tx, id, "scim_deactivated").await?;
    }
    caller
        .record(
            tx,
            if disabling {
                "user.disabled"
            } else {
                "user.updated"
            },
            json!({"target": id, "active": active}),
        )
        .await?;
    Ok(disabling || before.email != input.email.as_str())
}

pub async fn replace(
    db: &TenantDb,
    caller: &Caller,
    id: Uuid,
    body: &Value,
    base: &str,
) -> Result<(Value, bool), ScimError> {
    let input = resources::user_input(body)?;
    let mut tx = db.begin().await?;
    let ended = replace_in(&mut tx, caller, id, &input).await?;
    let v = load(&mut tx, id, base).await?;
    tx.commit().await?;
    Ok((v, ended))
}

pub async fn patch(
    db: &TenantDb,
    caller: &Caller,
    id: Uuid,
    req: &PatchRequest,
    base: &str,
) -> Result<(Value, bool), ScimError> {
    let mut tx = db.begin().await?;
    let mut current = load(&mut tx, id, base).await?;
    patch::apply(&mut current, req)?;
    let input = resources::user_input(&current)?;
    let ended = replace_in(&mut tx, caller, id, &input).await?;
    let v = load(&mut tx, id, base).await?;
    tx.commit().await?;
    Ok((v, ended))
}

pub async fn delete(db: &TenantDb, caller: &Caller, id: Uuid) -> Result<(), ScimError> {
    let mut tx = db.begin().await?;
    scim::user(&mut tx, id)
        .await?
        .ok_or_else(ScimError::not_found)?;
    caller.may_change(&mut tx, id).await?;
    if id == caller.maker {
        return Err(ScimError::status(
            409,
            "The SCIM token's maker cannot be removed through it.",
        ));
    }
    if is_last_owner(&mut tx, id).await? {
        return Err(ScimError::status(
            409,
            "The tenant's last active owner cannot be removed.",
        ));
    }
    users::delete(&mut tx, id).await?;
    caller
        .record(&mut tx, "user.deleted", json!({"target": id}))
        .await?;
    tx.commit().await?;
    Ok(())
}

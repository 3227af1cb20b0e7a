//! `/Groups`: the tenant's teams. A membership decides what a `team`
//! scope reaches, so whoever is added or removed must be someone the
//! token's maker may change.

use chrono::Utc;
use serde_json::{Value, json};
use uuid::Uuid;

use super::patch::{self, PatchRequest};
use super::resources::{self, GroupInput};
use super::{Caller, ScimError, filtered_page, parse_filter};
use crate::storage::scim::{self, ScimTeam};
use crate::storage::{TenantDb, TenantTx};

/// Each team's staff members as (team, user).
async fn members(tx: &mut TenantTx) -> Result<Vec<(Uuid, Uuid)>, ScimError> {
    let staff: Vec<Uuid> = scim::users(tx).await?.into_iter().map(|u| u.id).collect();
    Ok(scim::memberships(tx)
        .await?
        .into_iter()
        .filter(|(_, user)| staff.contains(user))
        .collect())
}

fn json_of(t: &ScimTeam, members: &[(Uuid, Uuid)], base: &str) -> Value {
    let mine: Vec<Uuid> = members
        .iter()
        .filter(|m| m.0 == t.id)
        .map(|m| m.1)
        .collect();
    resources::group_json(t, &mine, base)
}

async fn load(tx: &mut TenantTx, id: Uuid, base: &str) -> Result<Value, ScimError> {
    let t = scim::team(tx, id).await?.ok_or_else(ScimError::not_found)?;
    Ok(json_of(&t, &members(tx).await?, base))
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
    let all = scim::teams(&mut tx).await?;
    let members = members(&mut tx).await?;
    tx.rollback().await?;
    let resources = all.iter().map(|t| json_of(t, &members, base)).collect();
    Ok(filtered_page(resources, f.as_ref(), start, count))
}

pub async fn get(db: &TenantDb, id: Uuid, base: &str) -> Result<Value, ScimError> {
    let mut tx = db.begin_read().await?;
    let v = load(&mut tx, id, base).await?;
    tx.rollback().await?;
    Ok(v)
}

/// Writes the team and its members; the users whose membership changed.
async fn write(
    tx: &mut TenantTx,
    caller: &Caller,
    team: ScimTeam,
    input: &GroupInput,
) -> Result<Vec<Uuid>, ScimError> {
    for m in &input.members {
        if scim::user(tx, *m).await?.is_none() {
            return Err(ScimError::bad(
                "invalidValue",
                format!("member {m} is not a User here"),
            ));
        }
    }
    scim::put_team(tx, &team).await?;
    let changed = scim::set_members(tx, team.id, &input.members).await?;
    for u in &changed {
        caller.may_change(tx, *u).await?;
    }
    Ok(changed)
}

pub async fn create(
    db: &TenantDb,
    caller: &Caller,
    body: &Value,
    base: &str,
) -> Result<(Value, Vec<Uuid>), ScimError> {
    let input = resources::group_input(body)?;
    let team = ScimTeam {
        id: Uuid::now_v7(),
        name: input.display_name.clone(),
        external_id: input.external_id.clone(),
        created_at: Utc::now(),
    };
    let id = team.id;
    let mut tx = db.begin().await?;
    let changed = write(&mut tx, caller, team, &input).await?;
    caller
        .record(
            &mut tx,
            "team.created",
            json!({"team": id, "members": input.members.len()}),
        )
        .await?;
    let v = load(&mut tx, id, base).await?;
    tx.commit().await?;
    Ok((v, changed))
}

async fn replace_in(
    tx: &mut TenantTx,
    caller: &Caller,
    id: Uuid,
    input: &GroupInput,
) -> Result<Vec<Uuid>, ScimError> {
    let before = scim::team(tx, id).await?.ok_or_else(ScimError::not_found)?;
    let team = ScimTeam {
        name: input.display_name.clone(),
        external_id: input.external_id.clone(),
        ..before
    };
    let changed = write(tx, caller, team, input).await?;
    caller
        .record(
            tx,
            "team.changed",
            json!({"team": id, "membership_changed": changed.len()}),
        )
        .await?;
    Ok(changed)
}

pub async fn replace(
    db: &TenantDb,
    caller: &Caller,
    id: Uuid,
    body: &Value,
    base: &str,
) -> Result<(Value, Vec<Uuid>), ScimError> {
    let input = resources::group_input(body)?;
    let mut tx = db.begin().await?;
    let changed = replace_in(&mut tx, caller, id, &input).await?;
    let v = load(&mut tx, id, base).await?;
    tx.commit().await?;
    Ok((v, changed))
}

pub async fn patch(
    db: &TenantDb,
    caller: &Caller,
    id: Uuid,
    req: &PatchRequest,
    base: &str,
) -> Result<(Value, Vec<Uuid>), ScimError> {
    let mut tx = db.begin().await?;
    let mut current = load(&mut tx, id, base).await?;
    patch::apply(&mut current, req)?;
    let input = resources::group_input(&current)?;
    let changed = replace_in(&mut tx, caller, id, &input).await?;
    let v = load(&mut tx, id, base).await?;
    tx.commit().await?;
    Ok((v, changed))
}

pub async fn delete(db: &TenantDb, caller: &Caller, id: Uuid) -> Result<Vec<Uuid>, ScimError> {
    let mut tx = db.begin().await?;
    scim::team(&mut tx, id)
        .await?
        .ok_or_else(ScimError::not_found)?;
    let changed = scim::set_members(&mut tx, id, &[]).await?;
    for u in &changed {
        caller.may_change(&mut tx, *u).await?;
    }
    scim::delete_team(&mut tx, id).await?;
    caller
        .record(&mut tx, "team.deleted", json!({"team": id}))
        .await?;
    tx.commit().await?;
    Ok(changed)
}

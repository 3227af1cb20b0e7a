//! Teams (people who work the same records, for `team` scopes).

use super::*;

pub async fn list_teams(db: &TenantDb) -> Result<Vec<teams::TeamRow>, AuthError> {
    let mut tx = db.begin_read().await?;
    let items = teams::list(&mut tx).await?;
    tx.rollback().await?;
    Ok(items)
}

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

//! API keys: created for a role the actor holds at least, revoked.

use super::*;

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

/// Every key, revoked ones included (the secret itself is never kept).
pub async fn list_api_keys(db: &TenantDb) -> Result<Vec<api_keys::ApiKeyRow>, AuthError> {
    let mut tx = db.begin_read().await?;
    let items = api_keys::list(&mut tx).await?;
    tx.rollback().await?;
    Ok(items)
}

/// Checks that `role` exists and grants nothing `actor` lacks: what an
/// API key or a webhook acts as. `v` holds the other fields' errors.
pub async fn check_delegated_role(
    tx: &mut TenantTx,
    actor: &Principal,
    role: &str,
    mut v: Validation,
) -> Result<(), AuthError> {
    let set = role_set(tx).await?;
    if !set.exists(role) {
        v.push(FieldError::new("role", format!("unknown role {role:?}")));
    }
    v.finish().map_err(AuthError::Validation)?;
    check_escalation(actor, &set, &[role.to_owned()], "role")
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

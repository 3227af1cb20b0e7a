//! The tenant's security settings (which roles must use MFA).

use super::*;

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
    settings::write(&mut tx, s).await?;
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

/// The sign-in log, newest first, a page of `limit` before `before`.
pub async fn auth_events(
    db: &TenantDb,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<audit::AuthEventRow>, AuthError> {
    let mut tx = db.begin_read().await?;
    let items = audit::page(&mut tx, before, limit).await?;
    tx.rollback().await?;
    Ok(items)
}

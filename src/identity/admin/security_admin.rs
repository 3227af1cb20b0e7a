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

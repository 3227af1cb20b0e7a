//! The tenant's security settings: which roles must use MFA, and whether
//! everyone signs in through the tenant's identity providers.

use super::*;

/// Keeps the settings; the users whose sessions ended (SSO made
/// mandatory ends every other way in but the break-glass owners').
pub async fn put_security(
    db: &TenantDb,
    actor: &Principal,
    s: &SecuritySettings,
    c: &ClientInfo,
) -> Result<(SecuritySettings, Vec<Uuid>), AuthError> {
    let mut v = Validation::default();
    let mut tx = db.begin().await?;
    let set = role_set(&mut tx).await?;
    check_roles_exist(&mut v, &set, &s.mfa_required_roles, "mfa_required_roles");
    v.finish().map_err(AuthError::Validation)?;
    let before = security_settings(&mut tx).await?;
    if s.sso_required && !before.sso_required {
        // The admin must not lock themselves out: they need a way in
        // through a provider, or to be a break-glass owner.
        let user = users::auth_by_id(&mut tx, actor.user_id).await?;
        let providers = crate::storage::sso::list(&mut tx).await?;
        let actor_ok = user.is_some_and(|u| u.mfa_enabled)
            || crate::storage::passkeys::count_of_user(&mut tx, actor.user_id).await? > 0;
        let actor_ok = super::super::service::is_break_glass(&actor.roles, actor_ok);
        if !providers.iter().any(|p| p.enabled) {
            return Err(AuthError::Conflict(
                "Add and enable an identity provider before requiring single sign-on.".into(),
            ));
        }
        let signed_in_by_sso = match actor.via {
            super::super::Via::Session(sid) => sessions::get(&mut tx, sid)
                .await?
                .is_some_and(|s| s.method == "sso"),
            _ => false,
        };
        if !actor_ok && !signed_in_by_sso {
            return Err(AuthError::Conflict(
                "Sign in through the identity provider first (or be an owner with MFA), so that requiring single sign-on does not lock you out.".into(),
            ));
        }
    }
    settings::write(&mut tx, s).await?;
    let ended = if s.sso_required && !before.sso_required {
        let all = users::list(&mut tx).await?;
        let mut keep = Vec::new();
        for u in all {
            let roles = users::roles_of(&mut tx, u.id).await?;
            let mfa = users::auth_by_id(&mut tx, u.id)
                .await?
                .is_some_and(|a| a.mfa_enabled)
                || crate::storage::passkeys::count_of_user(&mut tx, u.id).await? > 0;
            if super::super::service::is_break_glass(&roles, mfa) {
                keep.push(u.id);
            }
        }
        sessions::revoke_all_but_sso(&mut tx, &keep, "sso_required").await?
    } else {
        Vec::new()
    };
    record(
        &mut tx,
        actor,
        c,
        "settings.security_changed",
        json!({"before": {"mfa_required_roles": before.mfa_required_roles, "sso_required": before.sso_required},
               "after": {"mfa_required_roles": s.mfa_required_roles, "sso_required": s.sso_required},
               "sessions_ended_for": ended.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok((s.clone(), ended))
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

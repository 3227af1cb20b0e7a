//! MFA enrolment, confirmation and removal for the signed-in user.

use chrono::Utc;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::principal::{Principal, Via};
use super::service::{AuthError, ClientInfo, security_settings};
use super::throttle::LoginThrottle;
use super::totp;
use crate::domain::tenant::Tenant;
use crate::storage::{StorageError, TenantDb, audit, sessions, users};

#[derive(Debug, Serialize)]
pub struct Enrollment {
    pub secret: String,
    pub otpauth_uri: String,
}

async fn record(
    tx: &mut crate::storage::TenantTx,
    p: &Principal,
    c: &ClientInfo,
    kind: &str,
) -> Result<(), AuthError> {
    audit::record(
        tx,
        &audit::AuthEvent {
            kind,
            user_id: Some(p.user_id),
            email: Some(&p.email),
            ip: Some(&c.ip),
            detail: json!({}),
        },
    )
    .await?;
    Ok(())
}

/// Starts enrolment: a new secret, not yet active until confirmed.
pub async fn enroll(
    tenant: &Tenant,
    db: &TenantDb,
    p: &Principal,
    c: &ClientInfo,
) -> Result<Enrollment, AuthError> {
    let mut tx = db.begin().await?;
    let user = users::auth_by_id(&mut tx, p.user_id)
        .await?
        .ok_or(AuthError::NotFound)?;
    if user.mfa_enabled {
        return Err(AuthError::Conflict(
            "MFA is already enabled; disable it first.".into(),
        ));
    }
    let (secret, otpauth_uri) =
        totp::enroll(&user.email, &format!("Mandant {}", tenant.name.as_str()))
            .ok_or_else(|| anyhow::anyhow!("TOTP secret generation failed"))?;
    let sealed = seal_secret(db, user.id, &secret)?;
    users::set_mfa(&mut tx, user.id, Some(&sealed), false).await?;
    record(&mut tx, p, c, "mfa.enroll_started").await?;
    tx.commit().await?;
    Ok(Enrollment {
        secret,
        otpauth_uri,
    })
}

/// Runs a check of the user's second factor under the login throttle,
/// keyed by the user: a code is guessed no faster than a password.
async fn throttled<T>(
    throttle: &LoginThrottle,
    p: &Principal,
    c: &ClientInfo,
    check: impl Future<Output = Result<T, AuthError>>,
) -> Result<T, AuthError> {
    let account = format!("mfa:{}", p.user_id);
    throttle
        .check(p.tenant_id, &account, &c.ip)
        .map_err(AuthError::Throttled)?;
    let outcome = check.await;
    match &outcome {
        Ok(_) => throttle.succeeded(p.tenant_id, &account, &c.ip),
        Err(AuthError::MfaInvalid) => throttle.failed(p.tenant_id, &account, &c.ip),
        Err(_) => {}
    }
    outcome
}

/// Confirms enrolment with a first code; returns the ten recovery codes,
/// shown this once.
pub async fn confirm(
    throttle: &LoginThrottle,
    db: &TenantDb,
    p: &Principal,
    code: &str,
    c: &ClientInfo,
) -> Result<Vec<String>, AuthError> {
    throttled(throttle, p, c, confirm_unthrottled(db, p, code, c)).await
}

async fn confirm_unthrottled(
    db: &TenantDb,
    p: &Principal,
    code: &str,
    c: &ClientInfo,
) -> Result<Vec<String>, AuthError> {
    let mut tx = db.begin().await?;
    let user = users::auth_by_id(&mut tx, p.user_id)
        .await?
        .ok_or(AuthError::NotFound)?;
    let secret = match (&user.mfa_secret, user.mfa_enabled) {
        (Some(s), false) => open_secret(db, user.id, s).await?,
        (_, true) => return Err(AuthError::Conflict("MFA is already enabled.".into())),
        (None, false) => return Err(AuthError::Conflict("Start enrolment first.".into())),
    };
    let now = Utc::now().timestamp().max(0) as u64;
    let step = totp::verify(&secret, code, now).ok_or(AuthError::MfaInvalid)?;
    if !users::advance_mfa_step(&mut tx, user.id, step).await? {
        return Err(AuthError::MfaInvalid);
    }
    users::set_mfa(
        &mut tx,
        user.id,
        Some(&seal_secret(db, user.id, &secret)?),
        true,
    )
    .await?;
    let (codes, hashes) = totp::recovery_codes();
    users::replace_recovery_codes(&mut tx, user.id, &hashes).await?;
    if let Via::Session(sid) = p.via {
        sessions::clear_mfa_pending(&mut tx, sid).await?;
    }
    record(&mut tx, p, c, "mfa.enabled").await?;
    tx.commit().await?;
    Ok(codes)
}

/// Turns MFA off, proven with a current code or a recovery code; refused
/// when the tenant requires MFA for one of the user's roles.
pub async fn disable(
    throttle: &LoginThrottle,
    db: &TenantDb,
    p: &Principal,
    totp_code: Option<&str>,
    recovery_code: Option<&str>,
    c: &ClientInfo,
) -> Result<(), AuthError> {
    throttled(
        throttle,
        p,
        c,
        disable_unthrottled(db, p, totp_code, recovery_code, c),
    )
    .await
}

async fn disable_unthrottled(
    db: &TenantDb,
    p: &Principal,
    totp_code: Option<&str>,
    recovery_code: Option<&str>,
    c: &ClientInfo,
) -> Result<(), AuthError> {
    let mut tx = db.begin().await?;
    let user = users::auth_by_id(&mut tx, p.user_id)
        .await?
        .ok_or(AuthError::NotFound)?;
    if !user.mfa_enabled {
        return Err(AuthError::Conflict("MFA is not enabled.".into()));
    }
    let policy = security_settings(&mut tx).await?;
    if p.roles
        .iter()
        .any(|r| policy.mfa_required_roles.contains(r))
    {
        return Err(AuthError::Forbidden(
            "Your role requires MFA; it cannot be disabled.".into(),
        ));
    }
    let proven = match (totp_code, recovery_code, &user.mfa_secret) {
        (Some(code), _, Some(secret)) => {
            let now = Utc::now().timestamp().max(0) as u64;
            match totp::verify(&open_secret(db, user.id, secret).await?, code, now) {
                Some(step) => users::advance_mfa_step(&mut tx, user.id, step).await?,
                None => false,
            }
        }
        (None, Some(code), _) => {
            users::use_recovery_code(&mut tx, user.id, &totp::hash_recovery_code(code)).await?
        }
        _ => false,
    };
    if !proven {
        return Err(AuthError::MfaInvalid);
    }
    users::set_mfa(&mut tx, user.id, None, false).await?;
    users::replace_recovery_codes(&mut tx, user.id, &[]).await?;
    record(&mut tx, p, c, "mfa.disabled").await?;
    tx.commit().await?;
    Ok(())
}

/// Where a user's TOTP secret is sealed: bound to its row, so a sealed
/// secret copied onto another user does not open.
fn place(user: Uuid) -> String {
    format!("users.mfa_secret:{user}")
}

/// A TOTP secret as stored: sealed under the tenant's current data key.
pub(crate) fn seal_secret(db: &TenantDb, user: Uuid, secret: &str) -> Result<String, StorageError> {
    Ok(db.keys()?.seal(&place(user), secret)?)
}

/// A stored TOTP secret, opened (one stored before sealing existed is
/// read as it is, and sealed at its next change).
pub(crate) async fn open_secret(
    db: &TenantDb,
    user: Uuid,
    stored: &str,
) -> Result<String, StorageError> {
    db.open_sealed(&place(user), stored).await
}

/// Re-seals every stored TOTP secret under the tenant's current data key
/// (after `mandant keys rotate-tenant`); how many changed.
pub async fn reseal_secrets(db: &TenantDb) -> Result<usize, StorageError> {
    let keys = db.keys()?;
    let mut tx = db.begin().await?;
    let mut n = 0;
    for (user, stored) in users::mfa_secrets(&mut tx).await? {
        if keys.is_stale(&stored) {
            let plain = db.open_sealed(&place(user), &stored).await?;
            users::set_mfa_secret(&mut tx, user, &keys.seal(&place(user), &plain)?).await?;
            n += 1;
        }
    }
    tx.commit().await?;
    Ok(n)
}

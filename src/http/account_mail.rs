//! The routes that send account links by e-mail: a password reset asked
//! for by anyone (answered the same whether or not the address has an
//! account), setting a password with a link's token, and invitations.
//! `GET /mail/outbox` shows admins what was sent and what failed.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::authz::{AdminSettings, AdminUsers, Authorized, TicketsWrite, client_info};
use super::extract::{IdPath, TenantScope};
use super::json::ApiJson;
use super::problem::ApiError;
use crate::bus::BusMessage;
use crate::domain::tenant::Tenant;
use crate::identity::AuthError;
use crate::identity::recovery::{self, ResetRequest, SetPassword};
use crate::integrations::mail::reply_address::MailSettings;
use crate::integrations::mail::{self, Addresses};
use crate::services::Services;

/// Mailers on every node send at once.
pub(super) async fn mail_queued(s: &Services, t: &Tenant) {
    let _ = s
        .bus
        .publish(BusMessage::MailQueued { tenant_id: t.id })
        .await;
}

/// `POST /auth/password-reset`: always `202`, so nobody learns which
/// addresses have accounts; throttled like sign-ins.
pub async fn request_reset(
    scope: TenantScope,
    s: web::Data<Services>,
    req: HttpRequest,
    body: ApiJson<ResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let client = client_info(&req);
    let account = format!("reset:{}", body.email.trim().to_lowercase());
    let throttle = s.auth.throttle();
    throttle
        .check(scope.tenant.id, &account, &client.ip)
        .map_err(AuthError::Throttled)?;
    // Every request counts as a failure would: one address cannot fill
    // one mailbox faster than it could guess a password.
    throttle.failed(scope.tenant.id, &account, &client.ip);
    // The answer leaves before the work: its timing says nothing of
    // whether the address has an account.
    if body.email.chars().count() <= 320 {
        let (s, email) = (s.clone(), body.email);
        actix_web::rt::spawn(async move {
            let a = Addresses::of(&s.config);
            match mail::request_reset(&scope.db, &scope.tenant, &a, &email).await {
                Ok(Some(_)) => mail_queued(&s, &scope.tenant).await,
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(tenant = %scope.tenant.slug, error = %e, "a password reset failed")
                }
            }
        });
    }
    Ok(HttpResponse::Accepted().json(json!({
        "status": "accepted",
        "detail": "If an account has this address, a link to set a new password is on its way."
    })))
}

/// `POST /auth/set-password`: the token from a reset or invitation link
/// and the new password. Every session of the account ends.
pub async fn set_password(
    scope: TenantScope,
    s: web::Data<Services>,
    req: HttpRequest,
    body: ApiJson<SetPassword>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let client = client_info(&req);
    // Guessing tokens is throttled like guessing passwords.
    let throttle = s.auth.throttle();
    throttle
        .check(scope.tenant.id, "set-password", &client.ip)
        .map_err(AuthError::Throttled)?;
    let user = match recovery::set_password(&scope.db, &body, &client).await {
        Err(AuthError::Validation(e)) if e.iter().any(|f| f.field == "token") => {
            throttle.failed(scope.tenant.id, "set-password", &client.ip);
            return Err(AuthError::Validation(e).into());
        }
        other => other?,
    };
    s.realtime
        .principals_changed(scope.tenant.id, Some(user))
        .await;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /users/{id}/invite`: sends (again) a link to set a password.
pub async fn invite(
    a: Authorized<AdminUsers>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    crate::identity::admin::check_user_manageable(&a.scope.db, &a.principal, path.id).await?;
    let id = mail::invite(
        &a.scope.db,
        &a.scope.tenant,
        &Addresses::of(&s.config),
        path.id,
    )
    .await?;
    mail_queued(&s, &a.scope.tenant).await;
    Ok(HttpResponse::Accepted().json(json!({"status": "queued", "mail_id": id})))
}

/// The largest message taken in (a provider's hook posts it whole).
const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;

/// `POST /mail/inbound`: a raw message (`message/rfc822`) as a mail
/// provider's inbound hook posts it, with an API key that may write
/// tickets. `201` with the ticket it became or joined.
pub async fn inbound(
    a: Authorized<TicketsWrite>,
    s: web::Data<Services>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let ct = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !(ct.starts_with("message/rfc822") || ct.starts_with("application/octet-stream")) {
        return Err(ApiError::new(
            crate::domain::code::Code::UnsupportedMediaType,
            "Send the message as message/rfc822.",
        ));
    }
    let raw = super::json::read_limited(&mut payload, MAX_MESSAGE_BYTES).await?;
    let (got, events) = mail::inbound::receive(
        &s.files,
        &a.scope.tenant,
        &a.scope.db,
        &a.principal,
        &raw,
        crate::limits::plans::quotas(a.scope.tenant.plan).records,
    )
    .await?;
    s.realtime
        .written(&a.scope.tenant, &a.scope.db, events)
        .await;
    Ok(HttpResponse::Created().json(got))
}

/// `GET /mail/outbox`: the newest messages, without their bodies.
pub async fn outbox(
    a: Authorized<AdminSettings>,
    s: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let items = mail::recent(&a.scope.db, 100).await?;
    Ok(HttpResponse::Ok().json(json!({
        "items": items,
        "smtp": s.config.smtp_url.is_some(),
        "next_cursor": null,
    })))
}

/// `GET settings/mail`: the support address customers answer to.
pub async fn get_mail_settings(a: Authorized<AdminSettings>) -> Result<HttpResponse, ApiError> {
    let s: MailSettings = crate::tenants::settings::load(&a.scope.db).await?;
    Ok(HttpResponse::Ok().json(s))
}

pub async fn put_mail_settings(
    a: Authorized<AdminSettings>,
    body: ApiJson<MailSettings>,
) -> Result<HttpResponse, ApiError> {
    let s = mail::reply_address::normalized(body.into_inner()?);
    crate::tenants::settings::save(&a.scope.db, a.principal.audit_actor(), &s).await?;
    Ok(HttpResponse::Ok().json(s))
}

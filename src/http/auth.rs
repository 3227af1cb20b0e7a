//! `/auth/login`, `/auth/refresh`, `/auth/logout`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::authz::{Authenticated, client_info};
use super::extract::TenantScope;
use super::json::ApiJson;
use super::problem::ApiError;
use crate::identity::LoginRequest;
use crate::services::Services;

pub async fn login(
    scope: TenantScope,
    s: web::Data<Services>,
    req: HttpRequest,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let pair = s
        .auth
        .login(&scope.tenant, &scope.db, &body, &client_info(&req))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(pair))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    refresh_token: String,
}

pub async fn refresh(
    scope: TenantScope,
    s: web::Data<Services>,
    req: HttpRequest,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let pair = s
        .auth
        .refresh(
            &scope.tenant,
            &scope.db,
            &body.refresh_token,
            &client_info(&req),
        )
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(pair))
}

/// Ends the session. One that began at an identity provider offering
/// RP-initiated logout answers with where to end the provider's session
/// too (`200 {end_session_url}`); any other, `204`.
pub async fn logout(a: Authenticated, s: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    let session = s.auth.session_of(&a.scope.db, &a.principal).await?;
    s.auth.logout(&a.scope.db, &a.principal, &a.client).await?;
    s.realtime
        .principals_changed(a.scope.tenant.id, Some(a.principal.user_id))
        .await;
    let end = match &session {
        Some(session) => {
            s.sso
                .end_session_url(&a.scope.tenant, &a.scope.db, session)
                .await
        }
        None => None,
    };
    Ok(match end {
        Some(url) => HttpResponse::Ok()
            .insert_header(("cache-control", "no-store"))
            .json(serde_json::json!({ "end_session_url": url })),
        None => HttpResponse::NoContent().finish(),
    })
}

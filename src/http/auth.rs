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

pub async fn logout(a: Authenticated, s: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    s.auth.logout(&a.scope.db, &a.principal, &a.client).await?;
    s.realtime
        .principals_changed(a.scope.tenant.id, Some(a.principal.user_id))
        .await;
    Ok(HttpResponse::NoContent().finish())
}

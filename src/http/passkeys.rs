//! Passkeys: `me/passkeys` (enrol, list, remove) and `auth/passkey`
//! (sign in without a password). Each ceremony is two requests: `start`
//! gives the options for `navigator.credentials`, `finish` takes its answer.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::authz::{Authenticated, client_info};
use super::extract::{IdPath, TenantScope};
use super::json::ApiJson;
use super::problem::ApiError;
use crate::identity::passkeys::{Assertion, Registration};
use crate::services::Services;

pub async fn list(a: Authenticated, s: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    let items = s.auth.passkeys_of(&a.scope.db, &a.principal).await?;
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

pub async fn register_start(
    a: Authenticated,
    s: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let v = s
        .auth
        .passkey_register_start(&a.scope.db, &a.principal)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(v))
}

pub async fn register_finish(
    a: Authenticated,
    s: web::Data<Services>,
    body: ApiJson<Registration>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let row = s
        .auth
        .passkey_register_finish(&a.scope.db, &a.principal, &body, &a.client)
        .await?;
    // A session that waited for a second factor has one now.
    s.realtime
        .principals_changed(a.scope.tenant.id, Some(a.principal.user_id))
        .await;
    Ok(HttpResponse::Created().json(row))
}

pub async fn remove(
    a: Authenticated,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    s.auth
        .passkey_remove(&a.scope.db, &a.principal, path.id, &a.client)
        .await?;
    s.realtime
        .principals_changed(a.scope.tenant.id, Some(a.principal.user_id))
        .await;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn sign_in_start(
    scope: TenantScope,
    s: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let v = s.auth.passkey_sign_in_start(&scope.db).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(v))
}

pub async fn sign_in_finish(
    scope: TenantScope,
    s: web::Data<Services>,
    req: HttpRequest,
    body: ApiJson<Assertion>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let pair = s
        .auth
        .passkey_sign_in_finish(&scope.tenant, &scope.db, &body, &client_info(&req))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(pair))
}

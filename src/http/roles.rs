//! `/roles`: built-in and custom roles.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::authz::{AdminRoles, Authorized};
use super::extract::NamePath;
use super::json::ApiJson;
use super::problem::ApiError;
use crate::identity::admin::{self, RoleInput};
use crate::identity::permission::CATALOGUE;

pub async fn list(a: Authorized<AdminRoles>) -> Result<HttpResponse, ApiError> {
    let items = admin::list_roles(&a.scope.db).await?;
    Ok(HttpResponse::Ok()
        .json(json!({"items": items, "permissions": CATALOGUE, "next_cursor": null})))
}

pub async fn show(
    a: Authorized<AdminRoles>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let role = admin::list_roles(&a.scope.db)
        .await?
        .into_iter()
        .find(|r| r.name == path.name)
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(role))
}

pub async fn create(
    a: Authorized<AdminRoles>,
    body: ApiJson<RoleInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    Ok(HttpResponse::Created()
        .json(admin::create_role(&a.scope.db, &a.principal, &body, &a.client).await?))
}

pub async fn update(
    a: Authorized<AdminRoles>,
    s: web::Data<crate::services::Services>,
    path: web::Path<NamePath>,
    body: ApiJson<RoleInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let role = admin::update_role(&a.scope.db, &a.principal, &path.name, &body, &a.client).await?;
    // Anyone holding the role may now hold different grants.
    s.realtime.principals_changed(a.scope.tenant.id, None).await;
    Ok(HttpResponse::Ok().json(role))
}

pub async fn delete(
    a: Authorized<AdminRoles>,
    s: web::Data<crate::services::Services>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    admin::delete_role(&a.scope.db, &a.principal, &path.name, &a.client).await?;
    s.realtime.principals_changed(a.scope.tenant.id, None).await;
    Ok(HttpResponse::NoContent().finish())
}

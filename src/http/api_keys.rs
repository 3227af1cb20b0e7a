//! `/api-keys`: integration keys, shown once, stored hashed.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::authz::{AdminApiKeys, Authorized};
use super::extract::IdPath;
use super::json::ApiJson;
use super::problem::ApiError;
use crate::identity::admin::{self, ApiKeyInput};

pub async fn list(a: Authorized<AdminApiKeys>) -> Result<HttpResponse, ApiError> {
    let items = admin::list_api_keys(&a.scope.db).await?;
    Ok(HttpResponse::Ok().json(json!({"items": items, "next_cursor": null})))
}

pub async fn create(
    a: Authorized<AdminApiKeys>,
    body: ApiJson<ApiKeyInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let key = admin::create_api_key(&a.scope.db, &a.principal, &body, &a.client).await?;
    Ok(HttpResponse::Created()
        .insert_header(("cache-control", "no-store"))
        .json(key))
}

pub async fn revoke(
    a: Authorized<AdminApiKeys>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    admin::revoke_api_key(&a.scope.db, &a.principal, path.id, &a.client).await?;
    Ok(HttpResponse::NoContent().finish())
}

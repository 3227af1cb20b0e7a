//! `/settings/security` (MFA policy, SSO required) and `/audit/auth-events`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::authz::{AdminAudit, AdminSettings, Authorized};
use super::json::ApiJson;
use super::problem::ApiError;
use crate::domain::FieldError;
use crate::identity::admin;
use crate::identity::service::SecuritySettings;

pub async fn get(a: Authorized<AdminSettings>) -> Result<HttpResponse, ApiError> {
    let s: SecuritySettings = crate::tenants::settings::load(&a.scope.db).await?;
    Ok(HttpResponse::Ok().json(s))
}

pub async fn put(
    a: Authorized<AdminSettings>,
    s: web::Data<crate::services::Services>,
    body: ApiJson<SecuritySettings>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let (saved, _ended) = admin::put_security(&a.scope.db, &a.principal, &body, &a.client).await?;
    // Open sessions of users whose roles now need MFA are bound at once,
    // and the sockets of sessions SSO ended close.
    s.realtime.principals_changed(a.scope.tenant.id, None).await;
    Ok(HttpResponse::Ok().json(saved))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    limit: Option<i64>,
    cursor: Option<i64>,
}

pub async fn auth_events(
    a: Authorized<AdminAudit>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::validation(vec![FieldError::new(
            "limit",
            "must be between 1 and 200",
        )]));
    }
    let items = admin::auth_events(&a.scope.db, q.cursor, limit).await?;
    let next = (items.len() as i64 == limit)
        .then(|| items.last().map(|e| e.id.to_string()))
        .flatten();
    Ok(HttpResponse::Ok().json(json!({"items": items, "next_cursor": next})))
}

//! `/webhooks`: endpoints (`webhooks:read` to see, `webhooks:write` to
//! change), their delivery log, a test ping, a replay and secret rotation.
//! Secrets are shown once, when made or rotated.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::authz::{Authorized, WebhooksRead, WebhooksWrite};
use super::extract::IdPath;
use super::json::ApiJson;
use super::problem::ApiError;
use crate::bus::BusMessage;
use crate::domain::FieldError;
use crate::integrations::webhooks::{self, ReplayInput, Settings, WebhookInput};
use crate::services::Services;

fn settings(s: &Services) -> Settings {
    Settings::of(&s.config)
}

/// Dispatchers on every node look for the tenant's endpoints again.
async fn changed(s: &Services, a: &crate::domain::tenant::Tenant) {
    let _ = s
        .bus
        .publish(BusMessage::WebhooksChanged { tenant_id: a.id })
        .await;
}

pub async fn list(a: Authorized<WebhooksRead>) -> Result<HttpResponse, ApiError> {
    let items = webhooks::list(&a.scope.db).await?;
    Ok(HttpResponse::Ok().json(json!({"items": items, "next_cursor": null})))
}

pub async fn create(
    a: Authorized<WebhooksWrite>,
    s: web::Data<Services>,
    body: ApiJson<WebhookInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let made = webhooks::create(&a.scope.db, &settings(&s).policy, &a.principal, &body).await?;
    changed(&s, &a.scope.tenant).await;
    Ok(HttpResponse::Created()
        .insert_header(("cache-control", "no-store"))
        .insert_header((
            "location",
            format!(
                "/t/{}/api/v1/webhooks/{}",
                a.scope.tenant.slug, made.webhook.id
            ),
        ))
        .json(made))
}

pub async fn show(
    a: Authorized<WebhooksRead>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(webhooks::get(&a.scope.db, path.id).await?))
}

pub async fn update(
    a: Authorized<WebhooksWrite>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
    body: ApiJson<WebhookInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let w = webhooks::update(
        &a.scope.db,
        &settings(&s).policy,
        &a.principal,
        path.id,
        &body,
    )
    .await?;
    changed(&s, &a.scope.tenant).await;
    Ok(HttpResponse::Ok().json(w))
}

pub async fn delete(
    a: Authorized<WebhooksWrite>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    webhooks::delete(&a.scope.db, &a.principal, path.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn rotate(
    a: Authorized<WebhooksWrite>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let w = webhooks::rotate_secret(&a.scope.db, &a.principal, path.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(w))
}

pub async fn replay(
    a: Authorized<WebhooksWrite>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
    body: ApiJson<ReplayInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let w = webhooks::replay(&a.scope.db, &a.principal, path.id, body.since).await?;
    changed(&s, &a.scope.tenant).await;
    Ok(HttpResponse::Ok().json(w))
}

/// Sends a `webhook.ping` now and answers what the receiver said.
pub async fn ping(
    a: Authorized<WebhooksWrite>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let d = webhooks::ping(&a.scope.db, &settings(&s), path.id).await?;
    Ok(HttpResponse::Ok().json(d))
}

pub async fn deliveries(
    a: Authorized<WebhooksRead>,
    path: web::Path<IdPath>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (mut limit, mut before, mut errors) = (50, None, Vec::new());
    for (k, v) in super::records::query_pairs(&req) {
        match k.as_str() {
            "limit" => match v.parse::<i64>() {
                Ok(n) if (1..=200).contains(&n) => limit = n,
                _ => errors.push(FieldError::new("limit", "must be between 1 and 200")),
            },
            "cursor" => match uuid::Uuid::parse_str(&v) {
                Ok(id) => before = Some(id),
                Err(_) => errors.push(FieldError::new("cursor", "is not a cursor this API issued")),
            },
            other => errors.push(FieldError::new(other, "unknown parameter")),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (items, next) = webhooks::deliveries(&a.scope.db, path.id, before, limit).await?;
    Ok(HttpResponse::Ok().json(json!({"items": items, "next_cursor": next})))
}

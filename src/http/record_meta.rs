//! `/custom-fields`, `/workflows/tickets` and `/events`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::authz::{
    AdminSettings, Authorized, CustomFieldsRead, CustomFieldsWrite, EventsRead, TicketsRead,
};
use super::extract::IdPath;
use super::json::ApiJson;
use super::problem::ApiError;
use crate::domain::FieldError;
use crate::records::fields::{self, FieldInput};
use crate::records::retention::EventSettings;
use crate::records::workflow::TicketWorkflow;
use crate::tenants::settings;

pub async fn list_fields(
    a: Authorized<CustomFieldsRead>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let kind = super::records::query_pairs(&req)
        .into_iter()
        .find(|(k, _)| k == "kind")
        .map(|(_, v)| v);
    let items = fields::list(&a.scope.db, kind.as_deref()).await?;
    Ok(HttpResponse::Ok().json(json!({"items": items, "next_cursor": null})))
}

pub async fn create_field(
    a: Authorized<CustomFieldsWrite>,
    s: web::Data<crate::services::Services>,
    body: ApiJson<FieldInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let w = fields::create(&a.scope.db, &a.principal, &body).await?;
    s.realtime
        .written(&a.scope.tenant, &a.scope.db, w.events)
        .await;
    Ok(HttpResponse::Created().json(w.record))
}

pub async fn update_field(
    a: Authorized<CustomFieldsWrite>,
    s: web::Data<crate::services::Services>,
    path: web::Path<IdPath>,
    body: ApiJson<FieldInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let w = fields::update(&a.scope.db, &a.principal, path.id, &body).await?;
    s.realtime
        .written(&a.scope.tenant, &a.scope.db, w.events)
        .await;
    Ok(HttpResponse::Ok().json(w.record))
}

pub async fn get_workflow(a: Authorized<TicketsRead>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(settings::load::<TicketWorkflow>(&a.scope.db).await?))
}

pub async fn put_workflow(
    a: Authorized<AdminSettings>,
    body: ApiJson<TicketWorkflow>,
) -> Result<HttpResponse, ApiError> {
    let wf = body.into_inner()?;
    settings::save(&a.scope.db, a.principal.audit_actor(), &wf).await?;
    Ok(HttpResponse::Ok().json(wf))
}

pub async fn get_event_settings(a: Authorized<AdminSettings>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(settings::load::<EventSettings>(&a.scope.db).await?))
}

pub async fn put_event_settings(
    a: Authorized<AdminSettings>,
    body: ApiJson<EventSettings>,
) -> Result<HttpResponse, ApiError> {
    let s = body.into_inner()?;
    crate::records::retention::save(&a.scope.db, a.principal.audit_actor(), &s)
        .await?
        .map_err(ApiError::validation)?;
    Ok(HttpResponse::Ok().json(s))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    since: Option<i64>,
    limit: Option<i64>,
}

pub async fn events(
    a: Authorized<EventsRead>,
    q: web::Query<EventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::validation(vec![FieldError::new(
            "limit",
            "must be between 1 and 1000",
        )]));
    }
    let since = q.since.unwrap_or(0);
    if since < 0 {
        return Err(ApiError::validation(vec![FieldError::new(
            "since",
            "must be 0 or more",
        )]));
    }
    let page =
        crate::records::events::read(&a.scope.db, &a.scope.tenant, &a.principal, since, limit)
            .await?;
    Ok(HttpResponse::Ok().json(page))
}

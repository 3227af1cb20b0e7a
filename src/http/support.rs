//! The support engine's routes: a queue's ordered tickets, claims and
//! offers, agents' availability, the business calendar and dashboards.

use std::collections::BTreeSet;

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::authz::*;
use super::extract::{IdPath, NamePath, TenantScope};
use super::json::ApiJson;
use super::problem::{ApiError, Code};
use super::records::etag;
use crate::domain::calendar::CalendarSetting;
use crate::domain::ids::{QueueId, TicketId};
use crate::domain::{FieldError, Validation};
use crate::records::core::Written;
use crate::records::portal::{self, SupportSetting};
use crate::services::Services;
use crate::support::dashboards::{self, Board};
use crate::support::{agents, tickets, waiting};
use crate::tenants::settings;

/// The queue's waiting tickets (open, unassigned) in queue order, as far
/// as the caller may see them; `position` is the place in the whole queue.
pub async fn queue_tickets(
    a: Authorized<QueuesRead>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let (items, size) = waiting::list(&a.scope.db, &a.principal, QueueId(path.id)).await?;
    Ok(HttpResponse::Ok().json(json!({"items": items, "size": size, "next_cursor": null})))
}

async fn written(s: &Services, scope: &TenantScope, w: Written) -> HttpResponse {
    s.realtime.written(&scope.tenant, &scope.db, w.events).await;
    HttpResponse::Ok()
        .insert_header(etag(w.version))
        .json(w.record)
}

/// The caller takes the ticket: one of any number of simultaneous claims
/// wins, the rest get `409 already_claimed`.
pub async fn claim(
    a: Authorized<TicketsAssign>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let w = tickets::claim(&a.scope.db, &a.principal, TicketId(path.id), false).await?;
    Ok(written(&s, &a.scope, w).await)
}

pub async fn accept_offer(
    a: Authorized<TicketsAssign>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let w = tickets::claim(&a.scope.db, &a.principal, TicketId(path.id), true).await?;
    Ok(written(&s, &a.scope, w).await)
}

pub async fn decline_offer(
    a: Authorized<TicketsAssign>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let w = tickets::decline(&a.scope.db, &a.principal, TicketId(path.id)).await?;
    Ok(written(&s, &a.scope, w).await)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentInput {
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    status: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present_integer")]
    capacity: Option<i64>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    skills: Option<Vec<String>>,
}

impl AgentInput {
    fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut v = Validation::default();
        if let Some(s) = &self.status
            && !agents::STATUSES.contains(&s.as_str())
        {
            v.push(FieldError::new("status", "must be online, away or offline"));
        }
        if self.capacity.is_some_and(|c| !(0..=1000).contains(&c)) {
            v.push(FieldError::new("capacity", "must be between 0 and 1000"));
        }
        if let Some(sk) = &self.skills {
            let distinct: BTreeSet<&String> = sk.iter().collect();
            if sk.len() > 50
                || distinct.len() != sk.len()
                || sk.iter().any(|s| {
                    s.trim().is_empty() || s.chars().count() > 50 || s.chars().any(char::is_control)
                })
            {
                v.push(FieldError::new(
                    "skills",
                    "at most 50 distinct, non-empty skills of up to 50 characters, without control characters",
                ));
            }
        }
        v.finish()
    }
}

/// Agents as `users:read` lets the caller see them.
pub async fn list_agents(a: Authorized<UsersRead>) -> Result<HttpResponse, ApiError> {
    let items = agents::list(&a.scope.db, &a.principal).await?;
    Ok(HttpResponse::Ok().json(json!({"items": items, "next_cursor": null})))
}

async fn set_agent(
    s: &Services,
    scope: &TenantScope,
    user: uuid::Uuid,
    input: &AgentInput,
) -> Result<HttpResponse, ApiError> {
    input.check().map_err(ApiError::validation)?;
    let row = agents::update(
        &scope.db,
        user,
        input.status.as_deref(),
        input.capacity,
        input.skills.as_deref(),
    )
    .await?;
    s.realtime.engage(&scope.tenant, &scope.db).await;
    s.realtime.agents_changed(scope.tenant.id);
    Ok(HttpResponse::Ok().json(agents::view(&row, scope.db.clock().now())))
}

/// An admin sets an agent's capacity and skills (and status).
pub async fn update_agent(
    a: Authorized<QueuesWrite>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
    body: ApiJson<AgentInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    set_agent(&s, &a.scope, path.id, &body).await
}

pub async fn my_agent(a: Authorized<TicketsAssign>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(agents::of(&a.scope.db, a.principal.user_id).await?))
}

/// An agent sets their own status; capacity and skills are an admin's.
pub async fn put_my_agent(
    a: Authorized<TicketsAssign>,
    s: web::Data<Services>,
    body: ApiJson<AgentInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    if body.capacity.is_some() || body.skills.is_some() {
        return Err(ApiError::validation(vec![FieldError::new(
            "status",
            "only the status can be set here; capacity and skills are set by an admin",
        )]));
    }
    set_agent(&s, &a.scope, a.principal.user_id, &body).await
}

pub async fn get_calendar(a: Authorized<SlaPoliciesRead>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(settings::load::<CalendarSetting>(&a.scope.db).await?))
}

/// Sets the working hours SLA clocks count in. Running clocks take the
/// new calendar at their ticket's next change.
pub async fn put_calendar(
    a: Authorized<AdminSettings>,
    body: ApiJson<CalendarSetting>,
) -> Result<HttpResponse, ApiError> {
    let cal = body.into_inner()?;
    settings::save(&a.scope.db, a.principal.audit_actor(), &cal).await?;
    Ok(HttpResponse::Ok().json(cal))
}

/// Support settings: the queue tickets opened from the portals join.
pub async fn get_support_settings(a: Authorized<QueuesRead>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(settings::load::<SupportSetting>(&a.scope.db).await?))
}

pub async fn put_support_settings(
    a: Authorized<AdminSettings>,
    body: ApiJson<SupportSetting>,
) -> Result<HttpResponse, ApiError> {
    let s = body.into_inner()?;
    portal::save_setting(&a.scope.db, a.principal.audit_actor(), &s).await?;
    Ok(HttpResponse::Ok().json(s))
}

/// A dashboard's figures computed from storage now (live updates come
/// over the WebSocket topic `dashboard:<name>`).
pub async fn dashboard(
    a: Authorized<DashboardsRead>,
    path: web::Path<NamePath>,
) -> Result<HttpResponse, ApiError> {
    let board = Board::parse(&path.name).ok_or_else(ApiError::not_found)?;
    if let Some(why) = board.refusal(&a.principal) {
        return Err(ApiError::new(Code::Forbidden, why));
    }
    Ok(HttpResponse::Ok().json(dashboards::recompute(&a.scope.db, board).await?))
}

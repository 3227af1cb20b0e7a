//! Canned replies: `GET /canned-replies` (agents: `tickets:read`),
//! `PUT /settings/canned-replies` (`admin:settings`), and
//! `POST /tickets/{id}/canned-replies/render` (`{"name"}` →
//! `{"body"}`: the reply with its placeholders filled for that ticket,
//! as the caller may see it).

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::authz::{AdminSettings, Authorized, TicketsRead};
use super::extract::IdPath;
use super::json::ApiJson;
use super::problem::ApiError;
use crate::support::canned::{self, CannedReplies};
use crate::tenants::branding::Branding;
use crate::tenants::settings;

pub async fn list(a: Authorized<TicketsRead>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(settings::load::<CannedReplies>(&a.scope.db).await?))
}

pub async fn put(
    a: Authorized<AdminSettings>,
    body: ApiJson<CannedReplies>,
) -> Result<HttpResponse, ApiError> {
    let mut replies = body.into_inner()?;
    for r in &mut replies.replies {
        r.name = r.name.trim().to_owned();
    }
    settings::save(&a.scope.db, a.principal.audit_actor(), &replies).await?;
    Ok(HttpResponse::Ok().json(replies))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenderInput {
    name: String,
}

pub async fn render(
    a: Authorized<TicketsRead>,
    path: web::Path<IdPath>,
    body: ApiJson<RenderInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner()?;
    let branding = settings::load::<Branding>(&a.scope.db).await?;
    let workspace = branding
        .display_name
        .unwrap_or_else(|| a.scope.tenant.name.as_str().to_owned());
    let text = canned::render(&a.scope.db, &a.principal, &workspace, path.id, &input.name).await?;
    Ok(HttpResponse::Ok().json(json!({"body": text})))
}

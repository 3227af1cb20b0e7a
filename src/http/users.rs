//! `/users`, `/teams`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::authz::{AdminUsers, Authorized, PrivacyErase, UsersRead};
use super::extract::IdPath;
use super::json::ApiJson;
use super::problem::ApiError;
use crate::identity::admin::{self, NewUserInput, UserPatch};

pub async fn list(a: Authorized<UsersRead>) -> Result<HttpResponse, ApiError> {
    let items = admin::list_users(&a.scope.db, &a.principal).await?;
    Ok(HttpResponse::Ok().json(json!({"items": items, "next_cursor": null})))
}

pub async fn show(
    a: Authorized<UsersRead>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(admin::get_user(&a.scope.db, &a.principal, path.id).await?))
}

pub async fn create(
    a: Authorized<AdminUsers>,
    s: web::Data<crate::services::Services>,
    body: ApiJson<NewUserInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let u = admin::create_user(
        &a.scope.db,
        &a.principal,
        &body,
        &a.client,
        crate::limits::plans::quotas(a.scope.tenant.plan).users,
    )
    .await?;
    if body.invite {
        // Made first, invited next: should queueing fail, the user exists
        // and `POST users/{id}/invite` sends the link.
        crate::integrations::mail::invite(
            &a.scope.db,
            &a.scope.tenant,
            &crate::integrations::mail::Addresses::of(&s.config),
            u.id,
        )
        .await?;
        super::account_mail::mail_queued(&s, &a.scope.tenant).await;
    }
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/t/{}/api/v1/users/{}", a.scope.tenant.slug, u.id),
        ))
        .json(u))
}

pub async fn update(
    a: Authorized<AdminUsers>,
    s: web::Data<crate::services::Services>,
    path: web::Path<IdPath>,
    body: ApiJson<UserPatch>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let user = admin::update_user(&a.scope.db, &a.principal, path.id, &body, &a.client).await?;
    // Live sessions of this user re-check who they are now.
    s.realtime
        .principals_changed(a.scope.tenant.id, Some(path.id))
        .await;
    Ok(HttpResponse::Ok().json(user))
}

pub async fn delete(
    a: Authorized<AdminUsers>,
    s: web::Data<crate::services::Services>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    admin::delete_user(&a.scope.db, &a.principal, path.id, &a.client).await?;
    s.realtime
        .principals_changed(a.scope.tenant.id, Some(path.id))
        .await;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST users/{id}/erase`: a user who has left is erased (GDPR Art.
/// 17); their sockets and cached sessions end now, on every node.
pub async fn erase(
    a: Authorized<PrivacyErase>,
    s: web::Data<crate::services::Services>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let mut done = admin::erase_user(&a.scope.db, &a.principal, path.id, &a.client).await?;
    s.realtime
        .written(
            &a.scope.tenant,
            &a.scope.db,
            std::mem::take(&mut done.events),
        )
        .await;
    s.realtime
        .principals_changed(a.scope.tenant.id, Some(path.id))
        .await;
    Ok(HttpResponse::Ok().json(done))
}

pub async fn list_teams(a: Authorized<UsersRead>) -> Result<HttpResponse, ApiError> {
    let items = admin::list_teams(&a.scope.db).await?;
    Ok(HttpResponse::Ok().json(json!({"items": items, "next_cursor": null})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    name: String,
}

pub async fn create_team(
    a: Authorized<AdminUsers>,
    body: ApiJson<TeamInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let team = admin::create_team(&a.scope.db, &a.principal, &body.name, &a.client).await?;
    Ok(HttpResponse::Created().json(team))
}

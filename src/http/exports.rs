//! Person exports (GDPR Art. 15, 20): `POST /contacts/{id}/export` (or
//! `/users/{id}/export`, a user's own) starts one in the background and answers `202` at once; `GET /exports`,
//! `GET /exports/{id}` say where they stand (also live on the `exports`
//! topic); `GET /exports/{id}/archive` fetches the ZIP until it expires.
//! All under `privacy:export`.

use actix_web::http::header::{
    CacheControl, CacheDirective, ContentDisposition, DispositionParam, DispositionType,
};
use actix_web::{HttpResponse, web};
use serde_json::json;

use super::authz::{Authorized, PrivacyExport};
use super::extract::IdPath;
use super::problem::ApiError;
use crate::records::person_export::{self, Subject};
use crate::services::{Services, build_export};

/// `POST contacts/{id}/export`.
pub async fn request(
    a: Authorized<PrivacyExport>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    start(a, s, Subject::Contact(path.id)).await
}

/// `POST users/{id}/export`: a colleague's own data, or a portal
/// account's that is no contact.
pub async fn request_user(
    a: Authorized<PrivacyExport>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    start(a, s, Subject::User(path.id)).await
}

async fn start(
    a: Authorized<PrivacyExport>,
    s: web::Data<Services>,
    subject: Subject,
) -> Result<HttpResponse, ApiError> {
    let (row, events) =
        person_export::requested(&a.scope.db, a.principal.audit_actor(), subject).await?;
    s.realtime
        .written(&a.scope.tenant, &a.scope.db, events)
        .await;
    build_export(
        &s.realtime,
        a.scope.tenant.clone(),
        a.scope.db.clone(),
        row.id,
    );
    Ok(HttpResponse::Accepted().json(row))
}

pub async fn list(a: Authorized<PrivacyExport>) -> Result<HttpResponse, ApiError> {
    let items = person_export::list(&a.scope.db).await?;
    Ok(HttpResponse::Ok().json(json!({"items": items})))
}

pub async fn get(
    a: Authorized<PrivacyExport>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(person_export::get(&a.scope.db, path.id).await?))
}

pub async fn archive(
    a: Authorized<PrivacyExport>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let (row, bytes) =
        person_export::download(&a.scope.db, a.principal.audit_actor(), path.id).await?;
    let name = format!(
        "personal-data-{}-{}.zip",
        row.subject_id,
        row.finished_at.unwrap_or(row.created_at).format("%Y-%m-%d")
    );
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(name)],
        })
        // Personal data: no shared or browser cache keeps a copy.
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .body(bytes))
}

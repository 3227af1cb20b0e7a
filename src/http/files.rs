//! Attachments: `POST <records>/{id}/files` streams an upload (the raw
//! bytes as the body, `?name=`), `GET <records>/{id}/files` lists them,
//! `GET|DELETE files/{id}` shows (with a fresh signed link) or removes
//! one, and `GET files/{id}/content?expires&signature` serves the bytes
//! to whoever holds a valid link.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::authz::{Authenticated, Authorized};
use super::extract::{IdPath, TenantScope};
use super::problem::ApiError;
use super::records::{Kind, def};
use crate::domain::code::Code;
use crate::files::{self, FileError, Upload};
use crate::services::Services;

impl From<FileError> for ApiError {
    fn from(e: FileError) -> Self {
        match e {
            FileError::Record(r) => r.into(),
            FileError::TooLarge(m) => ApiError::new(Code::PayloadTooLarge, m),
            FileError::Quota(m) => ApiError::new(Code::QuotaExceeded, m),
            FileError::Refused(m) => ApiError::new(Code::UnsupportedMediaType, m),
            FileError::Infected(m) => ApiError::new(Code::UploadInfected, m),
            FileError::Scanner(m) => {
                tracing::error!(error = %m, "the virus scanner failed; the upload was refused");
                ApiError::new(
                    Code::Unavailable,
                    "The virus scanner cannot check uploads right now; try again shortly.",
                )
            }
            FileError::Body(m) => ApiError::new(Code::BadRequest, m),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    pub name: String,
    pub internal: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkQuery {
    pub expires: i64,
    pub signature: String,
}

pub async fn upload<K: Kind>(
    a: Authorized<K::Write>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
    q: web::Query<UploadQuery>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let kind = files::parent_kind(def::<K>()?.kind).ok_or_else(ApiError::not_found)?;
    let claimed = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let up = Upload {
        kind,
        record: path.id,
        name: &q.name,
        claimed,
        internal: q.internal,
        length,
    };
    let (row, event) = files::upload(
        &s.files,
        &a.scope.tenant,
        &a.scope.db,
        &a.principal,
        up,
        body,
    )
    .await?;
    s.realtime
        .written(&a.scope.tenant, &a.scope.db, vec![event])
        .await;
    let now = a.scope.db.clock().now();
    Ok(HttpResponse::Created().json(s.files.view(&a.scope.tenant, &row, now)))
}

pub async fn list<K: Kind>(
    a: Authorized<K::Read>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let kind = files::parent_kind(def::<K>()?.kind).ok_or_else(ApiError::not_found)?;
    let rows = files::list(&a.scope.db, &a.principal, kind, path.id).await?;
    let now = a.scope.db.clock().now();
    let items: Vec<_> = rows
        .iter()
        .map(|f| s.files.view(&a.scope.tenant, f, now))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"items": items, "next_cursor": null})))
}

pub async fn show(
    a: Authenticated,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let row = files::get(&a.scope.db, &a.principal, path.id).await?;
    let now = a.scope.db.clock().now();
    Ok(HttpResponse::Ok().json(s.files.view(&a.scope.tenant, &row, now)))
}

pub async fn delete(
    a: Authenticated,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let event = files::delete(&a.scope.db, &a.principal, path.id).await?;
    s.realtime
        .written(&a.scope.tenant, &a.scope.db, vec![event])
        .await;
    Ok(HttpResponse::NoContent().finish())
}

/// The bytes, for a valid link. Always as a download, never rendered in
/// the app's origin: an uploaded HTML or SVG file runs no script there.
pub async fn content(
    scope: TenantScope,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
    q: web::Query<LinkQuery>,
) -> Result<HttpResponse, ApiError> {
    let now = scope.db.clock().now();
    if !s
        .files
        .link_valid(&scope.tenant, path.id, q.expires, &q.signature, now)
    {
        return Err(ApiError::new(
            Code::Forbidden,
            "This download link is not valid or has expired; ask for a new one (GET files/{id}).",
        ));
    }
    let row = files::by_link(&scope.db, path.id).await?;
    let stream = files::sealed::open(&scope.db, row.id, row.size as u64).await?;
    // Old clients read `filename` (ASCII), the rest `filename*` (UTF-8).
    let ascii: String = row
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, row.content_type.as_str()))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![
                DispositionParam::Filename(ascii),
                DispositionParam::FilenameExt(header::ExtendedValue {
                    charset: header::Charset::Ext("UTF-8".into()),
                    language_tag: None,
                    value: row.name.clone().into_bytes(),
                }),
            ],
        })
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header(("content-security-policy", "sandbox; default-src 'none'"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=300"))
        .no_chunking(row.size as u64)
        .streaming(stream))
}

/// What the tenant's attachments take, of how much.
pub async fn usage(a: Authenticated, s: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    let (bytes, count) = files::usage(&a.scope.db).await?;
    Ok(HttpResponse::Ok().json(json!({
        "used_bytes": bytes,
        "quota_bytes": s.files.quota(a.scope.tenant.plan),
        "files": count,
        "max_upload_bytes": s.files.max_bytes,
        "scanning": s.files.scanning(),
    })))
}

//! The record resources (`/contacts`, `/companies`, `/deals`, …): one set
//! of generic handlers, instantiated per kind with that kind's permissions.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::services::Services;
use serde_json::Value;

use super::authz::*;
use super::extract::IdPath;
use super::json::ApiJson;
use super::problem::{ApiError, Code};
use crate::records::core::RecordError;
use crate::records::schema::{KindDef, by_path};
use crate::records::service;

/// A kind of record as a type: its URL segment and the permission types
/// its routes demand.
pub trait Kind: 'static {
    const PATH: &'static str;
    type Read: Need + 'static;
    type Write: Need + 'static;
    type Delete: Need + 'static;
}

macro_rules! kinds {
    ($($ty:ident = $path:literal: $r:ident, $w:ident, $d:ident;)+) => {$(
        pub struct $ty;
        impl Kind for $ty {
            const PATH: &'static str = $path;
            type Read = $r;
            type Write = $w;
            type Delete = $d;
        }
    )+};
}

kinds! {
    Contacts = "contacts": ContactsRead, ContactsWrite, ContactsDelete;
    Companies = "companies": CompaniesRead, CompaniesWrite, CompaniesDelete;
    Deals = "deals": DealsRead, DealsWrite, DealsDelete;
    Pipelines = "pipelines": PipelinesRead, PipelinesWrite, PipelinesWrite;
    Tickets = "tickets": TicketsRead, TicketsWrite, TicketsDelete;
    Queues = "queues": QueuesRead, QueuesWrite, QueuesWrite;
    Activities = "activities": ActivitiesRead, ActivitiesWrite, ActivitiesWrite;
    SlaPolicies = "sla-policies": SlaPoliciesRead, SlaPoliciesWrite, SlaPoliciesWrite;
}

pub(super) fn def<K: Kind>() -> Result<&'static KindDef, ApiError> {
    by_path(K::PATH).ok_or_else(|| ApiError::internal(format!("no kind {}", K::PATH)))
}

impl From<RecordError> for ApiError {
    fn from(e: RecordError) -> Self {
        match e {
            RecordError::NotFound => ApiError::not_found(),
            RecordError::Forbidden(m) => ApiError::new(Code::Forbidden, m),
            RecordError::Validation(errors) => ApiError::validation(errors),
            RecordError::VersionConflict(current) => ApiError::new(
                Code::VersionConflict,
                format!(
                    "The record has changed; its current version is {current}. Reload and retry."
                ),
            ),
            RecordError::Storage(s) => s.into(),
            RecordError::QuotaExceeded(m) => ApiError::new(Code::QuotaExceeded, m),
            RecordError::AlreadyClaimed(m) => ApiError::new(Code::AlreadyClaimed, m),
            RecordError::NoOffer(m) => ApiError::new(Code::NoOffer, m),
            RecordError::Conflict(m) => ApiError::new(Code::Conflict, m),
            RecordError::Held(m) => ApiError::new(Code::LegalHold, m),
            RecordError::InUse(m) => ApiError::new(Code::InUse, m),
            RecordError::Unexpected(m) => ApiError::internal(m),
        }
    }
}

pub(super) fn etag(version: i64) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// `If-Match: "3"` (or `W/"3"`) → Some(3); absent or `*` → None.
fn if_match(req: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let Some(v) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let s = v.to_str().unwrap_or("").trim();
    if s == "*" {
        return Ok(None);
    }
    s.trim_start_matches("W/")
        .trim_matches('"')
        .parse::<i64>()
        .map(Some)
        .map_err(|_| {
            ApiError::new(
                Code::BadRequest,
                "If-Match must be an ETag this API issued, like \"3\".",
            )
        })
}

pub fn query_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect()
}

pub async fn list<K: Kind>(
    a: Authorized<K::Read>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let pairs = query_pairs(&req);
    // `?format=` wins; otherwise a client that asks for CSV gets CSV.
    let wants_csv = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.split(',').any(|t| t.trim().starts_with("text/csv")));
    let format = pairs
        .iter()
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v.as_str())
        .or(wants_csv.then_some("csv"));
    match format {
        None | Some("json") => {}
        Some("csv") => {
            return super::csv::export(a.scope.db, def::<K>()?, a.principal, pairs).await;
        }
        Some(_) => {
            return Err(ApiError::validation(vec![crate::domain::FieldError::new(
                "format",
                "must be json or csv",
            )]));
        }
    }
    let pairs: Vec<_> = pairs.into_iter().filter(|(k, _)| k != "format").collect();
    let (items, next) = service::list(&a.scope.db, def::<K>()?, &a.principal, &pairs).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"items": items, "next_cursor": next})))
}

pub async fn create<K: Kind>(
    a: Authorized<K::Write>,
    s: web::Data<Services>,
    body: ApiJson<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let quota = crate::limits::plans::quotas(a.scope.tenant.plan).records;
    let w = service::create(&a.scope.db, def::<K>()?, &a.principal, &body, quota).await?;
    s.realtime
        .written(&a.scope.tenant, &a.scope.db, w.events)
        .await;
    let id = w.record["id"].as_str().unwrap_or_default().to_owned();
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/t/{}/api/v1/{}/{id}", a.scope.tenant.slug, K::PATH),
        ))
        .insert_header(etag(w.version))
        .json(w.record))
}

pub async fn show<K: Kind>(
    a: Authorized<K::Read>,
    path: actix_web::web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let (record, version) = service::get(&a.scope.db, def::<K>()?, &a.principal, path.id).await?;
    Ok(HttpResponse::Ok().insert_header(etag(version)).json(record))
}

pub async fn update<K: Kind>(
    a: Authorized<K::Write>,
    s: web::Data<Services>,
    path: actix_web::web::Path<IdPath>,
    req: HttpRequest,
    body: ApiJson<Value>,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let body = body.into_inner()?;
    let w = service::update(
        &a.scope.db,
        def::<K>()?,
        &a.principal,
        path.id,
        &body,
        expected,
    )
    .await?;
    s.realtime
        .written(&a.scope.tenant, &a.scope.db, w.events)
        .await;
    Ok(HttpResponse::Ok()
        .insert_header(etag(w.version))
        .json(w.record))
}

pub async fn delete<K: Kind>(
    a: Authorized<K::Delete>,
    s: web::Data<Services>,
    path: actix_web::web::Path<IdPath>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let events = service::delete(&a.scope.db, def::<K>()?, &a.principal, path.id, expected).await?;
    s.realtime
        .written(&a.scope.tenant, &a.scope.db, events)
        .await;
    crate::files::sweep(&a.scope.db).await;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn comments(
    a: Authorized<TicketsRead>,
    path: actix_web::web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let items = service::comments(&a.scope.db, &a.principal, path.id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"items": items, "next_cursor": null})))
}

pub async fn add_comment(
    a: Authorized<TicketsWrite>,
    s: web::Data<Services>,
    path: actix_web::web::Path<IdPath>,
    body: ApiJson<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let w = service::add_comment(&a.scope.db, &a.principal, path.id, &body).await?;
    s.realtime
        .written(&a.scope.tenant, &a.scope.db, w.events)
        .await;
    Ok(HttpResponse::Created().json(w.record))
}

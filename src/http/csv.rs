//! CSV over HTTP: `GET /{kind}?format=csv` streams any list with its
//! filters; `POST /contacts/import` and `/companies/import` take a CSV body.

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::json;

use super::authz::Authorized;
use super::problem::{ApiError, Code};
use super::records::{Kind, query_pairs};
use crate::identity::Principal;
use crate::records::csv_io::{self, ImportError};
use crate::records::schema::{KindDef, by_path};
use crate::records::service;
use crate::services::Services;
use crate::storage::TenantDb;

/// A list as CSV, streamed page by page. The first page is fetched before
/// answering, so bad filters still get a proper `422`.
pub async fn export(
    db: TenantDb,
    kind: &'static KindDef,
    p: std::sync::Arc<Principal>,
    pairs: Vec<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    // The export streams every page of 200; a `limit` is checked like a
    // list's but does not shorten it, and a `cursor` says where to start.
    if let Some((_, l)) = pairs.iter().find(|(k, _)| k == "limit")
        && !l.parse::<usize>().is_ok_and(|n| (1..=200).contains(&n))
    {
        return Err(ApiError::validation(vec![crate::domain::FieldError::new(
            "limit",
            "must be between 1 and 200",
        )]));
    }
    let start = pairs
        .iter()
        .find(|(k, _)| k == "cursor")
        .map(|(_, c)| c.clone());
    let base: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| !matches!(k.as_str(), "format" | "limit" | "cursor"))
        .collect();
    let filters: Vec<String> = base.iter().map(|(k, _)| k.clone()).collect();
    let page = move |cursor: Option<String>| {
        let mut q = base.clone();
        q.push(("limit".into(), "200".into()));
        q.extend(cursor.map(|c| ("cursor".to_owned(), c)));
        q
    };
    // The first page first: a refused filter is not an export to audit.
    let (first, next) = service::list(&db, kind, &p, &page(start)).await?;
    let cols = csv_io::export_columns(&db, kind, &p, &filters).await?;
    let head = Bytes::from(csv_io::write_rows(&cols, &first, true));
    let rest = futures_util::stream::unfold(next, move |cursor| {
        let (db, p, cols, q) = (
            db.clone(),
            p.clone(),
            cols.clone(),
            cursor.clone().map(|c| page(Some(c))),
        );
        async move {
            let q = q?;
            match service::list(&db, kind, &p, &q).await {
                Ok((items, next)) => Some((
                    Ok::<_, actix_web::Error>(Bytes::from(csv_io::write_rows(
                        &cols, &items, false,
                    ))),
                    next,
                )),
                Err(e) => {
                    tracing::warn!(error = %e, "CSV export stopped");
                    Some((Err(ApiError::from(e).into()), None))
                }
            }
        }
    });
    let body =
        futures_util::stream::once(async move { Ok::<_, actix_web::Error>(head) }).chain(rest);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.csv\"", kind.path),
        ))
        .streaming(body))
}

impl From<ImportError> for ApiError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Record(r) => r.into(),
            ImportError::Malformed(m) => {
                ApiError::new(Code::BadRequest, format!("The CSV cannot be read: {m}"))
            }
            ImportError::Rows(report) => {
                let mut extra = serde_json::Map::new();
                extra.insert("rows".into(), json!(report.errors));
                extra.insert("error_count".into(), json!(report.error_count));
                ApiError {
                    extra: Some(Box::new(extra)),
                    ..ApiError::new(
                        Code::ValidationFailed,
                        format!(
                            "{} row(s) have errors; nothing was imported. Fix them, or send skip_invalid=true.",
                            report.skipped
                        ),
                    )
                }
            }
        }
    }
}

pub async fn import<K: Kind>(
    a: Authorized<K::Write>,
    s: web::Data<Services>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let kind = by_path(K::PATH).ok_or_else(ApiError::not_found)?;
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("text/csv") {
        return Err(ApiError::new(
            Code::UnsupportedMediaType,
            "Send the rows as text/csv.",
        ));
    }
    let skip_invalid = match query_pairs(&req)
        .iter()
        .find(|(k, _)| k == "skip_invalid")
        .map(|(_, v)| v.as_str())
    {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(ApiError::validation(vec![crate::domain::FieldError::new(
                "skip_invalid",
                "must be true or false",
            )]));
        }
    };
    let limit = s.config.max_import_bytes;
    let buf = super::json::read_limited(&mut payload, limit).await?;
    let mut report = csv_io::import(
        &a.scope.db,
        kind,
        &a.principal,
        &buf,
        skip_invalid,
        crate::limits::plans::quotas(a.scope.tenant.plan).records,
        &|_| {},
    )
    .await?;
    let events = std::mem::take(&mut report.events);
    s.realtime
        .written(&a.scope.tenant, &a.scope.db, events)
        .await;
    Ok(HttpResponse::Ok().json(report))
}

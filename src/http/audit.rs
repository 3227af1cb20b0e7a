//! `/audit/events`: the audit trail, newest first, filtered by actor,
//! kind, record, action and time, paged by cursor, as JSON or CSV.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

use super::authz::{AdminAudit, Authorized};
use super::problem::ApiError;
use super::records::query_pairs;
use crate::audit::{self, AuditFilter, CSV_COLUMNS};
use crate::domain::FieldError;
use crate::records::csv_io;

/// The query, checked: every parameter known, every value well-formed.
fn filter_of(req: &HttpRequest) -> Result<(AuditFilter, i64, bool), ApiError> {
    let mut f = AuditFilter::default();
    let (mut limit, mut csv) = (50, false);
    let mut errors = Vec::new();
    let uuid = |k: &str, v: &str, errors: &mut Vec<FieldError>| {
        uuid::Uuid::parse_str(v)
            .map_err(|_| errors.push(FieldError::new(k, "must be a UUID")))
            .ok()
    };
    for (k, v) in query_pairs(req) {
        match k.as_str() {
            "actor" => f.actor_id = uuid(&k, &v, &mut errors),
            "record" => f.record_id = uuid(&k, &v, &mut errors),
            "kind" | "action" if v.chars().count() > 100 => {
                errors.push(FieldError::new(&k, "must be at most 100 characters"))
            }
            "kind" => f.kind = Some(v),
            "action" => f.action = Some(v),
            "from" | "to" => match audit::parse_instant(&v) {
                Some(t) if k == "from" => f.from = Some(t),
                Some(t) => f.to = Some(t),
                None => errors.push(FieldError::new(&k, "must be an RFC 3339 instant")),
            },
            "cursor" => match v.parse::<i64>() {
                Ok(n) if n > 0 => f.before = Some(n),
                _ => errors.push(FieldError::new("cursor", "is not a cursor this API issued")),
            },
            "limit" => match v.parse::<i64>() {
                Ok(n) if (1..=200).contains(&n) => limit = n,
                _ => errors.push(FieldError::new("limit", "must be between 1 and 200")),
            },
            "format" => match v.as_str() {
                "json" => csv = false,
                "csv" => csv = true,
                _ => errors.push(FieldError::new("format", "must be json or csv")),
            },
            other => errors.push(FieldError::new(other, "unknown parameter")),
        }
    }
    if errors.is_empty() {
        Ok((f, limit, csv))
    } else {
        Err(ApiError::validation(errors))
    }
}

pub async fn events(a: Authorized<AdminAudit>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let (filter, limit, csv) = filter_of(&req)?;
    let (items, next) = audit::page(&a.scope.db, &filter, limit).await?;
    if csv {
        let cols: Vec<String> = CSV_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
        let mut res = HttpResponse::Ok();
        res.insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"",
            ));
        if let Some(n) = &next {
            // The next page's cursor, where a CSV body has no room for it.
            res.insert_header(("x-next-cursor", n.as_str()));
        }
        return Ok(res.body(csv_io::write_rows(&cols, &items, true)));
    }
    Ok(HttpResponse::Ok().json(json!({"items": items, "next_cursor": next})))
}

pub async fn get_settings(
    a: Authorized<super::authz::AdminSettings>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(audit::retention::load(&a.scope.db).await?))
}

pub async fn put_settings(
    a: Authorized<super::authz::AdminSettings>,
    body: super::json::ApiJson<audit::AuditSettings>,
) -> Result<HttpResponse, ApiError> {
    let s = body.into_inner()?;
    audit::retention::save(&a.scope.db, a.principal.audit_actor(), &s)
        .await?
        .map_err(ApiError::validation)?;
    Ok(HttpResponse::Ok().json(s))
}

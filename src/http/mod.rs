//! HTTP: the only module that speaks it. Routes, extractors, errors.
//!
//! Every route module exposes `configure(cfg)`; [`configure`] mounts them
//! all, with the body limits and error shapes every route shares.

mod account_mail;
mod api_keys;
mod audit;
mod auth;
pub mod authz;
mod branding;
mod canned;
pub mod client_address;
mod control_plane;
mod csv;
mod exports;
pub mod extract;
mod files;
mod health;
pub mod json;
mod me;
pub mod openapi;
mod passkeys;
mod privacy;
pub mod problem;
mod record_meta;
mod records;
pub mod request_context;
mod retention;
mod roles;
mod scim;
mod security;
mod sso;
mod support;
pub mod tenant_routes;
mod users;
mod web_app;
mod webhooks;
mod ws;

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::error::{PathError, QueryPayloadError};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpRequest, HttpResponse, web};

use problem::{ApiError, Code, PROBLEM_JSON};

/// Mounts every route plus the shared extractor settings.
pub fn configure(cfg: &mut web::ServiceConfig, max_body_bytes: usize) {
    cfg.app_data(json::BodyLimit(max_body_bytes))
        .app_data(web::PayloadConfig::new(max_body_bytes))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .configure(health::configure)
        .configure(openapi::configure)
        .configure(control_plane::configure)
        .configure(tenant_routes::configure)
        .configure(scim::configure)
        .default_service(web::to(web_app::serve));
}

/// Catches error responses that no handler shaped (unknown route, wrong
/// method, actix's own rejections) and gives them a problem body too.
pub fn problem_for_bare_errors<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(|res: ServiceResponse<B>| {
        // SCIM answers in its own error shape, which directories read.
        let is_problem = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
            v.as_bytes() == PROBLEM_JSON.as_bytes() || v.as_bytes() == scim::SCIM_JSON.as_bytes()
        });
        if is_problem {
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        }
        let code = Code::for_status(res.status().as_u16());
        let detail = match code {
            Code::NotFound => "The requested resource does not exist.".to_owned(),
            Code::MethodNotAllowed => "This resource does not support that method.".to_owned(),
            _ => res
                .response()
                .error()
                .map(|e| e.to_string())
                .unwrap_or_else(|| code.spec().2.to_owned()),
        };
        let status = res.status();
        let body = ApiError::new(code, detail).body();
        let (req, res) = res.into_parts();
        let mut new = HttpResponse::build(status);
        for (k, v) in res.headers() {
            if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
                new.append_header((k.clone(), v.clone()));
            }
        }
        new.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        let res: HttpResponse<BoxBody> = new.body(body);
        Ok(ErrorHandlerResponse::Response(
            ServiceResponse::new(req, res).map_body(|_, b| EitherBody::right(b)),
        ))
    })
}

/// Refuses a URL whose path or query holds an encoded NUL (`%00`), for
/// every route alike: PostgreSQL cannot store or compare text with one,
/// and no name, filter or cursor of ours has a use for it. In the path it
/// names nothing that can exist (`404`, like a malformed id); in the query
/// it is a bad parameter (`422`).
pub async fn refuse_nul_in_url(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let uri = req.uri();
    let has_nul = |s: &str| s.contains("%00") || s.contains('\0');
    // A directory reads SCIM's own error shape.
    let scim = uri.path().contains("/scim/v2");
    if has_nul(uri.path()) {
        if scim {
            return Err(crate::integrations::scim::ScimError::not_found().into());
        }
        return Err(ApiError::not_found().into());
    }
    if scim && uri.query().is_some_and(has_nul) {
        return Err(crate::integrations::scim::ScimError::bad(
            "invalidValue",
            "The query must not contain NUL characters.",
        )
        .into());
    }
    if uri.query().is_some_and(has_nul) {
        return Err(ApiError::validation(vec![crate::domain::FieldError::new(
            "query",
            "must not contain NUL characters",
        )])
        .into());
    }
    next.call(req).await
}

fn path_error(_: PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::not_found().into()
}

fn query_error(err: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::new(
        Code::ValidationFailed,
        format!("Invalid query string: {err}"),
    )
    .into()
}

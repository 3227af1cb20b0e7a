//! Per request: an id (taken from `X-Request-Id` when sane, else made up),
//! a tracing span carrying it and the tenant, and one log line at the end.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Instrument;

use crate::audit::{ORIGIN, Origin};

use crate::secret::random_hex;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request's id, for handlers that want to mention it.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

fn incoming_id(req: &ServiceRequest) -> Option<String> {
    let v = req.headers().get(&REQUEST_ID)?.to_str().ok()?;
    // Only ids that cannot smuggle anything into logs or headers.
    let ok = !v.is_empty()
        && v.len() <= 128
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    ok.then(|| v.to_owned())
}

/// The tenant slug of `/t/{slug}/…` paths, for the span only (the
/// extractor does the real resolution).
fn tenant_of(path: &str) -> &str {
    path.strip_prefix("/t/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("")
}

/// A caller's W3C `traceparent` (and `tracestate`) makes the request's
/// span a child of the caller's: one trace from the client's click to the
/// hub's delivery.
fn adopt_traceparent(span: &tracing::Span, headers: &actix_web::http::header::HeaderMap) {
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    struct Headers<'a>(&'a actix_web::http::header::HeaderMap);
    impl opentelemetry::propagation::Extractor for Headers<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key)?.to_str().ok()
        }
        fn keys(&self) -> Vec<&str> {
            self.0.keys().map(|k| k.as_str()).collect()
        }
    }
    let parent = opentelemetry::global::get_text_map_propagator(|p| p.extract(&Headers(headers)));
    let _ = span.set_parent(parent);
}

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = incoming_id(&req).unwrap_or_else(|| random_hex(8));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
        tenant = %tenant_of(req.path()),
    );
    if crate::telemetry::exporting() {
        adopt_traceparent(&span, req.headers());
    }
    req.extensions_mut().insert(RequestId(id.clone()));
    // What the audit trail records about where a change came from.
    // Worked out once per request: `authz::client_info` reads it back.
    let services = req
        .app_data::<actix_web::web::Data<crate::services::Services>>()
        .cloned();
    let trusted = services
        .as_ref()
        .map(|s| s.config.trusted_proxies.as_slice())
        .unwrap_or_default();
    let origin = Origin {
        ip: Some(super::client_address::client_address(
            req.peer_addr().map(|a| a.ip()),
            req.headers(),
            trusted,
        )),
        request_id: Some(id.clone()),
    };
    let start = Instant::now();
    let result = ORIGIN
        .scope(origin, next.call(req).instrument(span.clone()))
        .await;
    let _entered = span.enter();
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            let secs = start.elapsed().as_secs_f64();
            let ms = secs * 1000.0;
            let class = match status {
                100..=199 => "1xx",
                200..=299 => "2xx",
                300..=399 => "3xx",
                400..=499 => "4xx",
                _ => "5xx",
            };
            let tenant = res
                .request()
                .extensions()
                .get::<super::extract::ResolvedTenant>()
                .map(|t| crate::telemetry_metrics::tenant_label(&t.0))
                .unwrap_or_else(|| "none".to_owned());
            if status == 429 {
                metrics::counter!("mandant_http_rate_limited_total", "tenant" => tenant.clone())
                    .increment(1);
            }
            metrics::counter!("mandant_http_requests_total", "status" => class, "tenant" => tenant.clone())
                .increment(1);
            metrics::histogram!("mandant_http_request_duration_seconds", "tenant" => tenant)
                .record(secs);
            if status >= 500 {
                tracing::error!(status, ms, "request finished");
            } else {
                tracing::info!(status, ms, "request finished");
            }
            if let Ok(v) = HeaderValue::from_str(&id) {
                res.headers_mut().insert(REQUEST_ID, v);
            }
            Ok(res)
        }
        Err(e) => {
            tracing::warn!(error = %e, "request failed before a response");
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_is_read_from_the_path() {
        assert_eq!(tenant_of("/t/acme/api/v1/contacts"), "acme");
        assert_eq!(tenant_of("/t/acme"), "acme");
        assert_eq!(tenant_of("/api/v1/tenants"), "");
    }
}

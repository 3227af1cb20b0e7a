//! Liveness and readiness.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::problem::ApiError;
use crate::services::Services;

pub const ROUTES: &[(&str, &str)] = &[("get", "/healthz"), ("get", "/readyz"), ("get", "/metrics")];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

/// The process is up and serving HTTP.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Storage (control plane and every shard) and the bus answer.
async fn readyz(s: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    s.storage.ping().await.map_err(ApiError::unavailable)?;
    s.bus.ping().await.map_err(ApiError::unavailable)?;
    Ok(HttpResponse::Ok().json(json!({
        "status": "ready",
        "storage": "ok",
        "bus": s.bus.backend(),
    })))
}

/// Prometheus text format. Behind the platform token: the labels name tenants.
async fn metrics(_: super::extract::PlatformAdmin, s: web::Data<Services>) -> HttpResponse {
    metrics::gauge!("mandant_tenant_hubs").set(s.realtime.hubs() as f64);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(crate::telemetry_metrics::render())
}

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
    for p in s.storage.pool_stats() {
        metrics::gauge!("mandant_db_pool_connections", "pool" => p.name.clone(), "state" => "idle")
            .set(p.idle as f64);
        metrics::gauge!("mandant_db_pool_connections", "pool" => p.name.clone(), "state" => "busy")
            .set(p.size.saturating_sub(p.idle) as f64);
        metrics::gauge!("mandant_db_pool_max", "pool" => p.name).set(p.max as f64);
    }
    let bus_up = tokio::time::timeout(std::time::Duration::from_secs(1), s.bus.ping())
        .await
        .is_ok_and(|r| r.is_ok());
    metrics::gauge!("mandant_bus_up").set(if bus_up { 1.0 } else { 0.0 });
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(crate::telemetry_metrics::render())
}

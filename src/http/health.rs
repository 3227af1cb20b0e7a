//! Liveness and readiness.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::problem::ApiError;
use crate::app::Services;

pub const ROUTES: &[(&str, &str)] = &[("get", "/healthz"), ("get", "/readyz")];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
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

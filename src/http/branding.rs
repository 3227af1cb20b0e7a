//! `GET /t/{tenant}/api/v1/branding`: what a login page shows before anyone
//! signs in. Public on purpose; it reveals only the tenant's display name.
//! (Logo, colours and locale settings arrive with the web app's issue.)

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::extract::TenantScope;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/t/{tenant}/api/v1/branding", web::get().to(branding));
}

async fn branding(scope: TenantScope) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "slug": scope.tenant.slug,
        "name": scope.tenant.name,
    }))
}

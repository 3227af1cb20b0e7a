//! `GET /t/{tenant}/api/v1/branding`: what a login page shows before anyone
//! signs in. Public on purpose; it reveals only the tenant's display name.
//! (Logo, colours and locale settings arrive with the web app's issue.)

use actix_web::HttpResponse;
use serde_json::json;

use super::extract::TenantScope;

pub async fn branding(scope: TenantScope) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "slug": scope.tenant.slug,
        "name": scope.tenant.name,
    }))
}

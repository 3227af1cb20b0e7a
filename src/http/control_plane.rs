//! `/api/v1/tenants…`: the platform operator's API (platform token).

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::extract::PlatformAdmin;
use super::json::ApiJson;
use super::problem::ApiError;
use crate::domain::FieldError;
use crate::domain::tenant::Tenant;
use crate::services::Services;
use crate::storage::SchemaStatus;
use crate::tenants::{CreateTenant, UpdateTenant};

/// The routes below, for the OpenAPI document (a test checks both agree).
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/tenants"),
    ("get", "/api/v1/tenants"),
    ("get", "/api/v1/tenants/{slug}"),
    ("patch", "/api/v1/tenants/{slug}"),
    ("delete", "/api/v1/tenants/{slug}"),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/tenants")
            .route(web::post().to(create))
            .route(web::get().to(list)),
    )
    .service(
        web::resource("/api/v1/tenants/{slug}")
            .route(web::get().to(show))
            .route(web::patch().to(update))
            .route(web::delete().to(delete)),
    );
}

async fn create(
    _: PlatformAdmin,
    s: web::Data<Services>,
    body: ApiJson<CreateTenant>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let tenant = s.tenants.create(&body).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/tenants/{}", tenant.slug)))
        .json(tenant))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    limit: Option<usize>,
    cursor: Option<String>,
}

#[derive(Serialize)]
struct Page {
    items: Vec<Tenant>,
    next_cursor: Option<String>,
}

async fn list(
    _: PlatformAdmin,
    s: web::Data<Services>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::validation(vec![FieldError::new(
            "limit",
            "must be between 1 and 200",
        )]));
    }
    let (items, next_cursor) = s.tenants.page(q.cursor.as_deref(), limit).await?;
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

#[derive(Serialize)]
struct TenantDetail {
    #[serde(flatten)]
    tenant: Tenant,
    storage: StorageView,
}

#[derive(Serialize)]
struct StorageView {
    backend: &'static str,
    schema: SchemaStatus,
}

async fn show(
    _: PlatformAdmin,
    s: web::Data<Services>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let tenant = s.tenants.get(&slug).await?;
    let schema = s.tenants.status(&tenant).await?;
    let backend = s
        .storage
        .shard(&tenant.shard)
        .map_or("unknown", |sh| sh.backend());
    Ok(HttpResponse::Ok().json(TenantDetail {
        tenant,
        storage: StorageView { backend, schema },
    }))
}

async fn update(
    _: PlatformAdmin,
    s: web::Data<Services>,
    slug: web::Path<String>,
    body: ApiJson<UpdateTenant>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    Ok(HttpResponse::Ok().json(s.tenants.update(&slug, &body).await?))
}

async fn delete(
    _: PlatformAdmin,
    s: web::Data<Services>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = s.tenants.get(&slug).await?.id;
    s.tenants.delete(&slug).await?;
    // Its hub here holds the storage just dropped; a tenant restored later
    // under the same id must not meet it.
    s.realtime.retire(id);
    Ok(HttpResponse::NoContent().finish())
}

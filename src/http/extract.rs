//! Extractors that carry authorisation and tenant scope in a handler's
//! signature: a handler that does not name them cannot reach what they guard.

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_web::HttpMessage as _;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use sha2::{Digest, Sha256};

use super::problem::{ApiError, Code};
use crate::domain::features::Feature;
use crate::domain::tenant::Tenant;
use crate::services::Services;
use crate::storage::TenantDb;

fn services(req: &HttpRequest) -> Result<web::Data<Services>, ApiError> {
    req.app_data::<web::Data<Services>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("Services missing from app data"))
}

/// Proof that the caller presented the platform operator's token.
pub struct PlatformAdmin;

impl FromRequest for PlatformAdmin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(services(req).and_then(|s| {
            let presented = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim);
            // Compare digests: equal-length inputs, so the comparison's
            // timing tells nothing about the token.
            let ok = presented.is_some_and(|p| {
                Sha256::digest(p.as_bytes()) == Sha256::digest(s.platform_token.expose().as_bytes())
            });
            if ok {
                Ok(PlatformAdmin)
            } else {
                Err(ApiError::new(
                    Code::Unauthorized,
                    "The control plane requires the platform token as a Bearer token.",
                ))
            }
        }))
    }
}

/// The tenant named by `/t/{tenant}/…`, resolved to an active tenant, and
/// its scoped storage handle. Unknown, malformed or inactive: `404`.
pub struct TenantScope {
    pub tenant: Arc<Tenant>,
    pub db: TenantDb,
}

/// The slug of the tenant a request was resolved to.
#[derive(Clone, Debug)]
pub struct ResolvedTenant(pub String);

impl FromRequest for TenantScope {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let slug = req.match_info().get("tenant").map(str::to_owned);
        let services = services(req);
        let req = req.clone();
        let features = req
            .path()
            .split_once("/api/v1")
            .map(|(_, tail)| Feature::of_path(tail))
            .unwrap_or_default();
        Box::pin(async move {
            let services = services?;
            let slug = slug.ok_or_else(ApiError::not_found)?;
            let tenant = services
                .tenants
                .directory()
                .resolve(&slug)
                .await?
                .ok_or_else(ApiError::not_found)?;
            // A feature the tenant switched off does not exist for anyone.
            if features.iter().any(|f| !tenant.has(*f)) {
                return Err(ApiError::not_found());
            }
            let db = services.storage.tenant_db(&tenant).await?;
            // For the request's metrics: only a tenant that exists gets a
            // label, so made-up slugs cannot use up the bounded set.
            req.extensions_mut()
                .insert(ResolvedTenant(tenant.slug.as_str().to_owned()));
            Ok(TenantScope { tenant, db })
        })
    }
}

/// `{id}` of a tenant route (`/t/{tenant}/…/{id}`): actix's `Path<T>` reads
/// every segment, so a single value would also try to swallow `{tenant}`.
#[derive(serde::Deserialize)]
pub struct IdPath {
    pub id: uuid::Uuid,
}

/// `{name}` of a tenant route.
#[derive(serde::Deserialize)]
pub struct NamePath {
    pub name: String,
}

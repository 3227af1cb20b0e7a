//! Retention rules: `GET|PUT /settings/retention`, `POST
//! /settings/retention/dry-run` (what each rule would remove now, writing
//! nothing) and `POST /settings/retention/run` (apply the enabled rules
//! now, as the hourly sweep does). Under `admin:settings`: whoever may
//! set the rules may also see what they do and run them.

use actix_web::{HttpResponse, web};

use super::authz::{AdminSettings, Authorized};
use super::json::ApiJson;
use super::problem::{ApiError, Code};

use crate::records::retention_policy::{self, RetentionPolicy};
use crate::records::retention_run;
use crate::services::{Services, apply_retention};

pub async fn get_policy(a: Authorized<AdminSettings>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(retention_policy::load(&a.scope.db).await?))
}

pub async fn put_policy(
    a: Authorized<AdminSettings>,
    body: ApiJson<RetentionPolicy>,
) -> Result<HttpResponse, ApiError> {
    let p = body.into_inner()?;
    let kept = retention_policy::save(&a.scope.db, a.principal.audit_actor(), p).await?;
    Ok(HttpResponse::Ok().json(kept))
}

pub async fn dry_run(a: Authorized<AdminSettings>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(retention_run::dry_run(&a.scope.db).await?))
}

pub async fn run(
    a: Authorized<AdminSettings>,
    s: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    match apply_retention(
        &s.realtime,
        &a.scope.tenant,
        &a.scope.db,
        s.config.retention_lease_secs,
    )
    .await?
    {
        Some(report) => Ok(HttpResponse::Ok().json(report)),
        None => Err(ApiError::new(
            Code::Conflict,
            "A retention run is under way for this workspace; try again when it has finished.",
        )),
    }
}

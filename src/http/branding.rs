//! Branding and features: the public `GET /branding` a login page reads
//! before anyone signs in (name, logo, colours, language, which features
//! are on), and the admin settings behind it.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::authz::{AdminSettings, Authorized};
use super::extract::TenantScope;
use super::json::ApiJson;
use super::problem::ApiError;
use crate::domain::FieldError;
use crate::domain::features::Feature;
use crate::domain::tenant::Tenant;
use crate::services::Services;
use crate::tenants::branding::Branding;
use crate::tenants::settings;

fn features(t: &Tenant) -> serde_json::Value {
    json!(
        Feature::ALL
            .iter()
            .map(|f| (f.name(), t.has(*f)))
            .collect::<std::collections::BTreeMap<_, _>>()
    )
}

/// Public on purpose: it tells what the tenant's login page looks like,
/// nothing about its data.
pub async fn branding(scope: TenantScope) -> Result<HttpResponse, ApiError> {
    let b: Branding = settings::load(&scope.db).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-cache"))
        .json(json!({
            "slug": scope.tenant.slug,
            "name": b.display_name.as_deref().unwrap_or(scope.tenant.name.as_str()),
            "logo_url": b.logo_url,
            "colors": b.colors,
            "locale": b.locale,
            "features": features(&scope.tenant),
        })))
}

pub async fn get_branding(a: Authorized<AdminSettings>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(settings::load::<Branding>(&a.scope.db).await?))
}

pub async fn put_branding(
    a: Authorized<AdminSettings>,
    s: web::Data<Services>,
    body: ApiJson<Branding>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner()?;
    settings::save(&a.scope.db, a.principal.audit_actor(), &b).await?;
    // Signed-in users see the new name, logo and colours at once.
    s.realtime.tenant_shown(a.scope.tenant.id, "branding");
    Ok(HttpResponse::Ok().json(b))
}

pub async fn get_features(a: Authorized<AdminSettings>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"features": features(&a.scope.tenant)}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeaturesInput {
    features: std::collections::BTreeMap<String, bool>,
}

/// Switches features on and off; every node applies it to the next
/// request and the next subscription.
pub async fn put_features(
    a: Authorized<AdminSettings>,
    s: web::Data<Services>,
    body: ApiJson<FeaturesInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let mut off: Vec<Feature> = a.scope.tenant.disabled_features.clone();
    let mut errors = Vec::new();
    for (name, on) in &body.features {
        match Feature::parse(name) {
            Some(f) if *on => off.retain(|x| *x != f),
            Some(f) => {
                if !off.contains(&f) {
                    off.push(f);
                }
            }
            None => errors.push(FieldError::new(
                format!("features.{name}"),
                "unknown feature; known: crm, sales, support, dashboards",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    off.sort();
    let t = s
        .tenants
        .set_disabled_features(&a.scope.tenant, &off)
        .await?;
    // A feature switched on appears in signed-in users' navigation too
    // (one switched off also ends its subscriptions, `hub::TenantUpdated`).
    s.realtime.tenant_shown(a.scope.tenant.id, "features");
    Ok(HttpResponse::Ok().json(json!({"features": features(&t)})))
}

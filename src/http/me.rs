//! `/me`: the signed-in user, their roles and effective permissions, MFA.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::authz::Authenticated;
use super::json::ApiJson;
use super::problem::ApiError;
use crate::identity::{Via, mfa};
use crate::services::Services;

pub async fn me(a: Authenticated) -> Result<HttpResponse, ApiError> {
    let p = &a.principal;
    let user = crate::identity::admin::profile(&a.scope.db, p.user_id).await?;
    let permissions: Vec<_> = p
        .grants
        .iter()
        .map(|(perm, g)| json!({"permission": perm, "scope": g.scope, "hidden_fields": g.hidden_fields}))
        .collect();
    let via = match p.via {
        Via::Session(id) => json!({"type": "session", "session_id": id}),
        Via::ApiKey(id) => json!({"type": "api_key", "api_key_id": id}),
        Via::Webhook(id) => json!({"type": "webhook", "webhook_id": id}),
    };
    Ok(HttpResponse::Ok().json(json!({
        "user": {
            "id": p.user_id,
            "email": p.email,
            "name": user.as_ref().map_or(p.name.as_str(), |u| u.name.as_str()),
            "kind": p.kind,
            "mfa_enabled": user.as_ref().is_some_and(|u| u.mfa_enabled),
        },
        "tenant": {"id": p.tenant_id, "slug": a.scope.tenant.slug, "name": a.scope.tenant.name},
        "roles": p.roles,
        "teams": p.teams,
        "permissions": permissions,
        "via": via,
        "mfa_enrollment_required": p.mfa_enrollment_required,
    })))
}

pub async fn mfa_enroll(a: Authenticated) -> Result<HttpResponse, ApiError> {
    let e = mfa::enroll(&a.scope.tenant, &a.scope.db, &a.principal, &a.client).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(e))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeInput {
    code: Option<String>,
    recovery_code: Option<String>,
}

pub async fn mfa_confirm(
    a: Authenticated,
    s: web::Data<Services>,
    body: ApiJson<CodeInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let code = body.code.as_deref().unwrap_or_default();
    let codes = mfa::confirm(
        s.auth.throttle(),
        &a.scope.db,
        &a.principal,
        code,
        &a.client,
    )
    .await?;
    // The session may now do more than enrol: no cached principal says otherwise.
    s.realtime
        .principals_changed(a.scope.tenant.id, Some(a.principal.user_id))
        .await;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(json!({"recovery_codes": codes})))
}

pub async fn mfa_disable(
    a: Authenticated,
    s: web::Data<Services>,
    body: ApiJson<CodeInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    mfa::disable(
        s.auth.throttle(),
        &a.scope.db,
        &a.principal,
        body.code.as_deref(),
        body.recovery_code.as_deref(),
        &a.client,
    )
    .await?;
    s.realtime
        .principals_changed(a.scope.tenant.id, Some(a.principal.user_id))
        .await;
    Ok(HttpResponse::NoContent().finish())
}

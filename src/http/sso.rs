//! Single sign-on over HTTP. Signed out: `auth/sso/providers` (the
//! sign-in page's buttons), `auth/sso/{id}/start` (a redirect to the
//! provider, setting the cookie that binds the attempt to this browser),
//! `auth/sso/callback` (the provider's answer; a redirect to the web app
//! with a one-time code or a failure code in the fragment) and
//! `auth/sso/exchange` (code → tokens). Admin: `sso/providers`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::authz::{AdminSettings, Authorized, client_info};
use super::extract::{IdPath, TenantScope};
use super::json::ApiJson;
use super::problem::ApiError;
use crate::integrations::sso::flow::Answer;
use crate::integrations::sso::providers::ProviderInput;
use crate::services::Services;

/// The cookie that binds an attempt to its browser, sent only to the
/// SSO routes. Its value is hex, so it needs no quoting.
const COOKIE: &str = "mandant_sso";

/// `Set-Cookie` for `value` (empty: remove it). Lax, not Strict: the
/// provider's redirect back is a top-level navigation from another site,
/// which Strict would strip the cookie from.
fn set_cookie(slug: &str, value: &str, secure: bool) -> String {
    let age = if value.is_empty() { 0 } else { 600 };
    format!(
        "{COOKIE}={value}; Path=/t/{slug}/api/v1/auth/sso; Max-Age={age}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Our cookie's value in the request's `Cookie` headers.
fn cookie(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all(actix_web::http::header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

pub async fn options(scope: TenantScope, s: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    let (providers, sso_required) = s.sso.sign_in_options(&scope.db).await?;
    let providers: Vec<_> = providers
        .into_iter()
        .map(|(id, name)| json!({"id": id, "name": name}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"providers": providers, "sso_required": sso_required})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartQuery {
    return_to: Option<String>,
}

pub async fn start(
    scope: TenantScope,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
    q: web::Query<StartQuery>,
) -> Result<HttpResponse, ApiError> {
    let started = s
        .sso
        .start(&scope.tenant, &scope.db, path.id, q.return_to.as_deref())
        .await?;
    let slug = scope.tenant.slug.as_str();
    Ok(HttpResponse::Found()
        .insert_header(("location", started.authorize_url))
        .insert_header(("cache-control", "no-store"))
        .insert_header((
            "set-cookie",
            set_cookie(slug, &started.browser, s.sso.https()),
        ))
        .finish())
}

/// The provider's answer (RFC 6749 §4.1.2); anything else it sends
/// (`session_state`, `iss`) is ignored rather than refused.
#[derive(Deserialize)]
pub struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

pub async fn callback(
    scope: TenantScope,
    s: web::Data<Services>,
    req: HttpRequest,
    q: web::Query<CallbackQuery>,
) -> Result<HttpResponse, ApiError> {
    let browser = cookie(&req);
    let answer = Answer {
        state: q.state.as_deref(),
        code: q.code.as_deref(),
        error: q.error.as_deref(),
        browser: browser.as_deref(),
    };
    let quota = crate::limits::plans::quotas(scope.tenant.plan).users;
    let outcome = s
        .sso
        .finish(&scope.tenant, &scope.db, &answer, &client_info(&req), quota)
        .await?;
    let app = s.sso.app_path(&scope.tenant);
    let fragment = match outcome {
        Ok(done) => {
            // Roles or teams may have changed with this sign-in.
            s.realtime
                .principals_changed(scope.tenant.id, Some(done.user_id))
                .await;
            let mut f = url::form_urlencoded::Serializer::new(String::new());
            f.append_pair("code", &done.handoff);
            if let Some(r) = &done.return_to {
                f.append_pair("return_to", r);
            }
            f.finish()
        }
        Err(failure) => format!("error={}", failure.code()),
    };
    // The attempt is spent either way: the cookie goes too.
    Ok(HttpResponse::Found()
        .insert_header(("location", format!("{app}#{fragment}")))
        .insert_header(("cache-control", "no-store"))
        .insert_header(("referrer-policy", "no-referrer"))
        .insert_header((
            "set-cookie",
            set_cookie(scope.tenant.slug.as_str(), "", s.sso.https()),
        ))
        .finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeRequest {
    code: String,
}

pub async fn exchange(
    scope: TenantScope,
    s: web::Data<Services>,
    body: ApiJson<ExchangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let pair = s
        .auth
        .redeem_handoff(&scope.tenant, &scope.db, &body.code)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(pair))
}

pub async fn list(
    a: Authorized<AdminSettings>,
    s: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let items = s.sso.list_providers(&a.scope.tenant, &a.scope.db).await?;
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

pub async fn show(
    a: Authorized<AdminSettings>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let p = s
        .sso
        .show_provider(&a.scope.tenant, &a.scope.db, path.id)
        .await?;
    Ok(HttpResponse::Ok().json(p))
}

pub async fn create(
    a: Authorized<AdminSettings>,
    s: web::Data<Services>,
    body: ApiJson<ProviderInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let (p, _) = s
        .sso
        .save_provider(
            &a.scope.tenant,
            &a.scope.db,
            &a.principal,
            None,
            &body,
            &a.client,
        )
        .await?;
    Ok(HttpResponse::Created().json(p))
}

pub async fn update(
    a: Authorized<AdminSettings>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
    body: ApiJson<ProviderInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let (p, ended) = s
        .sso
        .save_provider(
            &a.scope.tenant,
            &a.scope.db,
            &a.principal,
            Some(path.id),
            &body,
            &a.client,
        )
        .await?;
    if !ended.is_empty() {
        s.realtime.principals_changed(a.scope.tenant.id, None).await;
    }
    Ok(HttpResponse::Ok().json(p))
}

pub async fn delete(
    a: Authorized<AdminSettings>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let ended = s
        .sso
        .delete_provider(&a.scope.db, &a.principal, path.id, &a.client)
        .await?;
    if !ended.is_empty() {
        s.realtime.principals_changed(a.scope.tenant.id, None).await;
    }
    Ok(HttpResponse::NoContent().finish())
}

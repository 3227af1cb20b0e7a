//! SCIM 2.0 over HTTP at `/t/{tenant}/scim/v2` (RFC 7644), with the
//! tenant's SCIM bearer token; its errors are SCIM's, not problem+json.
//! The admin side (`settings/scim`) is in the API's route table.

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::authz::{AdminUsers, Authorized};
use super::extract::TenantScope;
use super::json::ApiJson;
use super::problem::ApiError;
use crate::integrations::scim::{
    self, Caller, ScimError, SettingsInput, discovery, groups, patch::PatchRequest, users,
};
use crate::services::Services;

pub const SCIM_JSON: &str = "application/scim+json";
pub const PREFIX: &str = "/t/{tenant}/scim/v2";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope(PREFIX)
            .service(
                read_only("/ServiceProviderConfig").route(web::get().to(service_provider_config)),
            )
            .service(read_only("/ResourceTypes").route(web::get().to(resource_types)))
            .service(read_only("/ResourceTypes/{name}").route(web::get().to(resource_type)))
            .service(read_only("/Schemas").route(web::get().to(schemas)))
            .service(read_only("/Schemas/{name}").route(web::get().to(schema)))
            .route("/.search", web::post().to(search_all))
            .route("/Users", web::get().to(list_users))
            .route("/Users", web::post().to(create_user))
            .route("/Users/{id}", web::get().to(get_user))
            .route("/Users/{id}", web::put().to(replace_user))
            .route("/Users/{id}", web::patch().to(patch_user))
            .route("/Users/{id}", web::delete().to(delete_user))
            .route("/Groups", web::get().to(list_groups))
            .route("/Groups", web::post().to(create_group))
            .route("/Groups/{id}", web::get().to(get_group))
            .route("/Groups/{id}", web::put().to(replace_group))
            .route("/Groups/{id}", web::patch().to(patch_group))
            .route("/Groups/{id}", web::delete().to(delete_group))
            .default_service(web::to(unknown)),
    );
}

/// A discovery resource: other methods are refused with 405, as RFC 7644
/// §4 asks.
fn read_only(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(|req: HttpRequest| async move {
        scim(&req).await?;
        Err::<HttpResponse, _>(ScimError::status(405, "Discovery resources are read-only."))
    }))
}

fn answer(status: u16, body: &Value) -> HttpResponse {
    HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR),
    )
    .insert_header((header::CONTENT_TYPE, SCIM_JSON))
    .insert_header((header::CACHE_CONTROL, "no-store"))
    .body(body.to_string())
}

impl actix_web::ResponseError for ScimError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_web::http::StatusCode::from_u16(self.status)
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        answer(self.status, &self.body())
    }
}

impl std::fmt::Display for ScimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

/// The tenant, its storage, and who the token acts as.
struct Scim {
    scope: TenantScope,
    caller: Caller,
    base: String,
    services: web::Data<Services>,
}

async fn scim(req: &HttpRequest) -> Result<Scim, ScimError> {
    let services = req
        .app_data::<web::Data<Services>>()
        .cloned()
        .ok_or_else(|| ScimError::status(500, "Services missing"))?;
    let scope = TenantScope::extract(req)
        .await
        .map_err(|_| ScimError::not_found())?;
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let caller = scim::authenticate(&scope.db, bearer).await?;
    let base = base_url(&services, scope.tenant.slug.as_str());
    Ok(Scim {
        scope,
        caller,
        base,
        services,
    })
}

pub fn base_url(s: &Services, slug: &str) -> String {
    format!(
        "{}/t/{slug}/scim/v2",
        s.config.public_url().trim_end_matches('/')
    )
}

fn body(bytes: &[u8]) -> Result<Value, ScimError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ScimError::bad("invalidSyntax", format!("the body is not JSON: {e}")))
}

fn id(req: &HttpRequest) -> Result<Uuid, ScimError> {
    req.match_info()
        .get("id")
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(ScimError::not_found)
}

/// Whose sessions and sockets a change touched: their principals are read again.
async fn changed(s: &Scim, users: &[Uuid]) {
    for u in users {
        s.services
            .realtime
            .principals_changed(s.scope.tenant.id, Some(*u))
            .await;
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    filter: Option<String>,
    #[serde(rename = "startIndex")]
    start_index: Option<i64>,
    count: Option<i64>,
    attributes: Option<String>,
    #[serde(rename = "excludedAttributes")]
    excluded_attributes: Option<String>,
}

/// `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) on one
/// resource: `id`, `schemas` and `meta` always stay.
fn project(v: &mut Value, attributes: Option<&str>, excluded: Option<&str>) {
    let names = |s: &str| -> Vec<(String, Option<String>)> {
        s.split(',')
            .map(|a| {
                let a = a.trim();
                let a = if a.to_ascii_lowercase().starts_with("urn:") {
                    a.rsplit(':').next().unwrap_or_default()
                } else {
                    a
                };
                match a.split_once('.') {
                    Some((x, y)) => (x.to_ascii_lowercase(), Some(y.to_ascii_lowercase())),
                    None => (a.to_ascii_lowercase(), None),
                }
            })
            .collect()
    };
    let Some(obj) = v.as_object_mut() else { return };
    let always = |k: &str| matches!(k, "id" | "schemas" | "meta");
    if let Some(a) = attributes.filter(|a| !a.trim().is_empty()) {
        let wanted = names(a);
        let kept: Map<String, Value> = std::mem::take(obj)
            .into_iter()
            .filter_map(|(k, mut val)| {
                let lk = k.to_ascii_lowercase();
                if always(&k) || wanted.iter().any(|(w, s)| *w == lk && s.is_none()) {
                    return Some((k, val));
                }
                let subs: Vec<&String> = wanted
                    .iter()
                    .filter(|(w, _)| *w == lk)
                    .filter_map(|(_, s)| s.as_ref())
                    .collect();
                if subs.is_empty() {
                    return None;
                }
                let keep_subs = |o: &mut Map<String, Value>| {
                    o.retain(|sk, _| subs.iter().any(|s| sk.eq_ignore_ascii_case(s)));
                };
                match &mut val {
                    Value::Object(o) => keep_subs(o),
                    Value::Array(items) => items.iter_mut().for_each(|i| {
                        if let Some(o) = i.as_object_mut() {
                            keep_subs(o)
                        }
                    }),
                    _ => {}
                }
                Some((k, val))
            })
            .collect();
        *obj = kept;
    } else if let Some(x) = excluded {
        for (name, sub) in names(x) {
            let key = obj.keys().find(|k| k.eq_ignore_ascii_case(&name)).cloned();
            let Some(key) = key.filter(|k| !always(k)) else {
                continue;
            };
            match sub {
                None => {
                    obj.remove(&key);
                }
                Some(sub) => {
                    let drop_sub = |o: &mut Map<String, Value>| {
                        o.retain(|sk, _| !sk.eq_ignore_ascii_case(&sub));
                    };
                    match obj.get_mut(&key) {
                        Some(Value::Object(o)) => drop_sub(o),
                        Some(Value::Array(items)) => items.iter_mut().for_each(|i| {
                            if let Some(o) = i.as_object_mut() {
                                drop_sub(o)
                            }
                        }),
                        _ => {}
                    }
                }
            }
        }
    }
}

fn projected(mut v: Value, q: &ListQuery) -> Value {
    let (a, x) = (q.attributes.as_deref(), q.excluded_attributes.as_deref());
    if let Some(items) = v.get_mut("Resources").and_then(Value::as_array_mut) {
        items.iter_mut().for_each(|i| project(i, a, x));
    } else {
        project(&mut v, a, x);
    }
    v
}

type Answer = Result<HttpResponse, ScimError>;

fn query(req: &HttpRequest) -> Result<ListQuery, ScimError> {
    web::Query::<ListQuery>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|e| ScimError::bad("invalidValue", format!("the query: {e}")))
}

async fn service_provider_config(req: HttpRequest) -> Answer {
    let s = scim(&req).await?;
    Ok(answer(200, &discovery::service_provider_config(&s.base)))
}

async fn resource_types(req: HttpRequest) -> Answer {
    let s = scim(&req).await?;
    let all = discovery::resource_types(&s.base);
    Ok(answer(200, &scim::list_response(all.len(), 1, all)))
}

async fn resource_type(req: HttpRequest) -> Answer {
    let s = scim(&req).await?;
    let name = req.match_info().get("name").unwrap_or_default();
    discovery::resource_types(&s.base)
        .into_iter()
        .find(|t| t["id"] == name)
        .map(|t| answer(200, &t))
        .ok_or_else(ScimError::not_found)
}

async fn schemas(req: HttpRequest) -> Answer {
    let s = scim(&req).await?;
    let all = discovery::schemas(&s.base);
    Ok(answer(200, &scim::list_response(all.len(), 1, all)))
}

async fn schema(req: HttpRequest) -> Answer {
    let s = scim(&req).await?;
    let name = req.match_info().get("name").unwrap_or_default();
    discovery::schemas(&s.base)
        .into_iter()
        .find(|t| t["id"] == name)
        .map(|t| answer(200, &t))
        .ok_or_else(ScimError::not_found)
}

/// Searching users and groups at once is not offered (RFC 7644 §3.4.3
/// lets a service provider answer 501); each has its own filter.
async fn search_all(req: HttpRequest) -> Answer {
    scim(&req).await?;
    Err(ScimError::status(
        501,
        "Search /Users or /Groups with a filter; searching both at once is not offered.",
    ))
}

async fn unknown(req: HttpRequest) -> Answer {
    // Who is not signed in learns nothing of what exists.
    scim(&req).await?;
    Err(ScimError::not_found())
}

fn created(v: &Value) -> HttpResponse {
    let mut r = answer(201, v);
    if let Some(loc) = v["meta"]["location"]
        .as_str()
        .and_then(|l| header::HeaderValue::from_str(l).ok())
    {
        r.headers_mut().insert(header::LOCATION, loc);
    }
    r
}

async fn list_users(req: HttpRequest) -> Answer {
    let s = scim(&req).await?;
    let q = query(&req)?;
    let v = users::list(
        &s.scope.db,
        q.filter.as_deref(),
        q.start_index,
        q.count,
        &s.base,
    )
    .await?;
    Ok(answer(200, &projected(v, &q)))
}

async fn get_user(req: HttpRequest) -> Answer {
    let s = scim(&req).await?;
    let q = query(&req)?;
    let v = users::get(&s.scope.db, id(&req)?, &s.base).await?;
    Ok(answer(200, &projected(v, &q)))
}

async fn create_user(req: HttpRequest, bytes: web::Bytes) -> Answer {
    let s = scim(&req).await?;
    let quota = crate::limits::plans::quotas(s.scope.tenant.plan).users;
    let v = users::create(&s.scope.db, &s.caller, &body(&bytes)?, &s.base, quota).await?;
    Ok(created(&v))
}

async fn replace_user(req: HttpRequest, bytes: web::Bytes) -> Answer {
    let s = scim(&req).await?;
    let id = id(&req)?;
    let (v, touched) = users::replace(&s.scope.db, &s.caller, id, &body(&bytes)?, &s.base).await?;
    if touched {
        changed(&s, &[id]).await;
    }
    Ok(answer(200, &v))
}

fn patch_body(bytes: &[u8]) -> Result<PatchRequest, ScimError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ScimError::bad("invalidSyntax", format!("not a PatchOp: {e}")))
}

async fn patch_user(req: HttpRequest, bytes: web::Bytes) -> Answer {
    let s = scim(&req).await?;
    let id = id(&req)?;
    let (v, touched) =
        users::patch(&s.scope.db, &s.caller, id, &patch_body(&bytes)?, &s.base).await?;
    if touched {
        changed(&s, &[id]).await;
    }
    Ok(answer(200, &v))
}

async fn delete_user(req: HttpRequest) -> Answer {
    let s = scim(&req).await?;
    let id = id(&req)?;
    users::delete(&s.scope.db, &s.caller, id).await?;
    changed(&s, &[id]).await;
    Ok(HttpResponse::NoContent().finish())
}

async fn list_groups(req: HttpRequest) -> Answer {
    let s = scim(&req).await?;
    let q = query(&req)?;
    let v = groups::list(
        &s.scope.db,
        q.filter.as_deref(),
        q.start_index,
        q.count,
        &s.base,
    )
    .await?;
    Ok(answer(200, &projected(v, &q)))
}

async fn get_group(req: HttpRequest) -> Answer {
    let s = scim(&req).await?;
    let q = query(&req)?;
    let v = groups::get(&s.scope.db, id(&req)?, &s.base).await?;
    Ok(answer(200, &projected(v, &q)))
}

async fn create_group(req: HttpRequest, bytes: web::Bytes) -> Answer {
    let s = scim(&req).await?;
    let (v, touched) = groups::create(&s.scope.db, &s.caller, &body(&bytes)?, &s.base).await?;
    changed(&s, &touched).await;
    Ok(created(&v))
}

async fn replace_group(req: HttpRequest, bytes: web::Bytes) -> Answer {
    let s = scim(&req).await?;
    let (v, touched) =
        groups::replace(&s.scope.db, &s.caller, id(&req)?, &body(&bytes)?, &s.base).await?;
    changed(&s, &touched).await;
    Ok(answer(200, &v))
}

async fn patch_group(req: HttpRequest, bytes: web::Bytes) -> Answer {
    let s = scim(&req).await?;
    let (v, touched) = groups::patch(
        &s.scope.db,
        &s.caller,
        id(&req)?,
        &patch_body(&bytes)?,
        &s.base,
    )
    .await?;
    changed(&s, &touched).await;
    Ok(answer(200, &v))
}

async fn delete_group(req: HttpRequest) -> Answer {
    let s = scim(&req).await?;
    let touched = groups::delete(&s.scope.db, &s.caller, id(&req)?).await?;
    changed(&s, &touched).await;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET|PUT settings/scim`, `POST|DELETE settings/scim/token`: the admin side.
pub async fn get_settings(
    a: Authorized<AdminUsers>,
    s: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let base = base_url(&s, a.scope.tenant.slug.as_str());
    Ok(HttpResponse::Ok().json(scim::settings_view(&a.scope.db, base).await?))
}

pub async fn put_settings(
    a: Authorized<AdminUsers>,
    s: web::Data<Services>,
    body: ApiJson<SettingsInput>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let base = base_url(&s, a.scope.tenant.slug.as_str());
    let v = scim::put_settings(&a.scope.db, &a.principal, &body, &a.client, base).await?;
    Ok(HttpResponse::Ok().json(v))
}

pub async fn issue_token(
    a: Authorized<AdminUsers>,
    s: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let base = base_url(&s, a.scope.tenant.slug.as_str());
    let v = scim::issue_token(&a.scope.db, &a.principal, &a.client, base).await?;
    Ok(HttpResponse::Created()
        .insert_header(("cache-control", "no-store"))
        .json(v))
}

pub async fn revoke_token(a: Authorized<AdminUsers>) -> Result<HttpResponse, ApiError> {
    scim::revoke_token(&a.scope.db, &a.principal, &a.client).await?;
    Ok(HttpResponse::NoContent().finish())
}

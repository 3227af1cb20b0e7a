//! Legal holds on records and erasing a person (GDPR Art. 17):
//! `PUT`/`DELETE /{collection}/{id}/hold`, `POST /contacts/{id}/erase`.
//! They need `privacy:hold` and `privacy:erase`, not the record's own
//! permissions, and answer with what was done, never the record's
//! content: whoever holds them may not be allowed to read it.

use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use super::authz::{Authorized, PrivacyErase, PrivacyHold};
use super::extract::IdPath;
use super::json::ApiJson;
use super::problem::ApiError;
use super::records::{Kind, def, etag};
use crate::records::core::Written;
use crate::records::privacy;
use crate::services::Services;

fn hold_answer(w: &Written) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(etag(w.version))
        .json(json!({
            "id": w.record["id"],
            "version": w.version,
            "legal_hold": w.record.get("legal_hold").cloned().unwrap_or(Value::Null),
        }))
}

pub async fn hold<K: Kind>(
    a: Authorized<PrivacyHold>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
    body: ApiJson<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let w = privacy::set_hold(&a.scope.db, def::<K>()?, &a.principal, path.id, Some(&body)).await?;
    let answer = hold_answer(&w);
    s.realtime
        .written(&a.scope.tenant, &a.scope.db, w.events)
        .await;
    Ok(answer)
}

pub async fn lift<K: Kind>(
    a: Authorized<PrivacyHold>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let w = privacy::set_hold(&a.scope.db, def::<K>()?, &a.principal, path.id, None).await?;
    let answer = hold_answer(&w);
    s.realtime
        .written(&a.scope.tenant, &a.scope.db, w.events)
        .await;
    Ok(answer)
}

pub async fn erase(
    a: Authorized<PrivacyErase>,
    s: web::Data<Services>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let done = privacy::erase(&a.scope.db, &a.principal, path.id).await?;
    s.realtime
        .written(&a.scope.tenant, &a.scope.db, done.events())
        .await;
    crate::files::sweep(&a.scope.db).await;
    if let Some(user) = done.portal_user {
        // Their sockets and cached sessions end now, on every node.
        s.realtime
            .principals_changed(a.scope.tenant.id, Some(user))
            .await;
    }
    Ok(HttpResponse::Ok().json(json!({
        "id": path.id,
        "gone": done.removed.gone,
        "cleared": done.removed.cleared,
        "events_erased": done.removed.events_erased,
        "portal_user": done.portal_user,
        "sign_ins_forgotten": done.sign_ins_forgotten,
    })))
}

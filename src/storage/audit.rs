//! The authentication audit trail (logins, MFA, refresh reuse, keys, roles).

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use super::TenantTx;
use super::error::Result;
use crate::on_tx;

pub struct AuthEvent<'a> {
    pub kind: &'a str,
    pub user_id: Option<Uuid>,
    pub email: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub detail: Value,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AuthEventRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub user_id: Option<Uuid>,
    pub email: Option<String>,
    pub ip: Option<String>,
    pub detail: Json<Value>,
}

/// Keeps `e` in the sign-in log and in the audit trail's chain (there
/// without the e-mail address: the user's id says who it was).
/// What an identity event is about, for the trail's `kind`: the user,
/// role, team or API key administered, else sign-in itself (`auth`).
fn subject_kind(action: &str) -> &'static str {
    match action.split_once('.').map(|(k, _)| k) {
        Some("user") => "user",
        Some("role") => "role",
        Some("team") => "team",
        Some("api_key") => "api_key",
        _ => "auth",
    }
}

pub async fn record(tx: &mut TenantTx, e: &AuthEvent<'_>) -> Result<()> {
    let mut detail = e.detail.clone();
    if let Some(d) = detail.as_object_mut() {
        d.remove("email");
    }
    super::audit_log::append(
        tx,
        &super::audit_log::NewEntry {
            action: e.kind,
            actor: e.user_id.map_or(super::audit_log::Actor::Anonymous, |id| {
                super::audit_log::Actor::User { id, kind: None }
            }),
            kind: Some(subject_kind(e.kind)),
            // Whom an administrator acted on, so the trail finds it by id.
            record_id: detail
                .get("target")
                .and_then(Value::as_str)
                .and_then(|t| Uuid::parse_str(t).ok()),
            detail,
        },
    )
    .await?;
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO auth_events (at, kind, user_id, email, ip, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(Utc::now())
    .bind(e.kind)
    .bind(e.user_id)
    .bind(e.email)
    .bind(e.ip)
    .bind(Json(&e.detail))
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Newest first, before `before` (an id cursor) when given.
pub async fn page(tx: &mut TenantTx, before: Option<i64>, limit: i64) -> Result<Vec<AuthEventRow>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, AuthEventRow>(
        "SELECT id, at, kind, user_id, email, ip, detail FROM auth_events \
         WHERE ($1 IS NULL OR id < $1) ORDER BY id DESC LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(c)
    .await)?)
}

/// Every sign-in log entry of `user_id`, oldest first.
pub async fn of_user(tx: &mut TenantTx, user_id: Uuid) -> Result<Vec<AuthEventRow>> {
    Ok(on_tx!(tx, c => sqlx::query_as::<_, AuthEventRow>(
        "SELECT id, at, kind, user_id, email, ip, detail FROM auth_events \
         WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(c)
    .await)?)
}

/// Forgets who a sign-in log entry was about beyond the user's id: the
/// e-mail address and client address of every entry for `user_id`, or
/// for `email` (failed sign-ins name only the address typed). Returns how
/// many entries changed.
pub async fn forget(tx: &mut TenantTx, user_id: Uuid, email: &str) -> Result<u64> {
    Ok(on_tx!(tx, c => sqlx::query(
        "UPDATE auth_events SET email = NULL, ip = NULL \
         WHERE user_id = $1 OR lower(email) = lower($2)",
    )
    .bind(user_id)
    .bind(email)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?)
}

//! SCIM 2.0 provisioning (RFC 7643, 7644): a tenant's directory creates,
//! changes, deactivates and removes its staff, and keeps teams as groups.
//! It calls `/t/{tenant}/scim/v2` with the tenant's bearer token, which
//! acts as the admin who made it: nobody it changes may hold more than
//! they do, and it dies with their right to manage users.
//!
//! - [`filter`]: `filter=` expressions; [`patch`]: PATCH operations.
//! - [`resources`]: users and teams as SCIM resources, and back.
//! - [`discovery`]: ServiceProviderConfig, ResourceTypes, Schemas.
//! - [`users`], [`groups`]: the operations.

pub mod discovery;
pub mod filter;
pub mod groups;
pub mod patch;
pub mod resources;
pub mod users;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::identity::roles::{Grants, covers};
use crate::identity::service::role_set;
use crate::identity::tokens::sha256_hex;
use crate::identity::{AuthError, ClientInfo, Principal};
use crate::storage::{StorageError, TenantDb, TenantTx, audit, scim, settings, users as user_rows};

/// A SCIM error (RFC 7644 §3.12), not problem+json: directories read this shape.
#[derive(Debug, Clone)]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl ScimError {
    pub fn bad(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status: 400,
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }

    pub fn status(status: u16, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type: None,
            detail: detail.into(),
        }
    }

    pub fn not_found() -> Self {
        Self::status(404, "No such resource.")
    }

    pub fn body(&self) -> Value {
        let mut v = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": self.status.to_string(),
            "detail": self.detail,
        });
        if let Some(t) = self.scim_type {
            v["scimType"] = json!(t);
        }
        v
    }
}

impl From<StorageError> for ScimError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => Self::not_found(),
            StorageError::Conflict(what) => Self {
                status: 409,
                scim_type: Some("uniqueness"),
                detail: format!("{what} is taken."),
            },
            other => {
                tracing::error!(error = %other, "scim: storage failed");
                Self::status(500, "The server failed; try again.")
            }
        }
    }
}

impl From<AuthError> for ScimError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Storage(s) => s.into(),
            AuthError::NotFound => Self::not_found(),
            AuthError::Forbidden(m) => Self::status(403, m),
            other => {
                tracing::error!(error = %other, "scim: failed");
                Self::status(500, "The server failed; try again.")
            }
        }
    }
}

/// Tenant setting `scim`: the role a provisioned user starts with.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScimSettings {
    pub default_role: String,
}

impl Default for ScimSettings {
    fn default() -> Self {
        Self {
            default_role: "agent".into(),
        }
    }
}

impl settings::Setting for ScimSettings {
    const KEY: &'static str = "scim";
}

/// Who a valid token acts as: its maker's grants, now.
pub struct Caller {
    pub token: Uuid,
    pub maker: Uuid,
    pub grants: Grants,
    pub default_role: String,
}

/// Checks a bearer token: live, and its maker still active and allowed to
/// manage users.
pub async fn authenticate(db: &TenantDb, bearer: Option<&str>) -> Result<Caller, ScimError> {
    let unauthorized = || ScimError::status(401, "The SCIM token is missing, revoked or invalid.");
    let token = bearer
        .filter(|t| t.starts_with("scim_") && t.len() == 69)
        .ok_or_else(unauthorized)?;
    let mut tx = db.begin_read().await?;
    let row = scim::token_by_hash(&mut tx, &sha256_hex(token)).await?;
    let Some((row, maker)) = row.and_then(|r| r.created_by.map(|m| (r, m))) else {
        tx.rollback().await?;
        return Err(unauthorized());
    };
    let active = user_rows::auth_by_id(&mut tx, maker)
        .await?
        .is_some_and(|u| u.status == "active");
    let roles = user_rows::roles_of(&mut tx, maker).await?;
    let set = role_set(&mut tx).await?;
    let s: ScimSettings = settings::read(&mut tx).await?;
    tx.rollback().await?;
    let grants = set.effective(&roles);
    if !active || !grants.contains_key("admin:users") {
        return Err(ScimError::status(
            401,
            "The admin who made this SCIM token may no longer manage users; make a new one.",
        ));
    }
    let now = Utc::now();
    if row
        .last_used_at
        .is_none_or(|t| now - t > chrono::TimeDelta::minutes(1))
    {
        let mut tx = db.begin().await?;
        scim::touch_token(&mut tx, row.id, now).await?;
        tx.commit().await?;
    }
    Ok(Caller {
        token: row.id,
        maker,
        grants,
        default_role: s.default_role,
    })
}

impl Caller {
    /// Refuses to touch a user who holds more than the token's maker.
    async fn may_change(&self, tx: &mut TenantTx, user: Uuid) -> Result<(), ScimError> {
        let set = role_set(tx).await?;
        let roles = user_rows::roles_of(tx, user).await?;
        if covers(&self.grants, &set.effective(&roles)) {
            Ok(())
        } else {
            Err(ScimError::status(
                403,
                "This user holds permissions the token's maker does not; only someone who holds them may change the user.",
            ))
        }
    }

    async fn record(&self, tx: &mut TenantTx, kind: &str, detail: Value) -> Result<(), ScimError> {
        audit::record(
            tx,
            &audit::AuthEvent {
                kind,
                user_id: Some(self.maker),
                email: None,
                ip: None,
                detail: json!({"by": "scim", "token_id": self.token, "detail": detail}),
            },
        )
        .await?;
        Ok(())
    }
}

/// `startIndex` and `count` (RFC 7644 §3.4.2.4): 1-based; at most 200 a page.
pub fn page<T: Clone>(items: &[T], start: Option<i64>, count: Option<i64>) -> (Vec<T>, i64) {
    let start = start.unwrap_or(1).max(1);
    let count = count.unwrap_or(100).clamp(0, 200);
    let skip = usize::try_from(start - 1).unwrap_or(usize::MAX);
    let take = usize::try_from(count).unwrap_or(0);
    (items.iter().skip(skip).take(take).cloned().collect(), start)
}

/// `filter=` parsed, before anything is read.
pub fn parse_filter(text: Option<&str>) -> Result<Option<filter::Filter>, ScimError> {
    text.map(filter::parse)
        .transpose()
        .map_err(|e| ScimError::bad("invalidFilter", e))
}

/// The resources `f` matches, a page of them as a ListResponse.
pub fn filtered_page(
    resources: Vec<Value>,
    f: Option<&filter::Filter>,
    start: Option<i64>,
    count: Option<i64>,
) -> Value {
    let matching: Vec<Value> = resources
        .into_iter()
        .filter(|v| f.is_none_or(|f| f.matches(v)))
        .collect();
    let (items, start) = page(&matching, start, count);
    list_response(matching.len(), start, items)
}

pub fn list_response(total: usize, start: i64, resources: Vec<Value>) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// The admin side: the token and the default role.
#[derive(Debug, Serialize)]
pub struct SettingsView {
    pub enabled: bool,
    pub base_url: String,
    pub default_role: String,
    pub token_created_at: Option<chrono::DateTime<Utc>>,
    pub token_last_used_at: Option<chrono::DateTime<Utc>>,
    /// Only when made: shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

pub async fn settings_view(db: &TenantDb, base_url: String) -> Result<SettingsView, AuthError> {
    let mut tx = db.begin_read().await?;
    let token = scim::live_token(&mut tx).await?;
    let s: ScimSettings = settings::read(&mut tx).await?;
    tx.rollback().await?;
    Ok(SettingsView {
        enabled: token.is_some(),
        base_url,
        default_role: s.default_role,
        token_created_at: token.as_ref().map(|t| t.created_at),
        token_last_used_at: token.and_then(|t| t.last_used_at),
        token: None,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    pub default_role: String,
}

async fn admin_record(
    tx: &mut TenantTx,
    actor: &Principal,
    c: &ClientInfo,
    kind: &str,
    detail: Value,
) -> Result<(), AuthError> {
    audit::record(
        tx,
        &audit::AuthEvent {
            kind,
            user_id: Some(actor.user_id),
            email: Some(&actor.email),
            ip: Some(&c.ip),
            detail,
        },
    )
    .await?;
    Ok(())
}

pub async fn put_settings(
    db: &TenantDb,
    actor: &Principal,
    input: &SettingsInput,
    c: &ClientInfo,
    base_url: String,
) -> Result<SettingsView, AuthError> {
    let mut tx = db.begin().await?;
    let set = role_set(&mut tx).await?;
    if !set.exists(&input.default_role) {
        return Err(AuthError::Validation(vec![crate::domain::FieldError::new(
            "default_role",
            format!("unknown role {:?}", input.default_role),
        )]));
    }
    if !covers(
        &actor.grants,
        &set.effective(std::slice::from_ref(&input.default_role)),
    ) {
        return Err(AuthError::Forbidden(
            "default_role: you cannot hand out permissions you do not hold yourself".into(),
        ));
    }
    settings::write(
        &mut tx,
        &ScimSettings {
            default_role: input.default_role.clone(),
        },
    )
    .await?;
    admin_record(
        &mut tx,
        actor,
        c,
        "scim.settings_changed",
        json!({"default_role": input.default_role}),
    )
    .await?;
    tx.commit().await?;
    settings_view(db, base_url).await
}

/// A new token (the old one stops): `scim_` and 64 hex digits.
pub async fn issue_token(
    db: &TenantDb,
    actor: &Principal,
    c: &ClientInfo,
    base_url: String,
) -> Result<SettingsView, AuthError> {
    let token = format!("scim_{}", crate::secret::random_hex(32));
    let mut tx = db.begin().await?;
    let revoked = scim::revoke_tokens(&mut tx).await?;
    scim::add_token(&mut tx, &sha256_hex(&token), actor.user_id).await?;
    admin_record(
        &mut tx,
        actor,
        c,
        "scim.token_issued",
        json!({"replaced": revoked}),
    )
    .await?;
    tx.commit().await?;
    let mut view = settings_view(db, base_url).await?;
    view.token = Some(token);
    Ok(view)
}

pub async fn revoke_token(
    db: &TenantDb,
    actor: &Principal,
    c: &ClientInfo,
) -> Result<(), AuthError> {
    let mut tx = db.begin().await?;
    let n = scim::revoke_tokens(&mut tx).await?;
    if n == 0 {
        return Err(AuthError::NotFound);
    }
    admin_record(&mut tx, actor, c, "scim.token_revoked", json!({})).await?;
    tx.commit().await?;
    Ok(())
}

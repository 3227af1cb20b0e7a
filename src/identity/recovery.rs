//! Setting a password with a single-use token sent by e-mail: a reset the
//! person asked for, or an invitation an admin sent. Tokens are random,
//! kept as SHA-256 only, short-lived, spent on use; setting the password
//! ends every session of the account and voids its other tokens.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::service::{AuthError, ClientInfo};
use super::tokens;
use crate::domain::password::{self, Password};
use crate::domain::{FieldError, Validation};
use crate::storage::users::AuthUser;
use crate::storage::{StorageError, TenantDb, TenantTx, account_tokens, audit, sessions, users};

const SPENT: &str = "is used, expired or unknown: ask for a new link";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Reset,
    Invitation,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Reset => "password_reset",
            Purpose::Invitation => "invitation",
        }
    }

    /// How long a link works: a reset is for now, an invitation for a week.
    pub fn lifetime(self) -> TimeDelta {
        match self {
            Purpose::Reset => TimeDelta::minutes(30),
            Purpose::Invitation => TimeDelta::days(7),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetPassword {
    pub token: String,
    pub password: String,
}

/// Makes a token for `user` inside `tx`; the text goes in the link only.
pub async fn issue(
    tx: &mut TenantTx,
    user: Uuid,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<String, StorageError> {
    let token = crate::secret::random_hex(32);
    account_tokens::insert(
        tx,
        &tokens::sha256_hex(&token),
        user,
        purpose.as_str(),
        now,
        now + purpose.lifetime(),
    )
    .await?;
    Ok(token)
}

/// The active account with this e-mail, if any. The caller answers the
/// same either way, so nobody learns which addresses have accounts.
pub async fn account(tx: &mut TenantTx, email: &str) -> Result<Option<AuthUser>, StorageError> {
    let Ok(email) = crate::domain::email::Email::parse("email", email) else {
        return Ok(None);
    };
    Ok(users::auth_by_email(tx, &email)
        .await?
        .filter(|u| u.status == "active"))
}

/// Sets the password of the token's account and spends the token.
/// Answers the user's id (to sign them out everywhere).
pub async fn set_password(
    db: &TenantDb,
    input: &SetPassword,
    client: &ClientInfo,
) -> Result<Uuid, AuthError> {
    let dead = || AuthError::Validation(vec![FieldError::new("token", SPENT)]);
    // The link first: a dead one is said so before any password is judged.
    if input.token.len() != 64 || !input.token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(dead());
    }
    let hash_of_token = tokens::sha256_hex(&input.token);
    let mut tx = db.begin_read().await?;
    let usable = account_tokens::usable(&mut tx, &hash_of_token, db.clock().now()).await?;
    tx.rollback().await?;
    if !usable {
        return Err(dead());
    }
    let mut v = Validation::default();
    let password = v.check(Password::parse("password", &input.password));
    v.finish().map_err(AuthError::Validation)?;
    let Some(password) = password else {
        return Err(AuthError::Validation(Vec::new()));
    };
    // Hashed before the transaction: Argon2 takes its time.
    let hash = password::hash(password).await?;
    let now = db.clock().now();
    let mut tx = db.begin().await?;
    let taken = account_tokens::take(&mut tx, &tokens::sha256_hex(&input.token), now).await?;
    let Some((user, purpose)) = taken else {
        return Err(AuthError::Validation(vec![FieldError::new("token", SPENT)]));
    };
    let active = users::auth_by_id(&mut tx, user)
        .await?
        .is_some_and(|u| u.status == "active");
    if !active {
        return Err(AuthError::Validation(vec![FieldError::new("token", SPENT)]));
    }
    users::set_password_hash_by_id(&mut tx, user, &hash).await?;
    sessions::revoke_all_for_user(&mut tx, user, "password_reset").await?;
    account_tokens::void_for_user(&mut tx, user, now).await?;
    audit::record(
        &mut tx,
        &audit::AuthEvent {
            kind: if purpose == Purpose::Invitation.as_str() {
                "user.invitation_accepted"
            } else {
                "user.password_reset"
            },
            user_id: Some(user),
            email: None,
            ip: Some(&client.ip),
            detail: json!({"target": user}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

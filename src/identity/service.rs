//! Login, token refresh, logout, per-request authentication and MFA.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::principal::{Principal, Via};
use super::principal_cache::PrincipalCache;
use super::roles::{Grants, RoleSet};
use super::throttle::LoginThrottle;
use super::tokens::{self, Claims, JwtKeys, TokenError};
use super::totp;
use crate::domain::FieldError;
use crate::domain::email::Email;
use crate::domain::password::{self, Password};
use crate::domain::tenant::Tenant;
use crate::secret::Secret;
use crate::storage::{
    ControlStore, StorageError, TenantDb, TenantTx, api_keys, audit, passkeys, roles, sessions,
    settings, sso, users,
};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("invalid email or password")]
    InvalidCredentials,
    /// With a passkey challenge when the user holds passkeys.
    #[error("this account needs an MFA code")]
    MfaRequired(Option<Box<serde_json::Value>>),
    #[error("the MFA code is wrong or was already used")]
    MfaInvalid,
    #[error("too many attempts")]
    Throttled(Duration),
    /// Too many password checks are waiting (a flood of logins).
    #[error("too many password checks are waiting")]
    Busy,
    /// A token of another tenant: answered exactly like an unknown tenant.
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error("MFA enrolment is required before anything else")]
    MfaEnrollmentRequired,
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    QuotaExceeded(String),
    /// Password sign-in is closed: the tenant signs in with its provider.
    #[error("This workspace signs in with single sign-on.")]
    SsoRequired,
    /// Something the request needs (an identity provider) is unreachable.
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    pub totp_code: Option<String>,
    pub recovery_code: Option<String>,
    /// A passkey's answer to the challenge `mfa_required` carried.
    pub passkey: Option<super::passkeys::Assertion>,
}

#[derive(Debug, Serialize)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
}

/// Where a request came from, for throttling and the audit trail.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: Option<String>,
}

/// Tenant setting `security`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecuritySettings {
    /// Users holding any of these roles must enrol in MFA.
    #[serde(default)]
    pub mfa_required_roles: Vec<String>,
    /// Sign-in only through the tenant's identity providers; owners with
    /// MFA keep their password as the break-glass way in.
    #[serde(default)]
    pub sso_required: bool,
}

/// May this user sign in with a password when SSO is required? An owner
/// with a second factor (TOTP or a passkey).
pub fn is_break_glass(roles: &[String], second_factor: bool) -> bool {
    second_factor && roles.iter().any(|r| r == "owner")
}

pub const SECURITY_KEY: &str = "security";

/// Checked against the roles by `admin::put_security`, which needs storage.
impl settings::Setting for SecuritySettings {
    const KEY: &'static str = SECURITY_KEY;
}

pub struct AuthService {
    keys: JwtKeys,
    throttle: LoginThrottle,
    /// Sign-ins' password checks, capped and queued (see [`password::HashPool`]).
    verifier: password::HashPool,
    /// Verified against when the email is unknown, so that answering
    /// "unknown" costs what a wrong password costs (no enumeration by timing).
    dummy_hash: String,
    access_ttl_secs: i64,
    session_ttl: TimeDelta,
    principals: Arc<PrincipalCache>,
    /// Passkeys' relying party; none when the public URL names no host.
    webauthn: Option<webauthn_rs::Webauthn>,
}

pub struct AuthSettings {
    pub access_ttl_secs: i64,
    pub session_ttl_days: i64,
    /// The origin people reach the app at (passkeys are bound to its host).
    pub public_url: String,
    pub login_per_account_per_min: u32,
    pub login_per_address_per_min: u32,
}

impl AuthService {
    /// The signing key is the configured one, or one made on first start and
    /// kept in the control plane so that every node shares it.
    pub async fn new(
        control: &ControlStore,
        configured: Option<&Secret>,
        s: &AuthSettings,
    ) -> anyhow::Result<Self> {
        let key = match configured {
            Some(k) => k.clone(),
            None => Secret::new(
                control
                    .platform_secret("jwt_hs256", &crate::secret::random_hex(32))
                    .await?,
            ),
        };
        let dummy = Password::parse("p", "dummy password for timing only")
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        Ok(Self {
            keys: JwtKeys::new(&key),
            throttle: LoginThrottle::new(s.login_per_account_per_min, s.login_per_address_per_min),
            verifier: password::HashPool::new("argon2-login"),
            dummy_hash: password::hash(dummy).await?,
            access_ttl_secs: s.access_ttl_secs,
            session_ttl: TimeDelta::days(s.session_ttl_days),
            principals: Arc::default(),
            webauthn: super::passkeys::relying_party(&s.public_url),
        })
    }

    /// The cache of session principals; whoever announces identity
    /// changes (`Realtime`) empties it.
    pub fn principal_cache(&self) -> Arc<PrincipalCache> {
        self.principals.clone()
    }

    pub fn throttle(&self) -> &LoginThrottle {
        &self.throttle
    }

    pub(crate) fn relying_party(&self) -> Option<&webauthn_rs::Webauthn> {
        self.webauthn.as_ref()
    }

    pub(crate) fn session_ttl(&self) -> TimeDelta {
        self.session_ttl
    }

    async fn audit(db: &TenantDb, event: audit::AuthEvent<'_>) -> Result<(), AuthError> {
        let mut tx = db.begin().await?;
        audit::record(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn login(
        &self,
        tenant: &Tenant,
        db: &TenantDb,
        req: &LoginRequest,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let email_norm = req.email.trim().to_lowercase();
        self.throttle
            .check(tenant.id, &email_norm, &client.ip)
            .map_err(AuthError::Throttled)?;
        let email = Email::parse("email", &req.email).ok();
        let (user, roles, has_passkeys) = match &email {
            Some(e) => {
                let mut tx = db.begin_read().await?;
                let u = users::auth_by_email(&mut tx, e).await?;
                let (r, keys) = match &u {
                    Some(u) => (
                        users::roles_of(&mut tx, u.id).await?,
                        passkeys::count_of_user(&mut tx, u.id).await? > 0,
                    ),
                    None => (Vec::new(), false),
                };
                let security = security_settings(&mut tx).await?;
                tx.rollback().await?;
                (u.map(|u| (u, security)), r, keys)
            }
            None => (None, Vec::new(), false),
        };
        // Always pay for one Argon2 verification, whatever the outcome.
        let stored = user
            .as_ref()
            .and_then(|(u, _)| u.password_hash.clone())
            .unwrap_or_else(|| self.dummy_hash.clone());
        let password_ok = self
            .verifier
            .verify(req.password.clone(), stored)
            .await
            .map_err(|_| AuthError::Busy)?;
        let Some((user, security)) = user.filter(|(u, _)| password_ok && u.status == "active")
        else {
            self.throttle.failed(tenant.id, &email_norm, &client.ip);
            Self::audit(
                db,
                audit::AuthEvent {
                    kind: "login.failure",
                    user_id: None,
                    email: Some(&email_norm),
                    ip: Some(&client.ip),
                    detail: json!({"reason": "invalid_credentials"}),
                },
            )
            .await?;
            return Err(AuthError::InvalidCredentials);
        };

        let second_factor = user.mfa_enabled || has_passkeys;
        if security.sso_required && !is_break_glass(&roles, second_factor) {
            Self::audit(
                db,
                audit::AuthEvent {
                    kind: "login.failure",
                    user_id: Some(user.id),
                    email: Some(&email_norm),
                    ip: Some(&client.ip),
                    detail: json!({"reason": "sso_required"}),
                },
            )
            .await?;
            return Err(AuthError::SsoRequired);
        }
        let mut tx = db.begin().await?;
        if second_factor {
            let outcome = match &req.passkey {
                Some(a) if self.passkey_second_factor(&mut tx, user.id, a).await? => Ok(()),
                Some(_) => Err(AuthError::MfaInvalid),
                None => check_second_factor(db, &mut tx, &user, req).await?,
            };
            if let Err(e) = outcome {
                tx.rollback().await?;
                let required = matches!(e, AuthError::MfaRequired(_));
                if !required {
                    self.throttle.failed(tenant.id, &email_norm, &client.ip);
                }
                let reason = if required {
                    "mfa_required"
                } else {
                    "mfa_invalid"
                };
                // Asked for the second factor: a passkey may give it.
                let e = if required {
                    AuthError::MfaRequired(self.passkey_challenge(db, user.id).await?.map(Box::new))
                } else {
                    e
                };
                Self::audit(
                    db,
                    audit::AuthEvent {
                        kind: "login.failure",
                        user_id: Some(user.id),
                        email: Some(&email_norm),
                        ip: Some(&client.ip),
                        detail: json!({"reason": reason}),
                    },
                )
                .await?;
                return Err(e);
            }
        }
        let mfa_pending = !second_factor
            && roles
                .iter()
                .any(|r| security.mfa_required_roles.contains(r));
        let session = sessions::create(
            &mut tx,
            &sessions::NewSession {
                user_id: user.id,
                mfa_pending,
                expires_at: Utc::now() + self.session_ttl,
                ip: Some(&client.ip),
                user_agent: client.user_agent.as_deref(),
                method: "password",
                sso: None,
            },
        )
        .await?;
        let (refresh, hash) = tokens::new_refresh_token();
        sessions::add_refresh_token(&mut tx, session, &hash).await?;
        audit::record(
            &mut tx,
            &audit::AuthEvent {
                kind: "login.success",
                user_id: Some(user.id),
                email: Some(&email_norm),
                ip: Some(&client.ip),
                detail: json!({"session_id": session, "mfa": user.mfa_enabled, "mfa_enrollment_required": mfa_pending}),
            },
        )
        .await?;
        tx.commit().await?;
        self.throttle.succeeded(tenant.id, &email_norm, &client.ip);
        Ok(self.pair(tenant, user.id, session, refresh))
    }

    /// Trades a one-time SSO hand-off code for the session's first tokens.
    pub async fn redeem_handoff(
        &self,
        tenant: &Tenant,
        db: &TenantDb,
        code: &str,
    ) -> Result<TokenPair, AuthError> {
        let invalid = AuthError::Unauthorized("The sign-in code is invalid, spent or expired.");
        if code.is_empty() || code.len() > 256 {
            return Err(invalid);
        }
        let mut tx = db.begin().await?;
        let session = match sso::take_handoff(&mut tx, &tokens::sha256_hex(code)).await? {
            Some(id) => sessions::get(&mut tx, id).await?,
            None => None,
        };
        let Some(session) = session.filter(|s| s.is_live(Utc::now())) else {
            tx.commit().await?;
            return Err(invalid);
        };
        let (refresh, hash) = tokens::new_refresh_token();
        sessions::add_refresh_token(&mut tx, session.id, &hash).await?;
        tx.commit().await?;
        Ok(self.pair(tenant, session.user_id, session.id, refresh))
    }

    /// The session a principal signed in with, as stored.
    pub async fn session_of(
        &self,
        db: &TenantDb,
        p: &Principal,
    ) -> Result<Option<sessions::SessionRow>, AuthError> {
        let Via::Session(sid) = p.via else {
            return Ok(None);
        };
        let mut tx = db.begin_read().await?;
        let s = sessions::get(&mut tx, sid).await?;
        tx.rollback().await?;
        Ok(s)
    }

    pub(crate) fn pair(
        &self,
        tenant: &Tenant,
        user: Uuid,
        session: Uuid,
        refresh: String,
    ) -> TokenPair {
        TokenPair {
            access_token: self
                .keys
                .issue(tenant.id, user, session, self.access_ttl_secs),
            refresh_token: refresh,
            token_type: "Bearer",
            expires_in: self.access_ttl_secs,
        }
    }

    /// Rotates a refresh token. A spent one revokes its whole session.
    pub async fn refresh(
        &self,
        tenant: &Tenant,
        db: &TenantDb,
        token: &str,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let invalid = AuthError::Unauthorized("The refresh token is invalid or expired.");
        if token.len() > tokens::MAX_TOKEN_LEN {
            return Err(invalid);
        }
        let mut tx = db.begin().await?;
        let session_id = match sessions::spend_refresh_token(&mut tx, &tokens::sha256_hex(token))
            .await?
        {
            sessions::Spend::Unknown => {
                tx.rollback().await?;
                return Err(invalid);
            }
            sessions::Spend::Reused { session_id } => {
                let was_live = sessions::revoke(&mut tx, session_id, "refresh_token_reuse").await?;
                let user = sessions::get(&mut tx, session_id).await?.map(|s| s.user_id);
                audit::record(
                    &mut tx,
                    &audit::AuthEvent {
                        kind: "refresh.reuse",
                        user_id: user,
                        email: None,
                        ip: Some(&client.ip),
                        detail: json!({"session_id": session_id, "revoked": was_live}),
                    },
                )
                .await?;
                tx.commit().await?;
                // Its access tokens stop now, not when a cached principal ages.
                self.principals.invalidate(tenant.id);
                return Err(AuthError::Unauthorized(
                    "The refresh token was already used; the session has been revoked.",
                ));
            }
            sessions::Spend::Fresh { session_id } => session_id,
        };
        let session = sessions::get(&mut tx, session_id).await?;
        let user = match &session {
            Some(s) if s.is_live(Utc::now()) => users::auth_by_id(&mut tx, s.user_id).await?,
            _ => None,
        };
        let Some(user) = user.filter(|u| u.status == "active") else {
            tx.commit().await?;
            return Err(invalid);
        };
        let (refresh, hash) = tokens::new_refresh_token();
        sessions::add_refresh_token(&mut tx, session_id, &hash).await?;
        tx.commit().await?;
        Ok(self.pair(tenant, user.id, session_id, refresh))
    }

    pub async fn logout(
        &self,
        db: &TenantDb,
        p: &Principal,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let Via::Session(sid) = p.via else {
            return Err(AuthError::Forbidden(
                "API keys have no session to end.".into(),
            ));
        };
        let mut tx = db.begin().await?;
        sessions::revoke(&mut tx, sid, "logout").await?;
        audit::record(
            &mut tx,
            &audit::AuthEvent {
                kind: "logout",
                user_id: Some(p.user_id),
                email: Some(&p.email),
                ip: Some(&client.ip),
                detail: json!({"session_id": sid}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns a bearer credential into a principal, checking the session,
    /// the user and their roles *now*, so changes bite on the next request.
    pub async fn authenticate(
        &self,
        tenant: &Tenant,
        db: &TenantDb,
        bearer: &str,
        client: &ClientInfo,
    ) -> Result<Arc<Principal>, AuthError> {
        match self.access_claims(tenant, bearer)? {
            Some(claims) => self.token_principal(tenant, db, &claims).await,
            None => Ok(Arc::new(
                self.authenticate_key(tenant, db, bearer, client).await?,
            )),
        }
    }

    /// The claims of a signed, unexpired access token of `tenant`, checked
    /// without the database; `None` for an API key. Lets rate limits refuse
    /// a flood by user before it costs a database read, with the token
    /// verified once ([`token_principal`](Self::token_principal) goes on).
    pub fn access_claims(
        &self,
        tenant: &Tenant,
        bearer: &str,
    ) -> Result<Option<Claims>, AuthError> {
        if bearer.starts_with("mk_") {
            return Ok(None);
        }
        let claims = self.keys.verify(bearer).map_err(|e| match e {
            TokenError::Expired => AuthError::Unauthorized("The access token has expired."),
            TokenError::Invalid => AuthError::Unauthorized("The access token is invalid."),
        })?;
        if claims.tid != tenant.id.0 {
            return Err(AuthError::NotFound);
        }
        Ok(Some(claims))
    }

    /// The principal behind verified access-token `claims`.
    pub async fn token_principal(
        &self,
        tenant: &Tenant,
        db: &TenantDb,
        claims: &Claims,
    ) -> Result<Arc<Principal>, AuthError> {
        self.session_principal(tenant, db, claims.sid, Some(claims.sub))
            .await
    }

    /// The principal of a live session (`expect_user`: the token's subject,
    /// which must own the session). Used by access tokens and by the
    /// WebSocket's single-use tickets.
    pub async fn session_principal(
        &self,
        tenant: &Tenant,
        db: &TenantDb,
        session_id: Uuid,
        expect_user: Option<Uuid>,
    ) -> Result<Arc<Principal>, AuthError> {
        if let Some(p) = self.principals.get(tenant.id, session_id)
            && expect_user.is_none_or(|u| p.user_id == u)
        {
            return Ok(p);
        }
        let generation = self.principals.generation(tenant.id);
        let (p, expires_at) = self
            .load_session_principal(tenant, db, session_id, expect_user)
            .await?;
        let p = Arc::new(p);
        let lives = (expires_at - Utc::now()).to_std().unwrap_or_default();
        self.principals
            .put(tenant.id, session_id, &p, generation, lives);
        Ok(p)
    }

    async fn load_session_principal(
        &self,
        tenant: &Tenant,
        db: &TenantDb,
        session_id: Uuid,
        expect_user: Option<Uuid>,
    ) -> Result<(Principal, chrono::DateTime<Utc>), AuthError> {
        let ended = AuthError::Unauthorized("The session has ended.");
        let mut tx = db.begin_read().await?;
        let session = sessions::get(&mut tx, session_id).await?;
        let Some(session) =
            session.filter(|s| s.is_live(Utc::now()) && expect_user.is_none_or(|u| s.user_id == u))
        else {
            tx.rollback().await?;
            return Err(ended);
        };
        let Some(user) = users::auth_by_id(&mut tx, session.user_id)
            .await?
            .filter(|u| u.status == "active")
        else {
            tx.rollback().await?;
            return Err(ended);
        };
        let roles = users::roles_of(&mut tx, user.id).await?;
        let teams = users::teams_of(&mut tx, user.id).await?;
        let set = role_set(&mut tx).await?;
        // The tenant's MFA policy *now*: a policy made stricter after the
        // session began binds it on its next request, not only new logins.
        let security = security_settings(&mut tx).await?;
        let second_factor =
            user.mfa_enabled || passkeys::count_of_user(&mut tx, user.id).await? > 0;
        tx.rollback().await?;
        let mfa_required_now = !second_factor
            && roles
                .iter()
                .any(|r| security.mfa_required_roles.contains(r));
        // SSO made mandatory ends other sessions when it is switched on;
        // this holds the line should one have been missed (another node).
        if security.sso_required
            && session.method != "sso"
            && !is_break_glass(&roles, second_factor)
        {
            return Err(ended);
        }
        let principal = Principal {
            tenant_id: tenant.id,
            user_id: user.id,
            email: user.email,
            name: user.name,
            kind: user.kind,
            grants: set.effective(&roles),
            roles,
            teams,
            via: Via::Session(session.id),
            mfa_enrollment_required: session.mfa_pending || mfa_required_now,
        };
        Ok((principal, session.expires_at))
    }

    async fn authenticate_key(
        &self,
        tenant: &Tenant,
        db: &TenantDb,
        key: &str,
        client: &ClientInfo,
    ) -> Result<Principal, AuthError> {
        let invalid = AuthError::Unauthorized("The API key is invalid or revoked.");
        let Some((prefix, secret)) = tokens::parse_api_key(key) else {
            return Err(invalid);
        };
        let mut tx = db.begin_read().await?;
        let row = api_keys::by_prefix(&mut tx, prefix).await?;
        let Some(row) = row.filter(|k| {
            k.revoked_at.is_none() && tokens::digest_eq(&tokens::sha256_hex(secret), &k.key_hash)
        }) else {
            tx.rollback().await?;
            return Err(invalid);
        };
        tx.rollback().await?;
        let Some(principal) = delegated_principal(
            tenant,
            db,
            row.created_by,
            &row.role,
            Via::ApiKey(row.id),
            &row.name,
        )
        .await?
        else {
            return Err(invalid);
        };
        let user_id = principal.user_id;
        let now = Utc::now();
        let mut tx = db.begin().await?;
        if api_keys::touch(&mut tx, row.id, now).await? {
            audit::record(
                &mut tx,
                &audit::AuthEvent {
                    kind: "api_key.used",
                    user_id: Some(user_id),
                    email: None,
                    ip: Some(&client.ip),
                    detail: json!({"api_key_id": row.id, "name": row.name}),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(principal)
    }
}

/// Who an API key or a webhook acts as: `role`, never more than its maker
/// `created_by` holds now. None when the maker is gone or inactive: a
/// delegate dies with its maker.
pub async fn delegated_principal(
    tenant: &Tenant,
    db: &TenantDb,
    created_by: Uuid,
    role: &str,
    via: Via,
    name: &str,
) -> Result<Option<Principal>, StorageError> {
    let mut tx = db.begin_read().await?;
    let Some(user) = users::auth_by_id(&mut tx, created_by)
        .await?
        .filter(|u| u.status == "active")
    else {
        tx.rollback().await?;
        return Ok(None);
    };
    let creator_roles = users::roles_of(&mut tx, user.id).await?;
    let teams = users::teams_of(&mut tx, user.id).await?;
    let set = role_set(&mut tx).await?;
    tx.rollback().await?;
    let role = role.to_owned();
    let grants = intersect(
        &set.effective(std::slice::from_ref(&role)),
        &set.effective(&creator_roles),
    );
    Ok(Some(Principal {
        tenant_id: tenant.id,
        user_id: user.id,
        email: user.email,
        name: name.to_owned(),
        kind: user.kind,
        roles: vec![role],
        teams,
        grants,
        via,
        mfa_enrollment_required: false,
    }))
}

/// The grants present in both, at the narrower scope, hiding the union.
fn intersect(a: &Grants, b: &Grants) -> Grants {
    a.iter()
        .filter_map(|(perm, ga)| {
            b.get(perm).map(|gb| {
                (
                    *perm,
                    super::roles::EffectiveGrant {
                        scope: ga.scope.min(gb.scope),
                        hidden_fields: ga.hidden_fields.union(&gb.hidden_fields).cloned().collect(),
                    },
                )
            })
        })
        .collect()
}

/// The tenant's roles as of this transaction.
pub async fn role_set(tx: &mut TenantTx) -> Result<RoleSet, StorageError> {
    Ok(RoleSet::new(roles::all(tx).await?))
}

pub async fn security_settings(tx: &mut TenantTx) -> Result<SecuritySettings, StorageError> {
    settings::read(tx).await
}

/// Checks the TOTP or recovery code of an MFA user inside `tx` (which
/// records the spent step or code). Outer error: storage; inner: refusal.
async fn check_second_factor(
    db: &TenantDb,
    tx: &mut TenantTx,
    user: &users::AuthUser,
    req: &LoginRequest,
) -> Result<Result<(), AuthError>, AuthError> {
    match (&req.totp_code, &req.recovery_code) {
        (Some(code), _) => {
            let Some(stored) = &user.mfa_secret else {
                return Ok(Err(AuthError::MfaInvalid));
            };
            let secret = super::mfa::open_secret(db, user.id, stored).await?;
            let now = Utc::now().timestamp().max(0) as u64;
            let Some(step) = totp::verify(&secret, code, now) else {
                return Ok(Err(AuthError::MfaInvalid));
            };
            if step <= user.mfa_last_step || !users::advance_mfa_step(tx, user.id, step).await? {
                return Ok(Err(AuthError::MfaInvalid));
            }
            Ok(Ok(()))
        }
        (None, Some(code)) => {
            if users::use_recovery_code(tx, user.id, &totp::hash_recovery_code(code)).await? {
                Ok(Ok(()))
            } else {
                Ok(Err(AuthError::MfaInvalid))
            }
        }
        (None, None) => Ok(Err(AuthError::MfaRequired(None))),
    }
}

/// The tenant's first active owner as a principal: what operator commands
/// (CLI import) act as.
pub async fn owner_principal(tenant: &Tenant, db: &TenantDb) -> Result<Principal, AuthError> {
    let mut tx = db.begin_read().await?;
    let all = users::list(&mut tx).await?;
    let (roles, teams) = users::all_memberships(&mut tx).await?;
    let set = role_set(&mut tx).await?;
    tx.rollback().await?;
    let owner = all
        .into_iter()
        .find(|u| u.status == "active" && roles.iter().any(|r| r.0 == u.id && r.1 == "owner"))
        .ok_or(AuthError::NotFound)?;
    let mine: Vec<String> = roles
        .iter()
        .filter(|r| r.0 == owner.id)
        .map(|r| r.1.clone())
        .collect();
    Ok(Principal {
        tenant_id: tenant.id,
        user_id: owner.id,
        email: owner.email,
        name: owner.name,
        kind: owner.kind,
        grants: set.effective(&mine),
        roles: mine,
        teams: teams
            .iter()
            .filter(|t| t.0 == owner.id)
            .map(|t| t.1)
            .collect(),
        via: Via::ApiKey(Uuid::nil()),
        mfa_enrollment_required: false,
    })
}

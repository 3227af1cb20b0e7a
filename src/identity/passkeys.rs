//! Passkeys (WebAuthn, via `webauthn-rs`): enrolled and removed by the
//! signed-in user, and used either to sign in without a password
//! (discoverable credentials: the key names its user) or as the second
//! factor after a password. A ceremony's state waits in the tenant's
//! database between its two requests, so any node may finish it.
//!
//! The relying party is the public URL's host. Passkeys need a domain:
//! on a bare IP address (a laptop, a test) the party is `localhost`, so
//! the app must be opened as `http://localhost:<port>` to use them.

use chrono::{TimeDelta, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;
use uuid::Uuid;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential,
};
use webauthn_rs::{Webauthn, WebauthnBuilder};

use super::principal::{Principal, Via};
use super::service::{AuthError, AuthService, ClientInfo, TokenPair, is_break_glass};
use crate::domain::tenant::Tenant;
use crate::storage::passkeys::PasskeyRow;
use crate::storage::{StorageError, TenantDb, TenantTx, audit, passkeys, sessions, users};

/// How long a person may take at their authenticator.
const CEREMONY_TTL: TimeDelta = TimeDelta::minutes(5);
/// A user's passkeys, at most.
const MAX_PER_USER: i64 = 20;

/// The relying party for `public_url`, or none when it has no host.
pub fn relying_party(public_url: &str) -> Option<Webauthn> {
    let url = Url::parse(public_url).ok()?;
    let (rp_id, origin) = match url.host()? {
        url::Host::Domain(d) => (d.to_owned(), url.clone()),
        url::Host::Ipv4(_) | url::Host::Ipv6(_) => {
            let mut o = url.clone();
            o.set_host(Some("localhost")).ok()?;
            ("localhost".to_owned(), o)
        }
    };
    WebauthnBuilder::new(&rp_id, &origin)
        .ok()?
        .rp_name("Mandant")
        .build()
        .ok()
}

/// What a browser sends back from `navigator.credentials.get()`, with
/// the ceremony it answers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assertion {
    pub flow_id: Uuid,
    pub credential: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub flow_id: Uuid,
    pub name: String,
    pub credential: Value,
}

fn invalid() -> AuthError {
    AuthError::Unauthorized("The passkey was not accepted, or the ceremony expired.")
}

fn refused_registration() -> AuthError {
    AuthError::Validation(vec![crate::domain::FieldError::new(
        "credential",
        "was not accepted, or the ceremony expired: start again",
    )])
}

fn refused_json(e: serde_json::Error) -> AuthError {
    AuthError::Validation(vec![crate::domain::FieldError::new(
        "credential",
        format!("is not a WebAuthn credential: {e}"),
    )])
}

fn stored(p: &Passkey) -> String {
    serde_json::to_string(p).unwrap_or_default()
}

fn load(row: &PasskeyRow) -> Option<Passkey> {
    serde_json::from_str(&row.credential).ok()
}

async fn record(
    tx: &mut TenantTx,
    user: Uuid,
    email: &str,
    c: &ClientInfo,
    kind: &str,
    detail: Value,
) -> Result<(), StorageError> {
    audit::record(
        tx,
        &audit::AuthEvent {
            kind,
            user_id: Some(user),
            email: Some(email),
            ip: Some(&c.ip),
            detail,
        },
    )
    .await
}

impl AuthService {
    fn webauthn(&self) -> Result<&Webauthn, AuthError> {
        self.relying_party().ok_or_else(|| {
            AuthError::Forbidden(
                "Passkeys need the server's public URL to name a host (MANDANT_PUBLIC_URL).".into(),
            )
        })
    }

    /// Begins enrolling a passkey for the signed-in user.
    pub async fn passkey_register_start(
        &self,
        db: &TenantDb,
        p: &Principal,
    ) -> Result<Value, AuthError> {
        let w = self.webauthn()?;
        if !matches!(p.via, Via::Session(_)) {
            return Err(AuthError::Forbidden(
                "Passkeys belong to people: sign in to enrol one.".into(),
            ));
        }
        let mut tx = db.begin().await?;
        let mine = passkeys::of_user(&mut tx, p.user_id).await?;
        if mine.len() as i64 >= MAX_PER_USER {
            return Err(AuthError::Conflict(format!(
                "At most {MAX_PER_USER} passkeys; remove one first."
            )));
        }
        let exclude = mine
            .iter()
            .filter_map(load)
            .map(|k| k.cred_id().clone())
            .collect();
        let (options, state) = w
            .start_passkey_registration(p.user_id, &p.email, &p.name, Some(exclude))
            .map_err(|e| anyhow::anyhow!("passkey registration: {e}"))?;
        // A passkey signs in on its own: the authenticator must keep it
        // (discoverable), which webauthn-rs only "discourages" by default.
        let mut options = serde_json::to_value(&options).map_err(anyhow::Error::from)?;
        options["publicKey"]["authenticatorSelection"]["residentKey"] = json!("required");
        options["publicKey"]["authenticatorSelection"]["requireResidentKey"] = json!(true);
        let state = serde_json::to_string(&state).map_err(anyhow::Error::from)?;
        let flow = passkeys::add_ceremony(
            &mut tx,
            "register",
            Some(p.user_id),
            &state,
            Utc::now() + CEREMONY_TTL,
        )
        .await?;
        tx.commit().await?;
        Ok(json!({"flow_id": flow, "options": options}))
    }

    /// Refusals are `422` on `credential`, not `401`: the caller's own
    /// session is fine, and a client must not take it for an expired token.
    pub async fn passkey_register_finish(
        &self,
        db: &TenantDb,
        p: &Principal,
        r: &Registration,
        c: &ClientInfo,
    ) -> Result<PasskeyRow, AuthError> {
        let w = self.webauthn()?;
        let name = r.name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(AuthError::Validation(vec![crate::domain::FieldError::new(
                "name",
                "must be 1-100 characters without control characters",
            )]));
        }
        let credential: RegisterPublicKeyCredential =
            serde_json::from_value(r.credential.clone()).map_err(refused_json)?;
        let mut tx = db.begin().await?;
        let Some((Some(owner), state)) =
            passkeys::take_ceremony(&mut tx, r.flow_id, "register").await?
        else {
            tx.commit().await?;
            return Err(refused_registration());
        };
        if owner != p.user_id {
            tx.commit().await?;
            return Err(refused_registration());
        }
        let state: PasskeyRegistration =
            serde_json::from_str(&state).map_err(anyhow::Error::from)?;
        let key = match w.finish_passkey_registration(&credential, &state) {
            Ok(k) => k,
            Err(e) => {
                tx.commit().await?;
                tracing::info!(error = %e, "a passkey registration was refused");
                return Err(refused_registration());
            }
        };
        let row = PasskeyRow {
            id: Uuid::now_v7(),
            user_id: p.user_id,
            name: name.to_owned(),
            credential_id: base64_id(key.cred_id().as_ref()),
            credential: stored(&key),
            created_at: Utc::now(),
            last_used_at: None,
        };
        passkeys::insert(&mut tx, &row).await?;
        // A passkey is a second factor: a session waiting for one is free.
        if let Via::Session(sid) = p.via {
            sessions::clear_mfa_pending(&mut tx, sid).await?;
        }
        record(
            &mut tx,
            p.user_id,
            &p.email,
            c,
            "passkey.added",
            json!({"passkey_id": row.id, "name": row.name}),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn passkeys_of(
        &self,
        db: &TenantDb,
        p: &Principal,
    ) -> Result<Vec<PasskeyRow>, AuthError> {
        let mut tx = db.begin_read().await?;
        let rows = passkeys::of_user(&mut tx, p.user_id).await?;
        tx.rollback().await?;
        Ok(rows)
    }

    pub async fn passkey_remove(
        &self,
        db: &TenantDb,
        p: &Principal,
        id: Uuid,
        c: &ClientInfo,
    ) -> Result<(), AuthError> {
        let mut tx = db.begin().await?;
        passkeys::delete(&mut tx, p.user_id, id).await?;
        record(
            &mut tx,
            p.user_id,
            &p.email,
            c,
            "passkey.removed",
            json!({"passkey_id": id}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Begins a password-less sign-in: any of the tenant's passkeys may answer.
    pub async fn passkey_sign_in_start(&self, db: &TenantDb) -> Result<Value, AuthError> {
        let w = self.webauthn()?;
        let (options, state) = w
            .start_discoverable_authentication()
            .map_err(|e| anyhow::anyhow!("passkey sign-in: {e}"))?;
        let state = serde_json::to_string(&state).map_err(anyhow::Error::from)?;
        let mut tx = db.begin().await?;
        let flow =
            passkeys::add_ceremony(&mut tx, "sign_in", None, &state, Utc::now() + CEREMONY_TTL)
                .await?;
        tx.commit().await?;
        Ok(json!({"flow_id": flow, "options": options}))
    }

    /// Completes a password-less sign-in: the passkey names its user.
    pub async fn passkey_sign_in_finish(
        &self,
        tenant: &Tenant,
        db: &TenantDb,
        a: &Assertion,
        c: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let w = self.webauthn()?;
        self.throttle()
            .check(tenant.id, "passkey", &c.ip)
            .map_err(AuthError::Throttled)?;
        let credential: PublicKeyCredential =
            serde_json::from_value(a.credential.clone()).map_err(refused_json)?;
        let outcome = self
            .passkey_sign_in(w, tenant, db, a.flow_id, &credential, c)
            .await;
        match &outcome {
            Ok(_) => self.throttle().succeeded(tenant.id, "passkey", &c.ip),
            Err(AuthError::Unauthorized(_)) => {
                self.throttle().failed(tenant.id, "passkey", &c.ip);
                let mut tx = db.begin().await?;
                audit::record(
                    &mut tx,
                    &audit::AuthEvent {
                        kind: "login.failure",
                        user_id: None,
                        email: None,
                        ip: Some(&c.ip),
                        detail: json!({"method": "passkey", "reason": "passkey_invalid"}),
                    },
                )
                .await?;
                tx.commit().await?;
            }
            Err(_) => {}
        }
        outcome
    }

    async fn passkey_sign_in(
        &self,
        w: &Webauthn,
        tenant: &Tenant,
        db: &TenantDb,
        flow: Uuid,
        credential: &PublicKeyCredential,
        c: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let mut tx = db.begin().await?;
        let Some((_, state)) = passkeys::take_ceremony(&mut tx, flow, "sign_in").await? else {
            tx.commit().await?;
            return Err(invalid());
        };
        let state: DiscoverableAuthentication =
            serde_json::from_str(&state).map_err(anyhow::Error::from)?;
        let Ok((user_id, cred_id)) = w.identify_discoverable_authentication(credential) else {
            tx.commit().await?;
            return Err(invalid());
        };
        // The key the answer names, among its user's: nothing else may sign.
        let cred_id = base64_id(cred_id);
        let found = passkeys::of_user(&mut tx, user_id)
            .await?
            .into_iter()
            .find(|r| r.credential_id == cred_id)
            .and_then(|r| load(&r).map(|k| (r, k)));
        let Some((row, mut key)) = found else {
            tx.commit().await?;
            return Err(invalid());
        };
        let result = match w.finish_discoverable_authentication_v2(credential, state, &key) {
            Ok(r) => r,
            Err(_) => {
                tx.commit().await?;
                return Err(invalid());
            }
        };
        let Some(user) = users::auth_by_id(&mut tx, user_id)
            .await?
            .filter(|u| u.status == "active")
        else {
            tx.commit().await?;
            return Err(invalid());
        };
        let roles = users::roles_of(&mut tx, user.id).await?;
        let security = super::service::security_settings(&mut tx).await?;
        // A passkey is a strong factor: an owner who holds one is a
        // break-glass owner; anyone else signs in through the provider.
        if security.sso_required && !is_break_glass(&roles, true) {
            tx.rollback().await?;
            return Err(AuthError::SsoRequired);
        }
        key.update_credential(&result);
        passkeys::used(&mut tx, row.id, &stored(&key)).await?;
        let session = sessions::create(
            &mut tx,
            &sessions::NewSession {
                user_id: user.id,
                mfa_pending: false,
                expires_at: Utc::now() + self.session_ttl(),
                ip: Some(&c.ip),
                user_agent: c.user_agent.as_deref(),
                method: "passkey",
                sso: None,
            },
        )
        .await?;
        let (refresh, hash) = super::tokens::new_refresh_token();
        sessions::add_refresh_token(&mut tx, session, &hash).await?;
        record(
            &mut tx,
            user.id,
            &user.email,
            c,
            "login.success",
            json!({"session_id": session, "method": "passkey"}),
        )
        .await?;
        tx.commit().await?;
        Ok(self.pair(tenant, user.id, session, refresh))
    }

    /// A second-factor challenge for `user`'s passkeys, if they have any.
    pub(crate) async fn passkey_challenge(
        &self,
        db: &TenantDb,
        user: Uuid,
    ) -> Result<Option<Value>, AuthError> {
        let Some(w) = self.relying_party() else {
            return Ok(None);
        };
        let mut tx = db.begin().await?;
        let keys: Vec<Passkey> = passkeys::of_user(&mut tx, user)
            .await?
            .iter()
            .filter_map(load)
            .collect();
        if keys.is_empty() {
            tx.rollback().await?;
            return Ok(None);
        }
        let (options, state) = w
            .start_passkey_authentication(&keys)
            .map_err(|e| anyhow::anyhow!("passkey challenge: {e}"))?;
        let state = serde_json::to_string(&state).map_err(anyhow::Error::from)?;
        let flow = passkeys::add_ceremony(
            &mut tx,
            "second_factor",
            Some(user),
            &state,
            Utc::now() + CEREMONY_TTL,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(json!({"flow_id": flow, "options": options})))
    }

    /// Checks a passkey given as `user`'s second factor, inside `tx`.
    pub(crate) async fn passkey_second_factor(
        &self,
        tx: &mut TenantTx,
        user: Uuid,
        a: &Assertion,
    ) -> Result<bool, AuthError> {
        let Some(w) = self.relying_party() else {
            return Ok(false);
        };
        let Ok(credential) = serde_json::from_value::<PublicKeyCredential>(a.credential.clone())
        else {
            return Ok(false);
        };
        let Some((Some(owner), state)) =
            passkeys::take_ceremony(tx, a.flow_id, "second_factor").await?
        else {
            return Ok(false);
        };
        if owner != user {
            return Ok(false);
        }
        let Ok(state) = serde_json::from_str::<PasskeyAuthentication>(&state) else {
            return Ok(false);
        };
        let Ok(result) = w.finish_passkey_authentication(&credential, &state) else {
            return Ok(false);
        };
        for row in passkeys::of_user(tx, user).await? {
            if let Some(mut key) = load(&row)
                && key.update_credential(&result).is_some()
            {
                passkeys::used(tx, row.id, &stored(&key)).await?;
            }
        }
        Ok(true)
    }
}

fn base64_id(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relying_party_is_the_public_host_or_localhost() {
        assert!(relying_party("https://crm.example.com").is_some());
        assert!(relying_party("http://127.0.0.1:8080").is_some());
        assert!(relying_party("not a url").is_none());
    }
}

//! One sign-in: [`Sso::start`] sends the browser to the provider with a
//! fresh `state`, `nonce` and PKCE challenge, remembered server-side and
//! bound to the browser by a cookie; [`Sso::finish`] takes the provider's
//! answer, redeems the code, validates the ID token and begins a session
//! whose tokens the web app collects once with a short-lived code.

use base64::Engine;
use chrono::{TimeDelta, Utc};
use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, CsrfToken, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, Scope, TokenResponse,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::providers::ProviderConfig;
use super::provision::{self, Person};
use super::{Failure, Sso};
use crate::domain::tenant::Tenant;
use crate::identity::tokens::{digest_eq, sha256_hex};
use crate::identity::{AuthError, ClientInfo};
use crate::secret::random_hex;
use crate::storage::{StorageError, TenantDb, audit, sessions, sso};

/// How long a person may take at the provider.
const ATTEMPT_TTL: TimeDelta = TimeDelta::minutes(10);
/// How long the web app has to collect its tokens.
const HANDOFF_TTL: TimeDelta = TimeDelta::seconds(60);
/// Clock skew tolerated between the provider and this server.
const SKEW: TimeDelta = TimeDelta::seconds(60);

/// Where to send the browser, and the cookie that binds the attempt to it.
pub struct Started {
    pub authorize_url: String,
    pub browser: String,
}

/// A completed sign-in: the code the web app trades for its tokens.
pub struct Finished {
    pub handoff: String,
    pub return_to: Option<String>,
    pub user_id: Uuid,
}

/// What the provider sent back to the callback.
pub struct Answer<'a> {
    pub state: Option<&'a str>,
    pub code: Option<&'a str>,
    pub error: Option<&'a str>,
    /// The cookie set by `start`.
    pub browser: Option<&'a str>,
}

fn place(state_hash: &str) -> String {
    format!("sso_attempts.pkce_verifier:{state_hash}")
}

/// A path in this tenant's app, or nothing: never another origin or tenant.
fn local_path(slug: &str, p: Option<&str>) -> Option<String> {
    let p = p?;
    let prefix = format!("/t/{slug}/");
    (p.starts_with(&prefix)
        && p.len() <= 2000
        && !p.contains("//")
        && !p.contains('\\')
        && !p.chars().any(char::is_control))
    .then(|| p.to_owned())
}

impl Sso {
    pub async fn start(
        &self,
        tenant: &Tenant,
        db: &TenantDb,
        provider: Uuid,
        return_to: Option<&str>,
    ) -> Result<Started, AuthError> {
        let mut tx = db.begin_read().await?;
        let row = sso::get(&mut tx, provider).await?;
        tx.rollback().await?;
        let row = row.filter(|r| r.enabled).ok_or(AuthError::NotFound)?;
        let metadata = self.metadata(&row, false).await.map_err(|e| {
            tracing::warn!(provider = %row.id, error = %e, "sso: discovery failed");
            AuthError::Unavailable(format!("The identity provider cannot be reached: {e}"))
        })?;
        let client = self.client(tenant, db, &row, &metadata).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for s in ProviderConfig::of(&row)
            .scopes
            .iter()
            .filter(|s| *s != "openid")
        {
            request = request.add_scope(Scope::new(s.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let browser = random_hex(32);
        let state_hash = sha256_hex(state.secret());
        let sealed = db
            .keys()?
            .seal(&place(&state_hash), verifier.secret())
            .map_err(StorageError::from)?;
        let mut tx = db.begin().await?;
        sso::add_attempt(
            &mut tx,
            &sso::NewAttempt {
                state_hash: &state_hash,
                provider_id: row.id,
                browser_hash: &sha256_hex(&browser),
                nonce: nonce.secret(),
                pkce_verifier: &sealed,
                return_to: local_path(tenant.slug.as_str(), return_to).as_deref(),
                expires_at: Utc::now() + ATTEMPT_TTL,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Started {
            authorize_url: url.to_string(),
            browser,
        })
    }

    /// Completes a sign-in. The outer error is the server's own trouble;
    /// the inner one is why the person is not signed in, logged to the
    /// sign-in trail.
    pub async fn finish(
        &self,
        tenant: &Tenant,
        db: &TenantDb,
        answer: &Answer<'_>,
        client_info: &ClientInfo,
        max_users: Option<i64>,
    ) -> Result<Result<Finished, Failure>, AuthError> {
        let outcome = self
            .finish_inner(tenant, db, answer, client_info, max_users)
            .await?;
        if let Err((failure, provider, detail)) = &outcome {
            let mut tx = db.begin().await?;
            audit::record(
                &mut tx,
                &audit::AuthEvent {
                    kind: "login.failure",
                    user_id: None,
                    email: None,
                    ip: Some(&client_info.ip),
                    detail: json!({"method": "sso", "provider_id": provider, "reason": failure.code(), "detail": detail}),
                },
            )
            .await?;
            tx.commit().await?;
        }
        Ok(outcome.map_err(|(f, _, _)| f))
    }

    async fn finish_inner(
        &self,
        tenant: &Tenant,
        db: &TenantDb,
        answer: &Answer<'_>,
        client_info: &ClientInfo,
        max_users: Option<i64>,
    ) -> Result<Result<Finished, (Failure, Option<Uuid>, String)>, AuthError> {
        let fail = |f: Failure, p: Option<Uuid>, d: &str| Ok(Err((f, p, d.to_owned())));
        let Some(state) = answer.state.filter(|s| !s.is_empty() && s.len() <= 512) else {
            return fail(Failure::StateInvalid, None, "no state");
        };
        let state_hash = sha256_hex(state);
        let mut tx = db.begin().await?;
        let attempt = sso::take_attempt(&mut tx, &state_hash).await?;
        tx.commit().await?;
        let Some(attempt) = attempt else {
            return fail(Failure::StateInvalid, None, "unknown or spent state");
        };
        let p = Some(attempt.provider_id);
        let same_browser = answer
            .browser
            .is_some_and(|b| digest_eq(&sha256_hex(b), &attempt.browser_hash));
        if !same_browser {
            return fail(
                Failure::StateInvalid,
                p,
                "the state belongs to another browser",
            );
        }
        if attempt.expires_at < Utc::now() {
            return fail(Failure::StateInvalid, p, "the sign-in took too long");
        }
        if let Some(e) = answer.error {
            return fail(
                Failure::Denied,
                p,
                &format!("the provider answered {e:.100}"),
            );
        }
        let Some(code) = answer.code.filter(|c| !c.is_empty() && c.len() <= 4096) else {
            return fail(Failure::Denied, p, "no code");
        };
        let mut tx = db.begin_read().await?;
        let row = sso::get(&mut tx, attempt.provider_id).await?;
        tx.rollback().await?;
        let Some(row) = row.filter(|r| r.enabled) else {
            return fail(Failure::ProviderUnavailable, p, "the provider was disabled");
        };
        let metadata = match self.metadata(&row, false).await {
            Ok(m) => m,
            Err(e) => return fail(Failure::ProviderUnavailable, p, &e.to_string()),
        };
        let client = self.client(tenant, db, &row, &metadata).await?;
        let verifier = db
            .open_sealed(&place(&state_hash), &attempt.pkce_verifier)
            .await?;
        let request = match client.exchange_code(AuthorizationCode::new(code.to_owned())) {
            Ok(r) => r,
            Err(_) => {
                return fail(
                    Failure::ProviderUnavailable,
                    p,
                    "the provider has no token endpoint",
                );
            }
        };
        let http = |req| self.outbound.send(req);
        let tokens = match request
            .set_pkce_verifier(PkceCodeVerifier::new(verifier))
            .request_async(&http)
            .await
        {
            Ok(t) => t,
            Err(openidconnect::RequestTokenError::ServerResponse(e)) => {
                return fail(Failure::Denied, p, &format!("token endpoint: {e:.200}"));
            }
            Err(e) => {
                return fail(
                    Failure::ProviderUnavailable,
                    p,
                    &format!("token endpoint: {e:.200}"),
                );
            }
        };
        let Some(id_token) = tokens.id_token() else {
            return fail(Failure::TokenInvalid, p, "no ID token");
        };
        let nonce = Nonce::new(attempt.nonce.clone());
        let now = Utc::now();
        let check = |client: &super::Client| {
            let verifier = client
                .id_token_verifier()
                .set_time_fn(move || now - SKEW)
                .set_issue_time_verifier_fn(move |iat| {
                    if iat > now + SKEW {
                        Err(format!("issued in the future ({iat})"))
                    } else {
                        Ok(())
                    }
                });
            id_token.claims(&verifier, &nonce).cloned()
        };
        let claims = match check(&client) {
            // A key not in the cached set: the provider may have rotated
            // its keys; read them again, once.
            Err(ClaimsVerificationError::SignatureVerification(_)) => {
                match self.metadata(&row, true).await {
                    Ok(m) => check(&self.client(tenant, db, &row, &m).await?),
                    Err(e) => return fail(Failure::ProviderUnavailable, p, &e.to_string()),
                }
            }
            other => other,
        };
        let claims = match claims {
            Ok(c) => c,
            Err(e) => return fail(Failure::TokenInvalid, p, &format!("{e:.200}")),
        };
        let raw = payload(&id_token.to_string()).unwrap_or(Value::Null);
        let person = Person {
            subject: claims.subject().as_str().to_owned(),
            email: claims.email().map(|e| e.as_str().to_owned()),
            email_verified: claims.email_verified() == Some(true),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned()),
            claims: raw,
        };
        let user = match provision::resolve(db, &row, &person, max_users).await? {
            Ok(u) => u,
            Err(f) => return fail(f, p, &format!("subject {:.100}", person.subject)),
        };
        let sealed_token = db
            .keys()?
            .seal(&id_token_place(&row.id), &id_token.to_string())
            .map_err(StorageError::from)?;
        let mut tx = db.begin().await?;
        let session = sessions::create(
            &mut tx,
            &sessions::NewSession {
                user_id: user.id,
                mfa_pending: false,
                expires_at: now + self.session_ttl,
                ip: Some(&client_info.ip),
                user_agent: client_info.user_agent.as_deref(),
                method: "sso",
                sso: Some((row.id, &sealed_token)),
            },
        )
        .await?;
        let handoff = random_hex(32);
        sso::add_handoff(&mut tx, &sha256_hex(&handoff), session, now + HANDOFF_TTL).await?;
        audit::record(
            &mut tx,
            &audit::AuthEvent {
                kind: "login.success",
                user_id: Some(user.id),
                email: Some(&user.email),
                ip: Some(&client_info.ip),
                detail: json!({"session_id": session, "method": "sso", "provider_id": row.id,
                    "provisioned": user.provisioned, "roles": user.roles}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(Finished {
            handoff,
            return_to: attempt.return_to,
            user_id: user.id,
        }))
    }

    /// Where the provider ends its own session after ours (RP-initiated
    /// logout), for a session that began with SSO.
    pub async fn end_session_url(
        &self,
        tenant: &Tenant,
        db: &TenantDb,
        session: &sessions::SessionRow,
    ) -> Option<String> {
        let (provider, sealed) = (session.sso_provider_id?, session.sso_id_token.as_ref()?);
        let mut tx = db.begin_read().await.ok()?;
        let row = sso::get(&mut tx, provider).await.ok()??;
        tx.rollback().await.ok()?;
        let metadata = self.metadata(&row, false).await.ok()?;
        let endpoint = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let id_token = db
            .open_sealed(&id_token_place(&provider), sealed)
            .await
            .ok()?;
        let mut url = url::Url::parse(endpoint.as_str()).ok()?;
        url.query_pairs_mut()
            .append_pair("id_token_hint", &id_token)
            .append_pair("client_id", &row.client_id)
            .append_pair(
                "post_logout_redirect_uri",
                &format!("{}/t/{}/login", self.public_url, tenant.slug.as_str()),
            );
        Some(url.to_string())
    }
}

fn id_token_place(provider: &Uuid) -> String {
    format!("sessions.sso_id_token:{provider}")
}

/// The claims of a JWT whose signature was checked already: the mapping
/// reads claims the library does not model (`groups`, custom ones).
fn payload(jwt: &str) -> Option<Value> {
    let part = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_stay_in_the_tenant() {
        let t = "acme";
        assert_eq!(
            local_path(t, Some("/t/acme/deals")).as_deref(),
            Some("/t/acme/deals")
        );
        for bad in [
            "https://evil.example/t/acme/",
            "//evil.example/t/acme/",
            "/t/other/deals",
            "/t/acme//evil.example",
            "/t/acme/\\evil",
            "/t/acme/a\nb",
        ] {
            assert_eq!(local_path(t, Some(bad)), None, "{bad}");
        }
    }

    #[test]
    fn a_payload_is_read_from_the_middle_part() {
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"groups":["a"]}"#);
        assert_eq!(
            payload(&format!("x.{body}.y")),
            Some(json!({"groups": ["a"]}))
        );
        assert_eq!(payload("nonsense"), None);
    }
}

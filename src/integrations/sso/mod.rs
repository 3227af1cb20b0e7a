//! Enterprise sign-in with OpenID Connect, per tenant: an admin configures
//! providers ([`providers`]); a person signs in by the authorization code
//! flow with PKCE, `state` and `nonce` ([`flow`]); the ID token's subject
//! finds or provisions their user and its claims set their roles and
//! teams ([`provision`]). The provider's metadata and keys are cached and
//! read again when a token is signed with a key not yet seen (rotation).
//!
//! Below `http/`: the handlers turn a [`Failure`] into the web app's
//! sign-in page with a code, and the hand-off into its tokens.

pub mod admin;
pub mod flow;
pub mod outbound;
pub mod providers;
pub mod provision;

use std::sync::Arc;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod, CoreGrantType,
    CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    ClientId, ClientSecret, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl,
    LogoutProviderMetadata, ProviderMetadata, RedirectUrl,
};
use uuid::Uuid;

use crate::domain::tenant::Tenant;
use crate::integrations::webhooks::address::Policy;
use crate::storage::TenantDb;
use crate::storage::sso::ProviderRow;
use outbound::{Outbound, OutboundError};

/// Discovery with the `end_session_endpoint` of RP-initiated logout.
pub type Metadata = ProviderMetadata<
    LogoutProviderMetadata<openidconnect::EmptyAdditionalProviderMetadata>,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// A client made from discovery: authorization endpoint set, token and
/// user-info endpoints as the provider offers them.
pub type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Metadata and keys are read again after this long, or sooner when a
/// token names a key they lack.
const METADATA_TTL: Duration = Duration::from_secs(3600);
/// But not more often than this: a stream of bad tokens must not become a
/// stream of requests to the provider.
const MIN_REFRESH: Duration = Duration::from_secs(1);

/// Why a sign-in did not complete, as the web app's sign-in page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Missing, unknown, spent or expired `state`, or another browser's.
    StateInvalid,
    /// The person cancelled, or the provider refused.
    Denied,
    /// The ID token failed a check: signature, issuer, audience, expiry, nonce.
    TokenInvalid,
    EmailUnverified,
    DomainNotAllowed,
    UserDisabled,
    /// Discovery, keys or the token endpoint could not be reached.
    ProviderUnavailable,
    /// The plan's seats are taken.
    QuotaExceeded,
}

impl Failure {
    pub fn code(self) -> &'static str {
        match self {
            Failure::StateInvalid => "sso_state_invalid",
            Failure::Denied => "sso_denied",
            Failure::TokenInvalid => "sso_token_invalid",
            Failure::EmailUnverified => "sso_email_unverified",
            Failure::DomainNotAllowed => "sso_domain_not_allowed",
            Failure::UserDisabled => "sso_user_disabled",
            Failure::ProviderUnavailable => "sso_provider_unavailable",
            Failure::QuotaExceeded => "quota_exceeded",
        }
    }
}

struct Cached {
    issuer: String,
    metadata: Arc<Metadata>,
    fetched: Instant,
}

/// One per server.
pub struct Sso {
    outbound: Outbound,
    public_url: String,
    /// By provider id (ids are unique across tenants).
    cache: DashMap<Uuid, Cached>,
    session_ttl: chrono::TimeDelta,
}

impl Sso {
    pub fn new(allow: Policy, public_url: String, session_ttl_days: i64) -> anyhow::Result<Self> {
        Ok(Self {
            outbound: Outbound::new(allow, Duration::from_secs(10))?,
            public_url: public_url.trim_end_matches('/').to_owned(),
            cache: DashMap::new(),
            session_ttl: chrono::TimeDelta::days(session_ttl_days),
        })
    }

    pub fn outbound(&self) -> &Outbound {
        &self.outbound
    }

    /// Where every provider of `tenant` sends people back.
    pub fn redirect_uri(&self, tenant: &Tenant) -> String {
        format!(
            "{}/t/{}/api/v1/auth/sso/callback",
            self.public_url,
            tenant.slug.as_str()
        )
    }

    /// Where the web app takes over after a sign-in: a path on the
    /// callback's own origin, which serves the app.
    pub fn app_path(&self, tenant: &Tenant) -> String {
        format!("/t/{}/login/sso", tenant.slug.as_str())
    }

    /// Whether cookies must be `Secure`.
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The provider's metadata and keys: cached, or read now. `fresh`
    /// reads them again unless they were read a moment ago.
    pub async fn metadata(
        &self,
        row: &ProviderRow,
        fresh: bool,
    ) -> Result<Arc<Metadata>, OutboundError> {
        if let Some(c) = self.cache.get(&row.id)
            && c.issuer == row.issuer
            && c.fetched.elapsed() < if fresh { MIN_REFRESH } else { METADATA_TTL }
        {
            return Ok(c.metadata.clone());
        }
        let issuer = IssuerUrl::new(row.issuer.clone())
            .map_err(|e| OutboundError::Refused(e.to_string()))?;
        let http = |req| self.outbound.send(req);
        let metadata = Metadata::discover_async(issuer, &http)
            .await
            .map_err(|e| OutboundError::Transport(discovery_error(&e)))?;
        let metadata = Arc::new(metadata);
        self.cache.insert(
            row.id,
            Cached {
                issuer: row.issuer.clone(),
                metadata: metadata.clone(),
                fetched: Instant::now(),
            },
        );
        Ok(metadata)
    }

    /// Forgets what was read of a provider (changed or removed).
    pub fn forget(&self, provider: Uuid) {
        self.cache.remove(&provider);
    }

    /// The client for `row` on `metadata`, with its secret opened.
    async fn client(
        &self,
        tenant: &Tenant,
        db: &TenantDb,
        row: &ProviderRow,
        metadata: &Metadata,
    ) -> Result<Client, crate::identity::AuthError> {
        let secret = match &row.client_secret {
            Some(s) => Some(ClientSecret::new(
                db.open_sealed(&secret_place(row.id), s)
                    .await
                    .map_err(crate::identity::AuthError::from)?,
            )),
            None => None,
        };
        let redirect = RedirectUrl::new(self.redirect_uri(tenant))
            .map_err(|e| anyhow::anyhow!("redirect URI: {e}"))?;
        Ok(CoreClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(row.client_id.clone()),
            secret,
        )
        .set_redirect_uri(redirect))
    }
}

/// Where a provider's client secret is sealed (binds it to its row).
pub fn secret_place(provider: Uuid) -> String {
    format!("sso_providers.client_secret:{provider}")
}

/// Discovery's error with its cause: what an admin needs to see.
fn discovery_error<E: std::error::Error>(e: &E) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

//! The HTTP client that talks to identity providers. A tenant admin names
//! the issuer, so its requests obey the webhooks' address rules (no
//! loopback, private or metadata addresses unless the operator allows a
//! network): names are checked on what they resolve to when connecting,
//! literal addresses before the request, and redirects are not followed
//! (OAuth 2.0 endpoints answer directly; RFC 9700 §4.11).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Url;

use crate::integrations::webhooks::address::Policy;

/// An answer larger than this is refused: discovery documents and key sets
/// are a few KiB.
const READ_CAP: usize = 512 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Transport(String),
}

struct Guarded(Policy);

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0.clone();
        Box::pin(async move {
            let found: Vec<SocketAddr> = policy.resolve(name.as_str(), 0).await?;
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

/// Cheap to clone; one per server.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    policy: Policy,
}

impl Outbound {
    pub fn new(policy: Policy, timeout: Duration) -> anyhow::Result<Self> {
        // reqwest takes the process's rustls provider: ring, as everywhere
        // else in the server (an error means one is set already).
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(Guarded(policy.clone())))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent("Mandant-SSO/1")
            .build()?;
        Ok(Self { client, policy })
    }

    /// Checks what can be checked of `url` before any request.
    pub fn check(&self, url: &Url) -> Result<(), OutboundError> {
        self.policy
            .check_url(url)
            .map_err(|e| OutboundError::Refused(e.to_string()))
    }

    /// Plain http only to an address the operator allowed by name in the
    /// configuration (an identity provider on their own network).
    pub fn allows_plain_http(&self, url: &Url) -> bool {
        let ip = match url.host() {
            Some(url::Host::Ipv4(a)) => std::net::IpAddr::V4(a),
            Some(url::Host::Ipv6(a)) => std::net::IpAddr::V6(a),
            _ => return false,
        };
        self.policy.allow.iter().any(|n| n.contains(ip))
    }

    /// One request as `openidconnect` asks for it.
    pub async fn send(
        &self,
        req: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        let url = Url::parse(&req.uri().to_string())
            .map_err(|e| OutboundError::Refused(e.to_string()))?;
        self.check(&url)?;
        let (parts, body) = req.into_parts();
        let mut out = self
            .client
            .request(parts.method, url)
            .headers(parts.headers)
            .body(body)
            .send()
            .await
            .map_err(|e| OutboundError::Transport(transport_error(&e)))?;
        let mut answer = http::Response::builder().status(out.status());
        for (k, v) in out.headers() {
            answer = answer.header(k, v);
        }
        let mut body = Vec::new();
        while let Some(chunk) = out
            .chunk()
            .await
            .map_err(|e| OutboundError::Transport(transport_error(&e)))?
        {
            if body.len() + chunk.len() > READ_CAP {
                return Err(OutboundError::Transport(
                    "the identity provider's answer is too large".into(),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        answer
            .body(body)
            .map_err(|e| OutboundError::Transport(e.to_string()))
    }
}

/// The innermost cause: reqwest's own message says only "error sending
/// request", while the address rule's refusal is what an admin must read.
fn transport_error(e: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

//! One HTTP POST to a receiver, with the address rules applied on every
//! hop: the client resolves names through `Policy::resolve`, each redirect
//! target is checked again, the whole attempt has one deadline, and at
//! most 64 KiB of the answer is read.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_tls::connect::{Connector as TcpConnector, Resolve, Resolver};
use futures_util::future::LocalBoxFuture;
use url::Url;

use super::address::Policy;

const MAX_REDIRECTS: usize = 3;
const READ_CAP: usize = 64 * 1024;
const EXCERPT_CHARS: usize = 1024;

/// What became of one attempt.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Option<u16>,
    pub ok: bool,
    pub error: Option<String>,
    pub latency_ms: i32,
    /// The start of the answer's body.
    pub response: String,
}

struct Guarded(Policy);

impl Resolve for Guarded {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> LocalBoxFuture<'a, Result<Vec<std::net::SocketAddr>, Box<dyn std::error::Error>>> {
        Box::pin(async move {
            self.0
                .resolve(host, port)
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error>)
        })
    }
}

/// An HTTP client bound to the address rules. Not `Send` (actix's client
/// lives on its thread): each delivering task makes its own.
pub struct Sender {
    client: awc::Client,
    policy: Policy,
    timeout: Duration,
}

fn tls_config() -> Arc<rustls::ClientConfig> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    // `ring`, as for the server's own TLS (src/tls.rs says why).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = match rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
    {
        Ok(b) => b.with_root_certificates(roots).with_no_client_auth(),
        // The ring provider supports the default versions; this is unreachable
        // but never worth a panic on a delivery thread.
        Err(_) => rustls::ClientConfig::builder()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
    };
    Arc::new(config)
}

impl Sender {
    pub fn new(policy: Policy, timeout: Duration) -> Self {
        let connector = awc::Connector::new()
            .connector(TcpConnector::new(Resolver::custom(Guarded(policy.clone()))).service())
            .rustls_0_23(tls_config())
            .timeout(timeout);
        let client = awc::Client::builder()
            .connector(connector)
            .disable_redirects()
            .timeout(timeout)
            .no_default_headers()
            .add_default_header(("user-agent", "Mandant-Webhooks/1"))
            .finish();
        Self {
            client,
            policy,
            timeout,
        }
    }

    /// POSTs `body` with `headers` to `url`, following up to three
    /// redirects that pass the address rules.
    pub async fn post(&self, url: &Url, headers: &[(&str, String)], body: &[u8]) -> Outcome {
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + self.timeout;
        let fail = |error: String, status: Option<u16>| Outcome {
            status,
            ok: false,
            error: Some(error),
            latency_ms: started.elapsed().as_millis().min(i32::MAX as u128) as i32,
            response: String::new(),
        };
        let mut url = url.clone();
        for hop in 0..=MAX_REDIRECTS {
            if let Err(e) = self.policy.check_url(&url) {
                return fail(format!("refused: {e}"), None);
            }
            let mut req = self
                .client
                .post(url.as_str())
                .insert_header(("content-type", "application/json"));
            for (k, v) in headers {
                req = req.insert_header((*k, v.as_str()));
            }
            let sent = tokio::time::timeout_at(deadline, req.send_body(body.to_vec())).await;
            let mut resp = match sent {
                Err(_) => return fail(format!("timed out after {:?}", self.timeout), None),
                Ok(Err(awc::error::SendRequestError::Timeout)) => {
                    return fail(format!("timed out after {:?}", self.timeout), None);
                }
                Ok(Err(e)) => return fail(send_error(&e), None),
                Ok(Ok(r)) => r,
            };
            let status = resp.status();
            if status.is_redirection() {
                let next = resp
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| url.join(l).ok());
                match next {
                    Some(n) if hop < MAX_REDIRECTS => {
                        url = n;
                        continue;
                    }
                    Some(_) => return fail("too many redirects".into(), Some(status.as_u16())),
                    None => {
                        return fail(
                            "a redirect without a usable Location".into(),
                            Some(status.as_u16()),
                        );
                    }
                }
            }
            let read = tokio::time::timeout_at(deadline, resp.body().limit(READ_CAP)).await;
            let response = match read {
                Ok(Ok(b)) => String::from_utf8_lossy(&b)
                    .chars()
                    .take(EXCERPT_CHARS)
                    .collect(),
                // An answer too long or too slow still says what the status said.
                _ => String::new(),
            };
            let ok = status.is_success();
            return Outcome {
                status: Some(status.as_u16()),
                ok,
                error: (!ok).then(|| format!("the receiver answered {status}")),
                latency_ms: started.elapsed().as_millis().min(i32::MAX as u128) as i32,
                response,
            };
        }
        fail("too many redirects".into(), None)
    }
}

/// A send error as the delivery log says it: refusals by the address
/// rules are named as such.
fn send_error(e: &awc::error::SendRequestError) -> String {
    let text = e.to_string();
    if let awc::error::SendRequestError::Connect(awc::error::ConnectError::Resolver(inner)) = e {
        return format!("refused: {inner}");
    }
    text
}

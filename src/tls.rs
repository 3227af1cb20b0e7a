//! HTTPS (and `wss://`) with rustls, on the `ring` provider: TLS 1.3, or
//! 1.2 as well when configured. The certificate chain and key are PEM
//! files, read again when either changes (a renewal by certbot or a
//! Kubernetes secret), so new connections get the new certificate while
//! established ones carry on; a renewal that does not load is logged and
//! the old certificate stays. A missing or broken pair at start refuses to
//! start, saying which file and why.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use rustls::crypto::ring::sign::any_supported_type;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::config::TlsConfig;

/// How often the files are looked at for a renewal.
const WATCH_EVERY: Duration = Duration::from_secs(2);

/// The chain and key in `cert` and `key`, checked to belong together.
fn load(cert: &Path, key: &Path) -> anyhow::Result<CertifiedKey> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("cannot read the TLS certificate {}", cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("the TLS certificate {} is not PEM", cert.display()))?;
    anyhow::ensure!(
        !chain.is_empty(),
        "the TLS certificate {} holds no certificate",
        cert.display()
    );
    let der = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("cannot read a private key from {}", key.display()))?;
    let signing = any_supported_type(&der)
        .with_context(|| format!("the TLS key {} is not a usable key", key.display()))?;
    let certified = CertifiedKey::new(chain, signing);
    certified.keys_match().with_context(|| {
        format!(
            "the TLS key {} does not belong to the certificate {}",
            key.display(),
            cert.display()
        )
    })?;
    Ok(certified)
}

fn modified(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Hands every handshake the certificate as last loaded.
#[derive(Debug)]
struct Reloading {
    current: RwLock<Arc<CertifiedKey>>,
}

impl ResolvesServerCert for Reloading {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        )
    }
}

/// Loads the configured pair now (an error refuses the start) and watches
/// it on a thread of its own; the server's rustls configuration.
pub fn server_config(tls: &TlsConfig) -> anyhow::Result<rustls::ServerConfig> {
    let resolver = Arc::new(Reloading {
        current: RwLock::new(Arc::new(load(&tls.cert, &tls.key)?)),
    });
    watch(tls.cert.clone(), tls.key.clone(), Arc::downgrade(&resolver))
        .context("cannot start watching the TLS files")?;
    let versions: &[&rustls::SupportedProtocolVersion] = if tls.allow_tls12 {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13]
    };
    // `ring` rather than rustls' default aws-lc-rs, whose C build would
    // double the server's build time here; the price is no post-quantum
    // key exchange, which rustls marks by deprecating this constructor.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(versions)
        .context("the TLS versions")?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    Ok(config)
}

/// Loads the pair again whenever either file changes, until the server
/// (the resolver's last owner) is gone.
fn watch(cert: PathBuf, key: PathBuf, resolver: std::sync::Weak<Reloading>) -> std::io::Result<()> {
    let stamp = |c: &Path, k: &Path| (modified(c), modified(k));
    let mut seen = stamp(&cert, &key);
    let mut failed = None;
    std::thread::Builder::new()
        .name("tls-reload".into())
        .spawn(move || {
            loop {
                std::thread::sleep(WATCH_EVERY);
                let Some(resolver) = resolver.upgrade() else {
                    return;
                };
                let now = stamp(&cert, &key);
                if now == seen {
                    continue;
                }
                // A renewal writes two files; one read may catch the first
                // alone (a key that does not match yet): tried again on the
                // next look, since `seen` only moves on success.
                match load(&cert, &key) {
                    Ok(k) => {
                        *resolver.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(k);
                        seen = now;
                        tracing::info!(cert = %cert.display(), "TLS certificate reloaded");
                    }
                    // Said once per change, not every look.
                    Err(e) if failed != Some(now) => {
                        failed = Some(now);
                        tracing::warn!(error = %format!("{e:#}"), "the renewed TLS certificate does not load; serving the previous one")
                    }
                    Err(_) => {}
                }
            }
        })
        ?;
    Ok(())
}

//! HTTPS with rustls (`tls`): TLS 1.3 only unless 1.2 is allowed, HSTS on
//! every answer, `wss://` on the same port, a renewed certificate taken
//! up by new connections while an established one carries on, and a
//! broken pair refused at start. Certificates are made by the test (a CA
//! and leaves, `rcgen`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use mandant::config::TlsConfig;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::helpers::{Backend, Site, spawn_node};

/// A test CA that signs leaves for `localhost` and 127.0.0.1.
pub(crate) struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl Ca {
    pub(crate) fn new() -> Self {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name
            .push(DnType::CommonName, "Mandant test CA");
        Self {
            cert: p.self_signed(&key).unwrap(),
            key,
        }
    }

    /// The CA's own certificate, PEM (what a client is told to trust).
    pub(crate) fn pem(&self) -> String {
        self.cert.pem()
    }

    /// A leaf named `name`: its PEM chain, PEM key and DER.
    pub(crate) fn leaf(&self, name: &str) -> (String, String, CertificateDer<'static>) {
        let key = KeyPair::generate().unwrap();
        let mut p =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        p.distinguished_name.push(DnType::CommonName, name);
        let cert = p.signed_by(&key, &self.cert, &self.key).unwrap();
        (cert.pem(), key.serialize_pem(), cert.der().clone())
    }

    fn client(&self, tls12_only: bool) -> TlsConnector {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.cert.der().clone()).unwrap();
        let versions: &[&rustls::SupportedProtocolVersion] = if tls12_only {
            &[&rustls::version::TLS12]
        } else {
            &[&rustls::version::TLS13]
        };
        #[allow(deprecated)]
        let provider = rustls::crypto::ring::default_provider();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        TlsConnector::from(Arc::new(config))
    }
}

fn port_of(address: &str) -> u16 {
    address.rsplit(':').next().unwrap().parse().unwrap()
}

async fn connect(c: &TlsConnector, port: u16) -> std::io::Result<TlsStream<tokio::net::TcpStream>> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    c.connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
}

/// One request on `s` (kept alive); the answer's head, lower-cased, and
/// body.
async fn request(s: &mut TlsStream<tokio::net::TcpStream>, head: &str) -> (String, String) {
    s.write_all(format!("{head}Host: localhost\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut chunk))
            .await
            .expect("an answer within 10 s")
            .unwrap();
        assert!(n > 0, "the server closed the connection");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse::<usize>().unwrap());
    while buf.len() < end + length {
        let n = s.read(&mut chunk).await.unwrap();
        assert!(n > 0);
        buf.extend_from_slice(&chunk[..n]);
    }
    (
        head,
        String::from_utf8_lossy(&buf[end..end + length]).into_owned(),
    )
}

fn write_pair(
    dir: &std::path::Path,
    (chain, key, _): &(String, String, CertificateDer<'static>),
) -> (PathBuf, PathBuf) {
    let (cert_path, key_path) = (dir.join("tls.crt"), dir.join("tls.key"));
    std::fs::write(&key_path, key).unwrap();
    std::fs::write(&cert_path, chain).unwrap();
    (cert_path, key_path)
}

fn peer(s: &TlsStream<tokio::net::TcpStream>) -> CertificateDer<'static> {
    s.get_ref().1.peer_certificates().unwrap()[0]
        .clone()
        .into_owned()
}

#[actix_web::test]
async fn https_serves_tls13_with_hsts_and_takes_up_a_renewed_certificate() {
    let site = Site::new(Backend::Sqlite).await;
    let ca = Ca::new();
    let first = ca.leaf("mandant test 1");
    let (cert, key) = write_pair(site.dir.path(), &first);
    let tls = TlsConfig {
        cert: cert.clone(),
        key: key.clone(),
        allow_tls12: false,
    };
    let plain = spawn_node(&site, |_| {}).await;
    let token = plain.tenant_with_owner("acme").await;
    let app = spawn_node(&site, |c| c.tls = Some(tls.clone())).await;
    let port = port_of(&app.address);

    let mut s = connect(&ca.client(false), port).await.unwrap();
    assert_eq!(
        s.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
    assert_eq!(peer(&s), first.2);
    let (head, body) = request(&mut s, "GET /healthz HTTP/1.1\r\n").await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(
        head.contains("strict-transport-security: max-age=31536000; includesubdomains"),
        "{head}"
    );
    assert!(body.contains("ok"), "{body}");
    // The API and the WebSocket on the same port: wss://.
    let (head, _) = request(
        &mut connect(&ca.client(false), port).await.unwrap(),
        &format!(
            "GET /t/acme/ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Authorization: Bearer {token}\r\n"
        ),
    )
    .await;
    assert!(head.starts_with("http/1.1 101"), "{head}");
    // TLS 1.2 is refused unless allowed.
    assert!(connect(&ca.client(true), port).await.is_err());

    // A renewal: new connections get the new certificate within moments;
    // the established one carries on.
    let second = ca.leaf("mandant test 2");
    write_pair(site.dir.path(), &second);
    let mut renewed = false;
    for _ in 0..50 {
        let c = connect(&ca.client(false), port).await.unwrap();
        if peer(&c) == second.2 {
            renewed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(renewed, "the renewed certificate was not taken up");
    let (head, _) = request(&mut s, "GET /healthz HTTP/1.1\r\n").await;
    assert!(head.starts_with("http/1.1 200"), "{head}");

    // A broken renewal (a key of another certificate) keeps the last good one.
    let third = ca.leaf("mandant test 3");
    std::fs::write(&key, &third.1).unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let c = connect(&ca.client(false), port).await.unwrap();
    assert_eq!(peer(&c), second.2);
    app.stop().await;
    plain.stop().await;
}

#[actix_web::test]
async fn tls12_when_allowed_and_a_broken_pair_refuses_to_start() {
    let site = Site::new(Backend::Sqlite).await;
    let ca = Ca::new();
    let leaf = ca.leaf("mandant test");
    let (cert, key) = write_pair(site.dir.path(), &leaf);
    let app = spawn_node(&site, |c| {
        c.tls = Some(TlsConfig {
            cert: cert.clone(),
            key: key.clone(),
            allow_tls12: true,
        })
    })
    .await;
    let s = connect(&ca.client(true), port_of(&app.address))
        .await
        .unwrap();
    assert_eq!(
        s.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_2)
    );
    app.stop().await;

    let start = async |cert: PathBuf, key: PathBuf| -> String {
        let mut config = site.config();
        config.tls = Some(TlsConfig {
            cert,
            key,
            allow_tls12: false,
        });
        match mandant::app::Application::build_on(config, site.bus.another_node()).await {
            Ok(_) => panic!("started with a broken TLS pair"),
            Err(e) => format!("{e:#}"),
        }
    };
    let missing = site.dir.path().join("missing.key");
    let said = start(cert.clone(), missing).await;
    assert!(said.contains("missing.key"), "{said}");
    let garbage = site.dir.path().join("garbage.key");
    std::fs::write(&garbage, "not a key").unwrap();
    let said = start(cert.clone(), garbage).await;
    assert!(said.contains("garbage.key"), "{said}");
    let other = site.dir.path().join("other.key");
    std::fs::write(&other, ca.leaf("other").1).unwrap();
    let said = start(cert, other).await;
    assert!(said.contains("does not belong"), "{said}");
}

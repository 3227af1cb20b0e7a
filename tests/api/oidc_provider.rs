//! A real OpenID provider for the SSO tests: node-oidc-provider, run by
//! `tests/oidc/provider.mjs` (installed by `npm ci` there on first use),
//! and a browser-like client that follows a sign-in's redirects with a
//! cookie jar of its own. Without Node.js the SSO tests skip, unless
//! services are required (CI).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// Where the server says it lives: the provider sends people back there,
/// and [`Browser`] turns that origin into the test server's address.
pub const PUBLIC_URL: &str = "http://mandant.test";
pub const CLIENT_ID: &str = "mandant-crm";
pub const CLIENT_SECRET: &str = "test-client-secret-4f1d";

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// Node.js is there and the provider's packages are installed (or could be).
pub fn available() -> bool {
    let required = std::env::var("MANDANT_REQUIRE_SERVICES").is_ok_and(|v| v == "1");
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node {
        assert!(!required, "the SSO tests need Node.js");
        eprintln!("skipping: the SSO tests need Node.js");
        return false;
    }
    install();
    true
}

fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if dir().join("node_modules/oidc-provider").exists() {
            return;
        }
        let ok = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "npm ci in tests/oidc failed");
    });
}

pub struct Idp {
    pub issuer: String,
    pub port: u16,
    key_file: PathBuf,
    _keys: tempfile::TempDir,
    child: Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn spawn(port: u16, key_file: &Path, new_key: bool, slugs: &[&str]) -> Child {
    let clients = json!([{
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": slugs.iter().map(|s| format!("{PUBLIC_URL}/t/{s}/api/v1/auth/sso/callback")).collect::<Vec<_>>(),
        "post_logout_redirect_uris": slugs.iter().map(|s| format!("{PUBLIC_URL}/t/{s}/login")).collect::<Vec<_>>(),
    }]);
    let mut child = Command::new("node")
        .arg("provider.mjs")
        .current_dir(dir())
        .env("OIDC_PORT", port.to_string())
        .env("OIDC_CLIENTS", clients.to_string())
        .env("OIDC_KEY_FILE", key_file)
        .env("OIDC_NEW_KEY", if new_key { "1" } else { "0" })
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node starts");
    let out = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(out);
    let mut line = String::new();
    reader.read_line(&mut line).expect("a line");
    assert!(
        line.contains("listening"),
        "the provider did not start: {line:?}"
    );
    // Read on, or its next line would meet a closed pipe and end it.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    child
}

impl Idp {
    /// A provider whose one client may send people back to `slugs`.
    pub fn start(slugs: &[&str]) -> Idp {
        let keys = tempfile::tempdir().expect("temp dir");
        let key_file = keys.path().join("key.json");
        let port = free_port();
        let child = spawn(port, &key_file, true, slugs);
        Idp {
            issuer: format!("http://127.0.0.1:{port}"),
            port,
            key_file,
            _keys: keys,
            child,
        }
    }

    /// Starts again on the same address with a new signing key: the old
    /// one is gone from its key set (a rotation).
    pub fn rotate_key(&mut self, slugs: &[&str]) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The port is free again once the old process is gone.
        for _ in 0..50 {
            if std::net::TcpListener::bind(("127.0.0.1", self.port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.child = spawn(self.port, &self.key_file, true, slugs);
    }

    async fn control(&self, method: &str, path: &str, body: Value) {
        let m = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        // A client of its own: a pooled connection may be to the process
        // a key rotation ended.
        let r = awc::Client::new()
            .request(m, format!("{}{path}", self.issuer))
            .insert_header(("connection", "close"))
            .send_json(&body)
            .await
            .expect("provider answers");
        assert_eq!(r.status().as_u16(), 204, "{method} {path}");
    }

    /// Account `id` with these claims.
    pub async fn account(&self, id: &str, claims: Value) {
        self.control("PUT", &format!("/_test/accounts/{id}"), claims)
            .await;
    }

    /// The next sign-in at the provider completes as `id`.
    pub async fn next_login(&self, id: &str) {
        self.control("POST", "/_test/next-login", json!({"account": id}))
            .await;
    }

    /// The next ID token carries these claims instead, signed with the
    /// provider's own key.
    pub async fn tamper(&self, claims: Value) {
        self.control("POST", "/_test/tamper", claims).await;
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser as far as a sign-in needs one: follows redirects by hand,
/// keeps cookies per host, and knows the server by its public URL.
pub struct Browser {
    server: String,
    client: awc::Client,
    jar: BTreeMap<String, BTreeMap<String, String>>,
}

/// Where a redirect chain ended.
pub struct Landing {
    pub status: u16,
    pub location: String,
    pub body: String,
}

impl Browser {
    pub fn new(server: &str) -> Browser {
        Browser {
            server: server.to_owned(),
            client: awc::Client::builder()
                .disable_redirects()
                .timeout(Duration::from_secs(30))
                .finish(),
            jar: BTreeMap::new(),
        }
    }

    fn host(url: &str) -> String {
        url.split('/').take(3).collect::<Vec<_>>().join("/")
    }

    /// Forgets what `origin` set: the next sign-in there starts afresh.
    pub fn forget_cookies(&mut self, origin: &str) {
        self.jar.remove(origin);
    }

    /// One GET, cookies sent and kept; (status, Location, body).
    pub async fn get(&mut self, url: &str) -> Landing {
        let url = url.replace(PUBLIC_URL, &self.server);
        let host = Self::host(&url);
        let cookies: Vec<String> = self
            .jar
            .get(&host)
            .map(|c| c.iter().map(|(k, v)| format!("{k}={v}")).collect())
            .unwrap_or_default();
        // A fresh connection each time, as a browser may open: the
        // provider answers some steps in ways a reused one trips over.
        let mut req = self.client.get(&url).insert_header(("connection", "close"));
        if !cookies.is_empty() {
            req = req.insert_header(("cookie", cookies.join("; ")));
        }
        let mut res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        for set in res.headers().get_all("set-cookie") {
            let Ok(text) = set.to_str() else { continue };
            let first = text.split(';').next().unwrap_or_default();
            let Some((k, v)) = first.split_once('=') else {
                continue;
            };
            let gone = text.to_ascii_lowercase().contains("max-age=0")
                || text
                    .to_ascii_lowercase()
                    .contains("expires=thu, 01 jan 1970");
            let jar = self.jar.entry(host.clone()).or_default();
            if gone || v.is_empty() {
                jar.remove(k.trim());
            } else {
                jar.insert(k.trim().to_owned(), v.to_owned());
            }
        }
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(|l| {
                // The server's own paths stay as sent, for the test to read.
                if l.starts_with('/') && !l.starts_with("/t/") {
                    format!("{host}{l}")
                } else {
                    l.to_owned()
                }
            })
            .unwrap_or_default();
        let body = res.body().limit(1 << 20).await.unwrap_or_default();
        Landing {
            status: res.status().as_u16(),
            location,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// Follows redirects from `url` until a page answers, or until the
    /// next stop would be `stop_at` (a prefix), which is returned unvisited.
    pub async fn follow(&mut self, url: &str, stop_at: Option<&str>) -> Landing {
        let mut next = url.to_owned();
        for _ in 0..15 {
            let l = self.get(&next).await;
            if !(300..400).contains(&l.status) {
                return l;
            }
            if stop_at.is_some_and(|s| l.location.starts_with(s)) {
                return l;
            }
            next = l.location.clone();
        }
        panic!("too many redirects from {url}");
    }
}

/// The fragment's parameters of a Location (`…#code=…&return_to=…`).
pub fn fragment(location: &str) -> BTreeMap<String, String> {
    location
        .split_once('#')
        .map(|(_, f)| {
            url::form_urlencoded::parse(f.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

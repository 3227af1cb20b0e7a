//! Configuration: defaults that work with nothing set, then an optional
//! `mandant.toml`, then environment variables (highest precedence).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::secret::Secret;

/// The default shard's name; every deployment has it.
pub const DEFAULT_SHARD: &str = "default";

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// Unset: embedded SQLite under `data_dir`. Otherwise a `postgres://` URL
    /// holding the control plane and the `default` shard.
    pub database_url: Option<Secret>,
    /// Unset: in-process bus (single node).
    pub redis_url: Option<Secret>,
    /// Unset: a random token is generated at start and printed once.
    pub platform_token: Option<Secret>,
    /// Shards besides `default`: name → `postgres://…` or `sqlite:<directory>`.
    pub shards: BTreeMap<String, Secret>,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub max_body_bytes: usize,
    /// The largest CSV an import accepts.
    pub max_import_bytes: usize,
    /// Connections per PostgreSQL shard pool.
    pub pg_max_connections: u32,
    /// Lanes those connections are split into, each serving a stable
    /// share of the tenants (`storage::lanes`); 0: one per two connections.
    pub pg_lanes: u32,
    pub shutdown_timeout_secs: u64,
    /// HTTP worker threads; 0 means one per core.
    pub http_workers: usize,
    /// HS256 key for access tokens. Unset: made on first start and kept in
    /// the control plane, shared by every node.
    pub jwt_secret: Option<Secret>,
    /// The master key for encryption at rest, 64 hex digits. Unset, with
    /// no `master_key_file`: made once at `<data_dir>/master.key`.
    pub master_key: Option<Secret>,
    pub master_key_file: Option<PathBuf>,
    pub access_token_ttl_secs: i64,
    pub session_ttl_days: i64,
    pub login_per_account_per_min: u32,
    pub login_per_address_per_min: u32,
    /// Browser origins besides this server's own that may open WebSockets.
    pub allowed_origins: Vec<String>,
    /// Reverse proxies in front of the server: a request from one of
    /// these addresses is taken to come from the last address before them
    /// in `X-Forwarded-For` (or `Forwarded: for=`). From anyone else those
    /// headers are ignored, as they are forged as easily as sent.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Serve HTTPS (and `wss://`) with this certificate chain and key
    /// (PEM files, read again when they change). Unset: plain HTTP, for a
    /// TLS-terminating proxy in front.
    pub tls: Option<TlsConfig>,
    /// Networks webhooks may reach although they are internal (loopback,
    /// private, link-local): none by default.
    pub webhook_allow_networks: Vec<crate::domain::network::Network>,
    /// Networks identity providers may be reached on although internal
    /// (a Keycloak on the operator's network): none by default. Plain
    /// http issuers are accepted only on these.
    pub sso_allow_networks: Vec<crate::domain::network::Network>,
    /// One delivery attempt's deadline, connect to last byte read.
    pub webhook_timeout_secs: u64,
    /// The first retry's delay; each next one doubles, up to an hour.
    pub webhook_retry_base_ms: u64,
    /// The SMTP server mail goes through (`smtp://user:pass@host:587?tls=required`,
    /// `smtps://host:465`, `smtp://127.0.0.1:2525`); none: mail stays queued.
    pub smtp_url: Option<Secret>,
    /// The sender of every message (`Name <address>`).
    pub mail_from: String,
    /// Messages a tenant may send a minute.
    pub mail_per_minute: usize,
    /// The origin people reach the web app at, for links in mail; default
    /// from `listen`.
    pub public_url: Option<String>,
    /// How long a node drives an endpoint without renewing: how soon
    /// another takes over when it dies.
    pub webhook_lease_secs: u64,
    /// How often each node does its upkeep: retention rules, expired
    /// exports, re-sealing, the webhook log.
    pub upkeep_secs: u64,
    /// How long a retention run holds a tenant's lease between pages: how
    /// soon another node takes over a run whose node died.
    pub retention_lease_secs: u64,
    /// Where attachments are kept: unset, the local file system under
    /// `<data_dir>/files`; `s3://bucket[/prefix]?endpoint=…&region=…` for an
    /// S3-compatible store (credentials in the URL's query or the usual
    /// `AWS_*` variables).
    pub files_url: Option<Secret>,
    /// The largest single upload.
    pub upload_max_bytes: u64,
    /// Where scheduled tenant backups go: `s3://bucket[/prefix]?…` or a
    /// local directory. Unset: no scheduled backups.
    pub backup_url: Option<Secret>,
    /// How often each tenant is backed up.
    pub backup_interval_secs: u64,
    /// How many archives are kept per tenant (older ones are deleted).
    pub backup_keep: usize,
    /// ClamAV's daemon (`tcp://127.0.0.1:3310` or `unix:/run/clamav/clamd.ctl`):
    /// every upload is scanned and an infected one refused. Unset: no scanning.
    pub clamd_url: Option<String>,
    /// Storage quotas that replace a plan's own (`free=1,standard=20480`,
    /// MiB, or `none` for no limit).
    pub storage_quotas: BTreeMap<crate::domain::tenant::Plan, Option<u64>>,
    /// The time SLA clocks, offers and dashboards read; tests set a
    /// manual clock. Not configurable from files or the environment.
    pub clock: crate::clock::Clock,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// TLS 1.3 only unless 1.2 is allowed (`MANDANT_TLS_MIN_VERSION=1.2`)
    /// for clients that lack 1.3.
    pub allow_tls12: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            redis_url: None,
            platform_token: None,
            shards: BTreeMap::new(),
            log_filter: "info".to_owned(),
            log_format: LogFormat::Text,
            max_body_bytes: 1024 * 1024,
            max_import_bytes: 64 * 1024 * 1024,
            pg_max_connections: 16,
            pg_lanes: 0,
            shutdown_timeout_secs: 10,
            http_workers: 0,
            jwt_secret: None,
            master_key: None,
            master_key_file: None,
            access_token_ttl_secs: 900,
            session_ttl_days: 30,
            login_per_account_per_min: 10,
            login_per_address_per_min: 30,
            allowed_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            tls: None,
            webhook_allow_networks: Vec::new(),
            sso_allow_networks: Vec::new(),
            webhook_timeout_secs: 10,
            webhook_retry_base_ms: 5000,
            webhook_lease_secs: 60,
            upkeep_secs: 3600,
            retention_lease_secs: 120,
            smtp_url: None,
            mail_from: "Mandant <mandant@localhost>".into(),
            mail_per_minute: 60,
            public_url: None,
            files_url: None,
            upload_max_bytes: 25 * 1024 * 1024,
            backup_url: None,
            backup_interval_secs: 24 * 3600,
            backup_keep: 7,
            clamd_url: None,
            storage_quotas: BTreeMap::new(),
            clock: crate::clock::Clock::system(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is invalid: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("{name}: {message}")]
    Invalid { name: String, message: String },
}

fn invalid(name: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name: name.to_owned(),
        message: message.into(),
    }
}

/// The file's shape: every key optional, unknown keys rejected (a typo must
/// not silently fall back to a default).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<Secret>,
    redis_url: Option<Secret>,
    platform_token: Option<Secret>,
    #[serde(default)]
    shards: BTreeMap<String, Secret>,
    log: Option<String>,
    log_format: Option<String>,
    max_body_bytes: Option<usize>,
    max_import_bytes: Option<usize>,
    pg_max_connections: Option<u32>,
    pg_lanes: Option<u32>,
    shutdown_timeout_secs: Option<u64>,
    http_workers: Option<usize>,
    jwt_secret: Option<Secret>,
    master_key: Option<Secret>,
    master_key_file: Option<PathBuf>,
    access_token_ttl_secs: Option<i64>,
    session_ttl_days: Option<i64>,
    login_per_account_per_min: Option<u32>,
    login_per_address_per_min: Option<u32>,
    #[serde(default)]
    allowed_origins: Vec<String>,
    #[serde(default)]
    trusted_proxies: Vec<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    tls_min_version: Option<String>,
    #[serde(default)]
    webhook_allow_networks: Vec<String>,
    #[serde(default)]
    sso_allow_networks: Vec<String>,
    webhook_timeout_secs: Option<u64>,
    webhook_retry_base_ms: Option<u64>,
    webhook_lease_secs: Option<u64>,
    upkeep_secs: Option<u64>,
    retention_lease_secs: Option<u64>,
    smtp_url: Option<Secret>,
    mail_from: Option<String>,
    mail_per_minute: Option<usize>,
    public_url: Option<String>,
    files_url: Option<Secret>,
    upload_max_bytes: Option<u64>,
    backup_url: Option<Secret>,
    backup_interval_secs: Option<u64>,
    backup_keep: Option<usize>,
    clamd_url: Option<String>,
    storage_quotas: Option<String>,
}

impl Config {
    /// Loads from `path` (must exist) or, without one, from `./mandant.toml`
    /// if present; then applies the process environment.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let file = match path {
            Some(p) => Some(read_file(p)?),
            None => {
                let p = Path::new("mandant.toml");
                if p.exists() {
                    Some(read_file(p)?)
                } else {
                    None
                }
            }
        };
        Self::from_sources(file, |k| std::env::var(k).ok())
    }

    /// Parses a config file's text on top of the defaults (no environment).
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let file = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: PathBuf::from("<inline>"),
            source: Box::new(e),
        })?;
        Self::from_sources(Some(file), |_| None)
    }

    fn from_sources(
        file: Option<FileConfig>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut c = Config::default();
        let f = file.unwrap_or_default();
        let listen = env("MANDANT_LISTEN").or(f.listen);
        if let Some(l) = listen {
            c.listen = l
                .parse()
                .map_err(|_| invalid("MANDANT_LISTEN", format!("not a socket address: {l:?}")))?;
        }
        if let Some(d) = env("MANDANT_DATA_DIR").map(PathBuf::from).or(f.data_dir) {
            c.data_dir = d;
        }
        c.database_url = env("DATABASE_URL").map(Secret::new).or(f.database_url);
        c.redis_url = env("REDIS_URL").map(Secret::new).or(f.redis_url);
        c.platform_token = env("MANDANT_PLATFORM_TOKEN")
            .map(Secret::new)
            .or(f.platform_token);
        if let Some(l) = env("MANDANT_LOG").or(f.log) {
            c.log_filter = l;
        }
        if let Some(fmt) = env("MANDANT_LOG_FORMAT").or(f.log_format) {
            c.log_format = match fmt.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => {
                    return Err(invalid(
                        "MANDANT_LOG_FORMAT",
                        format!("expected text or json, got {other:?}"),
                    ));
                }
            };
        }
        if let Some(n) = parse_env_num(&env, "MANDANT_MAX_BODY_BYTES")?.or(f.max_body_bytes) {
            c.max_body_bytes = n;
        }
        if let Some(n) = parse_env_num(&env, "MANDANT_MAX_IMPORT_BYTES")?.or(f.max_import_bytes) {
            c.max_import_bytes = n;
        }
        if let Some(n) = parse_env_num(&env, "MANDANT_PG_MAX_CONNECTIONS")?.or(f.pg_max_connections)
        {
            c.pg_max_connections = n.max(1);
        }
        if let Some(n) = parse_env_num(&env, "MANDANT_PG_LANES")?.or(f.pg_lanes) {
            c.pg_lanes = n;
        }
        if let Some(n) = parse_env_num(&env, "MANDANT_HTTP_WORKERS")?.or(f.http_workers) {
            c.http_workers = n;
        }
        c.jwt_secret = env("MANDANT_JWT_SECRET").map(Secret::new).or(f.jwt_secret);
        c.master_key = env("MANDANT_MASTER_KEY").map(Secret::new).or(f.master_key);
        c.master_key_file = env("MANDANT_MASTER_KEY_FILE")
            .map(PathBuf::from)
            .or(f.master_key_file);
        if let Some(n) =
            parse_env_num(&env, "MANDANT_ACCESS_TOKEN_TTL_SECS")?.or(f.access_token_ttl_secs)
        {
            c.access_token_ttl_secs = n;
        }
        if let Some(n) = f.session_ttl_days {
            c.session_ttl_days = n;
        }
        if let Some(n) = parse_env_num(&env, "MANDANT_LOGIN_PER_ACCOUNT_PER_MIN")?
            .or(f.login_per_account_per_min)
        {
            c.login_per_account_per_min = n;
        }
        // Many people behind one address (an office's NAT, a test
        // browser farm) sign in more often than one person does.
        if let Some(n) = parse_env_num(&env, "MANDANT_LOGIN_PER_ADDRESS_PER_MIN")?
            .or(f.login_per_address_per_min)
        {
            c.login_per_address_per_min = n;
        }
        c.allowed_origins = f.allowed_origins;
        if let Some(o) = env("MANDANT_ALLOWED_ORIGINS") {
            c.allowed_origins = o
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
        }
        let proxies = match env("MANDANT_TRUSTED_PROXIES") {
            Some(list) => list
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            None => f.trusted_proxies,
        };
        c.trusted_proxies = proxies
            .iter()
            .map(|p| {
                p.parse().map_err(|_| {
                    invalid(
                        "trusted_proxies",
                        format!("{p:?} is not an IP address (one address each, no ranges)"),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        c.webhook_allow_networks = networks(
            env("MANDANT_WEBHOOK_ALLOW_NETWORKS"),
            f.webhook_allow_networks,
            "webhook_allow_networks",
        )?;
        c.sso_allow_networks = networks(
            env("MANDANT_SSO_ALLOW_NETWORKS"),
            f.sso_allow_networks,
            "sso_allow_networks",
        )?;
        if let Some(n) =
            parse_env_num(&env, "MANDANT_WEBHOOK_TIMEOUT_SECS")?.or(f.webhook_timeout_secs)
        {
            c.webhook_timeout_secs = n.clamp(1, 60);
        }
        if let Some(n) =
            parse_env_num(&env, "MANDANT_WEBHOOK_RETRY_BASE_MS")?.or(f.webhook_retry_base_ms)
        {
            c.webhook_retry_base_ms = n.clamp(10, 3_600_000);
        }
        if let Some(n) = parse_env_num(&env, "MANDANT_WEBHOOK_LEASE_SECS")?.or(f.webhook_lease_secs)
        {
            // Longer than an attempt's deadline, or a live node loses it mid-send.
            c.webhook_lease_secs = n.max(c.webhook_timeout_secs + 1);
        }
        if let Some(n) = parse_env_num(&env, "MANDANT_UPKEEP_SECS")?.or(f.upkeep_secs) {
            c.upkeep_secs = n.clamp(1, 86_400);
        }
        if let Some(n) =
            parse_env_num(&env, "MANDANT_RETENTION_LEASE_SECS")?.or(f.retention_lease_secs)
        {
            // A page of removals must fit, or a live run loses its lease.
            c.retention_lease_secs = n.clamp(2, 3600);
        }
        c.smtp_url = env("MANDANT_SMTP_URL").map(Secret::new).or(f.smtp_url);
        if let Some(from) = env("MANDANT_MAIL_FROM").or(f.mail_from) {
            if from.parse::<lettre::message::Mailbox>().is_err() {
                return Err(invalid(
                    "mail_from",
                    format!(
                        "{from:?} is not an address (\"Name <a@b.example>\" or \"a@b.example\")"
                    ),
                ));
            }
            c.mail_from = from;
        }
        if let Some(n) = parse_env_num(&env, "MANDANT_MAIL_PER_MINUTE")?.or(f.mail_per_minute) {
            c.mail_per_minute = n.max(1);
        }
        if let Some(u) = env("MANDANT_PUBLIC_URL").or(f.public_url) {
            if url::Url::parse(&u).map_or(true, |p| !matches!(p.scheme(), "http" | "https")) {
                return Err(invalid(
                    "public_url",
                    format!("{u:?} is not an http(s) URL"),
                ));
            }
            c.public_url = Some(u.trim_end_matches('/').to_owned());
        }
        c.files_url = env("MANDANT_FILES_URL").map(Secret::new).or(f.files_url);
        if let Some(u) = &c.files_url
            && !u.expose().starts_with("s3://")
        {
            return Err(invalid(
                "files_url",
                "only s3:// URLs are supported (unset: the local file system)",
            ));
        }
        if let Some(n) = parse_env_num(&env, "MANDANT_UPLOAD_MAX_BYTES")?.or(f.upload_max_bytes) {
            c.upload_max_bytes = n.max(1);
        }
        c.backup_url = env("MANDANT_BACKUP_URL").map(Secret::new).or(f.backup_url);
        if let Some(n) =
            parse_env_num(&env, "MANDANT_BACKUP_INTERVAL_SECS")?.or(f.backup_interval_secs)
        {
            c.backup_interval_secs = n.max(1);
        }
        if let Some(n) = parse_env_num(&env, "MANDANT_BACKUP_KEEP")?.or(f.backup_keep) {
            c.backup_keep = n.max(1);
        }
        if let Some(u) = env("MANDANT_CLAMD_URL").or(f.clamd_url) {
            if !(u.starts_with("tcp://") || u.starts_with("unix:")) {
                return Err(invalid(
                    "clamd_url",
                    format!("{u:?}: expected tcp://host:port or unix:/path"),
                ));
            }
            c.clamd_url = Some(u);
        }
        if let Some(q) = env("MANDANT_STORAGE_QUOTAS").or(f.storage_quotas) {
            c.storage_quotas = parse_quotas(&q)?;
        }
        if let Some(n) = f.shutdown_timeout_secs {
            c.shutdown_timeout_secs = n;
        }
        let cert = env("MANDANT_TLS_CERT").map(PathBuf::from).or(f.tls_cert);
        let key = env("MANDANT_TLS_KEY").map(PathBuf::from).or(f.tls_key);
        let allow_tls12 = match env("MANDANT_TLS_MIN_VERSION")
            .or(f.tls_min_version)
            .as_deref()
        {
            None | Some("1.3") => false,
            Some("1.2") => true,
            Some(other) => {
                return Err(invalid(
                    "MANDANT_TLS_MIN_VERSION",
                    format!("expected 1.2 or 1.3, got {other:?}"),
                ));
            }
        };
        c.tls = match (cert, key) {
            (Some(cert), Some(key)) => Some(TlsConfig {
                cert,
                key,
                allow_tls12,
            }),
            (None, None) => None,
            _ => {
                return Err(invalid(
                    "MANDANT_TLS_CERT",
                    "TLS needs both a certificate (MANDANT_TLS_CERT) and its key (MANDANT_TLS_KEY)",
                ));
            }
        };
        c.shards = f.shards;
        // MANDANT_SHARD_<NAME>=url adds or overrides one shard.
        for name in env("MANDANT_SHARDS").unwrap_or_default().split(',') {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            let key = format!("MANDANT_SHARD_{}", name.to_uppercase().replace('-', "_"));
            let url =
                env(&key).ok_or_else(|| invalid(&key, "listed in MANDANT_SHARDS but unset"))?;
            c.shards.insert(name.to_owned(), Secret::new(url));
        }
        c.validate()?;
        Ok(c)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.database_url
            && !is_postgres_url(url.expose())
        {
            return Err(invalid(
                "DATABASE_URL",
                "must be a postgres:// URL (leave it unset for embedded SQLite)",
            ));
        }
        for (name, url) in &self.shards {
            if name == DEFAULT_SHARD {
                return Err(invalid(
                    "shards.default",
                    "the default shard is DATABASE_URL (or embedded SQLite); name extra shards otherwise",
                ));
            }
            if !valid_shard_name(name) {
                return Err(invalid(
                    &format!("shards.{name}"),
                    "shard names are 1-32 chars of a-z, 0-9, '-' or '_', starting with a letter",
                ));
            }
            let u = url.expose();
            if !is_postgres_url(u) && !u.starts_with("sqlite:") {
                return Err(invalid(
                    &format!("shards.{name}"),
                    "expected postgres://… or sqlite:<directory>",
                ));
            }
        }
        if let Some(k) = &self.jwt_secret
            && k.expose().len() < 32
        {
            return Err(invalid(
                "MANDANT_JWT_SECRET",
                "must be at least 32 characters",
            ));
        }
        if self.access_token_ttl_secs < 30 || self.session_ttl_days < 1 {
            return Err(invalid(
                "access_token_ttl_secs",
                "tokens must live at least 30 s, sessions a day",
            ));
        }
        if self.max_body_bytes < 1024 {
            return Err(invalid("MANDANT_MAX_BODY_BYTES", "must be at least 1024"));
        }
        Ok(())
    }

    /// Every shard with its URL; `default` first.
    /// Where people reach the web app: `public_url`, or this server's own
    /// address (`localhost` for a wildcard listen).
    pub fn public_url(&self) -> String {
        if let Some(u) = &self.public_url {
            return u.clone();
        }
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        if self.listen.ip().is_unspecified() {
            format!("{scheme}://localhost:{}", self.listen.port())
        } else {
            format!("{scheme}://{}", self.listen)
        }
    }

    pub fn shard_urls(&self) -> Vec<(String, Secret)> {
        let default = match &self.database_url {
            Some(url) => url.clone(),
            None => Secret::new(format!(
                "sqlite:{}",
                self.data_dir.join("tenants").display()
            )),
        };
        let mut out = vec![(DEFAULT_SHARD.to_owned(), default)];
        out.extend(self.shards.iter().map(|(k, v)| (k.clone(), v.clone())));
        out
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        source: Box::new(e),
    })
}

/// `free=1,standard=none`: MiB per plan, or `none` for no limit.
fn parse_quotas(
    raw: &str,
) -> Result<BTreeMap<crate::domain::tenant::Plan, Option<u64>>, ConfigError> {
    let bad = |why: String| invalid("storage_quotas", why);
    let mut out = BTreeMap::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (plan, mib) = part
            .split_once('=')
            .ok_or_else(|| bad(format!("{part:?}: expected plan=MiB")))?;
        let plan = crate::domain::tenant::Plan::parse(plan.trim()).map_err(|e| bad(e.message))?;
        let quota = match mib.trim() {
            "none" => None,
            n => Some(
                n.parse::<u64>()
                    .map_err(|_| bad(format!("{n:?} is not a number of MiB")))?
                    .saturating_mul(1024 * 1024),
            ),
        };
        out.insert(plan, quota);
    }
    Ok(out)
}

fn parse_env_num<T: std::str::FromStr>(
    env: &impl Fn(&str) -> Option<String>,
    key: &str,
) -> Result<Option<T>, ConfigError> {
    env(key)
        .map(|v| {
            v.parse()
                .map_err(|_| invalid(key, format!("not a number: {v:?}")))
        })
        .transpose()
}

/// A list of networks from a variable (comma-separated) or the file.
fn networks(
    from_env: Option<String>,
    from_file: Vec<String>,
    field: &'static str,
) -> Result<Vec<crate::domain::network::Network>, ConfigError> {
    let list: Vec<String> = match from_env {
        Some(list) => list
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        None => from_file,
    };
    list.iter()
        .map(|n| {
            crate::domain::network::Network::parse(n).ok_or_else(|| {
                invalid(
                    field,
                    format!("{n:?} is not an address or a network (10.0.0.0/8)"),
                )
            })
        })
        .collect()
}

pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

fn valid_shard_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && name.len() <= 32
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with_env(file: Option<&str>, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let file = file
            .map(toml::from_str)
            .transpose()
            .map_err(|e| ConfigError::Parse {
                path: "t".into(),
                source: Box::new(e),
            })?;
        Config::from_sources(file, |k| map.get(k).cloned())
    }

    #[test]
    fn defaults_work_with_nothing_set() {
        let c = with_env(None, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert!(c.database_url.is_none() && c.redis_url.is_none());
        let shards = c.shard_urls();
        assert_eq!(shards.len(), 1);
        assert_eq!(shards[0].1.expose(), "sqlite:./data/tenants");
    }

    #[test]
    fn login_limits_come_from_the_environment_too() {
        let c = with_env(
            Some("login_per_account_per_min = 5\n"),
            &[("MANDANT_LOGIN_PER_ADDRESS_PER_MIN", "600")],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (c.login_per_account_per_min, c.login_per_address_per_min),
            (5, 600)
        );
        assert!(with_env(None, &[("MANDANT_LOGIN_PER_ADDRESS_PER_MIN", "lots")]).is_err());
    }

    #[test]
    fn tls_needs_both_files_and_a_known_version() {
        let c = with_env(
            Some("tls_cert = \"/etc/m/tls.crt\"\ntls_key = \"/etc/m/tls.key\"\n"),
            &[("MANDANT_TLS_MIN_VERSION", "1.2")],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let tls = c.tls.unwrap();
        assert!(tls.allow_tls12 && tls.key == Path::new("/etc/m/tls.key"));
        assert!(with_env(None, &[]).unwrap().tls.is_none());
        let half = with_env(None, &[("MANDANT_TLS_CERT", "/etc/m/tls.crt")]).unwrap_err();
        assert!(half.to_string().contains("MANDANT_TLS_KEY"), "{half}");
        let both = [("MANDANT_TLS_CERT", "a"), ("MANDANT_TLS_KEY", "b")];
        let version = with_env(
            None,
            &[both[0], both[1], ("MANDANT_TLS_MIN_VERSION", "1.1")],
        )
        .unwrap_err();
        assert!(version.to_string().contains("1.2 or 1.3"), "{version}");
    }

    #[test]
    fn environment_overrides_the_file() {
        let c = with_env(
            Some("listen = \"0.0.0.0:9000\"\nlog = \"debug\"\n[shards]\neu = \"sqlite:/tmp/eu\"\n"),
            &[
                ("MANDANT_LISTEN", "127.0.0.1:7000"),
                ("MANDANT_LOG_FORMAT", "json"),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.listen.port(), 7000);
        assert_eq!(c.log_filter, "debug");
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.shard_urls().len(), 2);
    }

    #[test]
    fn trusted_proxies_are_addresses_or_a_clear_error() {
        let c = with_env(
            Some("trusted_proxies = [\"10.0.0.5\"]\n"),
            &[("MANDANT_TRUSTED_PROXIES", "10.0.0.6, ::1")],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            c.trusted_proxies.len(),
            2,
            "the environment replaces the file"
        );
        let e = with_env(None, &[("MANDANT_TRUSTED_PROXIES", "10.0.0.0/8")]).unwrap_err();
        assert!(e.to_string().contains("trusted_proxies"), "{e}");
    }

    #[test]
    fn shards_come_from_the_environment_too() {
        let c = with_env(
            None,
            &[
                ("MANDANT_SHARDS", "eu-2"),
                ("MANDANT_SHARD_EU_2", "postgres://x@h/db2"),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.shards["eu-2"].expose(), "postgres://x@h/db2");
    }

    #[test]
    fn bad_values_are_rejected_with_their_name() {
        let e = with_env(None, &[("MANDANT_LISTEN", "nope")])
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("MANDANT_LISTEN")));
        let e = with_env(None, &[("DATABASE_URL", "mysql://x")])
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("DATABASE_URL")));
        assert!(with_env(Some("lisen = \"typo\""), &[]).is_err());
        assert!(with_env(Some("[shards]\ndefault = \"postgres://x/y\""), &[]).is_err());
        assert!(with_env(Some("[shards]\nEU = \"postgres://x/y\""), &[]).is_err());
    }

    #[test]
    fn debug_never_shows_secrets() {
        let c = with_env(
            None,
            &[
                ("DATABASE_URL", "postgres://u:pw-secret@h/db"),
                ("MANDANT_PLATFORM_TOKEN", "tok-secret"),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let d = format!("{c:?}");
        assert!(!d.contains("pw-secret") && !d.contains("tok-secret"), "{d}");
    }
}

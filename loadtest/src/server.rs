//! Mandant server processes started by the load test: a temp data dir or
//! a fresh PostgreSQL database, a known port, a known PID (for RSS).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

use crate::Result;

pub const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432";
pub const REDIS: &str = "redis://127.0.0.1:6379";
/// Fixed, so that every node (and a restarted node) accepts the same tokens.
const JWT_SECRET: &str = "mandant-loadtest-jwt-secret-0123456789abcdef";
/// The master key every node of a run shares (a benchmark's, not a secret).
const MASTER_KEY: &str = "6d616e64616e742d6c6f6164746573742d6d61737465722d6b65792d30303031";

pub struct ServerSpec {
    pub binary: PathBuf,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    pub token: String,
    pub log: PathBuf,
}

pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub pid: u32,
}

/// Reads the resident set size of a process, in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

impl Server {
    pub async fn start(spec: &ServerSpec) -> Result<Server> {
        std::fs::create_dir_all(&spec.data_dir)?;
        let config = spec.data_dir.join("mandant.toml");
        // Login throttling protects people, not benchmarks that log in
        // a thousand admins from one address; tokens outlive the suite.
        std::fs::write(
            &config,
            "log = \"warn\"\naccess_token_ttl_secs = 86400\n\
             login_per_account_per_min = 1000000\nlogin_per_address_per_min = 1000000\n",
        )?;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&spec.log)?;
        let mut cmd = Command::new(&spec.binary);
        cmd.arg("serve")
            .env_remove("DATABASE_URL")
            .env_remove("REDIS_URL")
            .env_remove("MANDANT_SHARDS")
            .env("MANDANT_CONFIG", &config)
            .env("MANDANT_LISTEN", "127.0.0.1:0")
            .env("MANDANT_DATA_DIR", &spec.data_dir)
            .env("MANDANT_PLATFORM_TOKEN", &spec.token)
            .env("MANDANT_JWT_SECRET", JWT_SECRET)
            // Nodes of one run have data directories of their own and one
            // database: they must share the master key too.
            .env("MANDANT_MASTER_KEY", MASTER_KEY)
            .env_remove("MANDANT_MASTER_KEY_FILE")
            .env("MANDANT_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log.try_clone()?))
            .kill_on_drop(true);
        if let Some(u) = &spec.database_url {
            cmd.env("DATABASE_URL", u);
        }
        if let Some(u) = &spec.redis_url {
            cmd.env("REDIS_URL", u);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", spec.binary.display()))?;
        let pid = child.id().ok_or("server exited at once")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut log = tokio::fs::File::from_std(log);
        // Start-up migrates every tenant: with a thousand of them that takes a while.
        let addr = tokio::time::timeout(Duration::from_secs(600), async {
            while let Some(l) = lines.next_line().await? {
                let _ = log.write_all(format!("{l}\n").as_bytes()).await;
                if let Some(rest) = l.strip_prefix("Mandant listening on http://") {
                    let addr: SocketAddr = rest.trim().parse()?;
                    return Ok::<_, crate::Error>(addr);
                }
            }
            Err(format!(
                "the server exited before listening; see {}",
                spec.log.display()
            )
            .into())
        })
        .await
        .map_err(|_| "the server did not start within 600 s")??;
        // Keep draining stdout so the server never blocks on it.
        tokio::spawn(async move {
            while let Ok(Some(l)) = lines.next_line().await {
                let _ = log.write_all(format!("{l}\n").as_bytes()).await;
            }
        });
        Ok(Server { child, addr, pid })
    }

    pub fn rss_kib(&self) -> u64 {
        rss_kib(self.pid).unwrap_or(0)
    }

    pub async fn stop(mut self) {
        // SIGTERM first (graceful drain), then SIGKILL.
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

async fn psql(db: &str, sql: &str) -> Result<String> {
    let out = Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-d", db])
        .args(["-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql])
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| format!("psql: {e}"))?;
    if !out.status.success() {
        return Err(format!("psql: {}", String::from_utf8_lossy(&out.stderr).trim()).into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Databases made and not dropped yet: an interrupted suite drops them.
static LIVE: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn live() -> std::sync::MutexGuard<'static, Vec<String>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Drops every database of this process that is still there (after an
/// interrupt: the servers using them are gone with the run's future).
pub async fn drop_leftovers() {
    let names: Vec<String> = live().clone();
    for name in names {
        let db = PgDb {
            url: format!("{PG_ADMIN}/{name}"),
            name,
        };
        if let Err(e) = db.drop_all().await {
            eprintln!("could not drop {}: {e}", db.name);
        }
    }
}

/// A database made for one run, dropped with its tenants' roles after it.
#[derive(Debug, Clone)]
pub struct PgDb {
    pub name: String,
    pub url: String,
}

impl PgDb {
    pub async fn create(tag: &str) -> Result<PgDb> {
        let tag: String = tag
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let name = format!("mandant_lt_{}_{tag}", std::process::id());
        psql("postgres", &format!("DROP DATABASE IF EXISTS {name}")).await?;
        psql("postgres", &format!("CREATE DATABASE {name}")).await?;
        live().push(name.clone());
        Ok(PgDb {
            url: format!("{PG_ADMIN}/{name}"),
            name,
        })
    }

    /// Drops the database, then the tenants' roles (roles are server-wide).
    pub async fn drop_all(&self) -> Result<()> {
        let ids = psql(
            &self.name,
            "SELECT replace(id::text, '-', '') FROM mandant_control.tenants",
        )
        .await
        .unwrap_or_default();
        psql(
            "postgres",
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        )
        .await?;
        let roles: Vec<String> = ids
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_hexdigit()))
            .map(|h| format!("mandant_t_{h}"))
            .collect();
        for chunk in roles.chunks(200) {
            psql(
                "postgres",
                &format!("DROP ROLE IF EXISTS {}", chunk.join(", ")),
            )
            .await?;
        }
        live().retain(|n| *n != self.name);
        Ok(())
    }
}

pub async fn pg_available() -> bool {
    psql("postgres", "SELECT 1").await.is_ok()
}

pub async fn redis_available() -> bool {
    tokio::time::timeout(
        Duration::from_secs(2),
        tokio::net::TcpStream::connect("127.0.0.1:6379"),
    )
    .await
    .is_ok_and(|r| r.is_ok())
}

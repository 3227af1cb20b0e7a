//! PostgreSQL and Redis over TLS. The test starts its own PostgreSQL
//! cluster (Debian's binaries, as the `postgres` user) that refuses every
//! connection without TLS, and a Redis with no plain port at all, both
//! with a certificate from a CA the test makes; `mandant serve` reaches
//! them with `sslmode=verify-full` and `rediss://`. A server whose
//! certificate the client cannot verify is refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::cli::{Server, mandant, run, serve};
use crate::file_servers::wait_for_port;
use crate::helpers::{Backend, Site};
use crate::test_venv::free_port;
use crate::tls::Ca;

fn ok(cmd: &mut Command, what: &str) {
    let o = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        o.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Debian's newest installed PostgreSQL binaries.
fn pg_bin() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's binaries (Debian's postgresql package)")
        .map(|e| e.unwrap().path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop().expect("an initdb")
}

/// A PostgreSQL cluster that accepts TLS only (`hostssl` trust, `hostnossl`
/// reject), on `port`.
fn postgres(dir: &Path, port: u16, cert: &str, key: &str) -> Server {
    let data = dir.join("data");
    ok(
        Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir),
        "chown",
    );
    ok(
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(pg_bin().join("initdb"))
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&data),
        "initdb",
    );
    std::fs::write(data.join("server.crt"), cert).unwrap();
    std::fs::write(data.join("server.key"), key).unwrap();
    std::fs::write(
        data.join("pg_hba.conf"),
        "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 0.0.0.0/0 reject\n",
    )
    .unwrap();
    ok(
        Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir),
        "chown",
    );
    ok(
        Command::new("chmod")
            .arg("600")
            .arg(data.join("server.key")),
        "chmod",
    );
    let child = Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(pg_bin().join("postgres"))
        .arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string(), "-k"])
        .arg(dir)
        .args([
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "ssl=on",
            "-c",
            "fsync=off",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("postgres starts");
    Server(child)
}

/// A Redis that speaks TLS only.
fn redis(dir: &Path, port: u16) -> Server {
    let child = Command::new("redis-server")
        .args(["--port", "0", "--tls-port", &port.to_string()])
        .arg("--tls-cert-file")
        .arg(dir.join("redis.crt"))
        .arg("--tls-key-file")
        .arg(dir.join("redis.key"))
        .arg("--tls-ca-cert-file")
        .arg(dir.join("ca.pem"))
        .args([
            "--tls-auth-clients",
            "no",
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server starts");
    Server(child)
}

#[actix_web::test]
async fn postgres_and_redis_are_reached_over_verified_tls() {
    let site = Site::new(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let (cert, key, _) = ca.leaf("database");
    let (rcert, rkey, _) = ca.leaf("redis");
    std::fs::write(dir.path().join("redis.crt"), &rcert).unwrap();
    std::fs::write(dir.path().join("redis.key"), &rkey).unwrap();
    let (pg_port, redis_port) = (free_port(), free_port());
    let _pg = postgres(dir.path(), pg_port, &cert, &key);
    let _redis = redis(dir.path(), redis_port);
    wait_for_port(pg_port, "postgres").await;
    wait_for_port(redis_port, "redis").await;

    // The cluster refuses a connection without TLS: whatever works below
    // went over TLS.
    let plain = format!("postgres://postgres@127.0.0.1:{pg_port}/postgres?sslmode=disable");
    let mut refused = false;
    for _ in 0..50 {
        match sqlx::PgPool::connect(&plain).await {
            Err(e)
                if e.to_string().contains("no encryption") || e.to_string().contains("reject") =>
            {
                refused = true;
                break;
            }
            // Still starting up.
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            Ok(_) => panic!("a plain connection was accepted"),
        }
    }
    assert!(refused, "the cluster did not refuse plain text");

    let database = format!(
        "postgres://postgres@localhost:{pg_port}/postgres?sslmode=verify-full&sslrootcert={}",
        ca_file.display()
    );
    let mut cmd = mandant(&site);
    cmd.env("DATABASE_URL", &database)
        .env("REDIS_URL", format!("rediss://localhost:{redis_port}"))
        // Redis's client trusts the system's roots; this adds the test CA.
        .env("SSL_CERT_FILE", &ca_file);
    let (node, base) = serve(cmd).await;
    let client = awc::Client::default();
    let mut res = client.get(format!("{base}/readyz")).send().await.unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(res.status(), 200, "{body}");
    assert_eq!(body["bus"], "redis", "{body}");
    // A tenant is made on the TLS-only cluster.
    let res = client
        .post(format!("{base}/api/v1/tenants"))
        .bearer_auth(&site.token)
        .send_json(&crate::helpers::tenant_body("secure"))
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    drop(node);

    // A server certificate the client cannot verify is refused, with
    // the reason.
    let untrusted = format!("postgres://postgres@localhost:{pg_port}/postgres?sslmode=verify-full");
    let mut cmd = mandant(&site);
    cmd.env("DATABASE_URL", &untrusted).args(["tenant", "list"]);
    let o = run(cmd).await;
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr).to_lowercase();
    assert!(
        err.contains("certificate") || err.contains("unknownissuer"),
        "{err}"
    );
    let mut cmd = mandant(&site);
    cmd.env("REDIS_URL", format!("rediss://localhost:{redis_port}"))
        .args(["tenant", "list"]);
    let o = run(cmd).await;
    assert!(!o.status.success(), "Redis without the CA was trusted");
    let err = String::from_utf8_lossy(&o.stderr).to_lowercase();
    assert!(
        err.contains("redis") && (err.contains("certificate") || err.contains("unknownissuer")),
        "{err}"
    );
}

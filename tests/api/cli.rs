//! The `mandant` binary itself: tenant commands, migrate and its check,
//! the demo start, graceful shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::both_backends;
use crate::helpers::{Backend, Site};

/// `mandant` configured for `site` only: no stray config file or variable.
fn mandant(site: &Site) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mandant"));
    cmd.current_dir(site.dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("MANDANT_DATA_DIR", site.dir.path())
        .env("MANDANT_PLATFORM_TOKEN", &site.token)
        .env("MANDANT_LOG", "warn");
    if let Some(pg) = &site.pg {
        cmd.env("DATABASE_URL", &pg.url);
    }
    cmd
}

async fn run(mut cmd: Command) -> Output {
    actix_web::rt::task::spawn_blocking(move || cmd.output().expect("mandant runs"))
        .await
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

async fn tenant_commands_manage_tenants(backend: Backend) {
    let site = Site::new(backend).await;
    let mut c = mandant(&site);
    c.args([
        "tenant",
        "create",
        "--slug",
        "cli-co",
        "--name",
        "CLI Co",
        "--admin-email",
        "boss@cli.example",
    ]);
    let o = run(c).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert!(out.contains("created tenant cli-co"), "{out}");
    // No password given: one was generated and printed once.
    assert!(
        out.contains("admin login: boss@cli.example  password: "),
        "{out}"
    );

    let mut c = mandant(&site);
    c.args([
        "tenant",
        "create",
        "--slug",
        "Bad!",
        "--name",
        "x",
        "--admin-email",
        "a@b.example",
    ]);
    let o = run(c).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("slug:"));

    let mut c = mandant(&site);
    c.args(["tenant", "list"]);
    let out = stdout(&run(c).await);
    assert!(
        out.starts_with("cli-co\tCLI Co\tstandard\tdefault\t"),
        "{out}"
    );

    let mut c = mandant(&site);
    c.args(["tenant", "show", "cli-co"]);
    let out = stdout(&run(c).await);
    assert!(out.contains("(current)"), "{out}");

    let mut c = mandant(&site);
    c.args(["tenant", "delete", "cli-co"]);
    assert_eq!(
        run(c).await.status.code(),
        Some(2),
        "delete without --yes must refuse"
    );
    let mut c = mandant(&site);
    c.args(["tenant", "delete", "cli-co", "--yes"]);
    assert!(run(c).await.status.success());
    let mut c = mandant(&site);
    c.args(["tenant", "show", "cli-co"]);
    assert!(!run(c).await.status.success());
}

/// Rolls a tenant's schema back to nothing, as an old binary would have left it.
async fn unmigrate(site: &Site, slug: &str) {
    let mut c = mandant(site);
    c.args(["tenant", "show", slug]);
    let out = stdout(&run(c).await);
    let id: uuid::Uuid = out
        .lines()
        .find_map(|l| l.strip_prefix("id:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let id = mandant::domain::tenant::TenantId(id);
    // Children before parents, so SQLite's foreign keys are satisfied too.
    let sql = "DROP TABLE routing_cursors; DROP TABLE agents; DROP TABLE realtime_tickets; DROP TABLE refresh_tokens; DROP TABLE sessions; DROP TABLE mfa_recovery_codes; \
               DROP TABLE api_keys; DROP TABLE user_teams; DROP TABLE teams; DROP TABLE role_grants; \
               DROP TABLE roles; DROP TABLE auth_events; DROP TABLE settings; DROP TABLE user_roles; \
               DROP TABLE users; DROP TABLE records; DROP TABLE custom_fields; DROP TABLE events; \
               DROP TABLE event_counter; DELETE FROM _sqlx_migrations;";
    match &site.pg {
        Some(pg) => {
            let (schema, _) = mandant::storage::pg_names(id);
            let mut conn = pg.connect().await;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "SET search_path TO {schema}; {sql}"
            )))
            .execute(&mut conn)
            .await
            .unwrap();
        }
        None => {
            use sqlx::Connection;
            let path = site
                .dir
                .path()
                .join("tenants")
                .join(format!("{}.db", id.simple()));
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
                .await
                .unwrap();
            let sql = format!("DROP TABLE records_fts; {sql}");
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await
                .unwrap();
        }
    }
}

async fn migrate_check_finds_and_migrate_fixes_stale_tenants(backend: Backend) {
    let site = Site::new(backend).await;
    for slug in ["one", "two"] {
        let mut c = mandant(&site);
        c.args([
            "tenant",
            "create",
            "--slug",
            slug,
            "--name",
            slug,
            "--admin-email",
            "a@x.example",
        ]);
        assert!(run(c).await.status.success());
    }
    let mut c = mandant(&site);
    c.args(["migrate", "--check"]);
    let o = run(c).await;
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("2 tenant(s), 0 not current"));

    unmigrate(&site, "two").await;
    let mut c = mandant(&site);
    c.args(["migrate", "--check"]);
    let o = run(c).await;
    assert!(!o.status.success(), "check passed with a stale tenant");
    let out = stdout(&o);
    let latest = mandant::storage::migrations::TENANT_SQLITE.iter().count();
    assert!(
        out.contains(&format!("two: version 0 of {latest}, {latest} pending")),
        "{out}"
    );
    assert!(!out.contains("one:"), "{out}");

    let mut c = mandant(&site);
    c.args(["migrate"]);
    let o = run(c).await;
    assert!(o.status.success(), "{}", stdout(&o));
    let mut c = mandant(&site);
    c.args(["migrate", "--check"]);
    assert!(run(c).await.status.success());
}

both_backends!(
    tenant_commands_manage_tenants,
    migrate_check_finds_and_migrate_fixes_stale_tenants
);

/// README's first command: a demo tenant to log in to, credentials printed,
/// `/healthz` served; SIGTERM stops it cleanly.
#[actix_web::test]
async fn serve_demo_starts_and_stops_gracefully() {
    let site = Site::new(Backend::Sqlite).await;
    let mut cmd = mandant(&site);
    cmd.env("MANDANT_LISTEN", "127.0.0.1:0")
        .env_remove("MANDANT_PLATFORM_TOKEN")
        .args(["serve", "--demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let out = child.stdout.take().unwrap();
    let lines = actix_web::rt::task::spawn_blocking(move || {
        BufReader::new(out)
            .lines()
            .map_while(Result::ok)
            .take(4)
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let text = lines.join("\n");
    let base = lines[0]
        .strip_prefix("Mandant listening on ")
        .expect(&text)
        .to_owned();
    assert!(text.contains("platform token"), "{text}");
    let demo = lines
        .iter()
        .find(|l| l.contains("demo tenant:"))
        .expect(&text);
    assert!(
        demo.contains("login: admin@demo.example  password: "),
        "{demo}"
    );

    let client = awc::Client::default();
    let res = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = client
        .get(format!("{base}/t/demo/api/v1/branding"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "no exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}");
}

//! The `mandant` binary itself: tenant commands, migrate and its check,
//! the demo start, graceful shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::both_backends;
use crate::helpers::{Backend, Site, TenantConn};

/// `mandant` configured for `site` only: no stray config file or variable.
pub(crate) fn mandant(site: &Site) -> Command {
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

pub(crate) async fn run(mut cmd: Command) -> Output {
    actix_web::rt::task::spawn_blocking(move || cmd.output().expect("mandant runs"))
        .await
        .unwrap()
}

pub(crate) fn stdout(o: &Output) -> String {
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

/// The id of tenant `slug`, as `tenant show` prints it.
async fn tenant_id(site: &Site, slug: &str) -> mandant::domain::tenant::TenantId {
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
    mandant::domain::tenant::TenantId(id)
}

/// A connection to tenant `slug`'s own database, behind the server's back.
pub(crate) async fn tenant_conn(site: &Site, slug: &str) -> TenantConn {
    site.tenant_conn(tenant_id(site, slug).await).await
}

/// Runs `sql` (statements separated by `;`) in tenant `slug`'s database.
async fn tenant_sql(site: &Site, slug: &str, sql: &str) {
    site.tenant_exec(tenant_id(site, slug).await, sql).await;
}

/// Rolls a tenant's schema back to nothing, as an old binary would have left it.
async fn unmigrate(site: &Site, slug: &str) {
    // Children before parents, so SQLite's foreign keys are satisfied too.
    let sql = "DROP TABLE webauthn_ceremonies; DROP TABLE passkeys; DROP TABLE sso_handoffs; DROP TABLE sso_attempts; DROP TABLE sso_identities; DROP TABLE sso_providers; DROP TABLE scim_tokens; \
               DROP TABLE routing_cursors; DROP TABLE agents; DROP TABLE realtime_tickets; DROP TABLE refresh_tokens; DROP TABLE sessions; DROP TABLE mfa_recovery_codes; \
               DROP TABLE api_keys; DROP TABLE user_teams; DROP TABLE teams; DROP TABLE role_grants; \
               DROP TABLE roles; DROP TABLE auth_events; DROP TABLE settings; DROP TABLE user_roles; \
               DROP TABLE users; DROP TABLE records; DROP TABLE custom_fields; DROP TABLE events; \
               DROP TABLE event_counter; DROP TABLE audit_log; DROP TABLE audit_head; DROP TABLE leases; DROP TABLE exports; \
               DROP TABLE webhook_deliveries; DROP TABLE webhooks; DROP TABLE mail_outbox; DROP TABLE account_tokens; DROP TABLE cursors; \
               DROP TABLE files; DROP TABLE file_usage; DROP TABLE fence; \
               DELETE FROM _sqlx_migrations;";
    let sql = if site.pg.is_some() {
        sql.to_owned()
    } else {
        format!("DROP TABLE records_fts; {sql}")
    };
    tenant_sql(site, slug, &sql).await;
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

/// (seq, entry, prev_hash) of every audit entry of tenant `slug`, in order.
async fn audit_rows(site: &Site, slug: &str) -> Vec<(i64, String, String)> {
    let sql = "SELECT seq, entry, prev_hash FROM audit_log ORDER BY seq";
    match tenant_conn(site, slug).await {
        TenantConn::Pg(mut c) => sqlx::query_as(sql).fetch_all(&mut c).await,
        TenantConn::Lite(mut c) => sqlx::query_as(sql).fetch_all(&mut c).await,
    }
    .unwrap()
}

async fn audit(site: &Site, args: &[&str]) -> (bool, String) {
    let mut c = mandant(site);
    c.arg("audit").args(args);
    let o = run(c).await;
    (
        o.status.success(),
        stdout(&o) + &String::from_utf8_lossy(&o.stderr),
    )
}

/// `audit verify` walks the chain and names the first entry that was
/// changed, removed or cut off; a head kept with `audit head` also catches
/// a rewrite that recomputed every hash after the changed entry.
async fn audit_verify_names_the_first_tampered_entry(backend: Backend) {
    let site = Site::new(backend).await;
    let mut c = mandant(&site);
    c.args(["tenant", "create", "--slug", "aud", "--name", "Aud"])
        .args(["--admin-email", "a@aud.example"]);
    assert!(run(c).await.status.success());
    let csv = site.dir.path().join("people.csv");
    std::fs::write(&csv, "last_name,email\nAlpha,a@x.example\nBeta,b@x.example\nGamma,c@x.example\nDelta,d@x.example\n").unwrap();
    let mut c = mandant(&site);
    c.args(["import", "aud", "contacts"]).arg(&csv);
    let o = run(c).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let (ok, out) = audit(&site, &["verify", "aud"]).await;
    assert!(ok && out.contains("the chain holds"), "{out}");
    let rows = audit_rows(&site, "aud").await;
    assert!(rows.len() >= 4, "{rows:?}");
    assert!(
        rows.iter().all(|(_, e, _)| !e.contains("@x.example")),
        "an e-mail address in the trail: {rows:?}"
    );
    let (_, head) = audit(&site, &["head", "aud"]).await;
    let head = head.trim().to_owned();
    let (ok, out) = audit(&site, &["verify", "aud", "--expect", &head]).await;
    assert!(ok, "the head just kept holds: {out}");
    let (second, original) = (rows[1].0, rows[1].1.clone());

    // An entry changed in place.
    let forged = original.replace("csv_import", "by_hand");
    assert_ne!(forged, original);
    let set = |e: &str| {
        format!(
            "UPDATE audit_log SET entry = '{}' WHERE seq = {second}",
            e.replace('\'', "''")
        )
    };
    tenant_sql(&site, "aud", &set(&forged)).await;
    let (ok, out) = audit(&site, &["verify", "aud"]).await;
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!(
            "broken at entry {second}: entry {second} was changed"
        )),
        "{out}"
    );
    tenant_sql(&site, "aud", &set(&original)).await;
    assert!(audit(&site, &["verify", "aud"]).await.0);

    // The same change with every later hash recomputed, head included:
    // the chain holds again, but not the head kept before.
    let mut prev = rows[1].2.clone();
    let mut sql = String::new();
    for (seq, entry, _) in rows.iter().skip(1) {
        let entry = if *seq == second {
            forged.clone()
        } else {
            entry.clone()
        };
        let hash = mandant::storage::audit_log::chain_hash(&prev, &entry);
        sql += &format!(
            "UPDATE audit_log SET entry = '{}', prev_hash = '{prev}', hash = '{hash}' WHERE seq = {seq}; ",
            entry.replace('\'', "''")
        );
        prev = hash;
    }
    sql += &format!("UPDATE audit_head SET hash = '{prev}' WHERE id = 1;");
    tenant_sql(&site, "aud", &sql).await;
    let (ok, out) = audit(&site, &["verify", "aud"]).await;
    assert!(ok, "a recomputed chain holds by itself: {out}");
    let (ok, out) = audit(&site, &["verify", "aud", "--expect", &head]).await;
    assert!(!ok && out.contains("was rewritten"), "{out}");
    // A kept head is signed: one changed by hand, to match the rewrite,
    // is not taken.
    let mut parts: Vec<String> = head.split('.').map(str::to_owned).collect();
    parts[1] = parts[1].chars().rev().collect();
    let (ok, out) = audit(&site, &["verify", "aud", "--expect", &parts.join(".")]).await;
    assert!(
        !ok && out.contains("not signed by this installation"),
        "{out}"
    );

    // The last entry cut off, the head left as it was.
    let last = rows.last().unwrap().0;
    tenant_sql(
        &site,
        "aud",
        &format!("DELETE FROM audit_log WHERE seq = {last}"),
    )
    .await;
    let (ok, out) = audit(&site, &["verify", "aud"]).await;
    assert!(!ok && out.contains("were removed"), "{out}");
    // And one from the middle.
    tenant_sql(&site, "aud", "DELETE FROM audit_log WHERE seq = 2").await;
    let (ok, out) = audit(&site, &["verify", "aud"]).await;
    assert!(!ok && out.contains("entry 2 is missing"), "{out}");
}

/// `retention SLUG --dry-run` lists what the rules would remove and
/// removes nothing; `retention SLUG` removes it, and the trail still holds.
async fn retention_runs_from_the_command_line(backend: Backend) {
    let site = Site::new(backend).await;
    let mut c = mandant(&site);
    c.args(["tenant", "create", "--slug", "ret", "--name", "Ret"])
        .args(["--admin-email", "a@ret.example"]);
    assert!(run(c).await.status.success());
    import_stale_contacts(&site, "ret", &["Alpha", "Beta"]).await;
    let contacts = async || -> i64 {
        let sql = "SELECT count(*) FROM records WHERE kind = 'contact'";
        match tenant_conn(&site, "ret").await {
            TenantConn::Pg(mut c) => sqlx::query_scalar(sql).fetch_one(&mut c).await,
            TenantConn::Lite(mut c) => sqlx::query_scalar(sql).fetch_one(&mut c).await,
        }
        .unwrap()
    };
    let report = |o: &Output| -> serde_json::Value {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_str(&stdout(o)).unwrap()
    };

    let mut c = mandant(&site);
    c.args(["retention", "ret", "--dry-run"]);
    let dry = report(&run(c).await);
    assert_eq!(dry["rules"][0]["matched"], 2, "{dry}");
    assert_eq!(contacts().await, 2);

    let mut c = mandant(&site);
    c.args(["retention", "ret"]);
    let done = report(&run(c).await);
    assert_eq!(done["rules"][0]["records"], dry["rules"][0]["records"]);
    assert_eq!(contacts().await, 0);
    let (ok, out) = audit(&site, &["verify", "ret"]).await;
    assert!(ok, "{out}");
    let mut c = mandant(&site);
    c.args(["retention", "nope"]);
    assert!(!run(c).await.status.success());
}

/// Imports contacts named `names` into tenant `slug` with the CLI, makes
/// them years old as far as retention can tell, and gives the tenant a
/// rule that deletes contacts unchanged for a year.
pub(crate) async fn import_stale_contacts(site: &Site, slug: &str, names: &[&str]) {
    let csv = site.dir.path().join("people.csv");
    std::fs::write(&csv, format!("last_name\n{}\n", names.join("\n"))).unwrap();
    let mut c = mandant(site);
    c.args(["import", slug, "contacts"]).arg(&csv);
    assert!(run(c).await.status.success());
    tenant_sql(
        site,
        slug,
        r#"UPDATE records SET updated_at = '2020-01-01T00:00:00+00:00' WHERE kind = 'contact';
           INSERT INTO settings (key, value, updated_at) VALUES ('retention',
             '{"rules": [{"name": "stale contacts", "kind": "contact", "action": "delete", "unchanged_for_days": 365, "enabled": true}]}',
             '2020-01-01T00:00:00+00:00')"#,
    )
    .await;
}

/// `keys`: a wrong master key refuses to start and changes nothing;
/// `keys rotate` re-wraps every data key, after which only the new master
/// key starts; `keys rotate-tenant` adds a data key; deleting a tenant
/// deletes its keys.
async fn keys_rotate_and_a_wrong_master_key_is_refused(backend: Backend) {
    let site = Site::new(backend).await;
    let ok = |o: &Output| {
        assert!(
            o.status.success(),
            "{}{}",
            stdout(o),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let mut c = mandant(&site);
    c.args(["tenant", "create", "--slug", "sec", "--name", "Sec"])
        .args(["--admin-email", "a@sec.example"]);
    ok(&run(c).await);
    let mut c = mandant(&site);
    c.args(["keys", "rotate-tenant", "sec"]);
    let o = run(c).await;
    ok(&o);
    assert!(stdout(&o).contains("data key version 2"), "{}", stdout(&o));

    let mut c = mandant(&site);
    c.args(["keys", "generate"]);
    let o = run(c).await;
    ok(&o);
    let other = stdout(&o).trim().to_owned();
    assert_eq!(other.len(), 64);
    let mut c = mandant(&site);
    c.env("MANDANT_MASTER_KEY", &other).args(["tenant", "list"]);
    let o = run(c).await;
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("master key") && err.contains("keys rotate"),
        "{err}"
    );

    let new_key = site.dir.path().join("new.key");
    std::fs::write(&new_key, &other).unwrap();
    let mut c = mandant(&site);
    c.args(["keys", "rotate", "--to"]).arg(&new_key);
    let o = run(c).await;
    ok(&o);
    assert!(
        stdout(&o).contains("re-wrapped 2 data keys"),
        "{}",
        stdout(&o)
    );
    // The old key (the data directory's) no longer starts; the new one does.
    let mut c = mandant(&site);
    c.args(["tenant", "list"]);
    assert!(!run(c).await.status.success());
    let with_new = || {
        let mut c = mandant(&site);
        c.env("MANDANT_MASTER_KEY_FILE", &new_key);
        c
    };
    let mut c = with_new();
    c.args(["tenant", "list"]);
    ok(&run(c).await);
    let mut c = with_new();
    c.args(["tenant", "delete", "sec", "--yes"]);
    ok(&run(c).await);
    let mut c = with_new();
    c.args(["keys", "rotate", "--to"]).arg(&new_key);
    let o = run(c).await;
    ok(&o);
    assert!(
        stdout(&o).contains("re-wrapped 0 data keys"),
        "{}",
        stdout(&o)
    );
}

both_backends!(
    keys_rotate_and_a_wrong_master_key_is_refused,
    tenant_commands_manage_tenants,
    migrate_check_finds_and_migrate_fixes_stale_tenants,
    audit_verify_names_the_first_tampered_entry,
    retention_runs_from_the_command_line
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
        // Up to the demo line (a first start also warns that it made a
        // master key).
        let mut seen = Vec::new();
        for l in BufReader::new(out).lines().map_while(Result::ok).take(10) {
            let last = l.contains("demo tenant:");
            seen.push(l);
            if last {
                break;
            }
        }
        seen
    })
    .await
    .unwrap();
    let text = lines.join("\n");
    let base = lines
        .iter()
        .find_map(|l| l.strip_prefix("Mandant listening on "))
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

/// Kills its server when the test ends, however it ends.
pub(crate) struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `mandant serve` started by `cmd` (which sets everything but the
/// listening address): the process and its base URL, once it listens.
pub(crate) async fn serve(mut cmd: Command) -> (Server, String) {
    cmd.env("MANDANT_LISTEN", "127.0.0.1:0")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut node = Server(cmd.spawn().unwrap());
    let out = node.0.stdout.take().unwrap();
    let base = actix_web::rt::task::spawn_blocking(move || {
        let mut lines = BufReader::new(out).lines().map_while(Result::ok);
        let base = lines
            .by_ref()
            .take(20)
            .find_map(|l| l.strip_prefix("Mandant listening on ").map(str::to_owned));
        // Keep reading, so the server never blocks on a full pipe; with
        // TEST_LOG set, say it (each server's log lines come out as is).
        let echo = std::env::var_os("TEST_LOG").is_some();
        std::thread::spawn(move || {
            lines.for_each(|l| {
                if echo {
                    eprintln!("{l}");
                }
            })
        });
        base
    })
    .await
    .unwrap();
    let Some(base) = base else {
        let _ = node.0.kill();
        let mut err = String::new();
        std::io::Read::read_to_string(&mut node.0.stderr.take().unwrap(), &mut err).unwrap();
        panic!("the server did not start: {err}");
    };
    // Its log goes nowhere, and never fills a pipe.
    if let Some(err) = node.0.stderr.take() {
        std::thread::spawn(move || BufReader::new(err).lines().for_each(drop));
    }
    (node, base)
}

/// Creates the tenant `body` describes (`helpers::tenant_body`) through
/// the server at `base`, and signs its first admin in: the access token.
pub(crate) async fn open_tenant(base: &str, site: &Site, body: &serde_json::Value) -> String {
    let http = awc::Client::default();
    let r = http
        .post(format!("{base}/api/v1/tenants"))
        .bearer_auth(&site.token)
        .send_json(body)
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let slug = body["slug"].as_str().unwrap();
    let mut r = http
        .post(format!("{base}/t/{slug}/api/v1/auth/login"))
        .send_json(&serde_json::json!({"email": body["admin"]["email"], "password": body["admin"]["password"]}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let login: serde_json::Value = r.json().await.unwrap();
    login["access_token"].as_str().unwrap().to_owned()
}

//! `mandant tenant backup | restore | verify`, run as the operator runs
//! them (the binary, beside a live server): a tenant comes back whole on
//! the other backend and again on its own, and a cut, changed, foreign or
//! misplaced archive is refused leaving nothing behind.

use std::path::{Path, PathBuf};

use mandant::secret::Secret;
use serde_json::{Value, json};

use crate::both_backends;
use crate::cli::{mandant, run, stdout};
use crate::helpers::{Backend, PASSWORD, PgDb, Res, Site, TestApp, id, pg_url, spawn_node};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A second shard on the *other* backend where there is one: SQLite's
/// tenants move to PostgreSQL and PostgreSQL's to SQLite.
async fn other_shard(site: &Site) -> (String, Option<std::sync::Arc<PgDb>>) {
    match site.backend {
        Backend::Sqlite if pg_url().is_some() => {
            let db = PgDb::create().await;
            (db.url.clone(), Some(db))
        }
        _ => (
            format!("sqlite:{}", site.dir.path().join("other").display()),
            None,
        ),
    }
}

fn cli(site: &Site, other: &str) -> std::process::Command {
    let mut c = mandant(site);
    c.env("MANDANT_SHARDS", "other")
        .env("MANDANT_SHARD_OTHER", other);
    c
}

async fn upload(app: &TestApp, slug: &str, tok: &str, record: &str, bytes: Vec<u8>) -> Value {
    let r = app
        .request(
            "POST",
            &format!("/t/{slug}/api/v1{record}/files?name=notes.txt"),
            Some(tok),
            Some(("text/plain", bytes)),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

fn file_bytes() -> Vec<u8> {
    "Protokoll der Sitzung, Grüße aus Köln.\n"
        .repeat(30_000)
        .into_bytes()
}

/// Records of every kind, a comment, a file and a second user.
async fn fill(app: &TestApp, slug: &str, tok: &str) -> String {
    let owner = app.as_user(slug, tok);
    let contact = id(&owner
        .create(
            Res::Contacts,
            json!({"first_name": "Zoë", "last_name": "Lovelace-Ünal"}),
        )
        .await);
    owner
        .create(Res::Contacts, json!({"last_name": "Babbage"}))
        .await;
    owner
        .create(Res::Companies, json!({"name": "Analytical Engines GmbH"}))
        .await;
    let ticket = id(&owner
        .create(
            Res::Tickets,
            json!({"subject": "Engine stalls", "priority": "high"}),
        )
        .await);
    owner
        .comment(
            &ticket,
            json!({"body": "Checked the mill; the store is fine."}),
        )
        .await;
    app.user_with_roles(slug, tok, "agent@backup.example", &["agent"])
        .await;
    upload(
        app,
        slug,
        tok,
        &format!("/contacts/{contact}"),
        file_bytes(),
    )
    .await;
    contact
}

/// Drops what differs by design between two answers: a download link is
/// signed and expires; and PostgreSQL keeps times to the microsecond,
/// where SQLite kept the nanoseconds the clock gave.
fn steady(mut v: Value) -> Value {
    match &mut v {
        Value::String(s) => {
            if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
                *s = t.to_utc().format("%FT%T%.6fZ").to_string();
            }
        }
        Value::Object(m) => {
            m.remove("download_url");
            m.remove("download_expires_at");
            for x in m.values_mut() {
                *x = steady(x.take());
            }
        }
        Value::Array(a) => {
            for x in a.iter_mut() {
                *x = steady(x.take());
            }
        }
        _ => {}
    }
    v
}

/// What the tenant's people see of it.
async fn view(app: &TestApp, slug: &str, tok: &str, contact: &str) -> Value {
    let u = app.as_user(slug, tok);
    let mut out = json!({});
    for (k, path) in [
        ("contacts", "/contacts?sort=created_at"),
        ("companies", "/companies"),
        ("tickets", "/tickets"),
        ("users", "/users"),
        ("files", &format!("/contacts/{contact}/files")),
    ] {
        let r = u.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        out[k] = steady(r.body["items"].clone());
    }
    out
}

async fn sign_in(app: &TestApp, slug: &str, email: &str) -> String {
    let r = app.login(slug, email, PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["access_token"].as_str().unwrap().to_owned()
}

async fn download(app: &TestApp, slug: &str, tok: &str, contact: &str) -> Vec<u8> {
    let files = app
        .as_user(slug, tok)
        .get(&format!("/contacts/{contact}/files"))
        .await;
    let url = files.body["items"][0]["download_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut r = awc::Client::new()
        .get(format!("{}{url}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.body().limit(64 * 1024 * 1024).await.unwrap().to_vec()
}

async fn backup(site: &Site, other: &str, slug: &str, to: &Path) {
    let mut c = cli(site, other);
    c.args(["tenant", "backup", slug, "--verify", "--out"])
        .arg(to);
    let o = run(c).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("verified"), "{out}");
    assert!(out.contains("files ("), "{out}");
    assert!(to.exists());
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    assert!(!PathBuf::from(partial).exists());
}

async fn slugs(app: &TestApp) -> Vec<String> {
    let r = app.admin("GET", "/api/v1/tenants", None).await;
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_tenant_comes_back_whole_on_either_backend(backend: Backend) {
    let site = Site::new(backend).await;
    let (other, _other_db) = other_shard(&site).await;
    let app = spawn_node(&site, |c| {
        c.shards.insert("other".into(), Secret::new(other.clone()));
    })
    .await;
    let tok = app.tenant_with_owner("acme").await;
    let contact = fill(&app, "acme", &tok).await;
    let before = view(&app, "acme", &tok, &contact).await;

    let archive = site.dir.path().join("acme.mandant-backup");
    backup(&site, &other, "acme", &archive).await;
    // Encrypted: nothing of the tenant is readable in the file.
    let raw = std::fs::read(&archive).unwrap();
    for clear in ["Lovelace", "Babbage", "Engine stalls", "Sitzung", "acme"] {
        assert!(
            !raw.windows(clear.len()).any(|w| w == clear.as_bytes()),
            "{clear} in clear"
        );
    }

    // The tenant is still here: a restore would clash with it.
    let mut c = cli(&site, &other);
    c.args(["tenant", "restore"])
        .arg(&archive)
        .args(["--slug", "acme-twin"]);
    let o = run(c).await;
    assert!(!o.status.success());
    assert!(stderr(&o).contains("is here already"), "{}", stderr(&o));
    assert_eq!(slugs(&app).await, ["acme"]);

    // Lost, then brought back on the other shard (the other backend) under
    // a new name.
    assert_eq!(
        app.admin("DELETE", "/api/v1/tenants/acme", None)
            .await
            .status,
        204
    );
    let mut c = cli(&site, &other);
    c.args(["tenant", "restore"])
        .arg(&archive)
        .args(["--slug", "acme-moved", "--shard", "other"]);
    let o = run(c).await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("restored tenant acme-moved"),
        "{}",
        stdout(&o)
    );

    let tok = sign_in(&app, "acme-moved", "admin@acme.example").await;
    assert_eq!(view(&app, "acme-moved", &tok, &contact).await, before);
    // The file opens: its data key came back with it.
    assert_eq!(
        download(&app, "acme-moved", &tok, &contact).await,
        file_bytes()
    );
    sign_in(&app, "acme-moved", "agent@backup.example").await;
    // The audit chain is unbroken, and new writes continue it.
    let owner = app.as_user("acme-moved", &tok);
    owner
        .create(Res::Contacts, json!({"last_name": "Hopper"}))
        .await;
    let mut c = cli(&site, &other);
    c.args(["audit", "verify", "acme-moved"]);
    let o = run(c).await;
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));

    // And back again, from the other backend to the default shard.
    let moved = view(&app, "acme-moved", &tok, &contact).await;
    let second = site.dir.path().join("moved.mandant-backup");
    backup(&site, &other, "acme-moved", &second).await;
    assert_eq!(
        app.admin("DELETE", "/api/v1/tenants/acme-moved", None)
            .await
            .status,
        204
    );
    let mut c = cli(&site, &other);
    c.args(["tenant", "restore"])
        .arg(&second)
        .args(["--slug", "acme", "--shard", "default"]);
    let o = run(c).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let tok = sign_in(&app, "acme", "admin@acme.example").await;
    assert_eq!(view(&app, "acme", &tok, &contact).await, moved);
    assert_eq!(download(&app, "acme", &tok, &contact).await, file_bytes());
    let t = app.services.tenants.get("acme").await.unwrap();
    assert_eq!(t.shard, "default");
}

/// Nothing of a failed restore remains: no row, no storage, no files.
async fn nothing_left(site: &Site, app: &TestApp, id: uuid::Uuid, expect: &[&str]) {
    assert_eq!(slugs(app).await, expect);
    let simple = id.simple().to_string();
    match &site.pg {
        Some(pg) => {
            let mut c = pg.connect().await;
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_namespace WHERE nspname = $1")
                .bind(format!("t_{simple}"))
                .fetch_one(&mut c)
                .await
                .unwrap();
            assert_eq!(n, 0, "the schema is gone");
        }
        None => assert!(
            !site
                .dir
                .path()
                .join("tenants")
                .join(format!("{simple}.db"))
                .exists()
        ),
    }
    let files = site.dir.path().join("files/t").join(id.to_string());
    let left: Vec<_> = std::fs::read_dir(&files)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

async fn damaged_foreign_and_misplaced_archives_are_refused(backend: Backend) {
    let site = Site::new(backend).await;
    let (other, _db) = other_shard(&site).await;
    let app = spawn_node(&site, |_| {}).await;
    let tok = app.tenant_with_owner("acme").await;
    let contact = fill(&app, "acme", &tok).await;
    let before = view(&app, "acme", &tok, &contact).await;
    app.tenant_with_owner("taken").await;
    let acme = app.services.tenants.get("acme").await.unwrap().id.0;
    let archive = site.dir.path().join("acme.mandant-backup");
    backup(&site, &other, "acme", &archive).await;
    let raw = std::fs::read(&archive).unwrap();

    let restore = |file: PathBuf, extra: Vec<String>| {
        let mut c = cli(&site, &other);
        c.args(["tenant", "restore"]).arg(file).args(extra);
        run(c)
    };
    let write = |name: &str, bytes: &[u8]| {
        let p = site.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };

    // A slug someone has is refused before anything is written.
    assert_eq!(
        app.admin("DELETE", "/api/v1/tenants/acme", None)
            .await
            .status,
        204
    );
    let o = restore(archive.clone(), vec!["--slug".into(), "taken".into()]).await;
    assert!(stderr(&o).contains("is taken"), "{}", stderr(&o));
    nothing_left(&site, &app, acme, &["taken"]).await;
    // So is a slug that is no slug (upper case and spaces, a letter outside ASCII).
    for bad in ["Not A Slug", "müller"] {
        let o = restore(archive.clone(), vec!["--slug".into(), bad.into()]).await;
        assert!(!o.status.success());
        assert!(stderr(&o).contains("slug"), "{}", stderr(&o));
        nothing_left(&site, &app, acme, &["taken"]).await;
    }

    // Cut off before its end (the file's bytes are loaded, the manifest is
    // missing), one byte changed, not an archive at all.
    let cut = write("cut.mandant-backup", &raw[..raw.len() - 200]);
    let o = restore(cut.clone(), vec![]).await;
    assert!(stderr(&o).contains("cut off"), "{}", stderr(&o));
    nothing_left(&site, &app, acme, &["taken"]).await;
    let mut changed = raw.clone();
    let at = changed.len() / 2;
    changed[at] ^= 0x20;
    let changed = write("changed.mandant-backup", &changed);
    let o = restore(changed.clone(), vec![]).await;
    assert!(stderr(&o).contains("damaged"), "{}", stderr(&o));
    nothing_left(&site, &app, acme, &["taken"]).await;
    let o = restore(write("notes.txt", b"just some notes\n"), vec![]).await;
    assert!(
        stderr(&o).contains("not a Mandant tenant backup"),
        "{}",
        stderr(&o)
    );
    for bad in [&cut, &changed] {
        let mut c = cli(&site, &other);
        c.args(["tenant", "verify"]).arg(bad);
        let o = run(c).await;
        assert!(!o.status.success(), "{}", stdout(&o));
    }
    let mut c = cli(&site, &other);
    c.args(["tenant", "verify"]).arg(&archive);
    let o = run(c).await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("is whole"), "{}", stdout(&o));

    // Another installation has its own master key: the archive opens only
    // with the key it was made under, and its data keys are re-wrapped.
    let far = Site::new(backend).await;
    let far_app = spawn_node(&far, |_| {}).await;
    let o = restore_at(&far, &archive, &[]).await;
    assert!(stderr(&o).contains("--master-key-file"), "{}", stderr(&o));
    let key = site.dir.path().join("master.key");
    let o = restore_at(
        &far,
        &archive,
        &["--master-key-file".into(), key.display().to_string()],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    let tok = sign_in(&far_app, "acme", "admin@acme.example").await;
    assert_eq!(view(&far_app, "acme", &tok, &contact).await, before);
    assert_eq!(
        download(&far_app, "acme", &tok, &contact).await,
        file_bytes()
    );
}

async fn restore_at(site: &Site, file: &Path, extra: &[String]) -> std::process::Output {
    let mut c = mandant(site);
    c.args(["tenant", "restore"]).arg(file).args(extra);
    run(c).await
}

/// The archives in a local backup store for tenant `id`, oldest first.
fn archives(dir: &Path, id: uuid::Uuid) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join(id.to_string()))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".mandant-backup"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

async fn backups_run_on_schedule_verified_and_pruned(backend: Backend) {
    let site = Site::new(backend).await;
    let store = site.dir.path().join("backups");
    let app = spawn_node(&site, |c| {
        c.backup_url = Some(Secret::new(store.display().to_string()));
        c.backup_interval_secs = 2;
        c.backup_keep = 2;
    })
    .await;
    let tok = app.tenant_with_owner("acme").await;
    let contact = fill(&app, "acme", &tok).await;
    let before = view(&app, "acme", &tok, &contact).await;
    let id = app.services.tenants.get("acme").await.unwrap().id.0;

    // Archives keep coming, and only the newest two stay.
    let mut seen = std::collections::BTreeSet::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    let kept = loop {
        let now = archives(&store, id);
        assert!(now.len() <= 2, "{now:?}");
        seen.extend(now.iter().cloned());
        if seen.len() >= 3 && now.len() == 2 {
            break now;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "archives seen: {seen:?}"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    };
    // The two kept are the newest ever made: pruning takes the oldest.
    let newest: Vec<String> = seen.iter().rev().take(2).rev().cloned().collect();
    assert_eq!(kept, newest);

    // The newest is a real backup: after the tenant is lost, it restores
    // into another installation (on PostgreSQL, a tenant's role is
    // server-wide: the original must be gone first).
    let file = site.dir.path().join("kept.mandant-backup");
    std::fs::copy(store.join(id.to_string()).join(kept.last().unwrap()), &file).unwrap();
    assert_eq!(
        app.admin("DELETE", "/api/v1/tenants/acme", None)
            .await
            .status,
        204
    );
    let far = Site::new(backend).await;
    let far_app = spawn_node(&far, |_| {}).await;
    let key = site.dir.path().join("master.key");
    let o = restore_at(
        &far,
        &file,
        &["--master-key-file".into(), key.display().to_string()],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    let tok = sign_in(&far_app, "acme", "admin@acme.example").await;
    assert_eq!(view(&far_app, "acme", &tok, &contact).await, before);
}

both_backends!(
    a_tenant_comes_back_whole_on_either_backend,
    damaged_foreign_and_misplaced_archives_are_refused,
    backups_run_on_schedule_verified_and_pruned
);

/// A deleted tenant's hub stops on every node, not only the one that
/// deleted it: a tenant restored under the same id later must not meet a
/// hub that remembers the old log's numbers.
#[actix_web::test]
async fn a_deleted_tenants_hub_stops_on_every_node() {
    let site = Site::new(Backend::Sqlite).await;
    let a = spawn_node(&site, |_| {}).await;
    let b = spawn_node(&site, |_| {}).await;
    let tok = a.tenant_with_owner("fleeting").await;
    let _ws = crate::realtime::Ws::connect(&b, "fleeting", &tok)
        .await
        .unwrap();
    assert_eq!(b.services.realtime.hubs(), 1);
    assert_eq!(
        a.admin("DELETE", "/api/v1/tenants/fleeting", None)
            .await
            .status,
        204
    );
    for _ in 0..50 {
        if b.services.realtime.hubs() == 0 {
            return;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the other node's hub of the deleted tenant still runs");
}

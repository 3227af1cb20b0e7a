//! `mandant tenant move`, run as the operator runs it beside a live
//! server, while two writers keep writing and subscribers keep watching:
//! every write succeeds (it may wait out the pause, never fail), every
//! event reaches every subscriber once, numbers continue, and the old copy
//! is gone after the grace period. The tenant goes between the backends
//! and, on PostgreSQL, between two databases of one server (which share
//! the tenant's role).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mandant::config::Config;
use mandant::secret::Secret;
use serde_json::json;
use sqlx::Connection;

use crate::both_backends;
use crate::cli::{mandant, run, stdout};
use crate::helpers::{Backend, PgDb, Res, Site, TestApp, pg_url, spawn_node};
use crate::realtime::{Ws, subscribe};

const SUBSCRIBERS: usize = 4;

struct Shards {
    /// (name, url) of the shards besides `default`.
    extra: Vec<(String, String)>,
    _dbs: Vec<Arc<PgDb>>,
}

/// Another backend's shard where there is one, and on PostgreSQL a second
/// database of the same server too.
async fn shards(site: &Site) -> Shards {
    let sqlite = format!("sqlite:{}", site.dir.path().join("other").display());
    match (site.backend, pg_url()) {
        (Backend::Sqlite, Some(_)) => {
            let db = PgDb::create().await;
            Shards {
                extra: vec![("other".into(), db.url.clone())],
                _dbs: vec![db],
            }
        }
        (Backend::Postgres, _) => {
            let twin = PgDb::create().await;
            Shards {
                extra: vec![("twin".into(), twin.url.clone()), ("other".into(), sqlite)],
                _dbs: vec![twin],
            }
        }
        (Backend::Sqlite, None) => Shards {
            extra: vec![("other".into(), sqlite)],
            _dbs: Vec::new(),
        },
    }
}

fn url_of(site: &Site, shards: &Shards, name: &str) -> String {
    match shards.extra.iter().find(|(n, _)| n == name) {
        Some((_, url)) => url.clone(),
        None => match &site.pg {
            Some(pg) => pg.url.clone(),
            None => format!("sqlite:{}", site.dir.path().join("tenants").display()),
        },
    }
}

/// Whether a shard still holds storage of tenant `id`.
async fn holds(url: &str, id: uuid::Uuid) -> bool {
    let simple = id.simple().to_string();
    match url.strip_prefix("sqlite:") {
        Some(dir) => std::path::Path::new(dir)
            .join(format!("{simple}.db"))
            .exists(),
        None => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_namespace WHERE nspname = $1")
                .bind(format!("t_{simple}"))
                .fetch_one(&mut c)
                .await
                .unwrap();
            n == 1
        }
    }
}

fn cli(site: &Site, shards: &Shards) -> std::process::Command {
    let mut c = mandant(site);
    let names: Vec<&str> = shards.extra.iter().map(|(n, _)| n.as_str()).collect();
    c.env("MANDANT_SHARDS", names.join(","));
    for (n, url) in &shards.extra {
        c.env(format!("MANDANT_SHARD_{}", n.to_uppercase()), url);
    }
    c
}

/// `MANDANT_MOVE_PRELOAD` contacts are imported before the moves, for a
/// measurement with a tenant of some size (BENCHMARKS.md, "Moving a
/// tenant"); the suite moves a small one.
fn preload() -> usize {
    std::env::var("MANDANT_MOVE_PRELOAD")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Writes contacts until told to stop; every write must succeed. Returns
/// the names written and how long each write took.
fn writer(
    app: &TestApp,
    tok: &str,
    who: usize,
    stop: Arc<AtomicBool>,
) -> actix_web::rt::task::JoinHandle<(Vec<String>, Vec<Duration>)> {
    let (address, tok) = (app.address.clone(), tok.to_owned());
    actix_web::rt::spawn(async move {
        let http = awc::Client::default();
        let mut names = Vec::new();
        let mut took = Vec::new();
        while !stop.load(Ordering::SeqCst) {
            let began = std::time::Instant::now();
            let name = format!("Wanderer w{who}n{}", names.len());
            let mut r = http
                .post(format!("{address}/t/busy/api/v1/contacts"))
                .bearer_auth(&tok)
                .timeout(Duration::from_secs(30))
                .send_json(&json!({"last_name": name}))
                .await
                .unwrap();
            let body = r.body().await.unwrap();
            assert_eq!(r.status(), 201, "{}", String::from_utf8_lossy(&body));
            took.push(began.elapsed());
            names.push(name);
            // Steady rather than flat out: the log's replay at the end
            // stays within what one resume carries.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        (names, took)
    })
}

async fn move_to(site: &Site, shards: &Shards, to: &str) -> String {
    let mut c = cli(site, shards);
    c.args(["tenant", "move", "busy", "--to", to, "--grace", "1"]);
    let o = run(c).await;
    assert!(
        o.status.success(),
        "{}{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(&o)
}

/// A site with its extra shards, a node that knows them, and tenant
/// "busy" on the default shard: (site, shards, node, owner's token, id).
async fn busy_tenant(backend: Backend) -> (Site, Shards, TestApp, String, uuid::Uuid) {
    busy_tenant_with(backend, |_| {}).await
}

/// `busy_tenant`, its node's configuration changed by `tweak` as well.
async fn busy_tenant_with(
    backend: Backend,
    tweak: impl FnOnce(&mut Config),
) -> (Site, Shards, TestApp, String, uuid::Uuid) {
    let site = Site::new(backend).await;
    let shards = shards(&site).await;
    let extra = shards.extra.clone();
    let app = spawn_node(&site, |c| {
        for (n, url) in &extra {
            c.shards.insert(n.clone(), Secret::new(url.clone()));
        }
        tweak(c);
    })
    .await;
    let tok = app.tenant_with_owner("busy").await;
    let id = app.services.tenants.get("busy").await.unwrap().id.0;
    (site, shards, app, tok, id)
}

async fn a_live_tenant_moves_between_shards_under_writes(backend: Backend) {
    let (site, shards, app, tok, id) = busy_tenant(backend).await;
    let preloaded: Vec<String> = (0..preload()).map(|i| format!("Settled {i}")).collect();
    if !preloaded.is_empty() {
        let csv = site.dir.path().join("settled.csv");
        std::fs::write(&csv, format!("last_name\n{}\n", preloaded.join("\n"))).unwrap();
        let mut c = mandant(&site);
        c.args(["import", "busy", "contacts"]).arg(&csv);
        let o = run(c).await;
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    // Each subscriber reads as a console does, all along, until it has
    // seen as many events as there were writes.
    let expected = Arc::new(std::sync::atomic::AtomicUsize::new(usize::MAX));
    let mut subs = Vec::new();
    for i in 0..SUBSCRIBERS {
        let mut ws = Ws::connect(&app, "busy", &tok).await.unwrap();
        subscribe(&mut ws, "contacts", None).await;
        let expected = expected.clone();
        subs.push(actix_web::rt::spawn(async move {
            let mut seen: Vec<i64> = Vec::new();
            let mut quiet = 0;
            while seen.len() < expected.load(Ordering::SeqCst) {
                match ws.next_or_gone(Duration::from_secs(1)).await {
                    Err(()) => panic!("subscriber {i} was cut off after {} events", seen.len()),
                    Ok(None) => {
                        quiet += 1;
                        assert!(
                            quiet < 60,
                            "subscriber {i} waits after {} events",
                            seen.len()
                        );
                    }
                    Ok(Some(f)) => match f["type"].as_str() {
                        Some("event") => seen.push(f["seq"].as_i64().unwrap()),
                        Some("resync") => panic!("subscriber {i} was told to resync"),
                        _ => {}
                    },
                }
            }
            seen
        }));
    }
    let mut route: Vec<&str> = shards.extra.iter().map(|(n, _)| n.as_str()).collect();
    route.push("default");

    let mut written = Vec::new();
    let mut from = "default";
    for to in route {
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..2)
            .map(|w| writer(&app, &tok, written.len() * 2 + w, stop.clone()))
            .collect();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let out = move_to(&site, &shards, to).await;
        assert!(
            out.contains(&format!("moved tenant busy from shard {from} to {to}")),
            "{out}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.store(true, Ordering::SeqCst);
        let (mut names, mut took) = (Vec::new(), Vec::new());
        for w in writers {
            let (n, t) = w.await.unwrap();
            names.extend(n);
            took.extend(t);
        }
        took.sort();
        let at = |q: f64| took[((took.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0;
        eprintln!(
            "move {from} -> {to}: write latency beside it p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            at(0.5),
            at(0.99),
            at(1.0)
        );
        eprintln!(
            "move {from} -> {to}: {} writes beside it; {}",
            names.len(),
            out.lines().last().unwrap_or("")
        );
        assert!(names.len() > 4, "the writers kept writing: {names:?}");
        written.extend(names);

        // The tenant lives on `to`, has every write, and its old copy is gone.
        assert_eq!(app.services.tenants.get("busy").await.unwrap().shard, to);
        assert!(holds(&url_of(&site, &shards, to), id).await);
        assert!(
            !holds(&url_of(&site, &shards, from), id).await,
            "the old copy on {from} is gone"
        );
        let owner = app.as_user("busy", &tok);
        let mut listed = Vec::new();
        let mut cursor = String::new();
        loop {
            let r = owner.get(&format!("/contacts?limit=200{cursor}")).await;
            assert_eq!(r.status, 200, "{}", r.body);
            listed.extend(
                r.body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["last_name"].as_str().unwrap().to_owned()),
            );
            match r.body["next_cursor"].as_str() {
                Some(c) => cursor = format!("&cursor={c}"),
                None => break,
            }
        }
        let unique: BTreeSet<String> = listed.iter().cloned().collect();
        assert_eq!(unique.len(), listed.len(), "every write once");
        let expected: BTreeSet<String> = written.iter().chain(&preloaded).cloned().collect();
        assert!(
            unique == expected,
            "every write is on {to}: {} listed, {} written",
            unique.len(),
            expected.len()
        );
        // Search works on the new copy (SQLite's index is kept row by row).
        let last = written.last().unwrap();
        let word = last.split(' ').next_back().unwrap();
        let r = owner.get(&format!("/contacts?q={word}")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["last_name"] == last.as_str()),
            "{last} found on {to}: {}",
            r.body
        );
        from = to;
    }

    // Subscribers stayed connected through every move, and saw each write's
    // event once, in order, with no resync.
    expected.store(written.len(), Ordering::SeqCst);
    let mut views = Vec::new();
    for (i, sub) in subs.into_iter().enumerate() {
        let seen = sub.await.unwrap();
        assert_eq!(seen.len(), written.len(), "subscriber {i}");
        assert!(
            seen.windows(2).all(|w| w[0] < w[1]),
            "subscriber {i}: {seen:?}"
        );
        views.push(seen);
    }
    // The numbers continue across the moves: a resume from before the
    // first write replays the same ones, from the log of the copy the
    // tenant is on now.
    let every = &views[0][..];
    let mut ws = Ws::connect(&app, "busy", &tok).await.unwrap();
    let ack = subscribe(&mut ws, "contacts", Some(views[0][0] - 1)).await;
    let mut logged = Vec::new();
    while logged.len() < every.len() {
        let f = ws
            .next_or_gone(Duration::from_secs(5))
            .await
            .unwrap()
            .unwrap_or_else(|| {
                panic!(
                    "the log replays every write: {} of {} after {ack}",
                    logged.len(),
                    written.len()
                )
            });
        if f["type"] == "event" {
            logged.push(f["seq"].as_i64().unwrap());
        }
    }
    assert_eq!(logged, every);
    for (i, seen) in views.iter().enumerate() {
        assert_eq!(seen, &views[0], "subscriber {i}");
    }
}

both_backends!(a_live_tenant_moves_between_shards_under_writes);

async fn a_move_that_cannot_happen_leaves_the_tenant_where_it_is(backend: Backend) {
    let (site, shards, app, tok, id) = busy_tenant(backend).await;
    let (to, _) = &shards.extra[0];
    for (args, says) in [
        (vec!["--to", "nowhere"], "unknown shard"),
        (vec!["--to", "default"], "is on shard default already"),
    ] {
        let mut c = cli(&site, &shards);
        c.args(["tenant", "move", "busy"]).args(args);
        let o = run(c).await;
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{err}");
    }
    let mut c = cli(&site, &shards);
    c.args(["tenant", "move", "nobody", "--to", to]);
    assert!(!run(c).await.status.success());

    // The target holds a copy of this tenant already (an interrupted move
    // left it): refused, and nothing changes; --restart clears it and moves.
    let url = url_of(&site, &shards, to);
    let mut config = site.config();
    config.shards.insert(to.clone(), Secret::new(url.clone()));
    let storage = mandant::storage::Storage::connect(&config).await.unwrap();
    storage
        .shard(to)
        .unwrap()
        .create_at(
            mandant::domain::tenant::TenantId(id),
            mandant::storage::migrations::tenant_latest(),
        )
        .await
        .unwrap();
    let mut c = cli(&site, &shards);
    c.args(["tenant", "move", "busy", "--to", to, "--grace", "0"]);
    let o = run(c).await;
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--restart"), "{err}");
    assert_eq!(
        app.services.tenants.get("busy").await.unwrap().shard,
        "default"
    );
    let owner = app.as_user("busy", &tok);
    owner
        .create(Res::Contacts, json!({"last_name": "Still here"}))
        .await;

    let mut c = cli(&site, &shards);
    c.args([
        "tenant",
        "move",
        "busy",
        "--to",
        to,
        "--grace",
        "0",
        "--restart",
    ]);
    let o = run(c).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(&app.services.tenants.get("busy").await.unwrap().shard, to);
    let r = owner.get("/contacts").await;
    assert_eq!(r.body["items"][0]["last_name"], "Still here");
    assert!(!holds(&url_of(&site, &shards, "default"), id).await);
    storage.close().await;
}

both_backends!(a_move_that_cannot_happen_leaves_the_tenant_where_it_is);

/// Runs `tenant move busy --to TO --grace GRACE` and kills it with SIGKILL
/// once it has switched, during its grace period.
async fn kill_during_grace(site: &Site, shards: &Shards, to: &str, grace: &str) {
    use std::io::{BufRead, BufReader};
    let mut c = cli(site, shards);
    c.args(["tenant", "move", "busy", "--to", to, "--grace", grace])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    actix_web::rt::task::spawn_blocking(move || {
        let mut mover = c.spawn().unwrap();
        let out = BufReader::new(mover.stdout.take().unwrap());
        let switched = out
            .lines()
            .map_while(Result::ok)
            .any(|l| l.contains("is on shard"));
        mover.kill().unwrap();
        mover.wait().unwrap();
        assert!(switched, "the move did not switch");
    })
    .await
    .unwrap();
}

/// The mover is killed during its grace period: the old copy does not
/// stay for good. A node's upkeep drops it once the grace has passed; and
/// a move back onto a shard holding such a copy drops it itself, with no
/// `--restart`.
async fn a_killed_movers_old_copy_does_not_stay(backend: Backend) {
    let (site, shards, app, tok, id) = busy_tenant_with(backend, |c| c.upkeep_secs = 1).await;
    let owner = app.as_user("busy", &tok);
    owner
        .create(Res::Contacts, json!({"last_name": "Traveller"}))
        .await;
    let (to, _) = &shards.extra[0];
    let home = url_of(&site, &shards, "default");

    kill_during_grace(&site, &shards, to, "3").await;
    assert!(holds(&home, id).await, "the grace period is not over yet");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while holds(&home, id).await {
        assert!(
            std::time::Instant::now() < deadline,
            "the old copy was never dropped"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(holds(&url_of(&site, &shards, to), id).await);
    let r = owner.get("/contacts").await;
    assert_eq!(r.body["items"][0]["last_name"], "Traveller");

    // Back home, killed again, its grace an hour: the copy it left is
    // retired, so moving onto that shard once more drops it first.
    let mut c = cli(&site, &shards);
    c.args(["tenant", "move", "busy", "--to", "default", "--grace", "0"]);
    assert!(run(c).await.status.success());
    kill_during_grace(&site, &shards, to, "3600").await;
    assert!(holds(&home, id).await);
    let out = move_to(&site, &shards, "default").await;
    assert!(out.contains("dropped the retired copy"), "{out}");
    assert_eq!(
        app.services.tenants.get("busy").await.unwrap().shard,
        "default"
    );
    let r = owner.get("/contacts").await;
    assert_eq!(r.body["items"][0]["last_name"], "Traveller");
}

both_backends!(a_killed_movers_old_copy_does_not_stay);

/// The record of a retired copy is taken once: a mover's claim (any
/// time) and the upkeep's (only at the time it read) exclude each other,
/// so the two never both act on one copy.
async fn a_retired_copy_is_claimed_once(backend: Backend) {
    let site = Site::new(backend).await;
    let storage = mandant::storage::Storage::connect(&site.config())
        .await
        .unwrap();
    let control = storage.control();
    let id = mandant::domain::tenant::TenantId(uuid::Uuid::now_v7());
    let due = chrono::Utc::now() - chrono::TimeDelta::seconds(5);
    control.retire(id, "old", due).await.unwrap();
    let listed = control.retired_copies().await.unwrap();
    assert_eq!(listed, vec![(id, "old".to_owned(), listed[0].2)]);
    // A later move's switch re-timed it meanwhile: the upkeep's claim fails.
    let later = due + chrono::TimeDelta::seconds(60);
    control.retire(id, "old", later).await.unwrap();
    assert!(
        !control
            .claim_retired(id, "old", Some(listed[0].2))
            .await
            .unwrap()
    );
    // At the time it holds, once; then nobody else gets it.
    let now_held = control.retired_copies().await.unwrap()[0].2;
    assert!(
        control
            .claim_retired(id, "old", Some(now_held))
            .await
            .unwrap()
    );
    assert!(!control.claim_retired(id, "old", None).await.unwrap());
    assert!(control.retired_copies().await.unwrap().is_empty());
    storage.close().await;
}

both_backends!(a_retired_copy_is_claimed_once);

//! A node dies: two `mandant serve` processes on PostgreSQL and Redis,
//! clients subscribed on both while writes continue, and one node killed
//! with SIGKILL. Its clients reconnect to the other and resume from the
//! last number they saw: every event reaches every client exactly once.
//! (The bounded scenario with a thousand clients belongs to `loadtest/`;
//! this is the short version that runs with every test.) The killed node's
//! webhook deliveries, SLA alarms and retention run are taken over by
//! the other (the leases once they run out).

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::json;

use crate::cli::{import_stale_contacts, mandant, open_tenant, run, serve, tenant_conn};
use crate::helpers::{Backend, Site, TenantConn, pg_url, redis_url, tenant_body};
use crate::realtime::{Ws, subscribe};
use crate::webhook_receiver::Receiver;

/// `MANDANT_FAILOVER_CLIENTS` scales it up for a measurement (BENCHMARKS.md).
fn clients() -> usize {
    std::env::var("MANDANT_FAILOVER_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40)
}
const WRITES: usize = 120;

/// A `mandant serve` of `site` on Redis, with the site's master key.
fn node(site: &Site, redis: &str) -> Command {
    let mut c = mandant(site);
    c.env("REDIS_URL", redis)
        .env("MANDANT_MASTER_KEY", "42".repeat(32))
        .env(
            "MANDANT_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "error".into()),
        );
    c
}

#[actix_web::test]
async fn clients_of_a_killed_node_resume_on_another_with_nothing_lost() {
    let (Some(_), Some(redis)) = (pg_url(), redis_url()) else {
        return;
    };
    let site = Site::new(Backend::Postgres).await;
    let (mut a, base_a) = serve(node(&site, &redis)).await;
    let (_b, base_b) = serve(node(&site, &redis)).await;
    let http = awc::Client::default();
    let tok = open_tenant(&base_a, &site, &tenant_body("sturdy")).await;

    // Every client: subscribe on its node; when the connection goes,
    // reconnect to B and resume after the last number seen.
    let last_written = Arc::new(AtomicI64::new(i64::MAX));
    let killed_at: Arc<OnceLock<std::time::Instant>> = Arc::default();
    let n_clients = clients();
    let mut clients = Vec::new();
    for i in 0..n_clients {
        let first = if i % 2 == 0 {
            base_a.clone()
        } else {
            base_b.clone()
        };
        let (base_b, tok, last_written, killed_at) = (
            base_b.clone(),
            tok.clone(),
            last_written.clone(),
            killed_at.clone(),
        );
        let mut ws = loop {
            match Ws::connect_url(&first, "sturdy", &tok).await {
                Ok(ws) => break ws,
                // The plan's request rate, when many connect at once.
                Err(429) => tokio::time::sleep(Duration::from_millis(50)).await,
                Err(s) => panic!("connect: {s}"),
            }
        };
        subscribe(&mut ws, "contacts", None).await;
        clients.push(actix_web::rt::spawn(async move {
            let mut seen: Vec<i64> = Vec::new();
            let mut reconnects = 0;
            let mut resumed_after = None;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            loop {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "client {i} saw {seen:?}"
                );
                match ws.next_or_gone(Duration::from_millis(200)).await {
                    Ok(Some(f)) if f["type"] == "event" => seen.push(f["seq"].as_i64().unwrap()),
                    Ok(Some(f)) => assert_ne!(f["type"], "resync", "client {i}: {f}"),
                    Ok(None) => {}
                    Err(()) => {
                        reconnects += 1;
                        assert!(reconnects < 200, "client {i} cannot reconnect");
                        // Spread out, as the web app's back-off does.
                        let jitter = 20 + (i as u64 * 7919 + reconnects as u64 * 31) % 200;
                        tokio::time::sleep(Duration::from_millis(jitter)).await;
                        if let Ok(mut fresh) = Ws::connect_url(&base_b, "sturdy", &tok).await {
                            subscribe(&mut fresh, "contacts", seen.last().copied()).await;
                            ws = fresh;
                            resumed_after = killed_at.get().map(|k| k.elapsed());
                        }
                    }
                }
                if seen
                    .last()
                    .is_some_and(|s| *s >= last_written.load(Ordering::SeqCst))
                {
                    return (seen, reconnects, resumed_after);
                }
            }
        }));
    }

    // Writes go to B the whole time; A dies a third of the way through.
    let mut written = BTreeSet::new();
    for n in 0..WRITES {
        if n == WRITES / 3 {
            let _ = killed_at.set(std::time::Instant::now());
            a.0.kill().unwrap();
            a.0.wait().unwrap();
        }
        let mut r = http
            .post(format!("{base_b}/t/sturdy/api/v1/contacts"))
            .bearer_auth(&tok)
            .send_json(&json!({"last_name": format!("Survivor {n}")}))
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let _ = r.body().await;
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    // Every contact write is one event; its numbers are what B's log says.
    let mut ws = Ws::connect_url(&base_b, "sturdy", &tok).await.unwrap();
    subscribe(&mut ws, "contacts", Some(0)).await;
    while written.len() < WRITES {
        let f = ws
            .next_or_gone(Duration::from_secs(5))
            .await
            .unwrap()
            .expect("the log replays every write");
        if f["type"] == "event" {
            written.insert(f["seq"].as_i64().unwrap());
        }
    }
    last_written.store(*written.last().unwrap(), Ordering::SeqCst);

    let mut moved = 0;
    let mut resumes = Vec::new();
    for c in clients {
        let (seen, reconnects, resumed_after) = c.await.unwrap();
        let unique: BTreeSet<i64> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "duplicates: {seen:?}");
        assert_eq!(unique, written, "lost or foreign events");
        if reconnects > 0 {
            moved += 1;
            resumes.extend(resumed_after);
        }
    }
    // Half the clients were on the killed node (rounded up), and all of
    // them moved.
    assert_eq!(moved, n_clients.div_ceil(2));
    resumes.sort();
    let at = |q: f64| resumes[((resumes.len() - 1) as f64 * q) as usize];
    eprintln!(
        "failover: {n_clients} clients, {moved} moved; kill to resumed p50 {:?} p99 {:?} max {:?}",
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

/// A node dies while it holds a webhook's delivery lease, with deliveries
/// pending (the receiver was down): once the lease runs out, the other
/// node delivers them, and what is written after, each once.
#[actix_web::test]
async fn a_killed_nodes_webhook_deliveries_are_taken_over() {
    let (Some(_), Some(redis)) = (pg_url(), redis_url()) else {
        return;
    };
    let site = Site::new(Backend::Postgres).await;
    let rx = Receiver::start().await;
    let node = |site: &Site| {
        let mut c = node(site, &redis);
        c.env("MANDANT_WEBHOOK_ALLOW_NETWORKS", "127.0.0.1")
            .env("MANDANT_WEBHOOK_TIMEOUT_SECS", "1")
            .env("MANDANT_WEBHOOK_LEASE_SECS", "3")
            .env("MANDANT_WEBHOOK_RETRY_BASE_MS", "100");
        c
    };
    // A alone first: it takes the webhook's lease with the first delivery.
    let (mut a, base_a) = serve(node(&site)).await;
    let http = awc::Client::default();
    let tok = open_tenant(&base_a, &site, &tenant_body("hooked")).await;
    let post = |base: &str, path: &str, body: serde_json::Value| {
        let req = http
            .post(format!("{base}/t/hooked/api/v1{path}"))
            .bearer_auth(&tok);
        async move {
            let mut r = req.send_json(&body).await.unwrap();
            let _ = r.body().await;
            r.status().as_u16()
        }
    };
    assert_eq!(
        post(
            &base_a,
            "/webhooks",
            json!({"url": rx.url, "role": "admin", "event_types": ["contact.*"]})
        )
        .await,
        201
    );
    let contact = |n: usize| json!({"last_name": format!("Hooked {n}")});
    assert_eq!(post(&base_a, "/contacts", contact(0)).await, 201);
    rx.until("the first delivery", |g| g.iter().any(|r| r.status == 200))
        .await;

    // B joins; the receiver goes down, and A keeps trying three more.
    let (_b, base_b) = serve(node(&site)).await;
    rx.set_down(true);
    for n in 1..4 {
        assert_eq!(post(&base_a, "/contacts", contact(n)).await, 201);
    }
    let tried = rx.got().len();
    rx.until("A retrying while the receiver is down", |g| {
        g.len() > tried + 1
    })
    .await;
    a.0.kill().unwrap();
    a.0.wait().unwrap();
    rx.set_down(false);
    for n in 4..6 {
        assert_eq!(post(&base_b, "/contacts", contact(n)).await, 201);
    }
    let got = rx
        .until("six contacts accepted", |g| {
            g.iter()
                .filter(|r| r.status == 200 && !r.id.starts_with("ping_"))
                .count()
                >= 6
        })
        .await;
    let names: Vec<String> = got
        .iter()
        .filter(|r| r.status == 200 && !r.id.starts_with("ping_"))
        .map(|r| {
            r.json()["data"]["last_name"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    let expected: Vec<String> = (0..6).map(|n| format!("Hooked {n}")).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "each once: {names:?}");
    // In order, as the log has them.
    assert_eq!(names, expected);
}

/// A node dies right after a ticket was written through it: the other
/// node, which had never run that tenant's hub, fires the ticket's SLA
/// warning (a one-minute target, warned at 80 %) and then its breach,
/// each once.
#[actix_web::test]
async fn a_killed_nodes_sla_alarms_fire_on_another() {
    let (Some(_), Some(redis)) = (pg_url(), redis_url()) else {
        return;
    };
    let site = Site::new(Backend::Postgres).await;
    let (mut a, base_a) = serve(node(&site, &redis)).await;
    let (_b, base_b) = serve(node(&site, &redis)).await;
    let http = awc::Client::default();
    let tok = open_tenant(&base_a, &site, &tenant_body("timed")).await;
    let post = |path: &str, body: serde_json::Value| {
        let req = http
            .post(format!("{base_a}/t/timed/api/v1{path}"))
            .bearer_auth(&tok);
        async move {
            let mut r = req.send_json(&body).await.unwrap();
            assert_eq!(r.status(), 201);
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let target = json!({"first_response_mins": 1});
    let policy = post(
        "/sla-policies",
        json!({"name": "Fast", "targets": {"normal": target, "urgent": target},
               "business_hours": false, "warn_percent": 80}),
    )
    .await;
    let queue = post(
        "/queues",
        json!({"name": "Support", "sla_policy_id": policy["id"]}),
    )
    .await;
    let ticket = post(
        "/tickets",
        json!({"subject": "Down", "queue_id": queue["id"]}),
    )
    .await;
    a.0.kill().unwrap();
    a.0.wait().unwrap();

    // The warning is due at 48 s, the breach at 60 s: read B's log
    // until both are there.
    let ticket_id = ticket["id"].clone();
    let kinds = || {
        let req = http
            .get(format!("{base_b}/t/timed/api/v1/events?since=0&limit=1000"))
            .bearer_auth(&tok);
        let ticket_id = ticket_id.clone();
        async move {
            let mut r = req.send().await.unwrap();
            let v: serde_json::Value = r.json().await.unwrap();
            v["items"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|e| e["record_id"] == ticket_id)
                .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
                .filter(|t| t.starts_with("ticket.sla_"))
                .collect::<Vec<_>>()
        }
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while std::time::Instant::now() < deadline
        && !kinds().await.iter().any(|t| t == "ticket.sla_breached")
    {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Once each, even a moment later.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = kinds().await;
    assert_eq!(seen, ["ticket.sla_warning", "ticket.sla_breached"]);
}

/// A node dies half-way through applying a tenant's retention rules, its
/// lease still held: the other node, whose upkeep keeps finding the lease
/// taken, takes the run over once it runs out and finishes it. Every
/// record the rule matched is removed once (one event each), what it did
/// not match stays, and the audit trail still verifies.
#[actix_web::test]
async fn a_killed_nodes_retention_run_is_taken_over() {
    let (Some(_), Some(redis)) = (pg_url(), redis_url()) else {
        return;
    };
    const AGED: i64 = 3000;
    let site = Site::new(Backend::Postgres).await;
    // The CLI beside the nodes needs their master key: the site's own
    // file, made by a first command before any node starts.
    let mut c = mandant(&site);
    c.args(["tenant", "list"]);
    assert!(run(c).await.status.success());
    // Upkeep every second; a lease of three.
    let node = |site: &Site| {
        let mut c = node(site, &redis);
        c.env_remove("MANDANT_MASTER_KEY")
            .env("MANDANT_UPKEEP_SECS", "1")
            .env("MANDANT_RETENTION_LEASE_SECS", "3");
        c
    };
    let (mut a, base_a) = serve(node(&site)).await;
    let tok = open_tenant(&base_a, &site, &tenant_body("aged")).await;
    let names: Vec<String> = (0..AGED).map(|n| format!("Aged {n}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    import_stale_contacts(&site, "aged", &names).await;
    // And one contact that is not.
    let r = awc::Client::default()
        .post(format!("{base_a}/t/aged/api/v1/contacts"))
        .bearer_auth(&tok)
        .send_json(&json!({"last_name": "Fresh"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let scalar = async |sql: &str| -> i64 {
        let TenantConn::Pg(mut c) = tenant_conn(&site, "aged").await else {
            unreachable!()
        };
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&mut c)
            .await
            .unwrap()
    };
    let contacts = "SELECT count(*) FROM records WHERE kind = 'contact'";

    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while scalar(contacts).await > AGED + 1 - 200 {
        assert!(std::time::Instant::now() < deadline, "A's run never began");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // B joins while A's run goes on: its upkeep finds the lease taken.
    let (_b, _) = serve(node(&site)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let holder = "SELECT count(*) FROM leases WHERE name = 'retention' AND until > now()";
    assert_eq!(scalar(holder).await, 1, "A holds the lease");
    a.0.kill().unwrap();
    a.0.wait().unwrap();
    let left = scalar(contacts).await;
    assert!(
        left > 1 + 100,
        "A finished before it was killed ({left} left): age more contacts"
    );

    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    while scalar(contacts).await > 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "B did not finish the run: {} left",
            scalar(contacts).await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let fresh = "SELECT count(*) FROM records WHERE kind = 'contact' AND updated_at > '2021-01-01'";
    assert_eq!(scalar(fresh).await, 1, "what the rule did not match stays");
    let deleted = "SELECT count(*) FROM events WHERE type = 'contact.deleted'";
    let distinct = "SELECT count(DISTINCT record_id) FROM events WHERE type = 'contact.deleted'";
    assert_eq!(scalar(deleted).await, AGED, "one event for each removal");
    assert_eq!(scalar(distinct).await, AGED);
    // B's run says what it did; A's, cut off, never could.
    let applied = "SELECT count(*) FROM audit_log WHERE action = 'retention.applied'";
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while scalar(applied).await < 1 {
        assert!(std::time::Instant::now() < deadline, "no retention.applied");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut c = mandant(&site);
    c.args(["audit", "verify", "aged"]);
    let o = run(c).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

//! A node dies: two `mandant serve` processes on PostgreSQL and Redis,
//! clients subscribed on both while writes continue, and one node killed
//! with SIGKILL. Its clients reconnect to the other and resume from the
//! last number they saw: every event reaches every client exactly once.
//! (The bounded scenario with a thousand clients belongs to `loadtest/`;
//! this is the short version that runs with every test.)

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use serde_json::json;

use crate::cli::{mandant, serve};
use crate::helpers::{Backend, PASSWORD, Site, pg_url, redis_url, tenant_body};
use crate::realtime::{Ws, subscribe};

const CLIENTS: usize = 40;
const WRITES: usize = 120;

#[actix_web::test]
async fn clients_of_a_killed_node_resume_on_another_with_nothing_lost() {
    let (Some(_), Some(redis)) = (pg_url(), redis_url()) else {
        return;
    };
    let site = Site::new(Backend::Postgres).await;
    let node = |site: &Site| {
        let mut c = mandant(site);
        c.env("REDIS_URL", &redis)
            .env("MANDANT_MASTER_KEY", "42".repeat(32))
            .env("MANDANT_LOG", "error");
        c
    };
    let (mut a, base_a) = serve(node(&site)).await;
    let (_b, base_b) = serve(node(&site)).await;
    let http = awc::Client::default();
    let mut body = tenant_body("sturdy");
    body["plan"] = json!("enterprise");
    let r = http
        .post(format!("{base_a}/api/v1/tenants"))
        .bearer_auth(&site.token)
        .send_json(&body)
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let mut r = http
        .post(format!("{base_a}/t/sturdy/api/v1/auth/login"))
        .send_json(&json!({"email": "admin@sturdy.example", "password": PASSWORD}))
        .await
        .unwrap();
    let login: serde_json::Value = r.json().await.unwrap();
    let tok = login["access_token"].as_str().unwrap().to_owned();

    // Every client: subscribe on its node; when the connection goes,
    // reconnect to B and resume after the last number seen.
    let last_written = Arc::new(AtomicI64::new(i64::MAX));
    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        let first = if i % 2 == 0 {
            base_a.clone()
        } else {
            base_b.clone()
        };
        let (base_b, tok, last_written) = (base_b.clone(), tok.clone(), last_written.clone());
        let mut ws = Ws::connect_url(&first, "sturdy", &tok).await.unwrap();
        subscribe(&mut ws, "contacts", None).await;
        clients.push(actix_web::rt::spawn(async move {
            let mut seen: Vec<i64> = Vec::new();
            let mut reconnects = 0;
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
                        assert!(reconnects < 20, "client {i} cannot reconnect");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        if let Ok(mut fresh) = Ws::connect_url(&base_b, "sturdy", &tok).await {
                            subscribe(&mut fresh, "contacts", seen.last().copied()).await;
                            ws = fresh;
                        }
                    }
                }
                if seen
                    .last()
                    .is_some_and(|s| *s >= last_written.load(Ordering::SeqCst))
                {
                    return (seen, reconnects);
                }
            }
        }));
    }

    // Writes go to B the whole time; A dies a third of the way through.
    let mut written = BTreeSet::new();
    for n in 0..WRITES {
        if n == WRITES / 3 {
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
    for c in clients {
        let (seen, reconnects) = c.await.unwrap();
        let unique: BTreeSet<i64> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "duplicates: {seen:?}");
        assert_eq!(unique, written, "lost or foreign events");
        if reconnects > 0 {
            moved += 1;
        }
    }
    // Half the clients were on the killed node, and all of them moved.
    assert_eq!(moved, CLIENTS / 2);
}

//! Plan quotas and rate limits: clear errors, nothing half-written, plan
//! changes applied at once, one shared limit across nodes.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, PASSWORD, Res, TestApp, spawn_app, tenant_body};

async fn free_tenant(app: &TestApp, slug: &str) -> String {
    let mut body = tenant_body(slug);
    body["plan"] = json!("free");
    assert_eq!(
        app.admin("POST", "/api/v1/tenants", Some(body))
            .await
            .status,
        201
    );
    let r = app
        .login(slug, &format!("admin@{slug}.example"), PASSWORD)
        .await;
    r.body["access_token"].as_str().unwrap().to_owned()
}

async fn plan_quotas_refuse_cleanly_and_follow_plan_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = free_tenant(&app, "small").await;
    // The free plan allows 5 users; the owner is one.
    for i in 0..4 {
        let r = app
            .as_user("small", &tok)
            .post(
                "/users",
                json!({"email": format!("u{i}@small.example"), "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = app
        .as_user("small", &tok)
        .post(
            "/users",
            json!({"email": "six@small.example", "password": PASSWORD}),
        )
        .await;
    r.assert_problem(403, "quota_exceeded");
    // 1,000 records: an import past it writes nothing.
    let mut rows = String::from("last_name\n");
    for i in 0..1001 {
        rows.push_str(&format!("N{i}\n"));
    }
    let r = app
        .request(
            "POST",
            "/t/small/api/v1/contacts/import",
            Some(&tok),
            Some(("text/csv", rows.into_bytes())),
        )
        .await;
    r.assert_problem(403, "quota_exceeded");
    let list = app.as_user("small", &tok).list(Res::Contacts, "").await;
    assert_eq!(list.body["items"], json!([]));
    // A bigger plan applies to the very next request.
    app.admin(
        "PATCH",
        "/api/v1/tenants/small",
        Some(json!({"plan": "standard"})),
    )
    .await;
    let r = app
        .as_user("small", &tok)
        .post(
            "/users",
            json!({"email": "six@small.example", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    app.stop().await;
}

async fn request_rates_are_limited_per_plan(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = free_tenant(&app, "small").await;
    let mut limited = None;
    for _ in 0..30 {
        let r = app.as_user("small", &tok).get("/me").await;
        if r.status == 429 {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status, 200);
    }
    let r = limited.expect("the free plan's rate must bite within 30 quick requests");
    r.assert_problem(429, "rate_limited");
    // Operators see whom the limits bite, and how full the pools are.
    let m = app.request("GET", "/metrics", Some(&app.token), None).await;
    let text = m.body.as_str().unwrap_or_default().to_owned();
    assert!(
        text.lines()
            .any(|l| l.starts_with("mandant_http_rate_limited_total{tenant=\"small\"}")),
        "{text}"
    );
    if backend == Backend::Postgres {
        assert!(
            text.contains("mandant_db_pool_max{pool=\"shard:default\"} 4"),
            "{text}"
        );
    }
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=5).contains(&wait), "{wait}");
    // Upgrading lifts it at once.
    app.admin(
        "PATCH",
        "/api/v1/tenants/small",
        Some(json!({"plan": "enterprise"})),
    )
    .await;
    for _ in 0..30 {
        assert_eq!(app.as_user("small", &tok).get("/me").await.status, 200);
    }
    app.stop().await;
}

async fn live_connections_are_capped_per_plan(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = free_tenant(&app, "small").await;
    app.admin(
        "PATCH",
        "/api/v1/tenants/small",
        Some(json!({"plan": "enterprise"})),
    )
    .await; // room for the handshakes' requests
    app.admin(
        "PATCH",
        "/api/v1/tenants/small",
        Some(json!({"plan": "free"})),
    )
    .await;
    let mut open = Vec::new();
    for _ in 0..20 {
        open.push(
            crate::realtime::Ws::connect(&app, "small", &tok)
                .await
                .expect("within the plan"),
        );
        // Stay under the free plan's request rate while connecting.
        tokio::time::sleep(std::time::Duration::from_millis(120)).await;
    }
    assert_eq!(
        crate::realtime::Ws::connect(&app, "small", &tok)
            .await
            .err(),
        Some(403)
    );
    app.stop().await;
}

/// A WebSocket upgrade counts against the plan's request rate like any
/// request: a reconnect loop cannot flood a tenant past its plan.
async fn socket_upgrades_count_against_the_request_rate(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = free_tenant(&app, "small").await;
    let mut refused = None;
    let mut open = Vec::new();
    for _ in 0..19 {
        match crate::realtime::Ws::connect(&app, "small", &tok).await {
            Ok(ws) => open.push(ws),
            Err(status) => {
                refused = Some(status);
                break;
            }
        }
    }
    assert_eq!(
        refused,
        Some(429),
        "{} sockets opened back to back",
        open.len()
    );
    app.stop().await;
}

both_backends!(
    plan_quotas_refuse_cleanly_and_follow_plan_changes,
    request_rates_are_limited_per_plan,
    live_connections_are_capped_per_plan,
    socket_upgrades_count_against_the_request_rate
);

/// With Redis, two nodes share one limit instead of each granting its own.
#[actix_web::test]
async fn the_rate_limit_is_shared_by_all_nodes() {
    let Some((a, b)) = crate::helpers::two_nodes().await else {
        return;
    };
    let tok = free_tenant(&a, "shared").await;
    let mut ok = 0;
    for i in 0..24 {
        let node = if i % 2 == 0 { &a } else { &b };
        if node.as_user("shared", &tok).get("/me").await.status == 200 {
            ok += 1;
        }
    }
    // The free plan grants a user a burst of 10 (plus what refills while
    // we ask); two independent limits would have granted about 20.
    assert!((10..=15).contains(&ok), "{ok} of 24 requests passed");
    a.stop().await;
    b.stop().await;
}

/// With Redis, the live-connection quota counts the sockets open on every
/// node, and the slots of a node that died stop counting once they run out
/// unrenewed.
#[actix_web::test]
async fn live_connections_are_counted_across_nodes() {
    use crate::realtime::Ws;
    let Some((a, b)) = crate::helpers::two_nodes().await else {
        return;
    };
    let tok = free_tenant(&a, "wide").await;
    let max = mandant::limits::plans::quotas(mandant::domain::tenant::Plan::Free).ws_connections;
    let pause = || tokio::time::sleep(std::time::Duration::from_millis(120));
    let mut on_a = Vec::new();
    let mut on_b = Vec::new();
    for i in 0..max {
        let (node, list) = if i % 2 == 0 {
            (&a, &mut on_a)
        } else {
            (&b, &mut on_b)
        };
        list.push(
            Ws::connect(node, "wide", &tok)
                .await
                .expect("within the plan"),
        );
        pause().await;
    }
    // Each node has only half open, but the tenant has them all.
    assert_eq!(Ws::connect(&a, "wide", &tok).await.err(), Some(403));
    pause().await;
    assert_eq!(Ws::connect(&b, "wide", &tok).await.err(), Some(403));
    // One closed on a frees a place on b.
    drop(on_a.pop());
    let mut freed = None;
    for _ in 0..20 {
        pause().await;
        if let Ok(ws) = Ws::connect(&b, "wide", &tok).await {
            freed = Some(ws);
            break;
        }
    }
    assert!(freed.is_some(), "a closed socket's slot was not given back");
    drop((on_a, on_b, freed));

    // A node that died left its slots behind, unrenewed: they count until
    // they run out, and then no longer.
    let id = a.services.tenants.get("wide").await.unwrap().id;
    let key = mandant::limits::slots::key(id);
    let mut r = redis::Client::open(crate::helpers::redis_url().unwrap())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    for _ in 0..50 {
        let n: i64 = redis::cmd("ZCARD")
            .arg(&key)
            .query_async(&mut r)
            .await
            .unwrap();
        if n == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (secs, micros): (i64, i64) = redis::cmd("TIME").query_async(&mut r).await.unwrap();
    let soon = secs * 1000 + micros / 1000 + 1500;
    for i in 0..max {
        let _: i64 = redis::cmd("ZADD")
            .arg(&key)
            .arg(soon)
            .arg(format!("dead-node:{i}"))
            .query_async(&mut r)
            .await
            .unwrap();
    }
    pause().await;
    assert_eq!(Ws::connect(&a, "wide", &tok).await.err(), Some(403));
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    assert!(Ws::connect(&b, "wide", &tok).await.is_ok());
    a.stop().await;
    b.stop().await;
}

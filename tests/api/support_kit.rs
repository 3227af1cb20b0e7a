//! Shared set-up for the support engine's tests: nodes on a hand-moved
//! clock, SLA policies and queues, and waiting for what timers do.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use mandant::clock::Clock;
use serde_json::{Value, json};

use crate::helpers::{Res, Site, TestApp, redis_url, spawn_node};
use mandant::secret::Secret;

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A node of `site` whose support engine reads `clock` (and shares Redis
/// with the site's other nodes when Redis is there).
pub async fn node(site: &Site, clock: &Clock) -> TestApp {
    let redis = redis_url();
    spawn_node(site, |c| {
        c.clock = clock.clone();
        c.redis_url = redis.map(Secret::new);
    })
    .await
}

/// An SLA policy (`targets` for priority normal) and a queue using it.
pub async fn queue_with_policy(
    app: &TestApp,
    tok: &str,
    targets: Value,
    business_hours: bool,
    extra: Value,
) -> String {
    let p = app.as_user("acme", tok).create(Res::SlaPolicies, json!({"name": "Standard", "targets": {"normal": targets, "urgent": targets},
               "business_hours": business_hours, "paused_statuses": ["pending"], "warn_percent": 80}))
    .await;
    let mut q = json!({"name": "Support", "sla_policy_id": p["id"]});
    if let (Some(q), Some(e)) = (q.as_object_mut(), extra.as_object()) {
        q.extend(e.clone());
    }
    app.as_user("acme", tok).create(Res::Queues, q).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Every event of `event_type` in the tenant's log.
pub async fn events_of(app: &TestApp, tok: &str, event_type: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut since = 0;
    loop {
        let r = app
            .as_user("acme", tok)
            .get(&format!("/events?since={since}&limit=1000"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let items = r.body["items"].as_array().unwrap().clone();
        out.extend(items.into_iter().filter(|e| e["type"] == event_type));
        let next = r.body["next_since"].as_i64().unwrap();
        if next >= r.body["head"].as_i64().unwrap() || next == since {
            return out;
        }
        since = next;
    }
}

/// Polls `check` until it yields a value (5 s at most).
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    for _ in 0..100 {
        if let Some(v) = check().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Waits until the support engine of tenant `acme` on `node` has nothing
/// left to do: every committed event delivered, no alarm, expiry or
/// routing pass in flight, and what the clock makes due now done. What
/// happens after this needs a new write or the clock to move, so a test
/// that then sees nothing knows nothing happened.
pub async fn settle(node: &TestApp) {
    let tenant = node
        .services
        .tenants
        .get("acme")
        .await
        .expect("tenant acme")
        .id;
    node.services.realtime.settle(tenant).await;
}

/// Waits for `n` events of `event_type` (read on the first of `nodes`),
/// then until every node's engine has settled, to be sure no more come;
/// returns them.
pub async fn exactly(nodes: &[&TestApp], tok: &str, event_type: &str, n: usize) -> Vec<Value> {
    let app = nodes[0];
    eventually(event_type, || async {
        let e = events_of(app, tok, event_type).await;
        (e.len() >= n).then_some(())
    })
    .await;
    for node in nodes {
        settle(node).await;
    }
    let e = events_of(app, tok, event_type).await;
    assert_eq!(e.len(), n, "{event_type}: {e:#?}");
    e
}

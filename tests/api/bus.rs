//! Several nodes on one storage and one Redis: what one node changes, the
//! others serve at once (no stale tenant cache).

use std::time::{Duration, Instant};

use mandant::bus::{Bus, BusMessage};
use mandant::domain::tenant::TenantId;
use serde_json::json;

use crate::helpers::{Res, TestApp, redis_url};

async fn eventually(
    app: &TestApp,
    path: &str,
    want: impl Fn(&crate::helpers::Resp) -> bool,
) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        if want(&app.get(path).await) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// How often `want` arrives within half a second.
async fn count(
    rx: &mut tokio::sync::broadcast::Receiver<std::sync::Arc<BusMessage>>,
    want: &BusMessage,
) -> usize {
    let mut n = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(500);
    while let Ok(Ok(m)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        n += usize::from(*m == *want);
    }
    n
}

#[actix_web::test]
async fn redis_carries_messages_between_buses_but_not_back() {
    let Some(url) = redis_url() else { return };
    let a = Bus::redis(&url).await.unwrap();
    let b = Bus::redis(&url).await.unwrap();
    let mut rx_a = a.subscribe();
    let mut rx_b = b.subscribe();
    let msg = BusMessage::TenantChanged {
        tenant_id: TenantId::generate(),
        slug: format!("t{}", mandant::secret::random_hex(4)),
    };
    a.publish(msg.clone()).await.unwrap();
    // Other tests share this Redis, so count only our message. A hears it
    // once (locally), B hears it once (through Redis), and Redis's echo of
    // it back to A is dropped.
    assert_eq!(count(&mut rx_a, &msg).await, 1, "node A");
    assert_eq!(count(&mut rx_b, &msg).await, 1, "node B");
    assert!(a.ping().await.is_ok());
}

/// Two nodes share storage and Redis. Node B has the tenant cached; node A
/// renames and then deletes it; B follows within moments, not at cache expiry.
#[actix_web::test]
async fn a_change_on_one_node_is_served_by_the_other() {
    let Some((a, b)) = crate::helpers::two_nodes().await else {
        return;
    };
    assert_eq!(b.get("/readyz").await.body["bus"], "redis");

    assert_eq!(a.create_tenant("shared").await.status, 201);
    assert_eq!(
        b.get("/t/shared/api/v1/branding").await.body["name"],
        "shared GmbH"
    );
    let r = a
        .admin(
            "PATCH",
            "/api/v1/tenants/shared",
            Some(json!({"name": "Renamed"})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(
        eventually(&b, "/t/shared/api/v1/branding", |r| r.body["name"]
            == "Renamed")
        .await,
        "node B kept serving the old name"
    );
    assert_eq!(
        a.admin("DELETE", "/api/v1/tenants/shared", None)
            .await
            .status,
        204
    );
    assert!(
        eventually(&b, "/t/shared/api/v1/branding", |r| r.status == 404).await,
        "node B kept serving a deleted tenant"
    );
    a.stop().await;
    b.stop().await;
}

/// Node B has a session's principal cached (identity is read once, not on
/// every request); node A takes the user's role away. B serves the change
/// as soon as the bus says so, well before the cache would age.
#[actix_web::test]
async fn a_role_change_on_one_node_bites_on_the_other() {
    let Some((a, b)) = crate::helpers::two_nodes().await else {
        return;
    };
    let owner = a.tenant_with_owner("shared").await;
    let (uid, viewer) = a
        .user_with_roles("shared", &owner, "v@shared.example", &["viewer"])
        .await;
    for _ in 0..3 {
        let r = b.as_user("shared", &viewer).list(Res::Contacts, "").await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = a
        .as_user("shared", &owner)
        .update(Res::Users, &uid, json!({"roles": ["customer"]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let changed = Instant::now();
    loop {
        let r = b.as_user("shared", &viewer).list(Res::Contacts, "").await;
        if r.status == 403 {
            break;
        }
        assert!(
            changed.elapsed() < mandant::identity::principal_cache::TTL / 2,
            "node B served a cached principal past the bus message"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    a.stop().await;
    b.stop().await;
}

//! Input PostgreSQL cannot take (a NUL in any text) is refused the same
//! way on both backends, and a request abandoned half-way through opening
//! its transaction leaves the pooled connection clean for the next one.

use std::time::Duration;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Site, TestApp, spawn_node, tenant_body};

async fn still_writes(app: &TestApp, tok: &str) {
    let r = app
        .as_user("acme", tok)
        .post("/contacts", json!({"last_name": "After"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
}

async fn a_nul_in_any_text_is_a_422_never_a_500(backend: Backend) {
    let site = Site::new(backend).await;
    // One connection: a poisoned one would be the next request's.
    let app = spawn_node(&site, |c| c.pg_max_connections = 1).await;
    let tok = app.tenant_with_owner("acme").await;
    let nul = "a\u{0}b";
    let bodies: Vec<(&str, &str, Value)> = vec![
        (
            "POST",
            "/auth/login",
            json!({"email": format!("admin{nul}@acme.example"), "password": "x"}),
        ),
        ("POST", "/roles", json!({"name": "r1", "description": nul})),
        (
            "POST",
            "/custom-fields",
            json!({"kind": "contact", "key": "k", "label": nul, "type": "text"}),
        ),
        ("PUT", "/me/agent", json!({"skills": [nul]})),
        ("POST", "/contacts", json!({"last_name": nul})),
        ("POST", "/teams", json!({"name": nul})),
        ("PUT", "/settings/branding", json!({"display_name": nul})),
        (
            "POST",
            "/contacts",
            json!({"name": "ok", "custom": {nul: 1}}),
        ),
    ];
    for (method, path, body) in bodies {
        let r = app
            .api(method, "acme", path, Some(&tok), Some(body.clone()))
            .await;
        r.assert_problem(422, "validation_failed");
        still_writes(&app, &tok).await;
    }
    for query in [
        "/contacts?last_name=a%00b",
        "/contacts?q=a%00",
        "/contacts?cursor=%00",
        "/events?since=%00",
    ] {
        let r = app.as_user("acme", &tok).get(query).await;
        r.assert_problem(422, "validation_failed");
        still_writes(&app, &tok).await;
    }
    for path in [
        "/roles/a%00b",
        "/custom-fields/a%00",
        "/users/%1F%1A",
        "/contacts/0",
    ] {
        let r = app.as_user("acme", &tok).get(path).await;
        r.assert_problem(404, "not_found");
        still_writes(&app, &tok).await;
    }
    // The control plane's text too.
    let mut t = tenant_body("nul");
    t["name"] = json!(nul);
    app.admin("POST", "/api/v1/tenants", Some(t))
        .await
        .assert_problem(422, "validation_failed");
    // A NUL in the login e-mail was refused before any account was looked
    // up; the real login still works.
    assert_eq!(
        app.login("acme", "admin@acme.example", crate::helpers::PASSWORD)
            .await
            .status,
        200
    );
    app.stop().await;
}

/// actix drops a handler's other extractors when one fails: a malformed
/// id with an API key dropped the key's check half-way through `BEGIN`.
async fn abandoned_begins_leave_no_transaction_behind(backend: Backend) {
    let site = Site::new(backend).await;
    let app = spawn_node(&site, |c| c.pg_max_connections = 1).await;
    let tok = app.tenant_with_owner("acme").await;
    let key = app
        .as_user("acme", &tok)
        .post("/api-keys", json!({"name": "k", "role": "admin"}))
        .await;
    assert_eq!(key.status, 201, "{}", key.body);
    let key = key.body["key"].as_str().unwrap().to_owned();
    for _ in 0..20 {
        for path in ["/users/%1F%1A", "/contacts/0", "/contacts/not-an-id"] {
            let r = app.as_user("acme", &key).get(path).await;
            assert_eq!(r.status.as_u16(), 404, "{path}: {}", r.body);
        }
        still_writes(&app, &key).await;
    }
    // Every await point of a begin, cancelled: give it ever longer before
    // dropping it, then write.
    let tenant = app
        .services
        .tenants
        .directory()
        .resolve("acme")
        .await
        .unwrap()
        .unwrap();
    let db = app.services.storage.tenant_db(&tenant).await.unwrap();
    for step in 0..120u64 {
        let wait = Duration::from_micros(step * 25);
        let _ = tokio::time::timeout(wait, db.begin_read()).await;
        let _ = tokio::time::timeout(wait, db.begin()).await;
    }
    still_writes(&app, &tok).await;
    let mut tx = db.begin().await.unwrap();
    let head = mandant::storage::events::head(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    assert!(head > 0);
    app.stop().await;
}

both_backends!(
    a_nul_in_any_text_is_a_422_never_a_500,
    abandoned_begins_leave_no_transaction_behind
);

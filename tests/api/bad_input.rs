//! Every class of bad input gets a clear problem, never a 500, and never
//! leaves half a tenant behind.

use futures_util::future::join_all;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, Res, Site, TestApp, spawn_app, spawn_node, tenant_body};

/// Tenant storages present on the default shard (files or schemas).
async fn storage_count(app: &TestApp) -> usize {
    match app.site.backend {
        Backend::Sqlite => std::fs::read_dir(app.site.dir.path().join("tenants"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".db"))
                    .count()
            })
            .unwrap_or(0),
        Backend::Postgres => {
            let mut c = app.site.pg.as_ref().unwrap().connect().await;
            let n: (i64,) =
                sqlx::query_as("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 't\\_%'")
                    .fetch_one(&mut c)
                    .await
                    .unwrap();
            n.0 as usize
        }
    }
}

async fn invalid_slugs_are_422_naming_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    for slug in [
        "A",
        "Acme",
        "1acme",
        "-x",
        "has space",
        "under_score",
        "ümlaut",
        &"a".repeat(64),
    ] {
        let mut body = tenant_body("valid");
        body["slug"] = json!(slug);
        let r = app.admin("POST", "/api/v1/tenants", Some(body)).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), ["slug"], "{slug:?}: {}", r.body);
    }
    let r = app
        .admin("POST", "/api/v1/tenants", Some(json!({"slug": 42})))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(storage_count(&app).await, 0);
    app.stop().await;
}

async fn missing_and_invalid_fields_are_all_named(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.admin("POST", "/api/v1/tenants", Some(json!({}))).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["slug", "name", "admin"]);
    let r = app
        .admin(
            "POST",
            "/api/v1/tenants",
            Some(
                json!({"slug": "ok-slug", "name": " ", "plan": "gold", "shard": "nowhere",
                        "admin": {"email": "not-an-email", "password": "short"}}),
            ),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(
        r.error_fields(),
        ["name", "plan", "admin.email", "admin.password"]
    );
    // An unknown shard is named once the rest is valid.
    let mut body = tenant_body("ok-slug");
    body["shard"] = json!("nowhere");
    let r = app.admin("POST", "/api/v1/tenants", Some(body)).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["shard"]);
    // Unknown fields are refused rather than silently dropped.
    let mut body = tenant_body("ok-slug");
    body["colour"] = json!("red");
    app.admin("POST", "/api/v1/tenants", Some(body))
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(storage_count(&app).await, 0);
    app.admin("GET", "/api/v1/tenants/ok-slug", None)
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}

async fn duplicate_slug_is_409_and_keeps_the_first(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(app.create_tenant("acme").await.status, 201);
    let first = app.admin("GET", "/api/v1/tenants/acme", None).await.body;
    let mut body = tenant_body("acme");
    body["name"] = json!("Impostor");
    let r = app.admin("POST", "/api/v1/tenants", Some(body)).await;
    r.assert_problem(409, "conflict");
    assert_eq!(r.error_fields(), ["slug"]);
    let now = app.admin("GET", "/api/v1/tenants/acme", None).await.body;
    assert_eq!(now["id"], first["id"]);
    assert_eq!(now["name"], "acme GmbH");
    assert_eq!(storage_count(&app).await, 1);
    app.stop().await;
}

async fn concurrent_creations_of_one_slug_make_one_tenant(backend: Backend) {
    let app = spawn_app(backend).await;
    let results = join_all((0..6).map(|_| app.create_tenant("race"))).await;
    let created = results.iter().filter(|r| r.status == 201).count();
    assert_eq!(
        created,
        1,
        "{:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in results.iter().filter(|r| r.status != 201) {
        r.assert_problem(409, "conflict");
    }
    assert_eq!(storage_count(&app).await, 1);
    app.stop().await;
}

async fn control_plane_requires_the_platform_token(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_tenant("acme").await;
    let body = Some((
        "application/json",
        tenant_body("sneaky").to_string().into_bytes(),
    ));
    for (method, path) in [
        ("GET", "/api/v1/tenants"),
        ("POST", "/api/v1/tenants"),
        ("GET", "/api/v1/tenants/acme"),
        ("PATCH", "/api/v1/tenants/acme"),
        ("DELETE", "/api/v1/tenants/acme"),
    ] {
        for token in [None, Some("wrong"), Some("")] {
            let b = if method == "POST" || method == "PATCH" {
                body.clone()
            } else {
                None
            };
            let r = app.request(method, path, token, b).await;
            r.assert_problem(401, "unauthorized");
            assert_eq!(r.header("www-authenticate").as_deref(), Some("Bearer"));
        }
    }
    // Nothing happened: acme is still there, sneaky was never made.
    assert_eq!(
        app.admin("GET", "/api/v1/tenants/acme", None).await.status,
        200
    );
    app.admin("GET", "/api/v1/tenants/sneaky", None)
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}

async fn malformed_oversized_and_mistyped_bodies(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = Some(app.token.as_str());
    for raw in ["{", "{\"slug\": }", "not json", "[1,2", ""] {
        let r = app
            .request(
                "POST",
                "/api/v1/tenants",
                t,
                Some(("application/json", raw.as_bytes().to_vec())),
            )
            .await;
        r.assert_problem(400, "malformed_json");
    }
    // The test server's limit is 64 KiB.
    let mut body = tenant_body("big");
    body["name"] = json!("x".repeat(100 * 1024));
    let r = app
        .request(
            "POST",
            "/api/v1/tenants",
            t,
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await;
    r.assert_problem(413, "payload_too_large");
    let r = app
        .request(
            "POST",
            "/api/v1/tenants",
            t,
            Some(("text/plain", b"slug=x".to_vec())),
        )
        .await;
    r.assert_problem(415, "unsupported_media_type");
    assert_eq!(storage_count(&app).await, 0);
    // JSON of the wrong shape names where: `errors[].field`, dotted.
    let owner = app.tenant_with_owner("acme").await;
    let r = app
        .as_user("acme", &owner)
        .put(
            "/settings/retention",
            json!({"rules": [{"name": "n", "kind": "ticket", "action": "delete", "unchanged_for_days": null}]}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(
        r.error_fields(),
        ["rules.0.unchanged_for_days"],
        "{}",
        r.body
    );
    let r = app
        .as_user("acme", &owner)
        .put("/settings/canned-replies", json!({"replies": 7}))
        .await;
    assert_eq!(r.error_fields(), ["replies"], "{}", r.body);
    app.stop().await;
}

async fn unknown_tenants_are_404_everywhere(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in [
        "/api/v1/tenants/ghost",
        "/api/v1/tenants/NOT_A_SLUG",
        "/api/v1/tenants/x",
    ] {
        app.admin("GET", path, None)
            .await
            .assert_problem(404, "not_found");
        app.admin("PATCH", path, Some(json!({"name": "n"})))
            .await
            .assert_problem(404, "not_found");
        app.admin("DELETE", path, None)
            .await
            .assert_problem(404, "not_found");
    }
    for path in [
        "/t/ghost/api/v1/branding",
        "/t/Bad_Slug/api/v1/branding",
        "/t/x/api/v1/branding",
    ] {
        app.get(path).await.assert_problem(404, "not_found");
    }
    app.stop().await;
}

/// What schemathesis found the document and the server disagreeing on:
/// arrays read as objects, `null` read as "absent", a ticket's status
/// cleared past its workflow, `5.0` refused as an integer.
async fn bodies_mean_what_the_document_says(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("acme").await;
    let put = |path: &'static str, body: serde_json::Value| {
        let (app, tok) = (&app, tok.clone());
        async move { app.as_user("acme", &tok).put(path, body).await }
    };
    put("/settings/events", json!([30]))
        .await
        .assert_problem(422, "validation_failed");
    put("/settings/support", json!([]))
        .await
        .assert_problem(422, "validation_failed");
    put("/settings/branding", json!({"colors": [null, null]}))
        .await
        .assert_problem(422, "validation_failed");
    put("/me/agent", json!({"status": null}))
        .await
        .assert_problem(422, "validation_failed");
    app.admin("PATCH", "/api/v1/tenants/acme", Some(json!({"name": null})))
        .await
        .assert_problem(422, "validation_failed");
    let me = app.as_user("acme", &tok).get("/me").await;
    let uid = me.body["user"]["id"].as_str().unwrap().to_owned();
    app.as_user("acme", &tok)
        .update(Res::Users, &uid, json!({"name": null}))
        .await
        .assert_problem(422, "validation_failed");
    // A ticket keeps a status and a priority; other fields clear with null.
    let t = app
        .as_user("acme", &tok)
        .post("/tickets", json!({"subject": "S", "description": "D"}))
        .await;
    let id = t.body["id"].as_str().unwrap().to_owned();
    for field in ["status", "priority"] {
        let r = app
            .as_user("acme", &tok)
            .update(Res::Tickets, &id, json!({field: null}))
            .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), [field]);
    }
    let r = app
        .as_user("acme", &tok)
        .update(Res::Tickets, &id, json!({"description": null}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["status"].is_string() && r.body.get("description").is_none_or(|d| d.is_null()));
    // 5.0 is an integer.
    let r = put("/settings/events", json!({"retention_days": 45.0})).await;
    assert_eq!(
        (r.status.as_u16(), r.body["retention_days"].as_i64()),
        (200, Some(45)),
        "{}",
        r.body
    );
    put("/settings/events", json!({"retention_days": 45.5}))
        .await
        .assert_problem(422, "validation_failed");
    app.stop().await;
}

both_backends!(
    bodies_mean_what_the_document_says,
    invalid_slugs_are_422_naming_the_field,
    missing_and_invalid_fields_are_all_named,
    duplicate_slug_is_409_and_keeps_the_first,
    concurrent_creations_of_one_slug_make_one_tenant,
    control_plane_requires_the_platform_token,
    malformed_oversized_and_mistyped_bodies,
    unknown_tenants_are_404_everywhere
);

/// SQLite: the shard's directory vanishes after start; creation fails,
/// and the control plane keeps no trace of the tenant.
#[actix_web::test]
async fn failed_provisioning_on_sqlite_leaves_nothing() {
    let site = Site::new(Backend::Sqlite).await;
    let shard_dir = site.dir.path().join("broken-shard");
    let url = format!("sqlite:{}", shard_dir.display());
    let app = spawn_node(&site, |c| {
        c.shards
            .insert("broken".into(), mandant::secret::Secret::new(url));
    })
    .await;
    std::fs::remove_dir_all(&shard_dir).unwrap();
    std::fs::write(&shard_dir, b"a file where a directory should be").unwrap();

    let mut body = tenant_body("unlucky");
    body["shard"] = json!("broken");
    let r = app
        .admin("POST", "/api/v1/tenants", Some(body.clone()))
        .await;
    assert!(r.status.is_server_error(), "{}: {}", r.status, r.body);
    assert_eq!(r.content_type(), "application/problem+json");
    app.admin("GET", "/api/v1/tenants/unlucky", None)
        .await
        .assert_problem(404, "not_found");
    let all = app.services.storage.control().list(None).await.unwrap();
    assert!(all.is_empty(), "control plane kept {all:?}");

    // Once the shard is repaired the same slug works.
    std::fs::remove_file(&shard_dir).unwrap();
    std::fs::create_dir(&shard_dir).unwrap();
    let r = app.admin("POST", "/api/v1/tenants", Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    app.stop().await;
}

/// PostgreSQL: the shard's user may create schemas but not roles, so
/// provisioning fails half-way; its transaction leaves no schema behind.
#[actix_web::test]
async fn failed_provisioning_on_postgres_leaves_no_schema() {
    if crate::helpers::pg_url().is_none() {
        return;
    }
    let site = Site::new(Backend::Postgres).await;
    let pg = site.pg.clone().unwrap();
    let user = format!("mandant_limited_{}", mandant::secret::random_hex(4));
    let mut c = pg.connect().await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE ROLE {user} LOGIN NOCREATEROLE; GRANT CREATE ON DATABASE {} TO {user};",
        pg.name
    )))
    .execute(&mut c)
    .await
    .unwrap();
    let mut url = url::Url::parse(&pg.url).unwrap();
    url.set_username(&user).unwrap();
    let app = spawn_node(&site, |c| {
        c.shards.insert(
            "limited".into(),
            mandant::secret::Secret::new(url.to_string()),
        );
    })
    .await;

    let mut body = tenant_body("unlucky");
    body["shard"] = json!("limited");
    let r = app.admin("POST", "/api/v1/tenants", Some(body)).await;
    assert!(r.status.is_server_error(), "{}: {}", r.status, r.body);
    assert_eq!(r.content_type(), "application/problem+json");
    let n: (i64,) = sqlx::query_as("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 't\\_%'")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(n.0, 0, "a half-provisioned schema survived");
    assert!(
        app.services
            .storage
            .control()
            .list(None)
            .await
            .unwrap()
            .is_empty()
    );
    app.stop().await;
    drop(app);
    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "REVOKE ALL ON DATABASE {} FROM {user}; DROP ROLE {user};",
        pg.name
    )))
    .execute(&mut c)
    .await;
}

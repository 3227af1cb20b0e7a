//! A tenant's life through the control plane: create, read, change, delete.

use mandant::domain::email::Email;
use mandant::storage::users;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, Res, TestApp, spawn_app};

/// The tenant's storage as the server sees it (None once it is gone).
async fn admin_hash(app: &TestApp, slug: &str) -> Option<String> {
    let tenant = app.services.tenants.get(slug).await.ok()?;
    let db = app.services.storage.tenant_db(&tenant).await.ok()?;
    let mut tx = db.begin_read().await.ok()?;
    let email = Email::parse("e", &format!("ADMIN@{slug}.example")).unwrap();
    users::password_hash(&mut tx, &email).await.ok()?
}

async fn create_provisions_storage_and_first_admin(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.create_tenant("acme").await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.header("location").as_deref(),
        Some("/api/v1/tenants/acme")
    );
    assert_eq!(r.body["slug"], "acme");
    assert_eq!(r.body["name"], "acme GmbH");
    assert_eq!(r.body["plan"], "enterprise");
    assert_eq!(r.body["shard"], "default");
    assert!(r.body["id"].as_str().is_some_and(|s| s.len() == 36));
    assert!(r.body["created_at"].as_str().is_some());

    // The admin exists the moment 201 is sent, stored only as an Argon2id hash.
    let hash = admin_hash(&app, "acme").await.expect("admin user stored");
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains("correct horse"));
    assert_eq!(
        mandant::domain::password::verify("correct horse battery staple".into(), hash).await,
        Ok(true)
    );

    let r = app.admin("GET", "/api/v1/tenants/acme", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["storage"]["schema"]["pending"], 0);
    assert_eq!(
        r.body["storage"]["backend"],
        if backend == Backend::Sqlite {
            "sqlite"
        } else {
            "postgres"
        }
    );
    // The tenant's own (public) API now answers under its slug.
    let r = app.get("/t/acme/api/v1/branding").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["name"], "acme GmbH");
    app.stop().await;
}

async fn list_pages_by_slug(backend: Backend) {
    let app = spawn_app(backend).await;
    for slug in ["cc", "aa", "bb"] {
        assert_eq!(app.create_tenant(slug).await.status, 201);
    }
    let r = app.admin("GET", "/api/v1/tenants?limit=2", None).await;
    assert_eq!(r.status, 200);
    let slugs: Vec<_> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].clone())
        .collect();
    assert_eq!(slugs, [json!("aa"), json!("bb")]);
    assert_eq!(r.body["next_cursor"], "bb");
    let r = app
        .admin("GET", "/api/v1/tenants?limit=2&cursor=bb", None)
        .await;
    assert_eq!(r.body["items"][0]["slug"], "cc");
    assert_eq!(r.body["next_cursor"], json!(null));
    app.admin("GET", "/api/v1/tenants?limit=201", None)
        .await
        .assert_problem(422, "validation_failed");
    app.admin("GET", "/api/v1/tenants?limit=abc", None)
        .await
        .assert_problem(422, "validation_failed");
    app.stop().await;
}

async fn update_changes_name_and_plan_everywhere(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_tenant("acme").await;
    // Warm the directory cache, so the test proves it is invalidated.
    assert_eq!(
        app.get("/t/acme/api/v1/branding").await.body["name"],
        "acme GmbH"
    );
    let r = app
        .admin(
            "PATCH",
            "/api/v1/tenants/acme",
            Some(json!({"name": "Acme AG", "plan": "enterprise"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["name"], "Acme AG");
    assert_eq!(r.body["plan"], "enterprise");
    assert_eq!(
        app.get("/t/acme/api/v1/branding").await.body["name"],
        "Acme AG"
    );
    let r = app.admin("GET", "/api/v1/tenants/acme", None).await;
    assert_eq!(
        (r.body["name"].clone(), r.body["plan"].clone()),
        (json!("Acme AG"), json!("enterprise"))
    );

    let r = app
        .admin(
            "PATCH",
            "/api/v1/tenants/acme",
            Some(json!({"plan": "gold"})),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["plan"]);
    let r = app
        .admin(
            "PATCH",
            "/api/v1/tenants/acme",
            Some(json!({"slug": "other"})),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    app.stop().await;
}

async fn delete_removes_all_data_and_nothing_else(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_tenant("doomed").await;
    app.create_tenant("keeper").await;
    let doomed = app.services.tenants.get("doomed").await.unwrap();
    assert!(app.get("/t/doomed/api/v1/branding").await.status == 200);

    let r = app.admin("DELETE", "/api/v1/tenants/doomed", None).await;
    assert_eq!(r.status, 204, "{}", r.body);
    app.admin("GET", "/api/v1/tenants/doomed", None)
        .await
        .assert_problem(404, "not_found");
    app.get("/t/doomed/api/v1/branding")
        .await
        .assert_problem(404, "not_found");
    app.admin("DELETE", "/api/v1/tenants/doomed", None)
        .await
        .assert_problem(404, "not_found");

    // Its storage is gone: no file, or no schema and no role.
    match backend {
        Backend::Sqlite => {
            let file = app
                .site
                .dir
                .path()
                .join("tenants")
                .join(format!("{}.db", doomed.id.simple()));
            assert!(!file.exists(), "{} still exists", file.display());
        }
        Backend::Postgres => {
            let (schema, role) = mandant::storage::pg_names(doomed.id);
            let mut c = app.site.pg.as_ref().unwrap().connect().await;
            let n: (i64,) = sqlx::query_as("SELECT count(*) FROM pg_namespace WHERE nspname = $1")
                .bind(&schema)
                .fetch_one(&mut c)
                .await
                .unwrap();
            assert_eq!(n.0, 0, "schema {schema} survived");
            let n: (i64,) = sqlx::query_as("SELECT count(*) FROM pg_roles WHERE rolname = $1")
                .bind(&role)
                .fetch_one(&mut c)
                .await
                .unwrap();
            assert_eq!(n.0, 0, "role {role} survived");
        }
    }
    // The other tenant is untouched, data included.
    assert_eq!(app.get("/t/keeper/api/v1/branding").await.status, 200);
    assert!(admin_hash(&app, "keeper").await.is_some());
    // The slug is free again.
    assert_eq!(app.create_tenant("doomed").await.status, 201);
    app.stop().await;
}

both_backends!(
    create_provisions_storage_and_first_admin,
    list_pages_by_slug,
    update_changes_name_and_plan_everywhere,
    delete_removes_all_data_and_nothing_else
);

/// Every start with `--demo` prints a password that works, and the demo
/// data is seeded once, not on every start.
async fn the_demo_tenant_is_seeded_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app
        .services
        .tenants
        .ensure_demo(Some(mandant::secret::Secret::new("first demo password")))
        .await
        .unwrap();
    let second = app
        .services
        .tenants
        .ensure_demo(Some(mandant::secret::Secret::new("second demo password")))
        .await
        .unwrap();
    assert_eq!(first.slug, "demo");
    app.login("demo", &second.email, "first demo password")
        .await
        .assert_problem(401, "invalid_credentials");
    let r = app
        .login("demo", &second.email, second.password.expose())
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let tok = r.body["access_token"].as_str().unwrap().to_owned();
    let companies = app.as_user("demo", &tok).list(Res::Companies, "").await;
    assert_eq!(companies.body["items"].as_array().unwrap().len(), 8);
    // Every stage of every pipeline has deals; every priority × status has a ticket.
    let deals = app
        .as_user("demo", &tok)
        .list(Res::Deals, "limit=200")
        .await;
    let stages: std::collections::BTreeSet<_> = deals.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["stage_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stages.len(), 10);
    let tickets = app
        .as_user("demo", &tok)
        .list(Res::Tickets, "limit=200")
        .await;
    let combos: std::collections::BTreeSet<_> = tickets.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["priority"].as_str().unwrap().to_owned(),
                t["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(combos.len(), 20);

    // The portals have something to show: the supplier sees what was
    // shared with them, and a customer's new ticket joins the Support queue.
    let pw = second.password.expose();
    let sup = app.login("demo", "supplier@demo.example", pw).await;
    assert_eq!(sup.status, 200, "{}", sup.body);
    let sup = sup.body["access_token"].as_str().unwrap().to_owned();
    let count = |path: &'static str, tok: String| {
        let app = &app;
        async move {
            let r = app.as_user("demo", &tok).get(path).await;
            assert_eq!(r.status, 200, "{path}: {}", r.body);
            r.body["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(
        (
            count("/companies", sup.clone()).await,
            count("/deals", sup.clone()).await,
            count("/tickets", sup.clone()).await
        ),
        (1, 2, 3)
    );
    let cust = app.login("demo", "customer@demo.example", pw).await;
    let cust = cust.body["access_token"].as_str().unwrap().to_owned();
    let t = app
        .as_user("demo", &cust)
        .post("/tickets", serde_json::json!({"subject": "Help"}))
        .await;
    assert_eq!(t.status, 201, "{}", t.body);
    let queues = app.as_user("demo", &tok).list(Res::Queues, "").await;
    let support = queues.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == "Support")
        .unwrap()
        .clone();
    assert_eq!(t.body["queue_id"], support["id"]);
    assert!(support["sla_policy_id"].is_string(), "{support}");
    app.stop().await;
}

both_backends!(the_demo_tenant_is_seeded_once);

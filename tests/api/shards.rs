//! Tenants placed on named shards: two databases on one PostgreSQL server,
//! or two directories for SQLite.

use mandant::secret::Secret;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, PgDb, Site, spawn_node, tenant_body};

async fn schemas(db: &PgDb) -> Vec<String> {
    let mut c = db.connect().await;
    sqlx::query_scalar(
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 't\\_%' ORDER BY 1",
    )
    .fetch_all(&mut c)
    .await
    .unwrap()
}

async fn tenants_live_on_the_shard_they_were_placed_on(backend: Backend) {
    let site = Site::new(backend).await;
    let second = match backend {
        Backend::Postgres => Some(PgDb::create().await),
        Backend::Sqlite => None,
    };
    let eu_url = match &second {
        Some(db) => db.url.clone(),
        None => format!("sqlite:{}", site.dir.path().join("eu").display()),
    };
    let app = spawn_node(&site, |c| {
        c.shards.insert("eu".into(), Secret::new(eu_url));
    })
    .await;

    let mut body = tenant_body("euro");
    body["shard"] = json!("eu");
    let r = app.admin("POST", "/api/v1/tenants", Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["shard"], "eu");
    assert_eq!(app.create_tenant("homebody").await.body["shard"], "default");

    let euro = app.services.tenants.get("euro").await.unwrap();
    let home = app.services.tenants.get("homebody").await.unwrap();
    match &second {
        Some(eu_db) => {
            let (euro_schema, _) = mandant::storage::pg_names(euro.id);
            let (home_schema, _) = mandant::storage::pg_names(home.id);
            assert_eq!(schemas(eu_db).await, [euro_schema]);
            assert_eq!(schemas(site.pg.as_ref().unwrap()).await, [home_schema]);
        }
        None => {
            let f = |dir: &str, id: mandant::domain::tenant::TenantId| {
                site.dir
                    .path()
                    .join(dir)
                    .join(format!("{}.db", id.simple()))
            };
            assert!(f("eu", euro.id).exists() && !f("tenants", euro.id).exists());
            assert!(f("tenants", home.id).exists() && !f("eu", home.id).exists());
        }
    }
    // Served and shown like any other tenant, with its storage status.
    assert_eq!(app.get("/t/euro/api/v1/branding").await.status, 200);
    let r = app.admin("GET", "/api/v1/tenants/euro", None).await;
    assert_eq!(r.body["storage"]["schema"]["pending"], 0, "{}", r.body);
    assert_eq!(
        app.admin("DELETE", "/api/v1/tenants/euro", None)
            .await
            .status,
        204
    );
    if let Some(eu_db) = &second {
        assert!(schemas(eu_db).await.is_empty());
    }
    app.stop().await;
}

both_backends!(tenants_live_on_the_shard_they_were_placed_on);

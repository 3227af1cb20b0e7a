//! Nothing of one tenant is visible to another, down to pooled connections.

use std::time::Duration;

use mandant::domain::email::Email;
use mandant::on_tx;
use mandant::storage::users::{self, NewUser};
use mandant::storage::{TenantDb, TenantTx};

use crate::helpers::{Backend, Site, TestApp, spawn_node};

async fn db(app: &TestApp, slug: &str) -> TenantDb {
    let t = app.services.tenants.get(slug).await.unwrap();
    app.services.storage.tenant_db(&t).await.unwrap()
}

fn user(email: &str) -> NewUser {
    NewUser {
        email: Email::parse("email", email).unwrap(),
        name: "U".into(),
        // The hash's content is irrelevant here; skip Argon2's cost.
        password_hash: "not-a-real-hash".into(),
        kind: "staff",
        roles: vec![],
    }
}

async fn scalar(tx: &mut TenantTx, sql: &'static str) -> Result<String, sqlx::Error> {
    on_tx!(tx, c => sqlx::query_scalar::<_, String>(sql).fetch_one(c).await)
}

async fn backend_pid(tx: &mut TenantTx) -> i32 {
    on_tx!(tx, c => sqlx::query_scalar::<_, i32>("SELECT pg_backend_pid()").fetch_one(c).await)
        .unwrap()
}

async fn count_foreign(tx: &mut TenantTx, me: &str) -> i64 {
    on_tx!(tx, c => sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM users WHERE email_normalized NOT LIKE $1",
    )
    .bind(format!("%@{me}.example"))
    .fetch_one(c)
    .await)
    .unwrap()
}

/// One connection in the pool, serving tenant A then B in alternation for
/// 1,000 rounds, through commits, rollbacks and failed statements: each
/// sees only itself, every time.
#[actix_web::test]
async fn postgres_scope_never_leaks_through_a_pooled_connection() {
    if crate::helpers::pg_url().is_none() {
        return;
    }
    let site = Site::new(Backend::Postgres).await;
    let app = spawn_node(&site, |c| c.pg_max_connections = 1).await;
    assert_eq!(app.create_tenant("aa").await.status, 201);
    assert_eq!(app.create_tenant("bb").await.status, 201);
    let tenants = [("aa", db(&app, "aa").await), ("bb", db(&app, "bb").await)];
    let mut committed = [0usize; 2];
    for round in 0..1000 {
        for (i, (me, db)) in tenants.iter().enumerate() {
            let (schema, role) = {
                let t = app.services.tenants.get(me).await.unwrap();
                mandant::storage::pg_names(t.id)
            };
            let mut tx = if round % 7 == 3 {
                db.begin_read().await
            } else {
                db.begin().await
            }
            .unwrap();
            assert_eq!(
                scalar(&mut tx, "SELECT current_schema()::text")
                    .await
                    .unwrap(),
                schema
            );
            assert_eq!(
                scalar(&mut tx, "SELECT current_user::text").await.unwrap(),
                role
            );
            assert_eq!(
                count_foreign(&mut tx, me).await,
                0,
                "round {round}: {me} saw another tenant"
            );
            match round % 7 {
                // A failed statement aborts the transaction; it must still
                // hand the connection back clean.
                1 => {
                    assert!(
                        scalar(&mut tx, "SELECT no_such_column FROM users")
                            .await
                            .is_err()
                    );
                    tx.rollback().await.unwrap();
                }
                2 => {
                    users::insert(&mut tx, &user(&format!("r{round}@{me}.example")))
                        .await
                        .unwrap();
                    tx.rollback().await.unwrap();
                }
                3 => tx.commit().await.unwrap(), // read-only round
                // Dropped without commit or rollback: sqlx rolls back.
                5 => drop(tx),
                _ => {
                    users::insert(&mut tx, &user(&format!("r{round}@{me}.example")))
                        .await
                        .unwrap();
                    tx.commit().await.unwrap();
                    committed[i] += 1;
                }
            }
        }
    }
    for (i, (me, db)) in tenants.iter().enumerate() {
        let mut tx = db.begin_read().await.unwrap();
        let all = users::list(&mut tx).await.unwrap();
        // Committed rounds plus the first admin, all its own.
        assert_eq!(all.len(), committed[i] + 1, "{me}");
        assert!(
            all.iter()
                .all(|u| u.email.ends_with(&format!("@{me}.example")))
        );
        tx.rollback().await.unwrap();
    }
    app.stop().await;
}

/// Belt and braces: even SQL that names another tenant's schema outright
/// is refused by PostgreSQL, because each tenant works as its own role.
#[actix_web::test]
async fn postgres_refuses_cross_schema_access() {
    if crate::helpers::pg_url().is_none() {
        return;
    }
    let site = Site::new(Backend::Postgres).await;
    let app = spawn_node(&site, |_| {}).await;
    app.create_tenant("aa").await;
    app.create_tenant("bb").await;
    let b = app.services.tenants.get("bb").await.unwrap();
    let (b_schema, _) = mandant::storage::pg_names(b.id);
    let mut tx = db(&app, "aa").await.begin().await.unwrap();
    let sql = format!("SELECT count(*) FROM {b_schema}.users");
    let err = on_tx!(&mut tx, c => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).fetch_one(c).await)
        .expect_err("reading another tenant's table must fail");
    let code = err
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("42501"), "{err}"); // insufficient_privilege
    tx.rollback().await.unwrap();
    // Nor can a tenant reach the control plane.
    let mut tx = db(&app, "aa").await.begin().await.unwrap();
    let r = on_tx!(&mut tx, c => sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM mandant_control.tenants").fetch_one(c).await);
    assert!(r.is_err());
    tx.rollback().await.unwrap();
    app.stop().await;
}

/// SQLite: a tenant holding its write lock does not stop another tenant
/// from writing (no global lock across tenants).
#[actix_web::test]
async fn sqlite_tenants_write_independently() {
    let site = Site::new(Backend::Sqlite).await;
    let app = spawn_node(&site, |_| {}).await;
    app.create_tenant("aa").await;
    app.create_tenant("bb").await;
    let (a, b) = (db(&app, "aa").await, db(&app, "bb").await);
    let mut held = a.begin().await.unwrap();
    users::insert(&mut held, &user("held@aa.example"))
        .await
        .unwrap();
    // While A's write transaction is open, B commits.
    let write_b = async {
        let mut tx = b.begin().await.unwrap();
        users::insert(&mut tx, &user("free@bb.example"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    };
    tokio::time::timeout(Duration::from_secs(3), write_b)
        .await
        .expect("tenant B's write waited for tenant A's lock");
    held.commit().await.unwrap();
    let mut tx = b.begin_read().await.unwrap();
    assert_eq!(count_foreign(&mut tx, "bb").await, 0);
    tx.rollback().await.unwrap();
    app.stop().await;
}

/// Two lanes of one connection each (`storage::lanes`): a tenant whose
/// lane is busy borrows the other lane's connection, and a tenant that
/// finds both busy gets whichever frees first; every borrowed connection
/// carries only the borrower's scope.
#[actix_web::test]
async fn postgres_lanes_lend_connections_without_leaking_scope() {
    if crate::helpers::pg_url().is_none() {
        return;
    }
    let site = Site::new(Backend::Postgres).await;
    let app = spawn_node(&site, |c| {
        c.pg_max_connections = 2;
        c.pg_lanes = 2;
    })
    .await;
    assert_eq!(app.create_tenant("aa").await.status, 201);
    assert_eq!(app.create_tenant("bb").await.status, 201);
    let (a, b) = (db(&app, "aa").await, db(&app, "bb").await);
    let schema = |slug: &'static str| {
        let app = &app;
        async move {
            let t = app.services.tenants.get(slug).await.unwrap();
            mandant::storage::pg_names(t.id).0
        }
    };
    let (sa, sb) = (schema("aa").await, schema("bb").await);
    let mut first = a.begin().await.unwrap();
    let mut second = a.begin().await.unwrap();
    let (p1, p2) = (
        backend_pid(&mut first).await,
        backend_pid(&mut second).await,
    );
    assert_ne!(p1, p2, "with its lane busy, aa borrowed the other lane");
    for tx in [&mut first, &mut second] {
        assert_eq!(
            scalar(tx, "SELECT current_schema()::text").await.unwrap(),
            sa
        );
    }
    // Both connections are taken: bb waits for one.
    let waiting = tokio::spawn(async move {
        let mut tx = b.begin().await.unwrap();
        let p = backend_pid(&mut tx).await;
        let s = scalar(&mut tx, "SELECT current_schema()::text")
            .await
            .unwrap();
        let foreign = count_foreign(&mut tx, "bb").await;
        tx.commit().await.unwrap();
        (p, s, foreign)
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!waiting.is_finished(), "bb waits while both are taken");
    first.rollback().await.unwrap();
    let (p, s, foreign) = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("bb gets the freed connection")
        .unwrap();
    assert_eq!(p, p1, "the connection aa gave back");
    assert_eq!((s, foreign), (sb, 0), "and only bb's scope on it");
    second.rollback().await.unwrap();
    app.stop().await;
}

/// sqlx caches prepared statements per connection by SQL text. If two
/// tenant schemas ever disagree on a result type (a migration half-rolled
/// across tenants), PostgreSQL answers "cached plan must not change result
/// type". Storage reports it as retryable, clears the cache, and the retry
/// succeeds on the same connection.
#[actix_web::test]
async fn postgres_stale_cached_plan_is_retryable() {
    if crate::helpers::pg_url().is_none() {
        return;
    }
    let site = Site::new(Backend::Postgres).await;
    let app = spawn_node(&site, |c| c.pg_max_connections = 1).await;
    app.create_tenant("aa").await;
    app.create_tenant("bb").await;
    let b = app.services.tenants.get("bb").await.unwrap();
    let (b_schema, _) = mandant::storage::pg_names(b.id);
    let mut c = site.pg.as_ref().unwrap().connect().await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER TABLE {b_schema}.users ALTER COLUMN name TYPE varchar(300)"
    )))
    .execute(&mut c)
    .await
    .unwrap();
    let (a, b) = (db(&app, "aa").await, db(&app, "bb").await);
    let mut tx = a.begin_read().await.unwrap();
    users::list(&mut tx).await.unwrap();
    tx.rollback().await.unwrap();
    let mut tx = b.begin_read().await.unwrap();
    let err = users::list(&mut tx)
        .await
        .expect_err("result type changed under the cached plan");
    assert!(
        matches!(err, mandant::storage::StorageError::StalePlan),
        "{err:?}"
    );
    drop(tx);
    let mut tx = b.begin_read().await.unwrap();
    assert_eq!(users::list(&mut tx).await.unwrap().len(), 1);
    tx.rollback().await.unwrap();
    app.stop().await;
}

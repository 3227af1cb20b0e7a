//! `spawn_app()`: the real server on a random port, on a fresh data dir
//! (SQLite) or a fresh database (PostgreSQL), with typed helpers.

use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::web;
use awc::http::StatusCode;
use awc::http::header::HeaderMap;
use mandant::app::{Application, Services};
use mandant::config::Config;
use mandant::secret::{Secret, random_hex};
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates `mod NAME { sqlite, postgres }` test functions calling
/// `NAME(Backend)`: the same test on both backends.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[actix_web::test]
            async fn postgres() {
                if $crate::helpers::pg_url().is_some() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            }
        }
    )+};
}

fn required() -> bool {
    std::env::var("MANDANT_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// `MANDANT_TEST_DATABASE_URL`, or `None` (the PostgreSQL half of a test is
/// skipped). With `MANDANT_REQUIRE_SERVICES=1` (CI) a missing URL fails.
pub fn pg_url() -> Option<String> {
    let url = std::env::var("MANDANT_TEST_DATABASE_URL").ok();
    if url.is_none() && required() {
        panic!("MANDANT_REQUIRE_SERVICES=1 but MANDANT_TEST_DATABASE_URL is unset");
    }
    url
}

pub fn redis_url() -> Option<String> {
    let url = std::env::var("MANDANT_TEST_REDIS_URL").ok();
    if url.is_none() && required() {
        panic!("MANDANT_REQUIRE_SERVICES=1 but MANDANT_TEST_REDIS_URL is unset");
    }
    url
}

/// A PostgreSQL database of the test's own, dropped (with the tenant roles
/// it created) when the last handle goes.
pub struct PgDb {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl PgDb {
    pub async fn create() -> Arc<Self> {
        let admin_url = pg_url().expect("pg_url checked by caller");
        let name = format!("mandant_test_{}", random_hex(6));
        let mut conn = PgConnection::connect(&admin_url)
            .await
            .expect("connect to test PostgreSQL");
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        conn.close().await.ok();
        let mut url = url::Url::parse(&admin_url).expect("MANDANT_TEST_DATABASE_URL is a URL");
        url.set_path(&name);
        Arc::new(Self {
            name,
            url: url.to_string(),
            admin_url,
        })
    }

    pub async fn connect(&self) -> PgConnection {
        PgConnection::connect(&self.url)
            .await
            .expect("connect to test database")
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let (name, url, admin) = (self.name.clone(), self.url.clone(), self.admin_url.clone());
        // Drop runs outside any runtime we may block; use a thread of its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let mut roles: Vec<String> = Vec::new();
                if let Ok(mut c) = PgConnection::connect(&url).await {
                    let ids: Vec<(uuid::Uuid,)> =
                        sqlx::query_as("SELECT id FROM mandant_control.tenants")
                            .fetch_all(&mut c)
                            .await
                            .unwrap_or_default();
                    roles = ids
                        .into_iter()
                        .map(|(id,)| {
                            mandant::storage::pg_names(mandant::domain::tenant::TenantId(id)).1
                        })
                        .collect();
                    c.close().await.ok();
                }
                if let Ok(mut c) = PgConnection::connect(&admin).await {
                    let _ = sqlx::raw_sql(AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut c)
                    .await;
                    for r in roles {
                        let _ = sqlx::raw_sql(AssertSqlSafe(format!("DROP ROLE IF EXISTS {r}")))
                            .execute(&mut c)
                            .await;
                    }
                }
            });
        })
        .join();
    }
}

/// Where a test app keeps its data; shared by several nodes in bus tests.
#[derive(Clone)]
pub struct Site {
    pub backend: Backend,
    pub dir: Arc<tempfile::TempDir>,
    pub pg: Option<Arc<PgDb>>,
    pub token: String,
    /// The nodes' in-process bus when they have no Redis: nodes of one site
    /// hear each other, as they would over Redis.
    pub bus: mandant::bus::Bus,
}

impl Site {
    pub async fn new(backend: Backend) -> Self {
        let pg = match backend {
            Backend::Postgres => Some(PgDb::create().await),
            Backend::Sqlite => None,
        };
        Self {
            backend,
            dir: Arc::new(tempfile::tempdir().expect("temp dir")),
            pg,
            token: random_hex(16),
            bus: mandant::bus::Bus::in_process(),
        }
    }

    /// The configuration a node of this site starts with.
    pub fn config(&self) -> Config {
        Config {
            listen: "127.0.0.1:0".parse().expect("socket address"),
            data_dir: self.dir.path().to_owned(),
            database_url: self.pg.as_ref().map(|p| Secret::new(p.url.clone())),
            platform_token: Some(Secret::new(self.token.clone())),
            http_workers: 1,
            pg_max_connections: 4,
            max_body_bytes: 64 * 1024,
            max_import_bytes: 16 * 1024 * 1024,
            shutdown_timeout_secs: 1,
            // Tests log in often; the throttling test sets its own limits.
            login_per_account_per_min: 100,
            login_per_address_per_min: 300,
            ..Config::default()
        }
    }
}

/// A connection to one tenant's own database, behind the server's back.
pub enum TenantConn {
    Pg(sqlx::PgConnection),
    Lite(sqlx::SqliteConnection),
}

impl Site {
    /// A connection to tenant `id`'s database: its schema on PostgreSQL,
    /// its file on SQLite.
    pub async fn tenant_conn(&self, id: mandant::domain::tenant::TenantId) -> TenantConn {
        use sqlx::Connection;
        match &self.pg {
            Some(pg) => {
                let (schema, _) = mandant::storage::pg_names(id);
                let mut conn = pg.connect().await;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("SET search_path TO {schema}")))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                TenantConn::Pg(conn)
            }
            None => {
                let path = self.tenant_file(id);
                let url = format!("sqlite:{}", path.display());
                TenantConn::Lite(sqlx::SqliteConnection::connect(&url).await.unwrap())
            }
        }
    }

    /// Runs `sql` (statements separated by `;`) in tenant `id`'s database,
    /// behind the server's back.
    pub async fn tenant_exec(&self, id: mandant::domain::tenant::TenantId, sql: &str) {
        let q = || sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()));
        match self.tenant_conn(id).await {
            TenantConn::Pg(mut c) => q().execute(&mut c).await.map(|_| ()),
            TenantConn::Lite(mut c) => q().execute(&mut c).await.map(|_| ()),
        }
        .unwrap();
    }

    /// The one text column `sql` selects in tenant `id`'s database.
    pub async fn tenant_texts(
        &self,
        id: mandant::domain::tenant::TenantId,
        sql: &str,
    ) -> Vec<String> {
        let sql = || sqlx::AssertSqlSafe(sql.to_owned());
        match self.tenant_conn(id).await {
            TenantConn::Pg(mut c) => sqlx::query_scalar(sql()).fetch_all(&mut c).await,
            TenantConn::Lite(mut c) => sqlx::query_scalar(sql()).fetch_all(&mut c).await,
        }
        .unwrap()
    }

    /// Tenant `id`'s SQLite file.
    pub fn tenant_file(&self, id: mandant::domain::tenant::TenantId) -> std::path::PathBuf {
        self.dir
            .path()
            .join("tenants")
            .join(format!("{}.db", id.simple()))
    }

    /// Every row of every table of tenant `id`'s database as text, one
    /// row a line: what a search for a trace of someone must cover.
    pub async fn tenant_dump(&self, id: mandant::domain::tenant::TenantId) -> String {
        let mut out = String::new();
        match self.tenant_conn(id).await {
            TenantConn::Pg(mut c) => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
                )
                .fetch_all(&mut c)
                .await
                .unwrap();
                assert!(tables.len() > 10, "{tables:?}");
                for t in tables {
                    let sql =
                        format!("SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM \"{t}\" t");
                    let rows: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .fetch_one(&mut c)
                        .await
                        .unwrap();
                    out.push_str(&format!("== {t}\n{rows}\n"));
                }
            }
            TenantConn::Lite(mut c) => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'records_fts_%'",
                )
                .fetch_all(&mut c)
                .await
                .unwrap();
                assert!(tables.len() > 10, "{tables:?}");
                for t in tables {
                    let cols: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                        "SELECT name FROM pragma_table_info('{t}')"
                    )))
                    .fetch_all(&mut c)
                    .await
                    .unwrap();
                    let row = cols
                        .iter()
                        .map(|c| {
                            format!(
                                "CASE typeof(\"{c}\") WHEN 'blob' THEN hex(\"{c}\") \
                                 ELSE coalesce(CAST(\"{c}\" AS TEXT), '') END"
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" || ',' || ");
                    let sql =
                        format!("SELECT coalesce(group_concat({row}, char(10)), '') FROM \"{t}\"");
                    let rows: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .fetch_one(&mut c)
                        .await
                        .unwrap();
                    out.push_str(&format!("== {t}\n{rows}\n"));
                }
            }
        }
        out
    }
}

pub struct TestApp {
    pub address: String,
    pub token: String,
    pub services: web::Data<Services>,
    pub site: Site,
    client: awc::Client,
    handle: ServerHandle,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }

    /// Asserts an `application/problem+json` error with `status` and `code`.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "body: {}",
            self.body
        );
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert_eq!(self.body["status"], status);
    }

    /// The `field` names of a 422's `errors` list.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_node(&Site::new(backend).await, |_| {}).await
}

/// Starts a node on `site`, after `tweak` adjusted its configuration.
pub async fn spawn_node(site: &Site, tweak: impl FnOnce(&mut Config)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        mandant::telemetry::init(&Config {
            log_filter: "debug,sqlx=warn".into(),
            ..Config::default()
        });
    }
    let mut config = site.config();
    tweak(&mut config);
    let app = Application::build_on(config, site.bus.another_node())
        .await
        .expect("application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let services = app.services();
    let handle = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address,
        token: site.token.clone(),
        services,
        site: site.clone(),
        // Answers as sent: a redirect is something to assert, not follow.
        // The timeout only keeps a hung test from hanging the suite: the
        // largest request (100,000 rows imported, debug build) took over
        // 60 s once while the suite loaded both cores, and speed is the
        // benchmarks' business, not the tests'.
        client: awc::Client::builder()
            .disable_redirects()
            .timeout(Duration::from_secs(240))
            .finish(),
        handle,
    }
}

impl TestApp {
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Resp {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(t) = token {
            req = req.insert_header(("authorization", format!("Bearer {t}")));
        }
        let mut res = match body {
            Some((content_type, bytes)) => req
                .insert_header(("content-type", content_type))
                .send_body(bytes)
                .await
                .expect("request sent"),
            None => req.send().await.expect("request sent"),
        };
        let raw = res
            .body()
            .limit(16 * 1024 * 1024)
            .await
            .expect("response body");
        let body = if raw.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&raw)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&raw).into()))
        };
        Resp {
            status: res.status(),
            headers: res.headers().clone(),
            body,
        }
    }

    /// A GET with one extra raw header.
    /// A GET with a bearer token and an `Accept` header; the body as text.
    pub async fn get_accepting(
        &self,
        path: &str,
        token: &str,
        accept: &str,
    ) -> (StatusCode, String, String) {
        let mut res = self
            .client
            .get(format!("{}{path}", self.address))
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header(("accept", accept))
            .send()
            .await
            .expect("request sent");
        let raw = res.body().limit(64 * 1024 * 1024).await.expect("body");
        let ct = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (res.status(), ct, String::from_utf8_lossy(&raw).into_owned())
    }

    pub async fn request_raw_header(&self, path: &str, name: &str, value: &str) -> Resp {
        let mut res = self
            .client
            .get(format!("{}{path}", self.address))
            .insert_header((name, value))
            .send()
            .await
            .expect("request sent");
        let raw = res.body().await.expect("body");
        Resp {
            status: res.status(),
            headers: res.headers().clone(),
            body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
        }
    }

    /// A JSON write with `If-Match`.
    pub async fn request_if_match(
        &self,
        method: &str,
        path: &str,
        token: &str,
        etag: &str,
        body: Value,
    ) -> Resp {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut res = self
            .client
            .request(method, format!("{}{path}", self.address))
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header(("if-match", etag))
            .insert_header(("content-type", "application/json"))
            .send_body(body.to_string())
            .await
            .expect("request sent");
        let raw = res.body().await.expect("body");
        Resp {
            status: res.status(),
            headers: res.headers().clone(),
            body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.request("GET", path, None, None).await
    }

    /// A control-plane call with the platform token.
    pub async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
        self.request(method, path, Some(&self.token), body).await
    }

    pub async fn create_tenant(&self, slug: &str) -> Resp {
        self.admin("POST", "/api/v1/tenants", Some(tenant_body(slug)))
            .await
    }

    /// A call to tenant `slug`'s API (`/t/{slug}/api/v1{path}`).
    pub async fn api(
        &self,
        method: &str,
        slug: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
        self.request(method, &format!("/t/{slug}/api/v1{path}"), token, body)
            .await
    }

    pub async fn login(&self, slug: &str, email: &str, password: &str) -> Resp {
        self.api(
            "POST",
            slug,
            "/auth/login",
            None,
            Some(json!({"email": email, "password": password})),
        )
        .await
    }

    /// Creates tenant `slug` and returns its first admin's (owner's) access token.
    pub async fn tenant_with_owner(&self, slug: &str) -> String {
        let r = self.create_tenant(slug).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let r = self
            .login(slug, &format!("admin@{slug}.example"), PASSWORD)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["access_token"].as_str().unwrap().to_owned()
    }

    /// A fresh owner token for an existing tenant.
    pub async fn tenant_owner_token(&self, slug: &str) -> String {
        let r = self
            .login(slug, &format!("admin@{slug}.example"), PASSWORD)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["access_token"].as_str().unwrap().to_owned()
    }

    /// Creates a user with `roles` (as the owner) and returns (id, access token).
    pub async fn user_with_roles(
        &self,
        slug: &str,
        owner: &str,
        email: &str,
        roles: &[&str],
    ) -> (String, String) {
        let r = self
            .api(
                "POST",
                slug,
                "/users",
                Some(owner),
                Some(json!({"email": email, "name": email, "password": PASSWORD, "roles": roles})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.body["id"].as_str().unwrap().to_owned();
        let r = self.login(slug, email, PASSWORD).await;
        assert_eq!(r.status, 200, "{}", r.body);
        (id, r.body["access_token"].as_str().unwrap().to_owned())
    }

    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

pub const PASSWORD: &str = "correct horse battery staple";

/// The `id` of a record or user in a response body.
pub fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

pub fn tenant_body(slug: &str) -> Value {
    json!({
        "slug": slug,
        "name": format!("{slug} GmbH"),
        // The biggest plan, so that request rates of tests do not meet
        // limits; the limits tests use smaller plans on purpose.
        "plan": "enterprise",
        "admin": {
            "email": format!("admin@{slug}.example"),
            "password": "correct horse battery staple",
            "name": "First Admin"
        }
    })
}

/// Two nodes sharing storage (PostgreSQL when available, else one SQLite
/// data dir) and Redis; `None` without `MANDANT_TEST_REDIS_URL`.
pub async fn two_nodes() -> Option<(TestApp, TestApp)> {
    let redis = redis_url()?;
    let backend = if pg_url().is_some() {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    let site = Site::new(backend).await;
    let with_redis = |c: &mut Config| c.redis_url = Some(Secret::new(redis.clone()));
    let a = spawn_node(&site, with_redis).await;
    let b = spawn_node(&site, with_redis).await;
    Some((a, b))
}

/// xorshift64*: tiny, seeded, good enough to pick cases.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// The tenant API's collections, so a test names what it creates rather
/// than spelling a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Res {
    Companies,
    Contacts,
    Pipelines,
    Deals,
    Queues,
    Tickets,
    Activities,
    SlaPolicies,
    Users,
    Teams,
    Roles,
    ApiKeys,
    CustomFields,
}

impl Res {
    pub fn path(self) -> &'static str {
        match self {
            Res::Companies => "/companies",
            Res::Contacts => "/contacts",
            Res::Pipelines => "/pipelines",
            Res::Deals => "/deals",
            Res::Queues => "/queues",
            Res::Tickets => "/tickets",
            Res::Activities => "/activities",
            Res::SlaPolicies => "/sla-policies",
            Res::Users => "/users",
            Res::Teams => "/teams",
            Res::Roles => "/roles",
            Res::ApiKeys => "/api-keys",
            Res::CustomFields => "/custom-fields",
        }
    }
}

/// One caller of one tenant's API (`/t/{slug}/api/v1`): signed in with a
/// token, or anonymous. Paths are relative to the API's root.
#[derive(Clone, Copy)]
pub struct Caller<'a> {
    app: &'a TestApp,
    slug: &'a str,
    token: Option<&'a str>,
}

impl TestApp {
    /// Tenant `slug`'s API as the holder of `token`.
    pub fn as_user<'a>(&'a self, slug: &'a str, token: &'a str) -> Caller<'a> {
        Caller {
            app: self,
            slug,
            token: Some(token),
        }
    }

    /// Tenant `slug`'s API with no credentials.
    pub fn anonymous<'a>(&'a self, slug: &'a str) -> Caller<'a> {
        Caller {
            app: self,
            slug,
            token: None,
        }
    }
}

impl Caller<'_> {
    async fn call(self, method: &str, path: &str, body: Option<Value>) -> Resp {
        self.app
            .api(method, self.slug, path, self.token, body)
            .await
    }

    pub async fn get(self, path: &str) -> Resp {
        self.call("GET", path, None).await
    }

    pub async fn delete(self, path: &str) -> Resp {
        self.call("DELETE", path, None).await
    }

    pub async fn post(self, path: &str, body: Value) -> Resp {
        self.call("POST", path, Some(body)).await
    }

    /// A POST without a body (claims, offers, logout).
    pub async fn post_empty(self, path: &str) -> Resp {
        self.call("POST", path, None).await
    }

    pub async fn put(self, path: &str, body: Value) -> Resp {
        self.call("PUT", path, Some(body)).await
    }

    pub async fn patch(self, path: &str, body: Value) -> Resp {
        self.call("PATCH", path, Some(body)).await
    }

    /// Creates one of `res` and returns it (a `201` is asserted).
    pub async fn create(self, res: Res, body: Value) -> Value {
        let r = self.post(res.path(), body).await;
        assert_eq!(r.status, 201, "creating in {}: {}", res.path(), r.body);
        r.body
    }

    /// Adds a comment to ticket `ticket` and returns it (`201` asserted).
    pub async fn comment(self, ticket: &str, body: Value) -> Value {
        let r = self
            .post(&format!("/tickets/{ticket}/comments"), body)
            .await;
        assert_eq!(r.status, 201, "commenting: {}", r.body);
        r.body
    }

    /// One of `res` by id.
    pub async fn read(self, res: Res, id: &str) -> Resp {
        self.get(&format!("{}/{id}", res.path())).await
    }

    /// Changes one of `res` (no If-Match).
    pub async fn update(self, res: Res, id: &str, body: Value) -> Resp {
        self.patch(&format!("{}/{id}", res.path()), body).await
    }

    /// Deletes one of `res`.
    pub async fn remove(self, res: Res, id: &str) -> Resp {
        self.delete(&format!("{}/{id}", res.path())).await
    }

    /// A page of `res` with `query` (`"limit=5&sort=-created_at"`, or "").
    pub async fn list(self, res: Res, query: &str) -> Resp {
        let q = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        self.get(&format!("{}{q}", res.path())).await
    }
}

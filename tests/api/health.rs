use crate::both_backends;
use crate::helpers::{Backend, spawn_app};

async fn health_and_readiness(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "ok");
    let r = app.get("/readyz").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["storage"], "ok");
    assert_eq!(r.body["bus"], "in-process");
    app.stop().await;
}

async fn every_response_carries_a_request_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.get("/healthz").await;
    let id = r.header("x-request-id").expect("generated id");
    assert!(id.len() >= 8);
    // A sane incoming id is kept so logs can be joined across services…
    let r = app.request_with_id("abc-123.X").await;
    assert_eq!(r.header("x-request-id").as_deref(), Some("abc-123.X"));
    // …one that could smuggle text into logs is replaced.
    let r = app.request_with_id("evil\tid").await;
    assert_ne!(r.header("x-request-id").as_deref(), Some("evil\tid"));
    app.stop().await;
}

async fn unknown_routes_and_methods_are_problems(backend: Backend) {
    let app = spawn_app(backend).await;
    app.get("/no/such/thing")
        .await
        .assert_problem(404, "not_found");
    app.admin("PUT", "/api/v1/tenants", None)
        .await
        .assert_problem(405, "method_not_allowed");
    app.stop().await;
}

both_backends!(
    health_and_readiness,
    every_response_carries_a_request_id,
    unknown_routes_and_methods_are_problems
);

impl crate::helpers::TestApp {
    async fn request_with_id(&self, id: &str) -> crate::helpers::Resp {
        self.request_raw_header("/healthz", "x-request-id", id)
            .await
    }
}

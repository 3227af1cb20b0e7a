//! Many tenants: 200 created through the API, all current afterwards.

use std::time::Instant;

use futures_util::StreamExt;
use futures_util::stream;

use crate::both_backends;
use crate::helpers::{Backend, spawn_app};

async fn two_hundred_tenants_all_current(backend: Backend) {
    let app = spawn_app(backend).await;
    let start = Instant::now();
    let statuses: Vec<u16> = stream::iter(0..200)
        .map(|i| {
            let app = &app;
            async move {
                app.create_tenant(&format!("tenant-{i:03}"))
                    .await
                    .status
                    .as_u16()
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    let elapsed = start.elapsed();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    // Informational, not asserted: timing targets live in the benchmarks.
    eprintln!(
        "{backend:?}: 200 tenants in {:.1}s ({:.0} ms each, 4 concurrent)",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / 200.0
    );
    let checks = app.services.tenants.check_all().await.unwrap();
    assert_eq!(checks.len(), 200);
    for (t, status) in &checks {
        let s = status
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", t.slug));
        assert!(s.is_current(), "{}: {s:?}", t.slug);
    }
    let r = app.admin("GET", "/api/v1/tenants?limit=200", None).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 200);
    assert_eq!(app.get("/t/tenant-199/api/v1/branding").await.status, 200);
    app.stop().await;
}

both_backends!(two_hundred_tenants_all_current);

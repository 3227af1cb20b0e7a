//! Branding and feature flags: what the public branding endpoint shows,
//! how bad settings are refused, and a switched-off feature vanishing from
//! the API and the WebSocket at once, on every node; and the web app
//! served at `/` beside the API.

use mandant::clock::Clock;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, Res, Site};
use crate::realtime::Ws;
use crate::support_kit::node;

both_backends!(
    branding_is_public_validated_and_per_tenant,
    a_disabled_feature_is_gone_everywhere,
    a_disabled_feature_leaves_no_side_door
);

async fn branding_is_public_validated_and_per_tenant(backend: Backend) {
    let app = node(&Site::new(backend).await, &Clock::system()).await;
    let acme = app.tenant_with_owner("acme").await;
    app.tenant_with_owner("globex").await;
    let r = app
        .as_user("acme", &acme)
        .put(
            "/settings/branding",
            json!({"display_name": "ACME Support", "logo_url": "https://cdn.acme.example/logo.svg",
                         "colors": {"primary": "#aa0000", "accent": "#00aa00"}, "locale": "de"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let b = app.anonymous("acme").get("/branding").await;
    assert_eq!(b.body["name"], "ACME Support");
    assert_eq!(b.body["colors"]["primary"], "#aa0000");
    assert_eq!(b.body["locale"], "de");
    assert_eq!(
        b.body["features"],
        json!({"crm": true, "dashboards": true, "sales": true, "support": true})
    );
    // The other tenant keeps its own look.
    let g = app.anonymous("globex").get("/branding").await;
    assert_eq!(
        (g.body["name"].as_str(), g.body["locale"].as_str()),
        (Some("globex GmbH"), Some("en"))
    );
    assert_eq!(g.body["colors"], json!({}));
    // Field by field refusals; nothing changes.
    let r = app
        .as_user("acme", &acme).put("/settings/branding", json!({"logo_url": "http://insecure.example/x.png", "colors": {"primary": "blue"}, "locale": "fr"}))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["logo_url", "colors.primary", "locale"]);
    app.as_user("acme", &acme)
        .put("/settings/branding", json!({"colour": "#000000"}))
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(
        app.anonymous("acme").get("/branding").await.body["name"],
        "ACME Support"
    );
    // Only admins change it.
    let (_, agent) = app
        .user_with_roles("acme", &acme, "a@acme.example", &["agent"])
        .await;
    app.as_user("acme", &agent)
        .put("/settings/branding", json!({"locale": "en"}))
        .await
        .assert_problem(403, "forbidden");
    // The web app is served beside the API; the API's unknown paths stay problems.
    for path in ["/", "/t/acme", "/t/acme/pipeline"] {
        let r = app.request("GET", path, None, None).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.content_type().starts_with("text/html"),
            "{path}: {}",
            r.content_type()
        );
        // No framing (clickjacking), no script but the app's own.
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{csp}"
        );
        assert_eq!(r.header("x-frame-options").as_deref(), Some("DENY"));
    }
    for path in ["/t/acme/api/v1/nothing", "/no/such/thing", "/api/nothing"] {
        app.request("GET", path, None, None)
            .await
            .assert_problem(404, "not_found");
    }
}

async fn a_disabled_feature_is_gone_everywhere(backend: Backend) {
    let site = Site::new(backend).await;
    let (a, b) = (
        node(&site, &Clock::system()).await,
        node(&site, &Clock::system()).await,
    );
    let tok = a.tenant_with_owner("acme").await;
    assert_eq!(
        b.as_user("acme", &tok).list(Res::Deals, "").await.status,
        200
    );
    let mut ws = Ws::connect(&b, "acme", &tok).await.unwrap();
    let r = a
        .as_user("acme", &tok)
        .put("/settings/features", json!({"features": {"sales": false}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["features"]["sales"], false);
    // Gone on the other node too (its directory hears it over the bus).
    crate::support_kit::eventually("the switch to reach the other node", || async {
        (b.as_user("acme", &tok).list(Res::Deals, "").await.status == 404).then_some(())
    })
    .await;
    b.as_user("acme", &tok)
        .list(Res::Pipelines, "")
        .await
        .assert_problem(404, "not_found");
    b.as_user("acme", &tok)
        .get("/dashboards/sales")
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        b.as_user("acme", &tok)
            .get("/dashboards/support")
            .await
            .status,
        200
    );
    assert_eq!(
        b.as_user("acme", &tok).list(Res::Contacts, "").await.status,
        200
    );
    for topic in ["deals", "dashboard:sales"] {
        ws.send(json!({"type": "subscribe", "id": topic, "topic": topic}))
            .await;
        let f = ws.expect_past_notices().await;
        assert_eq!(
            (f["type"].as_str(), f["code"].as_str()),
            (Some("error"), Some("not_found")),
            "{f}"
        );
    }
    assert_eq!(
        b.anonymous("acme").get("/branding").await.body["features"]["sales"],
        false
    );
    a.as_user("acme", &tok)
        .put(
            "/settings/features",
            json!({"features": {"warp_drive": true}}),
        )
        .await
        .assert_problem(422, "validation_failed");
    let r = a
        .as_user("acme", &tok)
        .put("/settings/features", json!({"features": {"sales": true}}))
        .await;
    assert_eq!(r.body["features"]["sales"], true);
    crate::support_kit::eventually("sales to come back", || async {
        (b.as_user("acme", &tok).list(Res::Deals, "").await.status == 200).then_some(())
    })
    .await;
}

/// Switching support off: its settings, its events in the log, and the
/// live subscriptions to its topics on the other node go too, the last
/// with a frame that says why.
async fn a_disabled_feature_leaves_no_side_door(backend: Backend) {
    let site = Site::new(backend).await;
    let (a, b) = (
        node(&site, &Clock::system()).await,
        node(&site, &Clock::system()).await,
    );
    let tok = a.tenant_with_owner("acme").await;
    let r = a
        .as_user("acme", &tok)
        .post("/tickets", json!({"subject": "Printer"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut ws = Ws::connect(&b, "acme", &tok).await.unwrap();
    for topic in ["tickets", "contacts"] {
        ws.send(json!({"type": "subscribe", "id": topic, "topic": topic}))
            .await;
        assert_eq!(ws.expect().await["type"], "subscribed");
    }
    let has_ticket_events = |body: &serde_json::Value| {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "ticket")
    };
    let log = b.as_user("acme", &tok).get("/events?since=0").await;
    assert!(has_ticket_events(&log.body), "{}", log.body);
    assert_eq!(
        b.as_user("acme", &tok)
            .get("/settings/support")
            .await
            .status,
        200
    );
    let r = a
        .as_user("acme", &tok)
        .put(
            "/settings/features",
            json!({"features": {"support": false}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let f = ws.expect_past_notices().await;
    assert_eq!(
        (f["type"].as_str(), f["topic"].as_str(), f["code"].as_str()),
        (
            Some("unsubscribed"),
            Some("tickets"),
            Some("feature_disabled")
        ),
        "{f}"
    );
    crate::support_kit::eventually("the switch to reach the other node", || async {
        (b.as_user("acme", &tok)
            .get("/settings/support")
            .await
            .status
            == 404)
            .then_some(())
    })
    .await;
    let log = b.as_user("acme", &tok).get("/events?since=0").await;
    assert_eq!(log.status, 200);
    assert!(!has_ticket_events(&log.body), "{}", log.body);
    // The contacts subscription lives on.
    a.as_user("acme", &tok)
        .post("/contacts", json!({"last_name": "Still live"}))
        .await;
    let e = ws.expect_past_notices().await;
    assert_eq!(
        (e["type"].as_str(), e["topic"].as_str()),
        (Some("event"), Some("contacts")),
        "{e}"
    );
}

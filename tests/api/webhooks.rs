//! Webhooks (`integrations::webhooks`): delivered from the event log to a
//! real receiver, at least once and in order through an outage, signed
//! as Standard Webhooks says, with the field rules of the endpoint's role;
//! internal addresses refused (SSRF), redirects included; an endpoint
//! failing for a day is disabled; admins see the delivery log.

use std::time::Duration;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Res, Site, TestApp, id, spawn_app, spawn_node};
use crate::webhook_receiver::{Received, Receiver};
use mandant::config::Config;
use mandant::domain::network::Network;

fn allow_loopback(c: &mut Config) {
    c.webhook_allow_networks = vec![Network::parse("127.0.0.1").unwrap()];
    c.webhook_retry_base_ms = 100;
    c.webhook_timeout_secs = 2;
}

async fn app_for_hooks(backend: Backend) -> TestApp {
    spawn_node(&Site::new(backend).await, allow_loopback).await
}

/// The event numbers of what was accepted, in arrival order.
fn seqs(got: &[Received]) -> Vec<i64> {
    got.iter()
        .filter(|r| r.status == 200 && !r.id.starts_with("ping_"))
        .map(|r| r.id.parse().unwrap())
        .collect()
}

both_backends!(every_event_arrives_in_order_and_signed_through_an_outage);

async fn every_event_arrives_in_order_and_signed_through_an_outage(backend: Backend) {
    let app = app_for_hooks(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let rx = Receiver::start().await;
    let r = acme
        .post(
            "/webhooks",
            json!({"url": rx.url, "role": "admin", "event_types": ["contact.*"],
                   "description": "CRM sync"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let hook = id(&r.body);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{}", r.body);
    assert!(r.header("location").unwrap().ends_with(&hook));
    // The secret is shown once.
    let shown = acme.get(&format!("/webhooks/{hook}")).await;
    assert_eq!(shown.status, 200);
    assert!(shown.body.get("secret").is_none(), "{}", shown.body);

    // The receiver is down for its first five requests.
    rx.fail_next(5);
    let mut made = Vec::new();
    for i in 0..8 {
        made.push(id(&acme
            .create(Res::Contacts, json!({"first_name": format!("P{i}"), "last_name": "Test", "email": format!("p{i}@x.example")}))
            .await));
    }
    // A pipeline is not a contact: not sent.
    acme.create(
        Res::Pipelines,
        json!({"name": "Sales", "stages": [{"id": "new", "name": "New", "probability": 10}]}),
    )
    .await;
    let got = rx
        .until("eight contacts accepted", |g| {
            seqs(g)
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len()
                >= 8
        })
        .await;
    let accepted = seqs(&got);
    // In order, each once accepted: at least once, never out of order.
    assert!(accepted.windows(2).all(|w| w[0] < w[1]), "{accepted:?}");
    assert_eq!(accepted.len(), 8, "{accepted:?}");
    assert_eq!(got.iter().filter(|r| r.status == 503).count(), 5);
    for r in &got {
        assert!(r.signed_by(&secret), "a valid signature on {r:?}");
        assert!((r.timestamp - chrono::Utc::now().timestamp()).abs() < 120);
        let body = r.json();
        assert_eq!(body["type"], "contact.created", "{body}");
        assert_eq!(body["seq"].as_i64().unwrap().to_string(), r.id);
        assert!(body["timestamp"].is_string() && body["data"]["id"].is_string());
    }
    let ids: Vec<String> = accepted
        .iter()
        .map(|s| {
            got.iter().find(|r| r.id == s.to_string()).unwrap().json()["record_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids, made, "the contacts, in the order they were made");

    // The delivery log shows the failures, then the success, of the first.
    let log = acme
        .get(&format!("/webhooks/{hook}/deliveries?limit=200"))
        .await;
    assert_eq!(log.status, 200, "{}", log.body);
    let items = log.body["items"].as_array().unwrap();
    let first = accepted[0].to_string();
    let tries: Vec<&Value> = items.iter().filter(|d| d["message_id"] == first).collect();
    assert_eq!(tries.len(), 6, "{tries:#?}");
    assert!(tries.iter().any(|d| d["status"] == 503
        && d["ok"] == false
        && d["response"] == "down for maintenance"
        && d["attempt"] == 5));
    assert!(
        tries
            .iter()
            .any(|d| d["status"] == 200 && d["ok"] == true && d["attempt"] == 6)
    );
    let w = acme.get(&format!("/webhooks/{hook}")).await.body;
    assert_eq!(w["attempts"], 0, "{w}");
    assert!(w["failing_since"].is_null());

    // Replay from the first contact's number: all eight again, in order.
    let before = rx.accepted().len();
    let r = acme
        .post(
            &format!("/webhooks/{hook}/replay"),
            json!({"since": accepted[0] - 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got = rx
        .until("the replay", |g| {
            g.iter().filter(|r| r.status == 200).count() >= before + 8
        })
        .await;
    assert_eq!(seqs(&got)[before..before + 8], accepted[..]);

    // A rotation: the new secret signs, and the old one beside it for a day.
    let r = acme
        .post_empty(&format!("/webhooks/{hook}/rotate-secret"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let new_secret = r.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    assert!(r.body["previous_secret_until"].is_string());
    let ping = acme.post_empty(&format!("/webhooks/{hook}/ping")).await;
    assert_eq!(ping.status, 200, "{}", ping.body);
    assert_eq!(ping.body["ok"], true, "{}", ping.body);
    let last = rx.got().pop().unwrap();
    assert!(last.id.starts_with("ping_"));
    assert_eq!(last.json()["type"], "webhook.ping");
    assert_eq!(last.signatures.len(), 2, "{last:?}");
    assert!(last.signed_by(&new_secret) && last.signed_by(&secret));

    // Deleted: nothing more arrives, and its log is gone with it.
    let n = rx.got().len();
    assert_eq!(acme.delete(&format!("/webhooks/{hook}")).await.status, 204);
    acme.create(
        Res::Contacts,
        json!({"first_name": "Late", "last_name": "L"}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(rx.got().len(), n);
    acme.get(&format!("/webhooks/{hook}/deliveries"))
        .await
        .assert_problem(404, "not_found");
    // The trail has the endpoint's story.
    let trail = acme.get("/audit/events?kind=webhook&limit=50").await;
    let actions: Vec<&str> = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "webhook.created",
        "webhook.replayed",
        "webhook.secret_rotated",
        "webhook.deleted",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

both_backends!(payloads_obey_the_endpoints_role_and_filters);

async fn payloads_obey_the_endpoints_role_and_filters(backend: Backend) {
    let app = app_for_hooks(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    acme.create(
        Res::Roles,
        json!({"name": "discreet", "parent": "viewer", "grants": [
            {"permission": "contacts:read", "scope": "all", "hidden_fields": ["email"]}]}),
    )
    .await;
    let rx = Receiver::start().await;
    let discreet = acme
        .post(
            "/webhooks",
            json!({"url": format!("{}/discreet", rx.url), "role": "discreet",
                                  "event_types": ["contact.created"]}),
        )
        .await;
    assert_eq!(discreet.status, 201, "{}", discreet.body);
    let p1 = id(&acme
        .create(
            Res::Pipelines,
            json!({"name": "One", "stages": [{"id": "new", "name": "New", "probability": 10}]}),
        )
        .await);
    let p2 = acme
        .create(
            Res::Pipelines,
            json!({"name": "Two", "stages": [{"id": "new", "name": "New", "probability": 10}]}),
        )
        .await;
    let only_one = acme
        .post(
            "/webhooks",
            json!({"url": format!("{}/deals", rx.url), "role": "admin",
                                  "event_types": ["deal.*"], "topics": [format!("pipeline:{p1}")]}),
        )
        .await;
    assert_eq!(only_one.status, 201, "{}", only_one.body);

    acme.create(
        Res::Contacts,
        json!({"first_name": "Eve", "last_name": "Vil", "email": "eve@secret.example"}),
    )
    .await;
    let d2 = acme
        .create(
            Res::Deals,
            json!({"title": "Elsewhere", "pipeline_id": id(&p2), "stage_id": "new"}),
        )
        .await;
    let d1 = acme
        .create(
            Res::Deals,
            json!({"title": "Here", "pipeline_id": p1, "stage_id": "new"}),
        )
        .await;
    rx.until("the contact and the deal", |g| {
        g.iter().any(|r| r.path.ends_with("/discreet"))
            && g.iter().any(|r| r.path.ends_with("/deals"))
    })
    .await;
    // Whatever else would come has had time to.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = rx.got();
    let raw = got.iter().find(|r| r.path.ends_with("/discreet")).unwrap();
    let contact = raw.json();
    assert_eq!(contact["data"]["first_name"], "Eve", "{contact}");
    assert!(
        contact["data"].get("email").is_none(),
        "the role hides email: {contact}"
    );
    assert!(!String::from_utf8_lossy(&raw.body).contains("secret.example"));
    // The discreet role reads no deals; the filtered endpoint only pipeline one's.
    assert!(
        got.iter()
            .filter(|r| r.path.ends_with("/discreet"))
            .all(|r| r.json()["kind"] == "contact")
    );
    let deals: Vec<Value> = got
        .iter()
        .filter(|r| r.path.ends_with("/deals"))
        .map(Received::json)
        .collect();
    assert!(
        deals.iter().all(|d| d["record_id"] == d1["id"]),
        "{deals:#?}"
    );
    assert!(deals.iter().all(|d| d["record_id"] != d2["id"]));
}

both_backends!(internal_targets_are_refused_redirects_included);

async fn internal_targets_are_refused_redirects_included(backend: Backend) {
    // The operator allows nothing internal: the default.
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let rx = Receiver::start().await;
    for url in [
        rx.url.clone(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[::1]:8080/".to_owned(),
        "http://10.0.0.7/hook".to_owned(),
        format!("http://localhost:{}/hook", rx.port),
        "http://[::ffff:127.0.0.1]/".to_owned(),
        "http://2130706433/".to_owned(),
        "ftp://example.com/".to_owned(),
        "https://user:pw@example.com/".to_owned(),
        "not a url".to_owned(),
        "http://exa\0mple.com/".to_owned(),
    ] {
        let r = acme
            .post("/webhooks", json!({"url": url, "role": "admin"}))
            .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), ["url"], "{url}: {}", r.body);
    }
    assert_eq!(rx.got().len(), 0);

    // Allowed 127.0.0.1 only: a redirect to metadata or to another
    // loopback address is refused at the hop, and nothing is sent there.
    let app = app_for_hooks(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let r = acme
        .post(
            "/webhooks",
            json!({"url": format!("http://127.0.0.1:{}/redirect", rx.port), "role": "admin"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let hook = id(&r.body);
    for target in [
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        format!("http://127.0.0.2:{}/hook", rx.port),
        format!("http://[::1]:{}/hook", rx.port),
    ] {
        rx.redirect_to(&target);
        let ping = acme.post_empty(&format!("/webhooks/{hook}/ping")).await;
        assert_eq!(ping.status, 200, "{}", ping.body);
        assert_eq!(ping.body["ok"], false, "{target}: {}", ping.body);
        let error = ping.body["error"].as_str().unwrap();
        assert!(error.starts_with("refused"), "{target}: {error}");
    }
    // A redirect to an allowed place is followed, the body re-signed as is.
    rx.redirect_to(&rx.url);
    let ping = acme.post_empty(&format!("/webhooks/{hook}/ping")).await;
    assert_eq!(ping.body["ok"], true, "{}", ping.body);
    assert_eq!(rx.got().last().unwrap().path, "/hook");

    // A receiver that hangs is given up at the deadline.
    let r = acme
        .post(
            "/webhooks",
            json!({"url": format!("http://127.0.0.1:{}/hang", rx.port), "role": "admin"}),
        )
        .await;
    let ping = acme
        .post_empty(&format!("/webhooks/{}/ping", id(&r.body)))
        .await;
    assert_eq!(ping.body["ok"], false, "{}", ping.body);
    assert!(
        ping.body["error"].as_str().unwrap().contains("timed out"),
        "{}",
        ping.body
    );
    assert!(
        ping.body["latency_ms"].as_i64().unwrap() < 5000,
        "{}",
        ping.body
    );
}

both_backends!(bad_webhook_input_is_refused_by_name);

async fn bad_webhook_input_is_refused_by_name(backend: Backend) {
    let app = app_for_hooks(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let rx = Receiver::start().await;
    let cases = [
        (json!({"role": "admin"}), "url"),
        (json!({"url": rx.url}), "role"),
        (json!({"url": rx.url, "role": "ghost"}), "role"),
        (
            json!({"url": rx.url, "role": "admin", "event_types": []}),
            "event_types",
        ),
        (
            json!({"url": rx.url, "role": "admin", "event_types": ["pets.*"]}),
            "event_types",
        ),
        (
            json!({"url": rx.url, "role": "admin", "event_types": ["contact.*x"]}),
            "event_types",
        ),
        (
            json!({"url": rx.url, "role": "admin", "topics": ["dashboard:sales"]}),
            "topics",
        ),
        (
            json!({"url": rx.url, "role": "admin", "topics": ["pipeline:nope"]}),
            "topics",
        ),
        (
            json!({"url": rx.url, "role": "admin", "description": "a\u{0}b"}),
            "description",
        ),
    ];
    for (body, field) in cases {
        let r = acme.post("/webhooks", body.clone()).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), [field], "{body}: {}", r.body);
    }
    let r = acme
        .post(
            "/webhooks",
            json!({"url": rx.url, "role": "admin", "secret": "mine"}),
        )
        .await;
    assert!(r.status == 400 || r.status == 422, "{}", r.body);
    // Replay past the head, a bad cursor, an unknown endpoint.
    let hook = id(&acme
        .post("/webhooks", json!({"url": rx.url, "role": "admin"}))
        .await
        .body);
    acme.post(
        &format!("/webhooks/{hook}/replay"),
        json!({"since": 1_000_000}),
    )
    .await
    .assert_problem(422, "validation_failed");
    acme.get(&format!("/webhooks/{hook}/deliveries?cursor=x"))
        .await
        .assert_problem(422, "validation_failed");
    acme.get("/webhooks/0190a0a0-0000-7000-8000-000000000000")
        .await
        .assert_problem(404, "not_found");

    // Nobody hands an endpoint more than they hold: an admin whose role
    // may manage webhooks cannot make one that reads as the owner.
    acme.create(
        Res::Roles,
        json!({"name": "integrator", "parent": "viewer", "grants": [
            {"permission": "webhooks:write", "scope": "all"},
            {"permission": "webhooks:read", "scope": "all"}]}),
    )
    .await;
    let (_, integrator) = app
        .user_with_roles("acme", &owner, "ian@acme.example", &["integrator"])
        .await;
    let as_ian = app.as_user("acme", &integrator);
    as_ian
        .post("/webhooks", json!({"url": rx.url, "role": "owner"}))
        .await
        .assert_problem(403, "forbidden");
    let r = as_ian
        .post("/webhooks", json!({"url": rx.url, "role": "viewer"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // An agent may not see webhooks at all.
    let (_, agent) = app
        .user_with_roles("acme", &owner, "ann@acme.example", &["agent"])
        .await;
    app.as_user("acme", &agent)
        .get("/webhooks")
        .await
        .assert_problem(403, "forbidden");
    // Another tenant's admin sees none of acme's.
    let other = app.tenant_with_owner("globex").await;
    let globex = app.as_user("globex", &other);
    assert_eq!(globex.get("/webhooks").await.body["items"], json!([]));
    globex
        .get(&format!("/webhooks/{hook}"))
        .await
        .assert_problem(404, "not_found");
}

both_backends!(an_endpoint_failing_for_a_day_is_disabled_then_resumes_where_it_stopped);

async fn an_endpoint_failing_for_a_day_is_disabled_then_resumes_where_it_stopped(backend: Backend) {
    let clock = mandant::clock::Clock::manual(chrono::Utc::now());
    let c2 = clock.clone();
    let smtp = crate::smtp_sink::SmtpSink::start();
    let smtp_url = smtp.url();
    let app = spawn_node(&Site::new(backend).await, move |c| {
        allow_loopback(c);
        c.clock = c2;
        c.smtp_url = Some(mandant::secret::Secret::new(smtp_url));
    })
    .await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let rx = Receiver::start().await;
    rx.set_down(true);
    let hook = id(&acme
        .post(
            "/webhooks",
            json!({"url": rx.url, "role": "admin", "event_types": ["contact.created"]}),
        )
        .await
        .body);
    acme.create(
        Res::Contacts,
        json!({"first_name": "Ada", "last_name": "L"}),
    )
    .await;
    rx.until("a failed attempt", |g| !g.is_empty()).await;
    // The next attempt waits on the (hand-moved) clock.
    let mut w = Value::Null;
    for _ in 0..50 {
        w = acme.get(&format!("/webhooks/{hook}")).await.body;
        if w["attempts"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        w["failing_since"].is_string() && w["next_attempt_at"].is_string(),
        "{w}"
    );
    assert_eq!(w["enabled"], true);

    // A day later it still fails: disabled, with the reason, and trailed.
    clock.advance(chrono::TimeDelta::hours(25));
    let mut w = Value::Null;
    for _ in 0..100 {
        w = acme.get(&format!("/webhooks/{hook}")).await.body;
        if w["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(w["enabled"], false, "{w}");
    let reason = w["disabled_reason"].as_str().unwrap();
    assert!(
        reason.contains("failing since") && reason.contains("503"),
        "{reason}"
    );
    let trail = acme.get("/audit/events?action=webhook.disabled").await;
    assert_eq!(
        trail.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        trail.body
    );
    // Its maker is told by mail.
    let told = &smtp.wait_for(1).await[0];
    assert_eq!(told["rcpt_tos"], json!(["admin@acme.example"]));
    assert_eq!(told["subject"], format!("Webhook switched off: {}", rx.url));
    assert!(
        told["text"]
            .as_str()
            .unwrap()
            .contains("/t/acme/admin/webhooks"),
        "{told}"
    );
    let tried = rx.got().len();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(rx.got().len(), tried, "a disabled endpoint is left alone");

    // Enabled again once the receiver is back: the event still arrives.
    rx.set_down(false);
    acme.create(
        Res::Contacts,
        json!({"first_name": "Bob", "last_name": "B"}),
    )
    .await;
    let r = acme
        .patch(&format!("/webhooks/{hook}"), json!({"enabled": true}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["disabled_reason"].is_null() && r.body["disabled_cause"].is_null());
    let got = rx.until("both contacts", |g| seqs(g).len() >= 2).await;
    let names: Vec<String> = got
        .iter()
        .filter(|r| r.status == 200)
        .map(|r| r.json()["data"]["first_name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Ada", "Bob"]);
}

both_backends!(another_node_takes_over_an_endpoint_when_its_driver_dies);

/// Two nodes on one site: one drives the endpoint (the other sends
/// nothing twice), and when its delivery dies without a word the other
/// takes over from the stored cursor once the lease runs out.
async fn another_node_takes_over_an_endpoint_when_its_driver_dies(backend: Backend) {
    let site = Site::new(backend).await;
    let setup = |c: &mut Config| {
        allow_loopback(c);
        c.webhook_lease_secs = 3;
    };
    let a = spawn_node(&site, setup).await;
    let owner = a.tenant_with_owner("acme").await;
    let rx = Receiver::start().await;
    let hook = a
        .as_user("acme", &owner)
        .post(
            "/webhooks",
            json!({"url": rx.url, "role": "admin", "event_types": ["contact.created"]}),
        )
        .await;
    assert_eq!(hook.status, 201, "{}", hook.body);
    a.as_user("acme", &owner)
        .create(
            Res::Contacts,
            json!({"first_name": "One", "last_name": "A"}),
        )
        .await;
    rx.until("the first contact", |g| seqs(g).len() == 1).await;

    // B starts while A holds the endpoint: each event still arrives once.
    let b = spawn_node(&site, setup).await;
    for n in ["Two", "Three"] {
        b.as_user("acme", &owner)
            .create(Res::Contacts, json!({"first_name": n, "last_name": "B"}))
            .await;
    }
    rx.until("three contacts", |g| seqs(g).len() == 3).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        seqs(&rx.got()).len(),
        3,
        "nothing sent twice while both run"
    );

    // A's delivery dies (its lease is not given back); B takes over.
    a.services.shutdown.send(true).unwrap();
    for n in ["Four", "Five", "Six"] {
        a.as_user("acme", &owner)
            .create(Res::Contacts, json!({"first_name": n, "last_name": "A"}))
            .await;
    }
    let got = rx
        .until("six contacts", |g| {
            seqs(g)
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len()
                == 6
        })
        .await;
    let mut firsts: Vec<i64> = Vec::new();
    for s in seqs(&got) {
        if !firsts.contains(&s) {
            firsts.push(s);
        }
    }
    assert!(
        firsts.windows(2).all(|w| w[0] < w[1]),
        "in order: {firsts:?}"
    );
    let names: Vec<String> = got
        .iter()
        .filter(|r| r.status == 200)
        .map(|r| r.json()["data"]["first_name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names[names.len() - 3..], ["Four", "Five", "Six"]);
}

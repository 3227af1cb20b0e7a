//! SLA clocks: counted in business hours across a weekend and a holiday,
//! paused and resumed, and each warning and breach fired exactly once,
//! after a restart and with two nodes racing for it.

use chrono::Duration;
use mandant::clock::Clock;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, Res, Site};
use crate::support_kit::{at, events_of, exactly, node, queue_with_policy, settle};

both_backends!(
    business_hours_skip_the_weekend_and_a_holiday,
    a_paused_clock_resumes_where_it_stopped,
    alarms_fire_once_across_restarts,
    two_nodes_fire_each_alarm_once,
    bad_calendars_are_refused,
);

async fn business_hours_skip_the_weekend_and_a_holiday(backend: Backend) {
    // Friday 25 December 2026, 16:00 in Berlin.
    let clock = Clock::manual(at("2026-12-25T15:00:00Z"));
    let app = node(&Site::new(backend).await, &clock).await;
    let tok = app.tenant_with_owner("acme").await;
    let r = app
        .as_user("acme", &tok)
        .put(
            "/settings/business-calendar",
            json!({"time_zone": "Europe/Berlin", "holidays": ["2026-12-28"],
                        "hours": {"mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]],
                                  "wed": [["09:00", "17:00"]], "thu": [["09:00", "17:00"]],
                                  "fri": [["09:00", "17:00"]]}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let q = queue_with_policy(
        &app,
        &tok,
        json!({"first_response_mins": 120}),
        true,
        json!({}),
    )
    .await;
    let t = app
        .as_user("acme", &tok)
        .create(
            Res::Tickets,
            json!({"subject": "Printer on fire", "queue_id": q}),
        )
        .await;
    // One working hour on Friday; Saturday, Sunday and the holiday Monday
    // do not count; the second hour ends Tuesday 10:00 Berlin (09:00 UTC).
    let fr = &t["sla"]["first_response"];
    assert_eq!(fr["due_at"], "2026-12-29T09:00:00Z", "{t}");
    // 80 % of 120 minutes: 60 on Friday, 36 on Tuesday.
    assert_eq!(fr["warn_at"], "2026-12-29T08:36:00Z", "{t}");

    clock.set(at("2026-12-29T08:35:59Z"));
    settle(&app).await;
    assert!(events_of(&app, &tok, "ticket.sla_warning").await.is_empty());
    clock.set(at("2026-12-29T08:36:00Z"));
    let w = exactly(&[&app], &tok, "ticket.sla_warning", 1).await;
    // The engine's alarm is in the audit trail as the engine's.
    let audit = app
        .as_user("acme", &tok)
        .get("/audit/events?action=ticket.sla_warning")
        .await;
    assert_eq!(
        audit.body["items"][0]["actor"],
        json!({"type": "engine"}),
        "{}",
        audit.body
    );
    assert_eq!(
        audit.body["items"][0]["detail"]["change"]["metric"],
        "first_response"
    );
    assert_eq!(
        w[0]["data"]["change"],
        json!({"metric": "first_response", "at": "2026-12-29T08:36:00Z"})
    );
    assert!(
        events_of(&app, &tok, "ticket.sla_breached")
            .await
            .is_empty()
    );
    clock.set(at("2026-12-29T09:00:00Z"));
    let b = exactly(&[&app], &tok, "ticket.sla_breached", 1).await;
    assert_eq!(b[0]["record_id"], t["id"]);
    assert_eq!(
        b[0]["data"]["sla"]["first_response"]["breached_at"],
        "2026-12-29T09:00:00Z"
    );
    // Much later, still once each.
    clock.advance(Duration::days(3));
    exactly(&[&app], &tok, "ticket.sla_warning", 1).await;
    exactly(&[&app], &tok, "ticket.sla_breached", 1).await;
}

async fn a_paused_clock_resumes_where_it_stopped(backend: Backend) {
    let t0 = at("2026-11-02T10:00:00Z");
    let clock = Clock::manual(t0);
    let app = node(&Site::new(backend).await, &clock).await;
    let tok = app.tenant_with_owner("acme").await;
    let q = queue_with_policy(&app, &tok, json!({"resolution_mins": 60}), false, json!({})).await;
    let t = app
        .as_user("acme", &tok)
        .create(Res::Tickets, json!({"subject": "Slow", "queue_id": q}))
        .await;
    let id = t["id"].as_str().unwrap();
    let path = format!("/tickets/{id}");
    clock.set(t0 + Duration::minutes(20));
    let r = app
        .as_user("acme", &tok)
        .patch(&path, json!({"status": "pending"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["sla"]["resolution"]["state"], "paused");
    assert_eq!(r.body["sla"]["resolution"]["due_at"], json!(null));
    // Paused well past the original due instant: nothing fires.
    clock.set(t0 + Duration::minutes(70));
    settle(&app).await;
    assert!(
        events_of(&app, &tok, "ticket.sla_breached")
            .await
            .is_empty()
    );
    clock.set(t0 + Duration::minutes(80));
    let r = app
        .as_user("acme", &tok)
        .patch(&path, json!({"status": "open"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // 20 minutes were used; 40 remain from 11:20.
    assert_eq!(
        r.body["sla"]["resolution"]["due_at"],
        "2026-11-02T12:00:00Z"
    );
    clock.set(t0 + Duration::minutes(119));
    settle(&app).await;
    assert!(
        events_of(&app, &tok, "ticket.sla_breached")
            .await
            .is_empty()
    );
    clock.set(t0 + Duration::minutes(120));
    exactly(&[&app], &tok, "ticket.sla_breached", 1).await;
    // Resolving meets the clock; reopening and resolving again adds nothing.
    let r = app
        .as_user("acme", &tok)
        .patch(&path, json!({"status": "resolved"}))
        .await;
    assert_eq!(r.body["sla"]["resolution"]["state"], "met", "{}", r.body);
}

async fn alarms_fire_once_across_restarts(backend: Backend) {
    let t0 = at("2026-11-02T10:00:00Z");
    let clock = Clock::manual(t0);
    let site = Site::new(backend).await;
    let a = node(&site, &clock).await;
    let tok = a.tenant_with_owner("acme").await;
    let q = queue_with_policy(
        &a,
        &tok,
        json!({"first_response_mins": 10}),
        false,
        json!({}),
    )
    .await;
    for i in 0..3 {
        a.as_user("acme", &tok)
            .create(
                Res::Tickets,
                json!({"subject": format!("T{i}"), "queue_id": q}),
            )
            .await;
    }
    clock.set(t0 + Duration::minutes(8));
    exactly(&[&a], &tok, "ticket.sla_warning", 3).await;
    a.stop().await;
    // While no node runs, the breach comes due.
    clock.set(t0 + Duration::minutes(30));
    let b = node(&site, &clock).await;
    exactly(&[&b], &tok, "ticket.sla_breached", 3).await;
    exactly(&[&b], &tok, "ticket.sla_warning", 3).await;
    b.stop().await;
    let c = node(&site, &clock).await;
    clock.advance(Duration::minutes(5));
    exactly(&[&c], &tok, "ticket.sla_breached", 3).await;
    exactly(&[&c], &tok, "ticket.sla_warning", 3).await;
}

async fn two_nodes_fire_each_alarm_once(backend: Backend) {
    let t0 = at("2026-11-02T10:00:00Z");
    let clock = Clock::manual(t0);
    let site = Site::new(backend).await;
    let a = node(&site, &clock).await;
    let b = node(&site, &clock).await;
    let tok = a.tenant_with_owner("acme").await;
    let q = queue_with_policy(
        &a,
        &tok,
        json!({"first_response_mins": 10}),
        false,
        json!({}),
    )
    .await;
    // Writes through both nodes: each runs the tenant's queue and timers.
    let mut ids = Vec::new();
    for i in 0..10 {
        let n = if i % 2 == 0 { &a } else { &b };
        ids.push(
            n.as_user("acme", &tok)
                .create(
                    Res::Tickets,
                    json!({"subject": format!("T{i}"), "queue_id": q}),
                )
                .await["id"]
                .clone(),
        );
    }
    clock.set(t0 + Duration::minutes(8));
    let w = exactly(&[&a, &b], &tok, "ticket.sla_warning", 10).await;
    clock.set(t0 + Duration::minutes(10));
    let br = exactly(&[&b, &a], &tok, "ticket.sla_breached", 10).await;
    for id in &ids {
        assert_eq!(w.iter().filter(|e| e["record_id"] == *id).count(), 1);
        assert_eq!(br.iter().filter(|e| e["record_id"] == *id).count(), 1);
    }
}

async fn bad_calendars_are_refused(backend: Backend) {
    let clock = Clock::manual(at("2026-11-02T10:00:00Z"));
    let app = node(&Site::new(backend).await, &clock).await;
    let tok = app.tenant_with_owner("acme").await;
    let put = |body| {
        app.as_user("acme", &tok)
            .put("/settings/business-calendar", body)
    };
    let r = put(json!({"time_zone": "Atlantis/Capital", "hours": {"mon": [["18:00", "09:00"]], "someday": []}})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(
        r.error_fields(),
        ["time_zone", "hours.mon[0]", "hours.someday"]
    );
    put(json!({"time_zone": "UTC", "hours": {}, "holidays": ["2026-02-30"]}))
        .await
        .assert_problem(422, "validation_failed");
    put(json!({"time_zone": "UTC", "hours": {}, "extra": 1}))
        .await
        .assert_problem(422, "validation_failed");
    // The calendar stays what it was.
    let r = app
        .as_user("acme", &tok)
        .get("/settings/business-calendar")
        .await;
    assert_eq!(r.body["time_zone"], "UTC");
    assert_eq!(r.body["hours"]["mon"], json!([["09:00", "17:00"]]));
    // A policy with a bad warning share is refused field by field.
    let r = app
        .as_user("acme", &tok).post("/sla-policies", json!({"name": "X", "targets": {"normal": {"first_response_mins": 0}}, "warn_percent": 100}))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(
        r.error_fields(),
        ["targets.normal.first_response_mins", "warn_percent"]
    );
}

//! Retention rules (`records::retention_policy`, `retention_run`): a dry
//! run names what each rule would remove and removes nothing; a run
//! removes exactly that, live and audited as the rule's; a record that is
//! held, or that something referring to it keeps busy, stays; one run at
//! a time per tenant; bad rules are refused whole.

use std::time::Duration;

use chrono::TimeDelta;
use mandant::clock::Clock;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Res, Site, TestApp, id};
use crate::realtime::Ws;
use crate::support_kit::{at, node};

both_backends!(
    anonymising_keeps_what_reports_count_and_nothing_that_names_anyone,
    rules_remove_what_has_been_quiet_after_a_dry_run_says_so,
    one_run_at_a_time_and_bad_rules_are_refused
);

fn rule<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no rule {name} in {report}"))
}

async fn close(app: &TestApp, tok: &str, ticket: &Value) {
    let r = app
        .as_user("acme", tok)
        .update(Res::Tickets, &id(ticket), json!({"status": "closed"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

async fn rules_remove_what_has_been_quiet_after_a_dry_run_says_so(backend: Backend) {
    let clock = Clock::manual(at("2024-03-01T09:00:00Z"));
    let app = node(&Site::new(backend).await, &clock).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);

    let old_closed = acme
        .create(Res::Tickets, json!({"subject": "Printer on fire"}))
        .await;
    acme.comment(&id(&old_closed), json!({"body": "Extinguished"}))
        .await;
    close(&app, &owner, &old_closed).await;
    let old_open = acme
        .create(Res::Tickets, json!({"subject": "Still waiting"}))
        .await;
    let held = acme
        .create(Res::Tickets, json!({"subject": "Lawsuit evidence"}))
        .await;
    close(&app, &owner, &held).await;
    acme.put(
        &format!("/tickets/{}/hold", id(&held)),
        json!({"reason": "Case 2024-17"}),
    )
    .await;
    let commented = acme
        .create(Res::Tickets, json!({"subject": "Reopened talk"}))
        .await;
    close(&app, &owner, &commented).await;
    let quiet = acme
        .create(
            Res::Contacts,
            json!({"first_name": "Quentin", "last_name": "Quietly", "email": "quentin@quiet.example"}),
        )
        .await;
    let busy = acme
        .create(Res::Contacts, json!({"last_name": "Busybody"}))
        .await;

    // Four hundred days later, someone logs a call with one contact and
    // comments on one closed ticket: both are in use again.
    clock.advance(TimeDelta::days(400));
    acme.create(
        Res::Activities,
        json!({"type": "call", "subject": "Catch-up", "related_kind": "contact", "related_id": id(&busy)}),
    )
    .await;
    acme.comment(&id(&commented), json!({"body": "One more thing"}))
        .await;

    let policy = json!({"rules": [
        {"name": "closed tickets", "kind": "ticket", "action": "delete",
         "unchanged_for_days": 365, "statuses": ["closed"]},
        {"name": "inactive contacts", "kind": "contact", "action": "erase",
         "unchanged_for_days": 365},
        {"name": "old deals (paused)", "kind": "deal", "action": "delete",
         "unchanged_for_days": 30, "enabled": false},
    ]});
    let r = acme.put("/settings/retention", policy.clone()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        acme.get("/settings/retention").await.body["rules"][2]["enabled"],
        false
    );

    let dry = acme.post_empty("/settings/retention/dry-run").await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    let tickets = rule(&dry.body, "closed tickets");
    assert_eq!(tickets["matched"], 1, "{tickets}");
    assert_eq!(tickets["records"], json!([id(&old_closed)]));
    assert_eq!(tickets["gone"], json!({"comment": 1, "ticket": 1}));
    assert_eq!(tickets["held"], 1);
    let contacts = rule(&dry.body, "inactive contacts");
    assert_eq!(contacts["records"], json!([id(&quiet)]), "{contacts}");
    // The dry run changed nothing.
    assert_eq!(acme.read(Res::Tickets, &id(&old_closed)).await.status, 200);
    assert_eq!(acme.read(Res::Contacts, &id(&quiet)).await.status, 200);

    let mut ws = Ws::connect(&app, "acme", &owner).await.unwrap();
    ws.send(json!({"type": "subscribe", "id": "t", "topic": "tickets"}))
        .await;
    assert_eq!(ws.expect().await["type"], "subscribed");

    let run = acme.post_empty("/settings/retention/run").await;
    assert_eq!(run.status, 200, "{}", run.body);
    assert_eq!(
        rule(&run.body, "closed tickets")["records"],
        tickets["records"]
    );
    assert_eq!(rule(&run.body, "inactive contacts")["matched"], 1);
    assert!(
        run.body["rules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["name"] != "old deals (paused)"),
        "a paused rule is not applied: {}",
        run.body
    );

    for (res, rec, status) in [
        (Res::Tickets, &old_closed, 404),
        (Res::Tickets, &old_open, 200),
        (Res::Tickets, &held, 200),
        (Res::Tickets, &commented, 200),
        (Res::Contacts, &quiet, 404),
        (Res::Contacts, &busy, 200),
    ] {
        assert_eq!(acme.read(res, &id(rec)).await.status, status, "{rec}");
    }

    // Live: the ticket view drops the ticket the rule removed.
    let mut gone = None;
    while let Some(f) = ws.next(Duration::from_secs(3)).await {
        if f["type"] == "event" && f["event"] == "ticket.deleted" {
            gone = Some(f);
            break;
        }
    }
    assert_eq!(
        gone.expect("ticket.deleted arrives")["data"]["id"],
        old_closed["id"]
    );

    // Audited as the rule's, with a summary per rule.
    let entry = &acme
        .get(&format!("/audit/events?record={}", id(&old_closed)))
        .await
        .body["items"][0];
    assert_eq!(entry["action"], "ticket.deleted");
    assert_eq!(
        entry["actor"],
        json!({"type": "retention", "rule": "closed tickets"})
    );
    let applied = acme
        .get("/audit/events?action=retention.applied")
        .await
        .body;
    assert_eq!(applied["items"].as_array().unwrap().len(), 2, "{applied}");

    // Erased, not merely deleted: the log no longer names the person.
    let log = acme
        .get("/events?since=0&limit=1000")
        .await
        .body
        .to_string();
    assert!(
        !log.contains("Quietly") && !log.contains("quentin@"),
        "{log}"
    );

    // Nothing left to do but the held ticket.
    let again = acme.post_empty("/settings/retention/dry-run").await.body;
    assert_eq!(rule(&again, "closed tickets")["matched"], 0);
    assert_eq!(rule(&again, "closed tickets")["held"], 1);
    assert_eq!(rule(&again, "inactive contacts")["matched"], 0);
}

async fn one_run_at_a_time_and_bad_rules_are_refused(backend: Backend) {
    let clock = Clock::manual(at("2024-03-01T09:00:00Z"));
    let app = node(&Site::new(backend).await, &clock).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let good = json!({"rules": [{"name": "closed tickets", "kind": "ticket", "action": "delete",
                                  "unchanged_for_days": 365, "statuses": ["closed"]}]});
    assert_eq!(
        acme.put("/settings/retention", good.clone()).await.status,
        200
    );

    // Another node is running the rules: this one waits its turn.
    let tenant = app.services.tenants.get("acme").await.unwrap();
    let db = app.services.storage.tenant_db(&tenant).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let now = clock.now();
    assert!(
        mandant::storage::leases::take(
            &mut tx,
            "retention",
            "node-b",
            now,
            now + TimeDelta::minutes(2)
        )
        .await
        .unwrap()
    );
    tx.commit().await.unwrap();
    acme.post_empty("/settings/retention/run")
        .await
        .assert_problem(409, "conflict");
    // A node that died holding the lease gives it up when it runs out.
    clock.advance(TimeDelta::minutes(3));
    assert_eq!(acme.post_empty("/settings/retention/run").await.status, 200);

    let one = |r: Value| json!({"rules": [r]});
    let base = json!({"name": "r", "kind": "ticket", "action": "delete", "unchanged_for_days": 30});
    let with = |k: &str, v: Value| {
        let mut r = base.clone();
        r[k] = v;
        one(r)
    };
    for (body, field) in [
        (with("kind", json!("pipeline")), "rules.0.kind"),
        (with("action", json!("archive")), ""),
        (
            with("unchanged_for_days", json!(0)),
            "rules.0.unchanged_for_days",
        ),
        (
            with("unchanged_for_days", json!(36_501)),
            "rules.0.unchanged_for_days",
        ),
        (with("unchanged_for_days", json!(1.5)), ""),
        (with("name", json!("")), "rules.0.name"),
        (with("name", json!("   ")), "rules.0.name"),
        (with("name", json!("a\u{0}b")), "rules.0.name"),
        (with("name", json!("x".repeat(101))), "rules.0.name"),
        (with("statuses", json!(["archived"])), "rules.0.statuses"),
        (with("statuses", json!([])), "rules.0.statuses"),
        (with("statuses", Value::Null), ""),
        (with("enabled", Value::Null), ""),
        (with("surprise", json!(true)), ""),
        (
            json!({"rules": [{"name": "c", "kind": "contact", "action": "erase",
                              "unchanged_for_days": 30, "statuses": ["closed"]}]}),
            "rules.0.statuses",
        ),
        (
            json!({"rules": [base.clone(), {"name": "R", "kind": "deal", "action": "delete", "unchanged_for_days": 9}]}),
            "rules.1.name",
        ),
        (
            json!({"rules": (0..51).map(|i| { let mut r = base.clone(); r["name"] = json!(format!("r{i}")); r }).collect::<Vec<_>>()}),
            "rules",
        ),
    ] {
        let r = acme.put("/settings/retention", body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        assert_eq!(r.content_type(), "application/problem+json");
        if !field.is_empty() {
            assert!(
                r.error_fields().contains(&field.to_owned()),
                "{body}: {}",
                r.body
            );
        }
    }
    let r = acme.put("/settings/retention", json!([1])).await;
    assert_eq!(r.status, 422, "{}", r.body);
    // Nothing half-kept: the rules as set (enabled, the default, said).
    let mut kept = good.clone();
    kept["rules"][0]["enabled"] = json!(true);
    assert_eq!(acme.get("/settings/retention").await.body, kept);

    // Rules are the admins': a manager neither reads, sets nor runs them.
    let (_, manager) = app
        .user_with_roles("acme", &owner, "mia@acme.example", &["manager"])
        .await;
    let mia = app.as_user("acme", &manager);
    mia.get("/settings/retention")
        .await
        .assert_problem(403, "forbidden");
    mia.put("/settings/retention", good.clone())
        .await
        .assert_problem(403, "forbidden");
    for path in ["/settings/retention/dry-run", "/settings/retention/run"] {
        mia.post_empty(path).await.assert_problem(403, "forbidden");
    }
    // Another tenant's rules are its own.
    let other = app.tenant_with_owner("globex").await;
    let globex = app.as_user("globex", &other);
    assert_eq!(
        globex.get("/settings/retention").await.body,
        json!({"rules": []})
    );
}

/// `anonymise`: the record stays with its status, priority, queue and
/// dates, and loses its texts, tags, custom fields, its requester and its
/// comments, in the record, the log, a replay, the trail and the tables;
/// it says when and by which rule, and is not anonymised twice.
async fn anonymising_keeps_what_reports_count_and_nothing_that_names_anyone(backend: Backend) {
    let clock = Clock::manual(at("2024-03-01T09:00:00Z"));
    let app = node(&Site::new(backend).await, &clock).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let r = acme
        .post(
            "/custom-fields",
            json!({"kind": "ticket", "key": "order_ref", "type": "text"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let anna = acme
        .create(
            Res::Contacts,
            json!({"first_name": "Anna", "last_name": "Asker"}),
        )
        .await;
    let carl = acme
        .create(
            Res::Contacts,
            json!({"first_name": "Carl", "last_name": "Carlsson", "email": "carl@quiet.example", "phone": "+49 30 1234567"}),
        )
        .await;
    let ticket = acme
        .create(
            Res::Tickets,
            json!({"subject": "Insurance no. INS-SECRET-4711", "description": "Call me on CALL-SECRET-0170",
                   "priority": "high", "skills": ["billing"], "requester_id": id(&anna),
                   "custom": {"order_ref": "ORD-SECRET-1"}}),
        )
        .await;
    acme.comment(&id(&ticket), json!({"body": "COMMENT-SECRET body"}))
        .await;
    close(&app, &owner, &ticket).await;
    clock.advance(TimeDelta::days(400));

    let policy = json!({"rules": [
        {"name": "old tickets", "kind": "ticket", "action": "anonymise",
         "unchanged_for_days": 365, "statuses": ["closed"]},
        {"name": "old contacts", "kind": "contact", "action": "anonymise",
         "unchanged_for_days": 365},
    ]});
    let r = acme.put("/settings/retention", policy).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let dry = acme.post_empty("/settings/retention/dry-run").await.body;
    let tickets = rule(&dry, "old tickets");
    assert_eq!(tickets["records"], json!([id(&ticket)]), "{dry}");
    assert_eq!(tickets["gone"], json!({"comment": 1}));
    // Anna's ticket has been as quiet as she has.
    let contacts = rule(&dry, "old contacts");
    assert_eq!(contacts["records"], json!([id(&anna), id(&carl)]), "{dry}");

    let mut ws = Ws::connect(&app, "acme", &owner).await.unwrap();
    ws.send(json!({"type": "subscribe", "id": "t", "topic": "tickets"}))
        .await;
    assert_eq!(ws.expect().await["type"], "subscribed");
    let run = acme.post_empty("/settings/retention/run").await;
    assert_eq!(run.status, 200, "{}", run.body);
    assert_eq!(rule(&run.body, "old tickets")["matched"], 1);
    assert_eq!(rule(&run.body, "old contacts")["matched"], 2);

    // What stays, and what went.
    let t = acme.read(Res::Tickets, &id(&ticket)).await.body;
    assert_eq!(
        (&t["subject"], &t["status"], &t["priority"]),
        (&json!("Anonymised"), &json!("closed"), &json!("high")),
        "{t}"
    );
    for gone in ["description", "skills", "requester_id"] {
        assert!(t.get(gone).is_none(), "{gone} stayed: {t}");
    }
    assert_eq!(t["custom"], json!({}));
    assert_eq!(t["anonymised"]["rule"], "old tickets", "{t}");
    assert_eq!(t["created_at"], ticket["created_at"]);
    let comments = acme
        .get(&format!("/tickets/{}/comments", id(&ticket)))
        .await;
    assert_eq!(comments.body["items"], json!([]), "{}", comments.body);
    let c = acme.read(Res::Contacts, &id(&carl)).await.body;
    assert_eq!(c["last_name"], "Anonymised", "{c}");
    for gone in ["first_name", "email", "phone"] {
        assert!(c.get(gone).is_none(), "{gone} stayed: {c}");
    }
    let a = acme.read(Res::Contacts, &id(&anna)).await.body;
    assert_eq!(a["last_name"], "Anonymised", "{a}");

    // Live: the console gets the anonymised ticket in place of the old.
    let mut live = Vec::new();
    while let Some(f) = ws.next(Duration::from_secs(3)).await {
        if f["type"] == "event" {
            live.push(f["event"].as_str().unwrap().to_owned());
            if f["event"] == "ticket.updated" {
                assert_eq!(f["data"]["subject"], "Anonymised", "{f}");
                break;
            }
        }
    }
    assert!(live.contains(&"ticket.anonymised".to_owned()), "{live:?}");

    // No trace: the log, a replay from the start, the trail, the tables.
    let secrets = [
        "INS-SECRET",
        "CALL-SECRET",
        "ORD-SECRET",
        "COMMENT-SECRET",
        "Carlsson",
        "Asker",
        "carl@quiet",
        "1234567",
    ];
    let events = acme.get("/events?since=0&limit=1000").await.body;
    // Earlier events say the record was anonymised, not erased: it lives on.
    let about: Vec<&Value> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["record_id"] == ticket["id"])
        .collect();
    let (before, after) = about.split_at(about.len() - 2);
    assert!(!before.is_empty());
    for e in before {
        assert_eq!(
            e["data"],
            json!({"id": ticket["id"], "anonymised": true}),
            "{e}"
        );
    }
    assert_eq!(after[0]["type"], "ticket.anonymised", "{}", after[0]);
    let log = events.to_string();
    let trail = acme.get("/audit/events?limit=200").await.body.to_string();
    let mut replay = Ws::connect(&app, "acme", &owner).await.unwrap();
    replay
        .send(json!({"type": "subscribe", "id": "r", "topic": "tickets", "since": 0}))
        .await;
    let mut frames = String::new();
    while let Some(f) = replay.next(Duration::from_secs(2)).await {
        frames.push_str(&f.to_string());
    }
    assert!(frames.contains("ticket.anonymised"), "{frames}");
    let tenant = app.services.tenants.get("acme").await.unwrap();
    let dump = app.site.tenant_dump(tenant.id).await;
    for s in secrets {
        for (place, text) in [
            ("log", &log),
            ("trail", &trail),
            ("replay", &frames),
            ("tables", &dump),
        ] {
            assert!(!text.contains(s), "{s} in the {place}");
        }
    }
    let entry = &acme
        .get(&format!("/audit/events?record={}", id(&ticket)))
        .await
        .body["items"][0];
    assert_eq!(entry["action"], "ticket.anonymised", "{entry}");
    assert_eq!(
        entry["actor"],
        json!({"type": "retention", "rule": "old tickets"})
    );

    // Once: a year on, nothing matches again.
    clock.advance(TimeDelta::days(400));
    let again = acme.post_empty("/settings/retention/dry-run").await.body;
    assert_eq!(rule(&again, "old tickets")["matched"], 0, "{again}");
    assert_eq!(rule(&again, "old contacts")["matched"], 0, "{again}");
}

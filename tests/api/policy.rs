//! Field rules hold on every read path: a role that hides a field never
//! sees its value, nor learns it from a filter, a sort, a search, an
//! event's `change`, a derived field, CSV, the WebSocket or a dashboard.

use std::time::Duration;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Res, TestApp, id, spawn_app};
use crate::realtime::Ws;

/// Markers that live only in hidden fields.
const MARK: &str = "zq7hidden";
const AMOUNT: i64 = 98765;

async fn patch(app: &TestApp, tok: &str, path: &str, body: Value) -> Value {
    let r = app.as_user("acme", tok).patch(path, body).await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.body
}

/// Every key named `key` anywhere in `v`.
fn has_key(v: &Value, key: &str) -> bool {
    match v {
        Value::Object(o) => o.contains_key(key) || o.values().any(|x| has_key(x, key)),
        Value::Array(a) => a.iter().any(|x| has_key(x, key)),
        _ => false,
    }
}

/// What no answer to the discreet user may contain.
fn assert_clean(what: &str, text: &str, assignee: &str) {
    for secret in [MARK, &AMOUNT.to_string(), assignee] {
        assert!(!text.contains(secret), "{what} shows {secret:?}: {text}");
    }
}

async fn a_hidden_field_never_shows_and_never_changes_an_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    for kind in ["contact", "deal"] {
        app.as_user("acme", &owner)
            .create(
                Res::CustomFields,
                json!({"kind": kind, "key": "note", "label": "Note", "type": "text"}),
            )
            .await;
    }
    let hide = |perm: &str, fields: &[&str]| json!({"permission": perm, "scope": "all", "hidden_fields": fields});
    app.as_user("acme", &owner)
        .create(
            Res::Roles,
            json!({"name": "discreet", "grants": [
                hide("contacts:read", &["email", "phone", "note"]),
                hide("deals:read", &["amount", "stage_id", "note"]),
                hide("tickets:read", &["assignee_id", "status"]),
                hide("pipelines:read", &[]),
                hide("queues:read", &[]),
                hide("events:read", &[]),
                hide("dashboards:read", &[]),
            ]}),
        )
        .await;
    let (_, discreet) = app
        .user_with_roles("acme", &owner, "d@acme.example", &["discreet"])
        .await;
    let (assignee, _) = app
        .user_with_roles("acme", &owner, "agent@acme.example", &["agent"])
        .await;
    // Live from the start: the events below arrive over the socket too.
    let mut ws = Ws::connect(&app, "acme", &discreet).await.unwrap();
    for topic in ["contacts", "deals", "tickets"] {
        ws.send(json!({"type": "subscribe", "id": topic, "topic": topic}))
            .await;
        assert_eq!(ws.expect().await["type"], "subscribed");
    }

    let contact = app.as_user("acme", &owner).create(Res::Contacts, json!({"first_name": "Visible", "last_name": "Person", "email": format!("{MARK}@x.example"),
               "phone": "+49 30 98765", "custom": {"note": format!("{MARK} note")}}))
    .await;
    let pipeline = app
        .as_user("acme", &owner)
        .create(
            Res::Pipelines,
            json!({"name": "Sales", "stages": [{"id": "lead", "name": "Lead", "probability": 10},
                                           {"id": "offer", "name": "Offer", "probability": 60}]}),
        )
        .await;
    let deal = app
        .as_user("acme", &owner)
        .create(
            Res::Deals,
            json!({"title": "Visible Deal", "pipeline_id": id(&pipeline), "amount": AMOUNT,
               "custom": {"note": format!("{MARK} note")}}),
        )
        .await;
    patch(
        &app,
        &owner,
        &format!("/deals/{}", id(&deal)),
        json!({"stage_id": "offer"}),
    )
    .await;
    let ticket = app
        .as_user("acme", &owner)
        .create(Res::Tickets, json!({"subject": "Visible Ticket"}))
        .await;
    patch(
        &app,
        &owner,
        &format!("/tickets/{}", id(&ticket)),
        json!({"assignee_id": assignee, "status": "pending"}),
    )
    .await;

    // The markers are really there: the owner sees them, finds them, sorts by them.
    let c = app
        .as_user("acme", &owner)
        .read(Res::Contacts, &id(&contact))
        .await;
    assert!(c.body.to_string().contains(MARK));
    let found = app
        .as_user("acme", &owner)
        .get(&format!("/contacts?q={MARK}"))
        .await;
    assert_eq!(found.body["items"].as_array().unwrap().len(), 1);
    let d = app
        .as_user("acme", &owner)
        .read(Res::Deals, &id(&deal))
        .await;
    assert_eq!(d.body["stage_history"].as_array().unwrap().len(), 2);

    // Reads of every kind: single, list, CSV.
    for (path, rec) in [
        ("contacts", &contact),
        ("deals", &deal),
        ("tickets", &ticket),
    ] {
        let one = app
            .as_user("acme", &discreet)
            .get(&format!("/{path}/{}", id(rec)))
            .await;
        assert_eq!(one.status, 200, "{}", one.body);
        assert_clean(path, &one.body.to_string(), &assignee);
        let list = app
            .as_user("acme", &discreet)
            .get(&format!("/{path}"))
            .await;
        assert_eq!(
            list.body["items"].as_array().unwrap().len(),
            1,
            "{}",
            list.body
        );
        assert_clean(path, &list.body.to_string(), &assignee);
        let csv = app
            .as_user("acme", &discreet)
            .get(&format!("/{path}?format=csv"))
            .await;
        assert_eq!(csv.status, 200);
        assert_clean(path, csv.body.as_str().unwrap(), &assignee);
    }
    let d = app
        .as_user("acme", &discreet)
        .read(Res::Deals, &id(&deal))
        .await;
    assert!(
        !has_key(&d.body, "stage_history") && !has_key(&d.body, "stage_id"),
        "{}",
        d.body
    );
    let t = app
        .as_user("acme", &discreet)
        .read(Res::Tickets, &id(&ticket))
        .await;
    assert!(!has_key(&t.body, "status"), "{}", t.body);

    // Filters and sorts on what is hidden: refused by name, whatever the value.
    for (path, param) in [
        ("contacts", format!("email={MARK}%40x.example")),
        ("contacts", "phone=%2B49".to_owned()),
        ("contacts", format!("custom.note={MARK}")),
        ("deals", format!("amount.gte={AMOUNT}")),
        ("deals", "amount.lt=1".to_owned()),
        ("deals", "stage_id=offer".to_owned()),
        ("deals", "sort=-amount".to_owned()),
        ("tickets", format!("assignee_id={assignee}")),
        ("tickets", "status=pending".to_owned()),
    ] {
        let r = app
            .as_user("acme", &discreet)
            .get(&format!("/{path}?{param}"))
            .await;
        r.assert_problem(422, "validation_failed");
        let field = param.split(['=', '.']).next().unwrap();
        assert!(
            r.error_fields().iter().any(|f| f.starts_with(field)),
            "{param}: {}",
            r.body
        );
    }
    // A search matches only what the caller reads: the hidden marker finds
    // nothing (the owner found it above), visible words still find.
    for path in ["contacts", "deals"] {
        let r = app
            .as_user("acme", &discreet)
            .get(&format!("/{path}?q={MARK}"))
            .await;
        assert_eq!(r.body["items"], json!([]), "{path}: {}", r.body);
        let r = app
            .as_user("acme", &discreet)
            .get(&format!("/{path}?q=visi"))
            .await;
        assert_eq!(
            r.body["items"].as_array().unwrap().len(),
            1,
            "{path}: {}",
            r.body
        );
    }

    // The log: no hidden value, no change of a hidden field, nested or not.
    let log = app.as_user("acme", &discreet).get("/events?since=0").await;
    let items = log.body["items"].as_array().unwrap();
    for t in [
        "deal.stage_changed",
        "ticket.assigned",
        "ticket.status_changed",
    ] {
        let e = items
            .iter()
            .find(|e| e["type"] == t)
            .unwrap_or_else(|| panic!("{t} in {}", log.body));
        assert!(!has_key(&e["data"], "change"), "{t}: {e}");
    }
    assert_clean("events", &log.body.to_string(), &assignee);
    assert!(!has_key(&log.body, "stage_history"));
    // The owner's log has the changes, so their absence above is redaction.
    let full = app.as_user("acme", &owner).get("/events?since=0").await;
    assert!(
        full.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "deal.stage_changed" && e["data"]["change"]["to"] == "offer")
    );

    // The socket carried the same events, just as clean.
    let mut frames = Vec::new();
    while let Some(f) = ws.next(Duration::from_millis(1500)).await {
        frames.push(f);
    }
    let types: Vec<&str> = frames.iter().filter_map(|f| f["event"].as_str()).collect();
    assert!(
        frames.iter().filter(|f| f["type"] == "event").count() >= 6,
        "{types:?}"
    );
    for f in &frames {
        assert_clean("a frame", &f.to_string(), &assignee);
        assert!(!has_key(f, "change") && !has_key(f, "stage_history"), "{f}");
    }

    // Dashboards add up what is hidden: refused over HTTP and the socket.
    for board in ["sales", "support"] {
        app.as_user("acme", &discreet)
            .get(&format!("/dashboards/{board}"))
            .await
            .assert_problem(403, "forbidden");
        ws.send(json!({"type": "subscribe", "id": board, "topic": format!("dashboard:{board}")}))
            .await;
        let e = ws.expect().await;
        assert_eq!(
            (e["type"].as_str(), e["code"].as_str()),
            (Some("error"), Some("forbidden")),
            "{e}"
        );
    }
    app.stop().await;
}

async fn a_child_role_hides_what_its_parent_shows(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    app.as_user("acme", &owner)
        .create(
            Res::Roles,
            json!({"name": "discreet-sales", "parent": "sales", "grants": [
            {"permission": "contacts:read", "scope": "all", "hidden_fields": ["email"]}]}),
        )
        .await;
    let (_, tok) = app
        .user_with_roles("acme", &owner, "ds@acme.example", &["discreet-sales"])
        .await;
    let c = app
        .as_user("acme", &owner)
        .create(
            Res::Contacts,
            json!({"first_name": "Ann", "last_name": "Lee", "email": format!("{MARK}@x.example")}),
        )
        .await;
    let r = app.as_user("acme", &tok).read(Res::Contacts, &id(&c)).await;
    assert_eq!(r.status, 200);
    assert!(r.body.get("email").is_none(), "{}", r.body);
    assert_eq!(r.body["first_name"], "Ann");
    app.as_user("acme", &tok)
        .list(Res::Contacts, "email=a")
        .await
        .assert_problem(422, "validation_failed");
    // What the child does not mention comes from the parent unchanged.
    assert_eq!(
        app.as_user("acme", &tok).list(Res::Deals, "").await.status,
        200
    );
    app.stop().await;
}

async fn dashboards_and_agents_follow_the_readers_reach(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    // The built-in agent reads no deals: no sales figures for them.
    let (_, agent) = app
        .user_with_roles("acme", &owner, "a@acme.example", &["agent"])
        .await;
    app.as_user("acme", &agent)
        .get("/dashboards/sales")
        .await
        .assert_problem(403, "forbidden");
    let mut ws = Ws::connect(&app, "acme", &agent).await.unwrap();
    ws.send(json!({"type": "subscribe", "id": "d", "topic": "dashboard:sales"}))
        .await;
    assert_eq!(ws.expect().await["code"], "forbidden");
    // A manager reads everything: both boards.
    let (_, manager) = app
        .user_with_roles("acme", &owner, "m@acme.example", &["manager"])
        .await;
    for board in ["sales", "support"] {
        let r = app
            .as_user("acme", &manager)
            .get(&format!("/dashboards/{board}"))
            .await;
        assert_eq!(r.status, 200, "{board}: {}", r.body);
    }
    // `users:read` at team scope: agents of the caller's teams only.
    let team = app
        .as_user("acme", &owner)
        .create(Res::Teams, json!({"name": "Blue"}))
        .await;
    let other_team = app
        .as_user("acme", &owner)
        .create(Res::Teams, json!({"name": "Red"}))
        .await;
    let r = app
        .as_user("acme", &owner)
        .post(
            "/users",
            json!({"email": "b1@acme.example", "name": "Blue One",
            "password": crate::helpers::PASSWORD, "roles": ["agent"], "teams": [id(&team)]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let (blue1_id, blue1) = (
        id(&r.body),
        app.login("acme", "b1@acme.example", crate::helpers::PASSWORD)
            .await,
    );
    let blue1 = blue1.body["access_token"].as_str().unwrap().to_owned();
    let r = app
        .as_user("acme", &owner)
        .post(
            "/users",
            json!({"email": "r1@acme.example", "name": "Red One",
            "password": crate::helpers::PASSWORD, "roles": ["agent"], "teams": [id(&other_team)]}),
        )
        .await;
    let red1_id = id(&r.body);
    for u in [&blue1_id, &red1_id] {
        let r = app
            .as_user("acme", &owner)
            .patch(&format!("/agents/{u}"), json!({"capacity": 3}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let seen = app.as_user("acme", &blue1).get("/agents").await;
    let ids: Vec<&str> = seen.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["user_id"].as_str())
        .collect();
    assert!(ids.contains(&blue1_id.as_str()), "{}", seen.body);
    assert!(!ids.contains(&red1_id.as_str()), "{}", seen.body);
    let all = app.as_user("acme", &owner).get("/agents").await;
    assert!(all.body.to_string().contains(&red1_id));
    app.stop().await;
}

both_backends!(
    a_hidden_field_never_shows_and_never_changes_an_answer,
    a_child_role_hides_what_its_parent_shows,
    dashboards_and_agents_follow_the_readers_reach
);

//! The walk: for every field of every record kind (and a custom field),
//! a role that hides just that field, and every read path asked about a
//! record that has it: one record, the list, CSV, the event log, a filter,
//! a sort and a search. The field never shows, and asking about it is
//! refused by name.

use mandant::records::schema::by_path;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, id, spawn_app};
use crate::support_kit::create;

/// Is `key` a field of this rendered record (or of its `custom`)?
fn shows(v: &Value, key: &str) -> bool {
    match key.strip_prefix("custom.") {
        Some(k) => v["custom"].get(k).is_some(),
        None => v.get(key).is_some(),
    }
}

async fn every_field_of_every_kind_hidden_alone(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let me = app.api("GET", "acme", "/me", Some(&owner), None).await;
    let uid = me.body["user"]["id"].as_str().unwrap().to_owned();
    let team = id(&create(&app, &owner, "/teams", json!({"name": "Blue"})).await);
    let patch = app
        .api(
            "PATCH",
            "acme",
            &format!("/users/{uid}"),
            Some(&owner),
            Some(json!({"teams": [team]})),
        )
        .await;
    assert_eq!(patch.status, 200, "{}", patch.body);
    for kind in ["contact", "company", "deal", "ticket", "activity"] {
        create(
            &app,
            &owner,
            "/custom-fields",
            json!({"kind": kind, "key": "note", "label": "Note", "type": "text"}),
        )
        .await;
    }
    let own = json!({"owner_id": uid, "team_id": team, "shared_with": [uid], "tags": ["zqtag"], "custom": {"note": "zqnote"}});
    let with_own = |v: Value| {
        let mut v = v;
        v.as_object_mut()
            .unwrap()
            .extend(own.as_object().unwrap().clone());
        v
    };
    let company = create(&app, &owner, "/companies", with_own(json!({"name": "Zqname Ltd", "domain": "zqdomain.example",
        "industry": "Zqindustry", "phone": "+1 555 0100", "website": "https://zq.example", "address": "Zqaddress 1"}))).await;
    let contact = create(&app, &owner, "/contacts", with_own(json!({"first_name": "Zqfirst", "last_name": "Zqlast",
        "email": "zqemail@x.example", "phone": "+1 555 0101", "title": "Zqtitle", "company_id": id(&company), "user_id": uid}))).await;
    let pipeline = create(&app, &owner, "/pipelines", json!({"name": "P", "stages": [{"id": "a", "name": "A", "probability": 10}, {"id": "b", "name": "B", "probability": 50}]})).await;
    let deal = create(&app, &owner, "/deals", with_own(json!({"title": "Zqtitle deal", "amount": 1234, "currency": "EUR",
        "pipeline_id": id(&pipeline), "stage_id": "a", "expected_close": "2027-01-31", "company_id": id(&company),
        "contact_ids": [id(&contact)]}))).await;
    app.api(
        "PATCH",
        "acme",
        &format!("/deals/{}", id(&deal)),
        Some(&owner),
        Some(json!({"stage_id": "b"})),
    )
    .await;
    let queue = create(&app, &owner, "/queues", json!({"name": "Q"})).await;
    let ticket = create(&app, &owner, "/tickets", with_own(json!({"subject": "Zqsubject", "description": "Zqdescription",
        "priority": "high", "queue_id": id(&queue), "requester_id": id(&contact), "assignee_id": uid, "skills": ["zqskill"]}))).await;
    app.api(
        "PATCH",
        "acme",
        &format!("/tickets/{}", id(&ticket)),
        Some(&owner),
        Some(json!({"status": "pending"})),
    )
    .await;
    let activity = create(&app, &owner, "/activities", with_own(json!({"type": "call", "subject": "Zqsubject call",
        "body": "Zqbody", "due_at": "2027-01-01T10:00:00Z", "done": false, "related_kind": "deal", "related_id": id(&deal)}))).await;
    let records = [
        ("companies", &company),
        ("contacts", &contact),
        ("deals", &deal),
        ("tickets", &ticket),
        ("activities", &activity),
    ];
    let read_all: Vec<Value> = records
        .iter()
        .map(|(p, _)| json!({"permission": format!("{p}:read"), "scope": "all"}))
        .chain([json!({"permission": "events:read", "scope": "all"})])
        .collect();
    create(
        &app,
        &owner,
        "/roles",
        json!({"name": "walker", "grants": read_all}),
    )
    .await;
    let (_, walker) = app
        .user_with_roles("acme", &owner, "w@acme.example", &["walker"])
        .await;

    let mut walked = 0;
    for (path, record) in records {
        let kind = by_path(path).unwrap();
        let fields = kind
            .fields
            .iter()
            .map(|f| {
                (
                    f.key.to_owned(),
                    f.ty.filterable(),
                    f.sortable,
                    f.searchable,
                )
            })
            .chain([("custom.note".to_owned(), true, false, true)]);
        let rid = id(record);
        let owner_view = app
            .api("GET", "acme", &format!("/{path}/{rid}"), Some(&owner), None)
            .await
            .body;
        for (field, filterable, sortable, searchable) in fields {
            let plain = field.trim_start_matches("custom.").to_owned();
            // Hide just this field of this kind.
            let grants: Vec<Value> = read_all
                .iter()
                .map(|g| {
                    let mut g = g.clone();
                    if g["permission"] == format!("{path}:read") {
                        g["hidden_fields"] = json!([plain]);
                    }
                    g
                })
                .collect();
            let r = app
                .api(
                    "PATCH",
                    "acme",
                    "/roles/walker",
                    Some(&owner),
                    Some(json!({"grants": grants})),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            if !shows(&owner_view, &field) {
                continue; // nothing to hide in this record (a server field absent)
            }
            walked += 1;
            let ctx = format!("{path}.{field}");
            let one = app
                .api(
                    "GET",
                    "acme",
                    &format!("/{path}/{rid}"),
                    Some(&walker),
                    None,
                )
                .await;
            assert_eq!(one.status, 200, "{ctx}: {}", one.body);
            assert!(
                !shows(&one.body, &field),
                "{ctx} shows in GET: {}",
                one.body
            );
            let list = app
                .api("GET", "acme", &format!("/{path}"), Some(&walker), None)
                .await;
            let item = list.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["id"] == rid.as_str())
                .cloned();
            assert!(
                item.is_some_and(|i| !shows(&i, &field)),
                "{ctx} shows in the list: {}",
                list.body
            );
            let csv = app
                .api(
                    "GET",
                    "acme",
                    &format!("/{path}?format=csv"),
                    Some(&walker),
                    None,
                )
                .await;
            let header = csv
                .body
                .as_str()
                .unwrap()
                .lines()
                .next()
                .unwrap_or("")
                .to_owned();
            assert!(
                !header.split(',').any(|c| c == field),
                "{ctx} is a CSV column: {header}"
            );
            let log = app
                .api("GET", "acme", "/events?since=0", Some(&walker), None)
                .await;
            for e in log.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["record_id"] == rid.as_str())
            {
                assert!(
                    !shows(&e["data"], &field),
                    "{ctx} shows in {}: {}",
                    e["type"],
                    e["data"]
                );
            }
            if filterable {
                let r = app
                    .api(
                        "GET",
                        "acme",
                        &format!("/{path}?{field}=x"),
                        Some(&walker),
                        None,
                    )
                    .await;
                r.assert_problem(422, "validation_failed");
                assert!(r.error_fields().contains(&field), "{ctx}: {}", r.body);
            }
            if sortable {
                let r = app
                    .api(
                        "GET",
                        "acme",
                        &format!("/{path}?sort={field}"),
                        Some(&walker),
                        None,
                    )
                    .await;
                r.assert_problem(422, "validation_failed");
            }
            // Its own words find nothing (the owner finds the record).
            let word = owner_view
                .get(&field)
                .or_else(|| owner_view["custom"].get(&plain))
                .and_then(Value::as_str)
                .and_then(|s| {
                    s.split(|c: char| !c.is_alphanumeric())
                        .find(|w| w.starts_with("Zq") || w.starts_with("zq"))
                })
                .map(str::to_owned);
            if let (true, Some(word)) = (searchable, word) {
                let mine = app
                    .api(
                        "GET",
                        "acme",
                        &format!("/{path}?q={word}"),
                        Some(&owner),
                        None,
                    )
                    .await;
                assert!(
                    mine.body["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|i| i["id"] == rid.as_str()),
                    "{ctx}: {}",
                    mine.body
                );
                let theirs = app
                    .api(
                        "GET",
                        "acme",
                        &format!("/{path}?q={word}"),
                        Some(&walker),
                        None,
                    )
                    .await;
                assert!(
                    !theirs.body["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|i| i["id"] == rid.as_str()),
                    "{ctx}: {word} found: {}",
                    theirs.body
                );
            }
        }
    }
    // Every kind's every populated field was walked, not skipped.
    assert!(walked >= 45, "only {walked} fields walked");
    app.stop().await;
}

both_backends!(every_field_of_every_kind_hidden_alone);

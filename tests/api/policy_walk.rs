//! The walk: for every field of every record kind (and a custom field),
//! a role that hides just that field, and every read path asked about a
//! record that has it: one record, the list, CSV, the event log, a filter,
//! a sort and a search. The field never shows, and asking about it is
//! refused by name.

use mandant::records::schema::by_path;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Res, id, spawn_app};

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
    let me = app.as_user("acme", &owner).get("/me").await;
    let uid = me.body["user"]["id"].as_str().unwrap().to_owned();
    let team = id(&app
        .as_user("acme", &owner)
        .create(Res::Teams, json!({"name": "Blue"}))
        .await);
    let patch = app
        .as_user("acme", &owner)
        .update(Res::Users, &uid, json!({"teams": [team]}))
        .await;
    assert_eq!(patch.status, 200, "{}", patch.body);
    for kind in ["contact", "company", "deal", "ticket", "activity"] {
        app.as_user("acme", &owner)
            .create(
                Res::CustomFields,
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
    let company = app.as_user("acme", &owner).create(Res::Companies, with_own(json!({"name": "Zqname Ltd", "domain": "zqdomain.example",
        "industry": "Zqindustry", "phone": "+1 555 0100", "website": "https://zq.example", "address": "Zqaddress 1"}))).await;
    let contact = app.as_user("acme", &owner).create(Res::Contacts, with_own(json!({"first_name": "Zqfirst", "last_name": "Zqlast",
        "email": "zqemail@x.example", "phone": "+1 555 0101", "title": "Zqtitle", "company_id": id(&company), "user_id": uid}))).await;
    let pipeline = app.as_user("acme", &owner).create(Res::Pipelines, json!({"name": "P", "stages": [{"id": "a", "name": "A", "probability": 10}, {"id": "b", "name": "B", "probability": 50}]})).await;
    let deal = app.as_user("acme", &owner).create(Res::Deals, with_own(json!({"title": "Zqtitle deal", "amount": 1234, "currency": "EUR",
        "pipeline_id": id(&pipeline), "stage_id": "a", "expected_close": "2027-01-31", "company_id": id(&company),
        "contact_ids": [id(&contact)]}))).await;
    app.as_user("acme", &owner)
        .update(Res::Deals, &id(&deal), json!({"stage_id": "b"}))
        .await;
    let queue = app
        .as_user("acme", &owner)
        .create(Res::Queues, json!({"name": "Q"}))
        .await;
    let ticket = app.as_user("acme", &owner).create(Res::Tickets, with_own(json!({"subject": "Zqsubject", "description": "Zqdescription",
        "priority": "high", "queue_id": id(&queue), "requester_id": id(&contact), "assignee_id": uid, "skills": ["zqskill"]}))).await;
    app.as_user("acme", &owner)
        .update(Res::Tickets, &id(&ticket), json!({"status": "pending"}))
        .await;
    let activity = app.as_user("acme", &owner).create(Res::Activities, with_own(json!({"type": "call", "subject": "Zqsubject call",
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
    app.as_user("acme", &owner)
        .create(Res::Roles, json!({"name": "walker", "grants": read_all}))
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
            .as_user("acme", &owner)
            .get(&format!("/{path}/{rid}"))
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
                .as_user("acme", &owner)
                .patch("/roles/walker", json!({"grants": grants}))
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            if !shows(&owner_view, &field) {
                continue; // nothing to hide in this record (a server field absent)
            }
            walked += 1;
            let ctx = format!("{path}.{field}");
            let one = app
                .as_user("acme", &walker)
                .get(&format!("/{path}/{rid}"))
                .await;
            assert_eq!(one.status, 200, "{ctx}: {}", one.body);
            assert!(
                !shows(&one.body, &field),
                "{ctx} shows in GET: {}",
                one.body
            );
            let list = app.as_user("acme", &walker).get(&format!("/{path}")).await;
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
                .as_user("acme", &walker)
                .get(&format!("/{path}?format=csv"))
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
            let log = app.as_user("acme", &walker).get("/events?since=0").await;
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
                    .as_user("acme", &walker)
                    .get(&format!("/{path}?{field}=x"))
                    .await;
                r.assert_problem(422, "validation_failed");
                assert!(r.error_fields().contains(&field), "{ctx}: {}", r.body);
            }
            if sortable {
                let r = app
                    .as_user("acme", &walker)
                    .get(&format!("/{path}?sort={field}"))
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
                    .as_user("acme", &owner)
                    .get(&format!("/{path}?q={word}"))
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
                    .as_user("acme", &walker)
                    .get(&format!("/{path}?q={word}"))
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

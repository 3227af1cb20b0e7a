//! The audit trail over the API: every change with who made it, from
//! where and in which request; content values masked, so no personal data
//! lands in it; a write that fails leaves no entry; filters, paging, CSV
//! and its permission; kept as long as set, trimmed from its start
//! without breaking the chain. (`cli.rs` tampers with it and runs
//! `audit verify`.)

use serde_json::{Value, json};

use crate::both_backends;
use chrono::TimeDelta;

use crate::helpers::{Backend, Res, TestApp, id, spawn_app};

both_backends!(
    every_change_is_in_the_trail_without_personal_data,
    a_write_that_fails_leaves_no_entry,
    the_trail_is_filtered_paged_and_guarded,
    the_trail_is_kept_as_long_as_set_and_trimmed_without_breaking
);

async fn trail(app: &TestApp, tok: &str, query: &str) -> Vec<Value> {
    let r = app
        .as_user("acme", tok)
        .get(&format!("/audit/events?{query}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

async fn every_change_is_in_the_trail_without_personal_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let me = acme.get("/me").await.body["user"]["id"].clone();
    let (other, _) = app
        .user_with_roles("acme", &owner, "sam@acme.example", &["sales"])
        .await;

    let c = acme
        .create(
            Res::Contacts,
            json!({"first_name": "Erika", "last_name": "Mustermann", "email": "erika@private.example"}),
        )
        .await;
    let r = acme
        .update(
            Res::Contacts,
            &id(&c),
            json!({"email": "erika@elsewhere.example", "owner_id": other}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let request_id = r.header("x-request-id").expect("a request id");
    assert_eq!(acme.remove(Res::Contacts, &id(&c)).await.status, 204);

    let entries = trail(&app, &owner, &format!("record={}", id(&c))).await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["contact.deleted", "contact.updated", "contact.created"]
    );
    for e in &entries {
        assert_eq!(
            e["actor"],
            json!({"type": "user", "id": me, "kind": "staff"})
        );
        assert_eq!(e["ip"], "127.0.0.1");
        assert_eq!(e["kind"], "contact");
    }
    let update = &entries[1];
    assert_eq!(update["request_id"], request_id.as_str());
    let changes = &update["detail"]["changes"];
    // A reference stands in clear; content only as "changed".
    assert_eq!(changes["owner_id"], json!({"from": me, "to": other}));
    assert_eq!(changes["email"], json!({"changed": true}));
    assert!(changes.get("last_name").is_none(), "unchanged: {changes}");
    assert_eq!(update["detail"]["version"], json!({"from": 1, "to": 2}));
    assert_eq!(
        entries[2]["detail"]["changes"]["last_name"],
        json!({"changed": true})
    );

    // Settings, a custom field, an export and a failed sign-in, too.
    let b = acme
        .put("/settings/branding", json!({"display_name": "Acme Ltd"}))
        .await;
    assert_eq!(b.status, 200, "{}", b.body);
    acme.create(
        Res::CustomFields,
        json!({"kind": "contact", "key": "shoe_size", "label": "Shoe size", "type": "number"}),
    )
    .await;
    let export = acme.get("/contacts?format=csv&q=Muster").await;
    assert_eq!(export.status, 200);
    app.login("acme", "admin@acme.example", "not the password at all")
        .await
        .assert_problem(401, "invalid_credentials");

    let setting = &trail(&app, &owner, "action=settings.changed").await[0];
    assert_eq!(setting["detail"]["key"], "branding");
    assert_eq!(setting["detail"]["value"]["display_name"], "Acme Ltd");
    let field = &trail(&app, &owner, "kind=custom_field").await[0];
    assert_eq!(field["action"], "custom_field.created");
    let exported = &trail(&app, &owner, "action=contact.exported").await[0];
    assert_eq!(exported["detail"]["filters"], json!(["q"]));
    let failed = &trail(&app, &owner, "action=login.failure").await[0];
    assert_eq!(failed["actor"]["type"], "anonymous");
    assert_eq!(failed["detail"]["reason"], "invalid_credentials");

    // Nothing personal anywhere in the trail: not the e-mail addresses,
    // not the name, not the search words, not the sign-in's address.
    let all = acme.get("/audit/events?format=csv&limit=200").await;
    assert_eq!(all.status, 200);
    assert!(all.content_type().starts_with("text/csv"));
    let text = all.body.as_str().unwrap();
    assert!(
        text.starts_with(
            "seq,at,action,actor_type,actor_id,kind,record_id,ip,request_id,detail,prev_hash,hash"
        ),
        "{text}"
    );
    assert!(
        text.contains("contact.updated") && text.contains("login.failure"),
        "{text}"
    );
    for secret in [
        "erika@",
        "Mustermann",
        "Erika",
        "q=Muster",
        "admin@acme.example",
        "sam@acme",
    ] {
        assert!(!text.contains(secret), "{secret} in the trail:\n{text}");
    }
    // Written one by one (on PostgreSQL hashed forward by the database
    // itself), the chain holds entry by entry.
    let tenant = app.services.tenants.get("acme").await.unwrap();
    let db = app.services.storage.tenant_db(&tenant).await.unwrap();
    let verdict = mandant::audit::verify(&db).await.unwrap();
    assert_eq!(verdict.broken, None);
    assert!(verdict.entries >= 8, "{verdict:?}");
    assert_eq!(verdict.entries, verdict.head_seq);
    app.stop().await;
}

async fn a_write_that_fails_leaves_no_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let c = acme
        .create(Res::Contacts, json!({"last_name": "Kept"}))
        .await;
    let before = trail(&app, &owner, "limit=200").await.len();
    // Refused input, a lost precondition, a hidden record: nothing written.
    acme.post("/contacts", json!({"email": "not an address"}))
        .await
        .assert_problem(422, "validation_failed");
    let stale = app
        .request_if_match(
            "PATCH",
            &format!("/t/acme/api/v1/contacts/{}", id(&c)),
            &owner,
            "\"0\"",
            json!({"last_name": "Changed"}),
        )
        .await;
    assert_eq!(stale.status, 412, "{}", stale.body);
    acme.update(
        Res::Contacts,
        "0190a0a0-0000-7000-8000-000000000000",
        json!({"last_name": "x"}),
    )
    .await
    .assert_problem(404, "not_found");
    assert_eq!(trail(&app, &owner, "limit=200").await.len(), before);
    app.stop().await;
}

async fn the_trail_is_filtered_paged_and_guarded(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    for n in 0..5 {
        acme.create(Res::Companies, json!({"name": format!("Firm {n}")}))
            .await;
    }
    // A ticket's status is a workflow state: it stands in clear; its
    // subject is content.
    let t = acme
        .create(Res::Tickets, json!({"subject": "Printer on fire"}))
        .await;
    let r = acme
        .update(
            Res::Tickets,
            &id(&t),
            json!({"status": "pending", "subject": "Printer"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let e = &trail(
        &app,
        &owner,
        &format!("record={}&action=ticket.updated", id(&t)),
    )
    .await[0];
    assert_eq!(
        e["detail"]["changes"]["status"],
        json!({"from": "new", "to": "pending"})
    );
    assert_eq!(e["detail"]["changes"]["subject"], json!({"changed": true}));

    // Paged newest first by cursor, with no entry twice and none lost.
    let first = acme.get("/audit/events?kind=company&limit=2").await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = trail(
        &app,
        &owner,
        &format!("kind=company&limit=2&cursor={cursor}"),
    )
    .await;
    let third = trail(&app, &owner, "kind=company&limit=200").await;
    assert_eq!(third.len(), 5);
    let seqs: Vec<i64> = first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(&second)
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    let all: Vec<i64> = third
        .iter()
        .take(4)
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, all);
    // Each entry names the one before it.
    assert_eq!(third[0]["prev_hash"], third[1]["hash"]);

    let future = "2999-01-01T00:00:00Z";
    assert!(
        trail(&app, &owner, &format!("from={future}"))
            .await
            .is_empty()
    );
    assert_eq!(
        trail(&app, &owner, &format!("to={future}&kind=company&limit=200"))
            .await
            .len(),
        5
    );
    let nobody = "0190a0a0-0000-7000-8000-000000000000";
    assert!(
        trail(&app, &owner, &format!("actor={nobody}"))
            .await
            .is_empty()
    );

    for bad in [
        "actor=nope",
        "record=1",
        "from=yesterday",
        "limit=0",
        "limit=201",
        "cursor=abc",
        "format=xml",
        &format!("kind={}", "k".repeat(101)),
        "colour=blue",
    ] {
        acme.get(&format!("/audit/events?{bad}"))
            .await
            .assert_problem(422, "validation_failed");
    }
    // Its own permission: a manager or an agent does not read it.
    let (_, agent) = app
        .user_with_roles("acme", &owner, "agent@acme.example", &["agent"])
        .await;
    app.as_user("acme", &agent)
        .get("/audit/events")
        .await
        .assert_problem(403, "forbidden");
    app.anonymous("acme")
        .get("/audit/events")
        .await
        .assert_problem(401, "unauthorized");
    app.stop().await;
}

async fn the_trail_is_kept_as_long_as_set_and_trimmed_without_breaking(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    assert_eq!(
        acme.get("/settings/audit").await.body,
        json!({"retention_days": 3650})
    );
    for body in [
        json!({"retention_days": 364}),
        json!({"retention_days": 36_501}),
        json!({"retention_days": 400.5}),
        json!({"retention_days": null}),
        json!({}),
        json!({"retention_days": 400, "forever": true}),
    ] {
        let r = acme.put("/settings/audit", body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
    }
    // The trail outlives the events it describes, whichever is set first.
    assert_eq!(
        acme.put("/settings/events", json!({"retention_days": 400}))
            .await
            .status,
        200
    );
    let r = acme
        .put("/settings/audit", json!({"retention_days": 399}))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["retention_days"]);
    assert_eq!(
        acme.put("/settings/audit", json!({"retention_days": 400}))
            .await
            .status,
        200
    );
    acme.put("/settings/events", json!({"retention_days": 401}))
        .await
        .assert_problem(422, "validation_failed");

    // The trail is stamped with the wall clock: the sweep is run as if 400
    // days had passed since `mid`, between the two writes.
    let old = acme
        .create(Res::Contacts, json!({"last_name": "Old"}))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let mid = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let newer = acme
        .create(Res::Contacts, json!({"last_name": "Newer"}))
        .await;
    app.services
        .tenants
        .trim_events(mid + TimeDelta::days(400))
        .await
        .unwrap();

    assert!(
        trail(&app, &owner, &format!("record={}", id(&old)))
            .await
            .is_empty()
    );
    assert_eq!(
        trail(&app, &owner, &format!("record={}", id(&newer))).await[0]["action"],
        "contact.created"
    );
    let trimmed = trail(&app, &owner, "action=audit.trimmed").await;
    assert_eq!(trimmed.len(), 1, "{trimmed:?}");
    let base = trimmed[0]["detail"]["up_to"].as_i64().unwrap();
    assert!(base > 0);

    // The kept chain holds from its base, and tampering after it shows.
    let tenant = app.services.tenants.get("acme").await.unwrap();
    let db = app.services.storage.tenant_db(&tenant).await.unwrap();
    let v = mandant::audit::verify(&db).await.unwrap();
    assert_eq!((v.base_seq, v.broken.clone()), (base, None), "{v:?}");
    app.site
        .tenant_exec(
            tenant.id,
            &format!("DELETE FROM audit_log WHERE seq = {}", base + 1),
        )
        .await;
    let v = mandant::audit::verify(&db).await.unwrap();
    assert_eq!(v.broken.map(|b| b.seq), Some(base + 1));
}

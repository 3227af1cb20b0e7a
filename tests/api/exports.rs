//! Person exports (GDPR Art. 15, 20; `records::person_export`): built in
//! the background with live progress, a ZIP that holds what is held about
//! the person and nothing about anyone else, fetched until it expires,
//! gone with an erasure; only for `privacy:export`, only in its tenant.

use std::io::Read;
use std::time::Duration;

use chrono::TimeDelta;
use mandant::clock::Clock;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Res, Site, TestApp, id, spawn_app};
use crate::realtime::Ws;
use crate::support_kit::{at, node};

both_backends!(
    a_users_export_holds_their_account_and_refers_to_records,
    an_export_holds_what_is_held_about_the_person_and_no_one_else,
    exports_expire_go_with_an_erasure_and_are_guarded
);

/// The archive's bytes, as a browser downloads them.
pub async fn fetch(app: &TestApp, tok: &str, export: &str) -> (u16, String, Vec<u8>) {
    let mut res = awc::Client::new()
        .get(format!(
            "{}/t/acme/api/v1/exports/{export}/archive",
            app.address
        ))
        .insert_header(("authorization", format!("Bearer {tok}")))
        .send()
        .await
        .unwrap();
    let body = res.body().limit(16 << 20).await.unwrap().to_vec();
    let kind = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (res.status().as_u16(), kind, body)
}

/// Every file of a ZIP, by name, as text.
pub fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut text = String::new();
            f.read_to_string(&mut text).unwrap();
            (f.name().unwrap().into_owned(), text)
        })
        .collect()
}

/// Waits on `ws` for `export.<what>` of `export`; the frames before it.
async fn until(ws: &mut Ws, export: &str, what: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    while let Some(f) = ws.next(Duration::from_secs(10)).await {
        if f["type"] != "event" || f["data"]["id"] != export {
            continue;
        }
        let done = f["event"] == format!("export.{what}");
        seen.push(f);
        if done {
            return seen;
        }
    }
    panic!("no export.{what} for {export}; saw {seen:?}");
}

async fn an_export_holds_what_is_held_about_the_person_and_no_one_else(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let (portal_id, portal_tok) = app
        .user_with_roles("acme", &owner, "petra@persona.example", &["customer"])
        .await;
    let petra = acme
        .create(
            Res::Contacts,
            json!({"first_name": "Petra", "last_name": "Persona", "email": "petra@persona.example",
                   "phone": "+49 30 5550101", "user_id": portal_id}),
        )
        .await;
    let other = acme
        .create(
            Res::Contacts,
            json!({"last_name": "Outsider", "email": "out@side.example"}),
        )
        .await;
    let ticket = acme
        .create(
            Res::Tickets,
            json!({"subject": "Invoice charged twice", "requester_id": id(&petra)}),
        )
        .await;
    acme.comment(&id(&ticket), json!({"body": "Refunded the second charge"}))
        .await;
    app.as_user("acme", &portal_tok)
        .comment(&id(&ticket), json!({"body": "Thank you kindly"}))
        .await;
    acme.create(
        Res::Activities,
        json!({"type": "call", "subject": "Called Petra back", "related_kind": "contact", "related_id": id(&petra)}),
    )
    .await;
    let pipeline = acme
        .create(
            Res::Pipelines,
            json!({"name": "Sales", "stages": [{"id": "new", "name": "New"}]}),
        )
        .await["id"]
        .clone();
    acme.create(
        Res::Deals,
        json!({"title": "Persona renewal", "pipeline_id": pipeline, "contact_ids": [id(&petra), id(&other)]}),
    )
    .await;
    acme.create(
        Res::Tickets,
        json!({"subject": "Outsider's secret problem", "requester_id": id(&other)}),
    )
    .await;
    acme.update(
        Res::Contacts,
        &id(&petra),
        json!({"phone": "+49 30 5550102"}),
    )
    .await;

    let mut ws = Ws::connect(&app, "acme", &owner).await.unwrap();
    ws.send(json!({"type": "subscribe", "id": "x", "topic": "exports"}))
        .await;
    assert_eq!(ws.expect().await["type"], "subscribed");

    let started = acme
        .post_empty(&format!("/contacts/{}/export", id(&petra)))
        .await;
    assert_eq!(started.status, 202, "{}", started.body);
    assert_eq!(started.body["status"], "running");
    let export = id(&started.body);
    let frames = until(&mut ws, &export, "ready").await;
    let progress: Vec<i64> = frames
        .iter()
        .filter(|f| f["event"] == "export.progress")
        .map(|f| f["data"]["done"].as_i64().unwrap())
        .collect();
    assert!(
        progress.len() >= 3 && progress.windows(2).all(|w| w[0] < w[1]),
        "progress moves forward step by step: {progress:?}"
    );
    let ready = &frames.last().unwrap()["data"];
    assert!(ready["size"].as_i64().unwrap() > 0);
    assert!(
        ready["finished_at"].is_string() && ready["requested_by"].is_string(),
        "{ready}"
    );
    assert!(
        !ready.to_string().contains("Persona"),
        "progress names no one: {ready}"
    );

    let e = acme.get(&format!("/exports/{export}")).await.body;
    assert_eq!(e["status"], "ready", "{e}");
    assert!(e["expires_at"].is_string());
    let list = acme.get("/exports").await.body;
    assert_eq!(list["items"][0]["id"], export.as_str(), "{list}");

    let (status, kind, bytes) = fetch(&app, &owner, &export).await;
    assert_eq!((status, kind.as_str()), (200, "application/zip"));
    let files = unzip(&bytes);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for f in [
        "README.txt",
        "export.json",
        "contacts.csv",
        "tickets.csv",
        "comments.csv",
        "activities.csv",
        "deals.csv",
    ] {
        assert!(names.contains(&f), "{f} in {names:?}");
    }
    let all: String = files.iter().map(|(_, t)| t.as_str()).collect();
    for held in [
        "petra@persona.example",
        "+49 30 5550102",
        "Invoice charged twice",
        "Refunded the second charge",
        "Thank you kindly",
        "Called Petra back",
        "Persona renewal",
    ] {
        assert!(all.contains(held), "{held} is in the export");
    }
    for stranger in ["Outsider", "out@side.example", "secret problem"] {
        assert!(
            !all.contains(stranger),
            "{stranger} is not in Petra's export"
        );
    }
    let doc: Value =
        serde_json::from_str(&files.iter().find(|(n, _)| n == "export.json").unwrap().1).unwrap();
    assert_eq!(doc["portal_account"]["email"], "petra@persona.example");
    assert!(!doc["sign_ins"].as_array().unwrap().is_empty(), "{doc}");
    // The history: the earlier phone number as the log still holds it, and
    // the trail's entries saying which fields changed.
    let events = doc["events"].to_string();
    assert!(events.contains("+49 30 5550101"), "{events}");
    assert!(
        doc["audit_trail"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "contact.updated"),
        "{}",
        doc["audit_trail"]
    );

    // Requested, built and fetched: each in the trail.
    let trail = acme
        .get(&format!("/audit/events?record={}", id(&petra)))
        .await
        .body;
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "person.export_requested",
        "person.exported",
        "person.export_downloaded",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

async fn exports_expire_go_with_an_erasure_and_are_guarded(backend: Backend) {
    let clock = Clock::manual(at("2026-03-02T09:00:00Z"));
    let app = node(&Site::new(backend).await, &clock).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let petra = acme
        .create(Res::Contacts, json!({"last_name": "Persona"}))
        .await;
    let mut ws = Ws::connect(&app, "acme", &owner).await.unwrap();
    ws.send(json!({"type": "subscribe", "id": "x", "topic": "exports"}))
        .await;
    assert_eq!(ws.expect().await["type"], "subscribed");
    let start = async || {
        let r = acme
            .post_empty(&format!("/contacts/{}/export", id(&petra)))
            .await;
        assert_eq!(r.status, 202, "{}", r.body);
        id(&r.body)
    };

    // Seven days to fetch it, then it is gone.
    let first = start().await;
    until(&mut ws, &first, "ready").await;
    clock.advance(TimeDelta::days(7) + TimeDelta::seconds(1));
    acme.get(&format!("/exports/{first}"))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(fetch(&app, &owner, &first).await.0, 404);
    assert!(
        acme.get("/exports").await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // An erasure takes an export not yet fetched along.
    let second = start().await;
    until(&mut ws, &second, "ready").await;
    let erased = acme
        .post_empty(&format!("/contacts/{}/erase", id(&petra)))
        .await;
    assert_eq!(erased.status, 200, "{}", erased.body);
    // Lists of exports hear of it live.
    until(&mut ws, &second, "erased").await;
    assert_eq!(fetch(&app, &owner, &second).await.0, 404);
    acme.post_empty(&format!("/contacts/{}/export", id(&petra)))
        .await
        .assert_problem(404, "not_found");

    // Only for privacy:export, and only in its own tenant.
    let max = acme
        .create(Res::Contacts, json!({"last_name": "Max"}))
        .await;
    let third = start_for(&app, &owner, &max).await;
    let (_, manager) = app
        .user_with_roles("acme", &owner, "mia@acme.example", &["manager"])
        .await;
    let mia = app.as_user("acme", &manager);
    mia.post_empty(&format!("/contacts/{}/export", id(&max)))
        .await
        .assert_problem(403, "forbidden");
    mia.get("/exports").await.assert_problem(403, "forbidden");
    mia.get(&format!("/exports/{third}"))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(fetch(&app, &manager, &third).await.0, 403);
    let mut mia_ws = Ws::connect(&app, "acme", &manager).await.unwrap();
    mia_ws
        .send(json!({"type": "subscribe", "id": "x", "topic": "exports"}))
        .await;
    let refused = mia_ws.expect().await;
    assert_eq!(refused["code"], "forbidden", "{refused}");
    // Nor does the event log show her the exports' events.
    let log = mia.get("/events?since=0&limit=1000").await;
    assert_eq!(log.status, 200, "{}", log.body);
    assert!(
        log.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["kind"] != "export"),
        "{}",
        log.body
    );
    let owners = acme.get("/events?since=0&limit=1000").await.body;
    assert!(
        owners["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "export"),
        "the owner's log has them: {owners}"
    );
    let other = app.tenant_with_owner("globex").await;
    let globex = app.as_user("globex", &other);
    globex
        .get(&format!("/exports/{third}"))
        .await
        .assert_problem(404, "not_found");
    globex
        .post_empty(&format!("/contacts/{}/export", id(&max)))
        .await
        .assert_problem(404, "not_found");
    for bad in ["not-an-id", "0190a0a0-0000-7000-8000-000000000000"] {
        acme.get(&format!("/exports/{bad}"))
            .await
            .assert_problem(404, "not_found");
        acme.post_empty(&format!("/contacts/{bad}/export"))
            .await
            .assert_problem(404, "not_found");
    }
}

async fn start_for(app: &TestApp, tok: &str, contact: &Value) -> String {
    let r = app
        .as_user("acme", tok)
        .post_empty(&format!("/contacts/{}/export", id(contact)))
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    id(&r.body)
}

/// `POST users/{id}/export`: a colleague's own data (account, roles,
/// sign-ins, what the trail says they did) and the records they own or
/// wrote on by reference only: those hold other people's data. Guarded
/// like a contact's; erasing the user drops it.
async fn a_users_export_holds_their_account_and_refers_to_records(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let (mia_id, mia) = app
        .user_with_roles("acme", &owner, "mia@acme.example", &["manager"])
        .await;
    let (_, agent) = app
        .user_with_roles("acme", &owner, "agent@acme.example", &["agent"])
        .await;
    let as_mia = app.as_user("acme", &mia);
    let contact = as_mia
        .create(
            Res::Contacts,
            json!({"first_name": "Greta", "last_name": "Geheimkundin"}),
        )
        .await;
    let ticket = acme
        .create(
            Res::Tickets,
            json!({"subject": "Printer", "requester_id": id(&contact)}),
        )
        .await;
    let comment = as_mia
        .comment(&id(&ticket), json!({"body": "Third-party words"}))
        .await;

    let path = format!("/users/{mia_id}/export");
    app.as_user("acme", &agent)
        .post_empty(&path)
        .await
        .assert_problem(403, "forbidden");
    acme.post_empty("/users/0190a0a0-0000-7000-8000-000000000000/export")
        .await
        .assert_problem(404, "not_found");
    let r = acme.post_empty(&path).await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(
        (&r.body["subject_kind"], &r.body["total"]),
        (&json!("user"), &json!(4))
    );
    let export = id(&r.body);
    let mut ready = Value::Null;
    for _ in 0..100 {
        let e = acme.get(&format!("/exports/{export}")).await.body;
        if e["status"] == "ready" {
            ready = e;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ready["done"], 4, "{ready}");
    let (status, _, zip) = fetch(&app, &owner, &export).await;
    assert_eq!(status, 200);
    let files = unzip(&zip);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["README.txt", "export.json", "references.csv"]);
    let doc: Value = serde_json::from_str(&files[1].1).unwrap();
    assert_eq!(doc["export"]["subject_kind"], "user");
    assert_eq!(doc["account"]["email"], "mia@acme.example", "{doc}");
    assert_eq!(doc["account"]["roles"], json!(["manager"]));
    assert!(
        doc["sign_ins"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "login.success"),
        "{doc}"
    );
    let actions: Vec<&str> = doc["audit_trail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"contact.created"), "{actions:?}");
    assert!(
        actions.contains(&"user.created"),
        "what was done to her account: {actions:?}"
    );
    let refs = &doc["records"]["references"];
    let has = |rid: &Value, kind: &str, role: &str| {
        refs.as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == *rid && r["kind"] == kind && r["as"] == role)
    };
    assert!(has(&contact["id"], "contact", "owner"), "{refs}");
    assert!(has(&comment["id"], "comment", "author"), "{refs}");
    let all: String = files.iter().map(|(_, t)| t.as_str()).collect();
    for theirs in ["Geheimkundin", "Third-party words", "agent@acme.example"] {
        assert!(!all.contains(theirs), "{theirs} is someone else's");
    }

    // Erasing Mia takes her export along.
    let r = acme.post_empty(&format!("/users/{mia_id}/erase")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    acme.get(&format!("/exports/{export}"))
        .await
        .assert_problem(404, "not_found");
    // Nothing is left to export, or to erase again.
    acme.post_empty(&path).await.assert_problem(409, "conflict");
    acme.post_empty(&format!("/users/{mia_id}/erase"))
        .await
        .assert_problem(409, "conflict");
}

//! Erasing a person (GDPR Art. 17) and legal holds. After an erasure no
//! trace of the person is left in any table, the event log, a replay
//! over the WebSocket, an export or the audit trail; live clients are told
//! to drop what they hold. A record under hold refuses deletion and
//! erasure, and so does every removal that would take it along.

use std::time::Duration;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Res, TestApp, id, spawn_app};
use crate::realtime::Ws;

both_backends!(
    a_user_who_left_is_erased_and_what_they_own_stays,
    erasing_a_person_leaves_no_trace_anywhere,
    a_legal_hold_refuses_deletion_and_erasure,
    hold_and_erase_refuse_bad_input_and_callers_without_the_permission
);

/// What only Erika's data contains.
const TRACES: [&str; 6] = [
    "mustermann",
    "erika@private.example",
    "123987",
    "kaputter drucker",
    "bitte schnell",
    "rückruf erika",
];

#[track_caller]
fn assert_no_trace(place: &str, text: &str) {
    let text = text.to_lowercase();
    for t in TRACES {
        assert!(!text.contains(t), "{place} still holds {t:?}:\n{text}");
    }
}

async fn tenant_id(app: &TestApp, slug: &str) -> mandant::domain::tenant::TenantId {
    let r = app
        .admin("GET", &format!("/api/v1/tenants/{slug}"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    mandant::domain::tenant::TenantId(r.body["id"].as_str().unwrap().parse().unwrap())
}

async fn erasing_a_person_leaves_no_trace_anywhere(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let (portal_id, portal_tok) = app
        .user_with_roles("acme", &owner, "erika@private.example", &["customer"])
        .await;
    let erika = acme
        .create(
            Res::Contacts,
            json!({"first_name": "Erika", "last_name": "Mustermann", "email": "erika@private.example",
                   "phone": "+49 30 123987", "user_id": portal_id}),
        )
        .await;
    let max = acme
        .create(
            Res::Contacts,
            json!({"first_name": "Max", "last_name": "Kunde"}),
        )
        .await;
    let pipeline = acme
        .create(
            Res::Pipelines,
            json!({"name": "Sales", "stages": [{"id": "new", "name": "New"}]}),
        )
        .await["id"]
        .clone();
    let deal = acme
        .create(
            Res::Deals,
            json!({"title": "Fleet renewal", "pipeline_id": &pipeline, "contact_ids": [id(&erika), id(&max)]}),
        )
        .await;
    let ticket = acme
        .create(
            Res::Tickets,
            json!({"subject": "Kaputter Drucker", "description": "Bitte schnell, Mustermann", "requester_id": id(&erika)}),
        )
        .await;
    acme.comment(&id(&ticket), json!({"body": "We are on it"}))
        .await;
    let portal = app.as_user("acme", &portal_tok);
    let reply = portal
        .post(
            &format!("/tickets/{}/comments", id(&ticket)),
            json!({"body": "Bitte schnell!"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    // A ticket of someone else that Erika's note is on stays, without it.
    let other = acme
        .create(
            Res::Tickets,
            json!({"subject": "Max's modem", "requester_id": id(&max)}),
        )
        .await;
    let call = acme
        .create(
            Res::Activities,
            json!({"type": "call", "subject": "Rückruf Erika", "related_kind": "contact", "related_id": id(&erika)}),
        )
        .await;
    // A failed sign-in keeps the address typed in the sign-in log.
    app.login("acme", "erika@private.example", "wrong password, sorry")
        .await
        .assert_problem(401, "invalid_credentials");

    // A console that watches contacts and the deal, live.
    let mut ws = Ws::connect(&app, "acme", &owner).await.unwrap();
    for topic in ["contacts", &format!("record:deal:{}", id(&deal))] {
        ws.send(json!({"type": "subscribe", "id": topic, "topic": topic}))
            .await;
        assert_eq!(ws.expect().await["type"], "subscribed");
    }

    let r = acme
        .post_empty(&format!("/contacts/{}/erase", id(&erika)))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["gone"],
        json!({"activity": 1, "comment": 2, "contact": 1, "ticket": 1}),
        "{}",
        r.body
    );
    assert_eq!(r.body["cleared"], json!({"deal": 1}));
    assert_eq!(r.body["portal_user"], json!(portal_id));
    assert!(r.body["events_erased"].as_u64().unwrap() >= 5, "{}", r.body);
    assert!(
        r.body["sign_ins_forgotten"].as_u64().unwrap() >= 2,
        "{}",
        r.body
    );

    // Live: the deal loses the reference, the contact is erased.
    let mut seen: Vec<(String, Value)> = Vec::new();
    while let Some(f) = ws.next(Duration::from_secs(2)).await {
        if f["type"] == "event" {
            seen.push((f["event"].as_str().unwrap().to_owned(), f["data"].clone()));
        }
        if seen.iter().any(|(e, _)| e == "contact.erased") {
            break;
        }
    }
    let updated = seen
        .iter()
        .find(|(e, _)| e == "deal.updated")
        .expect("deal.updated");
    assert_eq!(updated.1["contact_ids"], json!([id(&max)]));
    let erased = seen
        .iter()
        .find(|(e, _)| e == "contact.erased")
        .expect("contact.erased");
    assert_eq!(erased.1, json!({"id": id(&erika), "erased": true}));

    // What is left: the deal, the other ticket, Max.
    assert_eq!(acme.read(Res::Contacts, &id(&erika)).await.status, 404);
    assert_eq!(acme.read(Res::Tickets, &id(&ticket)).await.status, 404);
    assert_eq!(acme.read(Res::Activities, &id(&call)).await.status, 404);
    assert_eq!(acme.read(Res::Tickets, &id(&other)).await.status, 200);
    let d = acme.read(Res::Deals, &id(&deal)).await;
    assert_eq!(d.body["contact_ids"], json!([id(&max)]));

    // The portal account can no longer be used.
    portal.get("/me").await.assert_problem(401, "unauthorized");

    // No trace: search, every list, the exports, the log, the trail.
    for res in [
        Res::Contacts,
        Res::Tickets,
        Res::Activities,
        Res::Deals,
        Res::Users,
    ] {
        let page = acme.list(res, "limit=200").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_no_trace(res.path(), &page.body.to_string());
    }
    for q in ["Mustermann", "Erika", "Drucker"] {
        let hits = acme.list(Res::Contacts, &format!("q={q}")).await;
        assert_eq!(hits.body["items"], json!([]), "{q}");
        let hits = acme.list(Res::Tickets, &format!("q={q}")).await;
        assert_eq!(hits.body["items"], json!([]), "{q}");
    }
    for path in [
        "/contacts?format=csv",
        "/tickets?format=csv",
        "/activities?format=csv",
    ] {
        let csv = acme.get(path).await;
        assert_eq!(csv.status, 200);
        assert_no_trace(path, csv.body.as_str().unwrap());
    }
    let comments = acme.get(&format!("/tickets/{}/comments", id(&other))).await;
    assert_no_trace("comments", &comments.body.to_string());
    let log = acme.get("/events?since=0&limit=1000").await;
    assert_eq!(log.status, 200, "{}", log.body);
    assert_no_trace("/events", &log.body.to_string());
    let about: Vec<&Value> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["record_id"] == erika["id"])
        .collect();
    assert!(about.len() >= 2, "{about:?}");
    assert!(
        about.iter().all(|e| e["data"]["erased"] == true),
        "{about:?}"
    );
    let trail = acme.get("/audit/events?format=csv&limit=200").await;
    assert_no_trace("the audit trail", trail.body.as_str().unwrap());
    let fact = acme.get("/audit/events?action=person.erased").await;
    assert_eq!(
        fact.body["items"][0]["record_id"], erika["id"],
        "{}",
        fact.body
    );
    let sign_ins = acme.get("/audit/auth-events?limit=200").await;
    assert_no_trace("the sign-in log", &sign_ins.body.to_string());

    // A client resuming from before the erasure gets ids, not the data:
    // the log was overwritten, and so was every hub's memory of it.
    let mut again = Ws::connect(&app, "acme", &owner).await.unwrap();
    for topic in [
        "contacts",
        "tickets",
        "activities",
        &format!("ticket:{}", id(&ticket)),
    ] {
        again
            .send(json!({"type": "subscribe", "id": topic, "topic": topic, "since": 0}))
            .await;
    }
    let mut replayed = String::new();
    while let Some(f) = again.next(Duration::from_secs(1)).await {
        replayed.push_str(&f.to_string());
    }
    assert!(replayed.contains("contact.erased"), "{replayed}");
    assert_no_trace("a replay", &replayed);

    // And behind the server's back: every row of every table.
    let dump = app.site.tenant_dump(tenant_id(&app, "acme").await).await;
    assert!(dump.contains("Max"), "the dump reads the tables");
    assert_no_trace("the database", &dump);
    // Binary columns are dumped as hex: look for the hex of each trace too.
    for t in [
        "Mustermann",
        "erika@private.example",
        "Kaputter Drucker",
        "Rückruf Erika",
    ] {
        let hex: String = t.bytes().map(|b| format!("{b:02X}")).collect();
        assert!(
            !dump.contains(&hex),
            "the database holds {t:?} in a binary column"
        );
    }

    // On SQLite, not even in the file's free pages, the search index's
    // old segments or the write-ahead log.
    if backend == Backend::Sqlite {
        let file = app.site.tenant_file(tenant_id(&app, "acme").await);
        let mut bytes = std::fs::read(&file).unwrap();
        bytes.extend(std::fs::read(file.with_extension("db-wal")).unwrap_or_default());
        let raw = String::from_utf8_lossy(&bytes).to_lowercase();
        assert!(raw.contains("kunde"), "the file holds Max Kunde");
        assert_no_trace("the SQLite file", &raw);
    }

    // Nor signed into (a sign-in log entry of this attempt is new).
    app.login("acme", "erika@private.example", crate::helpers::PASSWORD)
        .await
        .assert_problem(401, "invalid_credentials");
}

async fn a_legal_hold_refuses_deletion_and_erasure(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let contact = acme
        .create(Res::Contacts, json!({"last_name": "Beklagt"}))
        .await;
    let ticket = acme
        .create(
            Res::Tickets,
            json!({"subject": "Disputed invoice", "requester_id": id(&contact)}),
        )
        .await;
    let hold = format!("/tickets/{}/hold", id(&ticket));

    let r = acme
        .put(&hold, json!({"reason": "Litigation 2026-114"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["legal_hold"]["reason"], "Litigation 2026-114");
    assert_eq!(r.body["version"], 2);
    let read = acme.read(Res::Tickets, &id(&ticket)).await;
    assert_eq!(read.body["legal_hold"]["reason"], "Litigation 2026-114");

    // The ticket itself, and the erasure that would take it along.
    let del = acme.remove(Res::Tickets, &id(&ticket)).await;
    del.assert_problem(409, "legal_hold");
    assert!(
        del.body["detail"]
            .as_str()
            .unwrap()
            .contains("Litigation 2026-114"),
        "{}",
        del.body
    );
    let events_before = acme.get("/events?since=0&limit=1000").await.body["items"]
        .as_array()
        .unwrap()
        .len();
    acme.post_empty(&format!("/contacts/{}/erase", id(&contact)))
        .await
        .assert_problem(409, "legal_hold");
    // Refused before anything was written.
    assert_eq!(acme.read(Res::Contacts, &id(&contact)).await.status, 200);
    let events_after = acme.get("/events?since=0&limit=1000").await.body["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(events_before, events_after);
    // A hold is not an ordinary field.
    acme.update(Res::Tickets, &id(&ticket), json!({"legal_hold": null}))
        .await
        .assert_problem(422, "validation_failed");
    // Deleting the contact only clears the ticket's reference: allowed.
    assert_eq!(acme.remove(Res::Contacts, &id(&contact)).await.status, 204);
    let t = acme.read(Res::Tickets, &id(&ticket)).await;
    assert!(t.body.get("requester_id").is_none(), "{}", t.body);

    // Lifted, the ticket can go; lifting twice is a conflict.
    let r = acme.delete(&hold).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["legal_hold"], Value::Null);
    acme.delete(&hold).await.assert_problem(409, "conflict");
    assert_eq!(acme.remove(Res::Tickets, &id(&ticket)).await.status, 204);

    let trail = acme.get("/audit/events?kind=ticket").await;
    let actions: Vec<&str> = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["ticket.hold_placed", "ticket.hold_lifted", "ticket.deleted"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

async fn hold_and_erase_refuse_bad_input_and_callers_without_the_permission(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let contact = acme
        .create(Res::Contacts, json!({"last_name": "Held"}))
        .await;
    let hold = format!("/contacts/{}/hold", id(&contact));
    for (body, field) in [
        (json!({}), "reason"),
        (json!({"reason": ""}), "reason"),
        (json!({"reason": "   "}), "reason"),
        (json!({"reason": 42}), "reason"),
        (json!({"reason": "a\u{7}b"}), "reason"),
        (json!({"reason": "x".repeat(501)}), "reason"),
        (json!({"reason": "ok", "until": "2030-01-01"}), "until"),
    ] {
        let r = acme.put(&hold, body.clone()).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), [field], "{body}");
    }
    let r = acme.put(&hold, json!([1])).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let ghost = "/contacts/0190a0a0-0000-7000-8000-000000000000";
    acme.put(&format!("{ghost}/hold"), json!({"reason": "x"}))
        .await
        .assert_problem(404, "not_found");
    acme.post_empty(&format!("{ghost}/erase"))
        .await
        .assert_problem(404, "not_found");
    acme.post_empty("/contacts/not-an-id/erase")
        .await
        .assert_problem(404, "not_found");

    // A manager deletes contacts, but holds and erasure are not theirs.
    let (_, manager) = app
        .user_with_roles("acme", &owner, "mia@acme.example", &["manager"])
        .await;
    let mia = app.as_user("acme", &manager);
    mia.put(&hold, json!({"reason": "x"}))
        .await
        .assert_problem(403, "forbidden");
    mia.post_empty(&format!("/contacts/{}/erase", id(&contact)))
        .await
        .assert_problem(403, "forbidden");
    // Another tenant's owner finds nothing to hold or erase.
    let other = app.tenant_with_owner("globex").await;
    let globex = app.as_user("globex", &other);
    globex
        .put(&hold, json!({"reason": "x"}))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(acme.read(Res::Contacts, &id(&contact)).await.status, 200);
}

/// `POST users/{id}/erase`: a colleague who left loses name, e-mail,
/// password, sessions and sign-in addresses; the records they own keep
/// their owner (now "Erased person"); the guards of deleting a user hold,
/// and a portal account that is a contact is erased with the contact.
async fn a_user_who_left_is_erased_and_what_they_own_stays(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let (mia_id, mia) = app
        .user_with_roles("acme", &owner, "mia.leaver@acme.example", &["manager"])
        .await;
    let (_, ada) = app
        .user_with_roles("acme", &owner, "ada@acme.example", &["admin"])
        .await;
    let (_, agent) = app
        .user_with_roles("acme", &owner, "agent@acme.example", &["agent"])
        .await;
    let contact = app
        .as_user("acme", &mia)
        .create(Res::Contacts, json!({"last_name": "Kunde"}))
        .await;
    assert_eq!(contact["owner_id"], mia_id.as_str());
    let erase = |who: &str| format!("/users/{who}/erase");

    // Guards: the permission, oneself, someone holding more, the last owner.
    app.as_user("acme", &agent)
        .post_empty(&erase(&mia_id))
        .await
        .assert_problem(403, "forbidden");
    let me = acme.get("/me").await.body["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    acme.post_empty(&erase(&me))
        .await
        .assert_problem(409, "conflict");
    let r = app.as_user("acme", &ada).post_empty(&erase(&me)).await;
    r.assert_problem(409, "conflict");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("last active owner")
    );
    // A manager may not erase an admin: the admin holds more.
    let (_, manager) = app
        .user_with_roles("acme", &owner, "manny@acme.example", &["manager"])
        .await;
    let ada_id = acme.get("/users").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "ada@acme.example")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.as_user("acme", &manager)
        .post_empty(&erase(&ada_id))
        .await
        .assert_problem(403, "forbidden");
    acme.post_empty(&erase("0190a0a0-0000-7000-8000-000000000000"))
        .await
        .assert_problem(404, "not_found");
    acme.post_empty("/users/not-a-uuid/erase")
        .await
        .assert_problem(404, "not_found");

    let r = app.as_user("acme", &ada).post_empty(&erase(&mia_id)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body["sessions_ended"].as_u64().unwrap() >= 1,
        "{}",
        r.body
    );
    assert!(
        r.body["sign_ins_forgotten"].as_u64().unwrap() >= 1,
        "{}",
        r.body
    );
    // Signed out now, and never again.
    assert_eq!(app.as_user("acme", &mia).get("/me").await.status, 401);
    let u = acme.get(&format!("/users/{mia_id}")).await.body;
    assert_eq!(
        (&u["name"], &u["status"], &u["teams"]),
        (&json!("Erased person"), &json!("disabled"), &json!([])),
        "{u}"
    );
    // What they own stays theirs.
    let c = acme.read(Res::Contacts, &id(&contact)).await.body;
    assert_eq!(c["owner_id"], mia_id.as_str());
    // No trace of who they were: the sign-in log, the trail, the tables.
    let tenant = app.services.tenants.get("acme").await.unwrap();
    let dump = app.site.tenant_dump(tenant.id).await.to_lowercase();
    let sign_ins = acme
        .get("/audit/auth-events?limit=200")
        .await
        .body
        .to_string();
    let trail = acme.get("/audit/events?limit=200").await.body.to_string();
    for (place, text) in [
        ("tables", &dump),
        ("sign-in log", &sign_ins),
        ("trail", &trail),
    ] {
        let lines: Vec<&str> = text.lines().filter(|l| l.contains("mia.leaver")).collect();
        assert!(lines.is_empty(), "in the {place}: {lines:?}");
    }
    assert!(trail.contains("user.erased"), "{trail}");
    // The trail finds what was done to the account by its id and kind.
    let about = acme
        .get(&format!("/audit/events?record={mia_id}&kind=user"))
        .await
        .body;
    let actions: Vec<&str> = about["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["user.erased", "user.created"], "{about}");
    // (A sign-in tried with the old address from now on is logged anew.)
    let again = app
        .login("acme", "mia.leaver@acme.example", crate::helpers::PASSWORD)
        .await;
    assert_eq!(again.status, 401, "{}", again.body);

    // A portal account that is a contact goes with the contact.
    let (portal_id, _) = app
        .user_with_roles("acme", &owner, "pat@portal.example", &["customer"])
        .await;
    let pat = acme
        .create(
            Res::Contacts,
            json!({"last_name": "Portal", "user_id": portal_id}),
        )
        .await;
    let r = acme.post_empty(&erase(&portal_id)).await;
    r.assert_problem(409, "conflict");
    assert!(
        r.body["detail"].as_str().unwrap().contains(&id(&pat)),
        "{}",
        r.body
    );
}

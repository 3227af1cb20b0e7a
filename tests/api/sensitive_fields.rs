//! Custom fields marked `sensitive` (`storage::sealed`): their values are
//! sealed at rest in the records and in the event log, read in clear on
//! every path a reader has (one record, lists, CSV, the event log, a
//! WebSocket resume, a person's export), never searched or filtered by,
//! never in the trail; a damaged or moved ciphertext fails its record
//! alone.

use std::time::Duration;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Res, TestApp, id, spawn_app};
use crate::realtime::Ws;

both_backends!(
    a_tenant_key_rotation_reseals_records_and_the_log,
    sensitive_values_are_sealed_at_rest_and_read_in_clear,
    sensitive_fields_are_refused_where_they_cannot_work,
    a_damaged_or_moved_sensitive_value_fails_its_record_alone
);

const FIRST: &str = "DE-TAX-7731-ZQX";
const SECOND: &str = "DE-TAX-8842-ZQY";

/// A tenant with `contact.tax_id` (sensitive) and `contact.nickname`.
async fn tenant(app: &TestApp) -> String {
    let tok = app.tenant_with_owner("acme").await;
    let owner = app.as_user("acme", &tok);
    let r = owner
        .post(
            "/custom-fields",
            json!({"kind": "contact", "key": "tax_id", "label": "Tax id", "type": "text", "sensitive": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["sensitive"], true, "{}", r.body);
    let r = owner
        .post(
            "/custom-fields",
            json!({"kind": "contact", "key": "nickname", "type": "text"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["sensitive"], false);
    tok
}

async fn contact(app: &TestApp, tok: &str, last: &str, tax: &str) -> Value {
    app.as_user("acme", tok)
        .create(
            Res::Contacts,
            json!({"first_name": "Erika", "last_name": last, "custom": {"tax_id": tax, "nickname": "Rike"}}),
        )
        .await
}

async fn sensitive_values_are_sealed_at_rest_and_read_in_clear(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = tenant(&app).await;
    let owner = app.as_user("acme", &tok);
    let erika = contact(&app, &tok, "Mustermann", FIRST).await;
    assert_eq!(erika["custom"]["tax_id"], FIRST, "{erika}");
    let r = owner
        .update(
            Res::Contacts,
            &id(&erika),
            json!({"custom": {"tax_id": SECOND}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["custom"]["tax_id"], SECOND);

    // Every read path shows the value in clear.
    let r = owner.read(Res::Contacts, &id(&erika)).await;
    assert_eq!(r.body["custom"]["tax_id"], SECOND, "{}", r.body);
    let r = owner.list(Res::Contacts, "").await;
    assert_eq!(r.body["items"][0]["custom"]["tax_id"], SECOND, "{}", r.body);
    let (status, _, csv) = app
        .get_accepting("/t/acme/api/v1/contacts", &tok, "text/csv")
        .await;
    assert_eq!(status, 200);
    assert!(csv.contains(SECOND), "{csv}");
    let log = owner.get("/events?since=0").await;
    let told: Vec<&Value> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["record_id"] == erika["id"])
        .map(|e| &e["data"]["custom"]["tax_id"])
        .collect();
    assert_eq!(told, [&json!(FIRST), &json!(SECOND)], "{}", log.body);
    let mut ws = Ws::connect(&app, "acme", &tok).await.unwrap();
    ws.send(json!({"type": "subscribe", "id": "s", "topic": "contacts", "since": 0}))
        .await;
    let mut replayed = Vec::new();
    while let Some(f) = ws.next(Duration::from_secs(3)).await {
        if f["type"] == "event" {
            replayed.push(f["data"]["custom"]["tax_id"].clone());
            if replayed.len() == 2 {
                break;
            }
        }
    }
    assert_eq!(replayed, [json!(FIRST), json!(SECOND)]);
    // Live, a third value.
    let third = "DE-TAX-9953-ZQW";
    owner
        .update(
            Res::Contacts,
            &id(&erika),
            json!({"custom": {"tax_id": third}}),
        )
        .await;
    let live = loop {
        let f = ws.expect().await;
        if f["type"] == "event" {
            break f;
        }
    };
    assert_eq!(live["data"]["custom"]["tax_id"], third, "{live}");

    // The person's export holds it in clear.
    let r = owner
        .post_empty(&format!("/contacts/{}/export", id(&erika)))
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let export = id(&r.body);
    let mut ready = false;
    for _ in 0..100 {
        if owner.get(&format!("/exports/{export}")).await.body["status"] == "ready" {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the export did not finish");
    let (status, _, zip) = crate::exports::fetch(&app, &tok, &export).await;
    assert_eq!(status, 200);
    let all: String = crate::exports::unzip(&zip)
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    assert!(all.contains(third), "not in the export");

    // At rest: sealed in the records, the log, and the database file.
    let tenant = app.services.tenants.get("acme").await.unwrap();
    let dump = app.site.tenant_dump(tenant.id).await;
    for v in [FIRST, SECOND, third] {
        assert!(!dump.contains(v), "{v} in clear in the tables");
    }
    assert!(dump.contains("Rike"), "the dump reads the tables");
    assert!(dump.contains("$sealed"), "sealed values are stored");
    if matches!(backend, Backend::Sqlite) {
        let file = app.site.tenant_file(tenant.id);
        for f in [file.clone(), file.with_extension("db-wal")] {
            let bytes = std::fs::read(&f).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            for v in [FIRST, SECOND, third] {
                assert!(!text.contains(v), "{v} in {}", f.display());
            }
        }
    }
    // The trail says that it changed, not what to.
    let trail = owner
        .get(&format!("/audit/events?record={}", id(&erika)))
        .await;
    assert_eq!(trail.status, 200, "{}", trail.body);
    let text = trail.body.to_string();
    assert!(text.contains("custom.tax_id"), "{text}");
    assert!(!text.contains("DE-TAX"), "{text}");
}

async fn sensitive_fields_are_refused_where_they_cannot_work(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = tenant(&app).await;
    let owner = app.as_user("acme", &tok);
    let erika = contact(&app, &tok, "Mustermann", FIRST).await;
    contact(&app, &tok, "Gabler", SECOND).await;

    // Search: by the clear fields, never by the sealed one.
    let r = owner.list(Res::Contacts, "q=Mustermann").await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.body);
    let r = owner.list(Res::Contacts, "q=Rike").await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2, "{}", r.body);
    for q in ["DE-TAX-7731", "7731"] {
        let r = owner.list(Res::Contacts, &format!("q={q}")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["items"], json!([]), "{q}: {}", r.body);
    }
    // Filters: refused by name, for any operator; a clear field filters.
    for q in [
        format!("custom.tax_id={FIRST}"),
        "custom.tax_id.gte=A".into(),
    ] {
        let r = owner.list(Res::Contacts, &q).await;
        r.assert_problem(422, "validation_failed");
        assert!(
            r.body.to_string().contains("is sensitive"),
            "{q}: {}",
            r.body
        );
    }
    let r = owner.list(Res::Contacts, "custom.nickname=Rike").await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2, "{}", r.body);

    // Definitions: no sensitive relation; sensitivity never changes.
    let r = owner
        .post(
            "/custom-fields",
            json!({"kind": "deal", "key": "partner", "type": "relation", "options": {"kind": "company"}, "sensitive": true}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["sensitive"], "{}", r.body);
    let fields = owner.get("/custom-fields?kind=contact").await;
    let tax = fields.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "tax_id")
        .unwrap()
        .clone();
    assert_eq!(tax["sensitive"], true);
    let r = owner
        .patch(
            &format!("/custom-fields/{}", id(&tax)),
            json!({"sensitive": false}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["sensitive"], "{}", r.body);
    let r = owner
        .patch(
            &format!("/custom-fields/{}", id(&tax)),
            json!({"sensitive": true, "label": "Steuernummer"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Wrong types are refused as for any custom field.
    let r = owner
        .update(Res::Contacts, &id(&erika), json!({"custom": {"tax_id": 7}}))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["custom.tax_id"], "{}", r.body);
    // Clearing it leaves nothing sealed behind.
    let r = owner
        .update(
            Res::Contacts,
            &id(&erika),
            json!({"custom": {"tax_id": null}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["custom"].get("tax_id").is_none(), "{}", r.body);
}

async fn a_damaged_or_moved_sensitive_value_fails_its_record_alone(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = tenant(&app).await;
    let owner = app.as_user("acme", &tok);
    let erika = contact(&app, &tok, "Mustermann", FIRST).await;
    let gabi = contact(&app, &tok, "Gabler", SECOND).await;
    let tenant = app.services.tenants.get("acme").await.unwrap();
    // SQLite keeps ids as 16 bytes, PostgreSQL as uuid.
    let sqlite = matches!(backend, Backend::Sqlite);
    let id_sql = |who: &Value| match sqlite {
        true => format!("X'{}'", id(who).replace('-', "")),
        false => format!("'{}'", id(who)),
    };
    let custom_of = |who: &Value| {
        format!(
            "SELECT CAST(custom AS TEXT) FROM records WHERE id = {}",
            id_sql(who)
        )
    };
    let stored: Value = serde_json::from_str(
        &app.site
            .tenant_texts(tenant.id, &custom_of(&erika))
            .await
            .remove(0),
    )
    .unwrap();
    let sealed = stored["tax_id"]["$sealed"].as_str().unwrap().to_owned();
    assert!(sealed.starts_with("enc:v1:"), "{stored}");
    assert_eq!(stored["nickname"], "Rike");

    // Erika's ciphertext damaged: her record says so; the list goes on.
    let last = sealed.chars().last().unwrap();
    let damaged = format!(
        "{}{}",
        &sealed[..sealed.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    let set = |who: &Value, v: &str| {
        format!(
            "UPDATE records SET custom = '{}' WHERE id = {}",
            json!({"tax_id": {"$sealed": v}, "nickname": "Rike"}),
            id_sql(who)
        )
    };
    app.site
        .tenant_exec(tenant.id, &set(&erika, &damaged))
        .await;
    let r = owner.read(Res::Contacts, &id(&erika)).await;
    r.assert_problem(409, "conflict");
    assert!(
        r.body["detail"].as_str().unwrap().contains("sealed"),
        "{}",
        r.body
    );
    let r = owner.list(Res::Contacts, "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let by_name = |n: &str| items.iter().find(|c| c["last_name"] == n).unwrap().clone();
    assert!(by_name("Mustermann")["custom"].get("tax_id").is_none());
    assert_eq!(by_name("Mustermann")["custom"]["nickname"], "Rike");
    assert_eq!(by_name("Gabler")["custom"]["tax_id"], SECOND);
    let r = owner.read(Res::Contacts, &id(&gabi)).await;
    assert_eq!(r.body["custom"]["tax_id"], SECOND);

    // Erika's intact ciphertext copied onto Gabi's record does not open
    // there: it is bound to its record.
    app.site.tenant_exec(tenant.id, &set(&gabi, &sealed)).await;
    owner
        .read(Res::Contacts, &id(&gabi))
        .await
        .assert_problem(409, "conflict");
    // Put back, Erika's reads again.
    app.site.tenant_exec(tenant.id, &set(&erika, &sealed)).await;
    let r = owner.read(Res::Contacts, &id(&erika)).await;
    assert_eq!(r.body["custom"]["tax_id"], FIRST, "{}", r.body);
}

/// `mandant keys rotate-tenant` re-seals the records and the log under
/// the new data key at once; a running node that sealed a value under the
/// old key before it learned of the new one is caught by the hourly
/// re-seal (`TenantDb::reseal`, run here directly); every value reads on.
async fn a_tenant_key_rotation_reseals_records_and_the_log(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = tenant(&app).await;
    let owner = app.as_user("acme", &tok);
    let erika = contact(&app, &tok, "Mustermann", FIRST).await;
    owner
        .update(
            Res::Contacts,
            &id(&erika),
            json!({"custom": {"tax_id": SECOND}}),
        )
        .await;
    let tenant = app.services.tenants.get("acme").await.unwrap();
    // How many values each key version seals, in the records and the log.
    let under = async |version: u32| -> usize {
        let mut texts = app
            .site
            .tenant_texts(tenant.id, "SELECT CAST(custom AS TEXT) FROM records")
            .await;
        texts.extend(
            app.site
                .tenant_texts(tenant.id, "SELECT CAST(data AS TEXT) FROM events")
                .await,
        );
        texts
            .iter()
            .map(|t| t.matches(&format!("enc:v1:{version}:")).count())
            .sum()
    };
    // The record, its created and its updated event.
    assert_eq!((under(1).await, under(2).await), (3, 0));
    // The agent-notices follower reads the log after a commit (it gathers
    // commits for 250 ms); once it has read past these writes, nothing on
    // this node will read a value the rotation re-seals.
    let followed = async || {
        let q = "SELECT CAST((SELECT seq FROM cursors WHERE name = 'notices') = \
                 (SELECT seq FROM event_counter WHERE id = 1) AS TEXT)";
        app.site.tenant_texts(tenant.id, q).await
    };
    for _ in 0..100 {
        if followed()
            .await
            .first()
            .is_some_and(|t| t == "true" || t == "1")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let mut c = crate::cli::mandant(&app.site);
    c.args(["keys", "rotate-tenant", "acme"]);
    let o = crate::cli::run(c).await;
    let said = crate::cli::stdout(&o);
    assert!(o.status.success(), "{said}");
    assert!(
        said.contains("data key version 2") && said.contains("re-sealed 1 records, 2 events"),
        "{said}"
    );
    assert_eq!((under(1).await, under(2).await), (0, 3));

    // This node has not read a version-2 value yet: it still seals new
    // writes under version 1.
    let gabi = contact(&app, &tok, "Gabler", FIRST).await;
    assert_eq!(under(1).await, 2, "the record and its event");
    let db = app.services.storage.tenant_db(&tenant).await.unwrap();
    let done = db.reseal().await.unwrap();
    assert_eq!((done.records, done.events), (1, 1));
    assert_eq!((under(1).await, under(2).await), (0, 5));
    // Nothing more to do; everything reads, from records and from the log.
    let again = db.reseal().await.unwrap();
    assert_eq!((again.records, again.events), (0, 0));
    for (who, tax) in [(&erika, SECOND), (&gabi, FIRST)] {
        let r = owner.read(Res::Contacts, &id(who)).await;
        assert_eq!(r.body["custom"]["tax_id"], tax, "{}", r.body);
    }
    let log = owner.get("/events?since=0").await;
    let taxes: Vec<&Value> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "contact")
        .map(|e| &e["data"]["custom"]["tax_id"])
        .collect();
    assert_eq!(taxes, [&json!(FIRST), &json!(SECOND), &json!(FIRST)]);
}

//! CSV export of lists and bulk import of contacts and companies.

use std::time::Instant;

use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, Res, spawn_app};

async fn csv(
    app: &crate::helpers::TestApp,
    tok: &str,
    path: &str,
    body: &str,
    query: &str,
) -> crate::helpers::Resp {
    app.request(
        "POST",
        &format!("/t/acme/api/v1{path}{query}"),
        Some(tok),
        Some(("text/csv", body.as_bytes().to_vec())),
    )
    .await
}

async fn export_streams_filtered_lists(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("acme").await;
    app.as_user("acme", &tok)
        .post(
            "/custom-fields",
            json!({"kind": "contact", "key": "tier", "type": "text"}),
        )
        .await;
    // 230 rows: more than one internal page of 200.
    let mut rows = String::from("first_name,last_name,email,tags,custom.tier\n");
    for i in 0..230 {
        rows.push_str(&format!(
            "F{i},\"Last, {i}\",p{i}@x.example,a;b,{}\n",
            if i % 2 == 0 { "gold" } else { "" }
        ));
    }
    let r = csv(&app, &tok, "/contacts/import", &rows, "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["imported"], 230);

    let r = app
        .request(
            "GET",
            "/t/acme/api/v1/contacts?format=csv",
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.content_type().starts_with("text/csv"),
        "{}",
        r.content_type()
    );
    let text = r.body.as_str().unwrap().to_owned();
    // Asking by `Accept` gets the same export.
    let (status, ct, by_accept) = app
        .get_accepting("/t/acme/api/v1/contacts", &tok, "text/csv")
        .await;
    assert_eq!((status.as_u16(), ct.starts_with("text/csv")), (200, true));
    assert_eq!(by_accept.lines().count(), text.lines().count());
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(&headers[..4], ["id", "version", "created_at", "updated_at"]);
    assert!(headers.contains(&"custom.tier".to_owned()) && headers.contains(&"phone".to_owned()));
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 230);
    let ln = headers.iter().position(|h| h == "last_name").unwrap();
    assert_eq!(&records[7][ln], "Last, 7"); // quoting survives
    let tags = headers.iter().position(|h| h == "tags").unwrap();
    assert_eq!(&records[0][tags], "a;b");
    // Same filters as the JSON list.
    let r = app
        .request(
            "GET",
            "/t/acme/api/v1/contacts?format=csv&custom.tier=gold",
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.body.as_str().unwrap().lines().count(), 116);
    app.request(
        "GET",
        "/t/acme/api/v1/contacts?format=csv&colour=red",
        Some(&tok),
        None,
    )
    .await
    .assert_problem(422, "validation_failed");
    app.request(
        "GET",
        "/t/acme/api/v1/contacts?format=xml",
        Some(&tok),
        None,
    )
    .await
    .assert_problem(422, "validation_failed");
    // Hidden fields are not exported.
    app.as_user("acme", &tok).post("/roles", json!({"name": "noemail", "grants": [{"permission": "contacts:read", "hidden_fields": ["email"]}]})).await;
    let (_, ne) = app
        .user_with_roles("acme", &tok, "ne@acme.example", &["noemail"])
        .await;
    let r = app
        .request("GET", "/t/acme/api/v1/contacts?format=csv", Some(&ne), None)
        .await;
    let first = r.body.as_str().unwrap().lines().next().unwrap().to_owned();
    assert!(!first.split(',').any(|c| c == "email"), "{first}");
    app.stop().await;
}

async fn import_is_all_or_nothing_with_line_numbers(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("acme").await;
    let rows = "name,industry,website\nGood GmbH,Tools,https://good.example\n,Empty name,\nBad Site,IT,javascript:x\nAlso good,Retail,\n";
    let r = csv(&app, &tok, "/companies/import", rows, "").await;
    r.assert_problem(422, "validation_failed");
    let lines: Vec<(u64, String)> = r.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(lines, [(3, "name".to_owned()), (4, "website".to_owned())]);
    let list = app.as_user("acme", &tok).list(Res::Companies, "").await;
    assert_eq!(
        list.body["items"],
        json!([]),
        "nothing may be half-imported"
    );

    let r = csv(&app, &tok, "/companies/import", rows, "?skip_invalid=true").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["imported"].as_u64(), r.body["skipped"].as_u64()),
        (Some(2), Some(2))
    );
    let ev = app.as_user("acme", &tok).get("/events").await;
    assert_eq!(ev.body["items"].as_array().unwrap().len(), 2);

    csv(&app, &tok, "/companies/import", "name,colour\nX,red\n", "")
        .await
        .assert_problem(422, "validation_failed");
    csv(&app, &tok, "/companies/import", "name,industry\nX\n", "")
        .await
        .assert_problem(400, "bad_request");
    csv(
        &app,
        &tok,
        "/companies/import",
        "name\nX\n",
        "?skip_invalid=maybe",
    )
    .await
    .assert_problem(422, "validation_failed");
    app.request(
        "POST",
        "/t/acme/api/v1/companies/import",
        Some(&tok),
        Some(("application/json", b"{}".to_vec())),
    )
    .await
    .assert_problem(415, "unsupported_media_type");
    // A reference to a record that does not exist is a row error too.
    let r = csv(
        &app,
        &tok,
        "/contacts/import",
        "last_name,company_id\nX,0190a0a0-0000-7000-8000-000000000000\n",
        "",
    )
    .await;
    assert_eq!(r.body["rows"][0]["field"], "company_id");
    app.stop().await;
}

/// 100,000 rows in one request: all imported, in one transaction.
async fn a_hundred_thousand_rows_in_one_go(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("acme").await;
    let mut rows = String::with_capacity(6 << 20);
    rows.push_str("first_name,last_name,email,phone\n");
    for i in 0..100_000 {
        rows.push_str(&format!("Vor{i},Nach{i},p{i}@bulk.example,+49 {i}\n"));
    }
    let start = Instant::now();
    let r = csv(&app, &tok, "/contacts/import", &rows, "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["imported"], 100_000);
    eprintln!(
        "{backend:?}: 100,000 contacts imported in {:.1}s",
        start.elapsed().as_secs_f64()
    );
    let ev = app.as_user("acme", &tok).get("/events?since=99999").await;
    assert_eq!(ev.body["head"], 100_000);
    let r = app
        .as_user("acme", &tok)
        .list(Res::Contacts, "q=nach99999")
        .await;
    assert_eq!(r.body["items"][0]["email"], "p99999@bulk.example");
    app.stop().await;
}

both_backends!(
    export_streams_filtered_lists,
    import_is_all_or_nothing_with_line_numbers,
    a_hundred_thousand_rows_in_one_go
);

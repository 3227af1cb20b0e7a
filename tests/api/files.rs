//! Attachments (`files`): streamed uploads kept in an object store (the
//! local file system, and a real S3-compatible server), downloads by
//! short-lived signed links, content sniffing, size limits, the plan's
//! storage quota under concurrent uploads, a real ClamAV refusing the
//! EICAR file, portal users seeing only what was shared with them, and
//! files going with their record, their person and their tenant.

use std::path::PathBuf;
use std::time::Duration;

use awc::http::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::both_backends;
use crate::file_servers::{Clamd, S3Server, eicar};
use crate::helpers::{Backend, Res, Resp, Site, TestApp, id, spawn_node};
use crate::realtime::Ws;
use mandant::config::Config;
use mandant::domain::tenant::{Plan, TenantId};
use mandant::secret::Secret;

both_backends!(
    a_file_is_kept_served_by_signed_link_and_goes_with_its_record,
    refused_uploads_leave_nothing_and_the_quota_holds_under_concurrency,
    portal_users_see_only_the_files_shared_with_them,
    files_live_in_an_s3_bucket_when_configured,
    the_virus_scanner_refuses_the_eicar_file_and_fails_closed,
    a_mailed_attachment_becomes_a_file_of_the_ticket
);

async fn node(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
    spawn_node(&Site::new(backend).await, tweak).await
}

/// `POST <record>/files?name=…` with `bytes` as the body.
async fn upload(
    app: &TestApp,
    slug: &str,
    tok: &str,
    record: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Resp {
    let name: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    app.request(
        "POST",
        &format!("/t/{slug}/api/v1{record}/files?name={name}"),
        Some(tok),
        Some((content_type, bytes)),
    )
    .await
}

/// The bytes behind a download link, fetched with no credentials.
async fn download(app: &TestApp, url: &str) -> (StatusCode, awc::http::header::HeaderMap, Vec<u8>) {
    let mut r = awc::Client::new()
        .get(format!("{}{url}", app.address))
        .send()
        .await
        .expect("download sent");
    let body = r.body().limit(64 * 1024 * 1024).await.expect("a body");
    (r.status(), r.headers().clone(), body.to_vec())
}

/// A node with tenant `acme` and its owner: the node, the owner's token,
/// the tenant's id.
async fn acme_node(
    backend: Backend,
    tweak: impl FnOnce(&mut Config),
) -> (TestApp, String, TenantId) {
    let app = node(backend, tweak).await;
    let tok = app.tenant_with_owner("acme").await;
    let id = tenant_id(&app, "acme").await;
    (app, tok, id)
}

/// A socket of `tok`'s, subscribed to `topic`.
async fn watching(app: &TestApp, tok: &str, topic: String) -> Ws {
    let mut ws = Ws::connect(app, "acme", tok).await.unwrap();
    ws.send(json!({"type": "subscribe", "id": "s", "topic": topic}))
        .await;
    assert_eq!(ws.expect().await["type"], "subscribed");
    ws
}

async fn tenant_id(app: &TestApp, slug: &str) -> TenantId {
    app.services.tenants.get(slug).await.unwrap().id
}

/// The objects the local store holds for a tenant.
fn objects(app: &TestApp, tenant: TenantId) -> Vec<PathBuf> {
    let dir = app
        .services
        .config
        .data_dir
        .join("files/t")
        .join(tenant.0.to_string());
    std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

fn sha256(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

async fn usage(app: &TestApp, slug: &str, tok: &str) -> Value {
    let r = app.as_user(slug, tok).get("/storage/usage").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

async fn a_file_is_kept_served_by_signed_link_and_goes_with_its_record(backend: Backend) {
    let (app, tok, acme) = acme_node(backend, |_| {}).await;
    let owner = app.as_user("acme", &tok);
    let contact = id(&owner
        .create(Res::Contacts, json!({"last_name": "Lovelace"}))
        .await);
    let record = format!("/contacts/{contact}");
    let mut ws = watching(&app, &tok, format!("record:contact:{contact}")).await;

    // Larger than one chunk of the store's writer and of the socket.
    let bytes: Vec<u8> = "Notes on the analytical engine. Grüße!\n"
        .repeat(40_000)
        .into_bytes();
    let r = upload(
        &app,
        "acme",
        &tok,
        &record,
        "engine notes.txt",
        "text/plain",
        bytes.clone(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let f = r.body.clone();
    assert_eq!(f["name"], "engine notes.txt");
    assert_eq!(f["content_type"], "text/plain");
    assert_eq!(f["size"], bytes.len());
    assert_eq!(f["sha256"], sha256(&bytes));
    assert_eq!(f["internal"], false, "only tickets have internal files");
    assert_eq!(objects(&app, acme).len(), 1);
    // Kept sealed under the tenant's data key: the store holds nothing readable.
    let stored = std::fs::read(&objects(&app, acme)[0]).unwrap();
    assert!(stored.len() > bytes.len());
    assert!(
        !stored.windows(15).any(|w| w == b"analytical engi"),
        "the object is sealed"
    );
    // Everyone watching the record sees it arrive.
    let e = ws.expect().await;
    assert_eq!(
        (e["event"].as_str(), e["data"]["id"].as_str()),
        (Some("file.added"), f["id"].as_str()),
        "{e}"
    );

    let list = owner.get(&format!("{record}/files")).await;
    assert_eq!(
        list.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        list.body
    );
    assert_eq!(usage(&app, "acme", &tok).await["used_bytes"], bytes.len());

    // The link needs no credentials; the bytes are the ones sent, as a download.
    let url = f["download_url"].as_str().unwrap();
    let (status, headers, got) = download(&app, url).await;
    assert_eq!(status, 200);
    assert_eq!(sha256(&got), sha256(&bytes));
    let disposition = headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(disposition.contains("engine%20notes.txt"), "{disposition}");
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");

    // A forged, altered or borrowed link opens nothing.
    let tampered = url.replace("signature=", "signature=00");
    assert_eq!(download(&app, &tampered).await.0, 403);
    let later = url.replace("expires=", "expires=9");
    assert_eq!(download(&app, &later).await.0, 403);
    app.tenant_with_owner("globex").await;
    let other = url.replace("/t/acme/", "/t/globex/");
    assert_eq!(
        download(&app, &other).await.0,
        403,
        "a link is bound to its tenant"
    );
    let globex = app.tenant_owner_token("globex").await;
    let path = format!("/files/{}", f["id"].as_str().unwrap());
    app.as_user("globex", &globex)
        .get(&path)
        .await
        .assert_problem(404, "not_found");

    // The record's history says who added what, without the file's name.
    let trail = owner.get(&format!("/audit/events?record={contact}")).await;
    let added: Vec<&Value> = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "file.added")
        .collect();
    assert_eq!(added.len(), 1, "{}", trail.body);
    assert!(trail.body.to_string().contains(&sha256(&bytes)));
    assert!(
        !trail.body.to_string().contains("engine notes"),
        "{}",
        trail.body
    );

    // The person's export lists their files.
    let export = owner
        .post_empty(&format!("/contacts/{contact}/export"))
        .await;
    assert_eq!(export.status, 202, "{}", export.body);
    let export = id(&export.body);
    for _ in 0..100 {
        if owner.get(&format!("/exports/{export}")).await.body["status"] == "ready" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, _, zip) = crate::exports::fetch(&app, &tok, &export).await;
    assert_eq!(status, 200);
    let listed = crate::exports::unzip(&zip);
    let csv = &listed
        .iter()
        .find(|(n, _)| n == "files.csv")
        .expect("files.csv")
        .1;
    assert!(
        csv.contains("engine notes.txt") && csv.contains(&sha256(&bytes)),
        "{csv}"
    );

    // Deleting the record deletes its files: from lists, the quota and the store.
    assert_eq!(owner.remove(Res::Contacts, &contact).await.status, 204);
    owner.get(&path).await.assert_problem(404, "not_found");
    assert_eq!(download(&app, url).await.0, 404);
    assert_eq!(usage(&app, "acme", &tok).await["used_bytes"], 0);
    assert!(objects(&app, acme).is_empty());

    // A file removed on its own, and the tenant's last files with the tenant.
    let c2 = id(&owner
        .create(Res::Contacts, json!({"last_name": "Babbage"}))
        .await);
    let mut ids = Vec::new();
    for n in 0..2 {
        let r = upload(
            &app,
            "acme",
            &tok,
            &format!("/contacts/{c2}"),
            &format!("n{n}.csv"),
            "text/csv",
            b"a,b\n1,2\n".to_vec(),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["content_type"], "text/csv");
        ids.push(id(&r.body));
    }
    assert_eq!(
        owner.delete(&format!("/files/{}", ids[0])).await.status,
        204
    );
    assert_eq!(objects(&app, acme).len(), 1);
    assert_eq!(usage(&app, "acme", &tok).await["files"], 1);
    assert_eq!(
        app.admin("DELETE", "/api/v1/tenants/acme", None)
            .await
            .status,
        204
    );
    assert!(
        objects(&app, acme).is_empty(),
        "the tenant's files went with it"
    );
    app.stop().await;
}

async fn refused_uploads_leave_nothing_and_the_quota_holds_under_concurrency(backend: Backend) {
    let (app, tok, acme) = acme_node(backend, |c| {
        c.upload_max_bytes = 64 * 1024;
        c.storage_quotas.insert(Plan::Enterprise, Some(150_000));
    })
    .await;
    let owner = app.as_user("acme", &tok);
    let contact = id(&owner
        .create(Res::Contacts, json!({"last_name": "Quota"}))
        .await);
    let record = format!("/contacts/{contact}");
    let up = |name: &'static str, ct: &'static str, b: Vec<u8>| {
        let (app, tok, record) = (&app, &tok, &record);
        async move { upload(app, "acme", tok, record, name, ct, b).await }
    };

    // Names: no path, no control characters, not nothing.
    for bad in ["../secret.txt", "a\nb.txt", "...", " "] {
        up_named(&app, &tok, &record, bad)
            .await
            .assert_problem(422, "validation_failed");
    }
    let r = app
        .request(
            "POST",
            &format!("/t/acme/api/v1{record}/files?name=a%00b"),
            Some(&tok),
            Some(("text/plain", b"x".to_vec())),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    let r = app
        .request(
            "POST",
            &format!("/t/acme/api/v1{record}/files"),
            Some(&tok),
            Some(("text/plain", b"x".to_vec())),
        )
        .await;
    assert!(r.status == 400 || r.status == 422, "no name: {}", r.status);
    up("empty.txt", "text/plain", Vec::new())
        .await
        .assert_problem(422, "validation_failed");
    // Programs, whatever they are called; and content that is not what it claims.
    let mut pe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec();
    pe.resize(512, 0);
    up("invoice.pdf", "application/pdf", pe)
        .await
        .assert_problem(415, "unsupported_media_type");
    up("setup.exe", "application/octet-stream", b"hello".to_vec())
        .await
        .assert_problem(415, "unsupported_media_type");
    up("photo.png", "image/png", b"<svg onload=alert(1)>".to_vec())
        .await
        .assert_problem(415, "unsupported_media_type");
    // Over the size limit: announced, or only found out while streaming.
    up(
        "big.bin",
        "application/octet-stream",
        vec![7; 64 * 1024 + 1],
    )
    .await
    .assert_problem(413, "payload_too_large");
    let chunks = futures_util::stream::iter(
        (0..20).map(|_| Ok::<_, std::io::Error>(actix_web::web::Bytes::from(vec![1u8; 8 * 1024]))),
    );
    let mut r = awc::Client::new()
        .post(format!(
            "{}/t/acme/api/v1{record}/files?name=stream.bin",
            app.address
        ))
        .bearer_auth(&tok)
        .send_stream(chunks)
        .await
        .unwrap();
    assert_eq!(r.status(), 413, "{:?}", r.body().await);
    assert!(
        objects(&app, acme).is_empty(),
        "nothing of a refused upload is kept"
    );
    assert_eq!(usage(&app, "acme", &tok).await["used_bytes"], 0);

    // The quota (150,000 bytes) under eight uploads of 60,000 at once:
    // exactly two fit, the rest are told the storage is full.
    let tries = (0..8).map(|_| up("part.bin", "application/octet-stream", vec![3; 60_000]));
    let results = futures_util::future::join_all(tries).await;
    let ok = results.iter().filter(|r| r.status == 201).count();
    assert_eq!(
        ok,
        2,
        "{:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in results.iter().filter(|r| r.status != 201) {
        r.assert_problem(403, "quota_exceeded");
    }
    let u = usage(&app, "acme", &tok).await;
    assert_eq!(
        (u["used_bytes"].as_i64(), u["quota_bytes"].as_i64()),
        (Some(120_000), Some(150_000))
    );
    assert_eq!(objects(&app, acme).len(), 2);
    // Room again once a file goes.
    let first = results.iter().find(|r| r.status == 201).unwrap();
    owner.delete(&format!("/files/{}", id(&first.body))).await;
    assert_eq!(
        up("again.bin", "application/octet-stream", vec![3; 60_000])
            .await
            .status,
        201
    );

    // Without write access to the record, nothing is taken.
    let (_, reader) = app
        .user_with_roles("acme", &tok, "reader@acme.example", &["viewer"])
        .await;
    let r = upload(
        &app,
        "acme",
        &reader,
        &record,
        "x.txt",
        "text/plain",
        b"x".to_vec(),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    app.stop().await;
}

async fn up_named(app: &TestApp, tok: &str, record: &str, name: &str) -> Resp {
    upload(
        app,
        "acme",
        tok,
        record,
        name,
        "text/plain",
        b"hello".to_vec(),
    )
    .await
}

async fn portal_users_see_only_the_files_shared_with_them(backend: Backend) {
    let app = node(backend, |_| {}).await;
    let tok = app.tenant_with_owner("acme").await;
    let (_, cust) = app
        .user_with_roles("acme", &tok, "cust@client.example", &["customer"])
        .await;
    let (agent, customer) = (app.as_user("acme", &tok), app.as_user("acme", &cust));
    let ticket = id(&customer
        .create(Res::Tickets, json!({"subject": "Broken invoice"}))
        .await);
    let record = format!("/tickets/{ticket}");
    let mut ws = watching(&app, &cust, format!("ticket:{ticket}")).await;

    // The customer's screenshot is shared with the team.
    let shot = upload(
        &app,
        "acme",
        &cust,
        &record,
        "screen.txt",
        "text/plain",
        b"what I see".to_vec(),
    )
    .await;
    assert_eq!(shot.status, 201, "{}", shot.body);
    assert_eq!(shot.body["internal"], false);
    assert_eq!(ws.expect().await["event"], "file.added");
    // The agent's uploads stay internal until a public reply carries them.
    let note = upload(
        &app,
        "acme",
        &tok,
        &record,
        "internal analysis.txt",
        "text/plain",
        b"root cause".to_vec(),
    )
    .await;
    let fix = upload(
        &app,
        "acme",
        &tok,
        &record,
        "fix.txt",
        "text/plain",
        b"the fix".to_vec(),
    )
    .await;
    assert_eq!(
        (
            note.body["internal"].as_bool(),
            fix.body["internal"].as_bool()
        ),
        (Some(true), Some(true))
    );
    let c = agent
        .post(
            &format!("{record}/comments"),
            json!({"body": "Our analysis", "internal": true, "attachments": [id(&note.body)]}),
        )
        .await;
    assert_eq!(c.status, 201, "{}", c.body);
    // The customer cannot take an agent's file onto their own comment.
    customer
        .post(
            &format!("{record}/comments"),
            json!({"body": "mine now", "attachments": [id(&fix.body)]}),
        )
        .await
        .assert_problem(422, "validation_failed");
    let reply = agent
        .post(
            &format!("{record}/comments"),
            json!({"body": "Fixed, see attached", "attachments": [id(&fix.body)]}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["attachments"][0]["name"], "fix.txt");
    // A file goes on one comment only.
    agent
        .post(
            &format!("{record}/comments"),
            json!({"body": "again", "attachments": [id(&fix.body)]}),
        )
        .await
        .assert_problem(422, "validation_failed");

    // The customer's live view: the public reply with its file; nothing internal.
    let mut seen = Vec::new();
    while let Some(f) = ws.next(Duration::from_secs(2)).await {
        if f["type"] == "event" {
            seen.push(f);
        }
    }
    assert!(
        seen.iter().all(|e| e["data"]["internal"] != true),
        "{seen:#?}"
    );
    assert!(
        seen.iter()
            .any(|e| e["event"] == "comment.created"
                && e["data"]["attachments"][0]["name"] == "fix.txt"),
        "{seen:#?}"
    );

    // Every read path: the list, one file, its link, the event log.
    let names = |r: &Resp| -> Vec<String> {
        let mut n: Vec<String> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect();
        n.sort();
        n
    };
    assert_eq!(
        names(&customer.get(&format!("{record}/files")).await),
        ["fix.txt", "screen.txt"]
    );
    assert_eq!(
        names(&agent.get(&format!("{record}/files")).await),
        ["fix.txt", "internal analysis.txt", "screen.txt"]
    );
    customer
        .get(&format!("/files/{}", id(&note.body)))
        .await
        .assert_problem(404, "not_found");
    customer
        .delete(&format!("/files/{}", id(&note.body)))
        .await
        .assert_problem(404, "not_found");
    let fixed = customer.get(&format!("/files/{}", id(&fix.body))).await;
    assert_eq!(
        download(&app, fixed.body["download_url"].as_str().unwrap())
            .await
            .2,
        b"the fix"
    );
    // The event log, for a reader of every ticket without internal notes.
    let (_, viewer) = app
        .user_with_roles("acme", &tok, "viewer@acme.example", &["viewer"])
        .await;
    let viewer = app.as_user("acme", &viewer);
    assert_eq!(
        names(&viewer.get(&format!("{record}/files")).await),
        ["fix.txt", "screen.txt"]
    );
    let log = viewer.get("/events?since=0").await;
    let items = log.body["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|e| e["type"] == "file.added" && e["data"]["name"] == "screen.txt"),
        "{items:#?}"
    );
    assert!(
        !log.body.to_string().contains("internal analysis")
            && !log.body.to_string().contains("Our analysis"),
        "{items:#?}"
    );
    let comments = customer.get(&format!("{record}/comments")).await;
    assert!(
        !comments.body.to_string().contains("internal analysis"),
        "{}",
        comments.body
    );

    // Another customer sees none of it.
    let (_, other) = app
        .user_with_roles("acme", &tok, "other@client.example", &["customer"])
        .await;
    app.as_user("acme", &other)
        .get(&format!("{record}/files"))
        .await
        .assert_problem(404, "not_found");
    app.as_user("acme", &other)
        .get(&format!("/files/{}", id(&shot.body)))
        .await
        .assert_problem(404, "not_found");
    let r = upload(
        &app,
        "acme",
        &other,
        &record,
        "x.txt",
        "text/plain",
        b"x".to_vec(),
    )
    .await;
    r.assert_problem(404, "not_found");
    app.stop().await;
}

async fn files_live_in_an_s3_bucket_when_configured(backend: Backend) {
    let s3 = S3Server::start().await;
    let url = s3.files_url();
    let (app, tok, acme) = acme_node(backend, move |c| c.files_url = Some(Secret::new(url))).await;
    let owner = app.as_user("acme", &tok);
    let deal = id(&owner
        .create(Res::Companies, json!({"name": "Initech"}))
        .await);
    let record = format!("/companies/{deal}");
    // Over object_store's 5 MiB part size: a real multipart upload.
    let bytes: Vec<u8> = (0..6 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let r = upload(
        &app,
        "acme",
        &tok,
        &record,
        "dump.bin",
        "application/octet-stream",
        bytes.clone(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let prefix = format!("t/{}/", acme.0);
    assert_eq!(s3.keys(&prefix).await, [format!("{prefix}{}", id(&r.body))]);
    assert!(objects(&app, acme).is_empty(), "nothing on the local disk");
    let (status, _, got) = download(&app, r.body["download_url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(sha256(&got), sha256(&bytes));
    // A refused upload leaves no object (nor an unfinished multipart upload's parts).
    let mut pe = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec();
    pe.resize(4096, 0);
    upload(
        &app,
        "acme",
        &tok,
        &record,
        "tool",
        "application/octet-stream",
        pe,
    )
    .await
    .assert_problem(415, "unsupported_media_type");
    assert_eq!(s3.keys(&prefix).await.len(), 1);
    assert_eq!(owner.remove(Res::Companies, &deal).await.status, 204);
    assert!(
        s3.keys(&prefix).await.is_empty(),
        "the record's files left the bucket"
    );

    let c = id(&owner
        .create(Res::Contacts, json!({"last_name": "Kept"}))
        .await);
    let r = upload(
        &app,
        "acme",
        &tok,
        &format!("/contacts/{c}"),
        "a.txt",
        "text/plain",
        b"a".to_vec(),
    )
    .await;
    assert_eq!(r.status, 201);
    assert_eq!(
        app.admin("DELETE", "/api/v1/tenants/acme", None)
            .await
            .status,
        204
    );
    assert!(
        s3.keys(&prefix).await.is_empty(),
        "the tenant's files left the bucket"
    );
    app.stop().await;
}

async fn the_virus_scanner_refuses_the_eicar_file_and_fails_closed(backend: Backend) {
    let Some(mut clamd) = Clamd::start().await else {
        return;
    };
    let url = clamd.url();
    let (app, tok, acme) = acme_node(backend, move |c| c.clamd_url = Some(url)).await;
    let owner = app.as_user("acme", &tok);
    let contact = id(&owner
        .create(Res::Contacts, json!({"last_name": "Scanned"}))
        .await);
    let record = format!("/contacts/{contact}");
    assert_eq!(usage(&app, "acme", &tok).await["scanning"], true);

    let r = upload(
        &app,
        "acme",
        &tok,
        &record,
        "eicar.txt",
        "text/plain",
        eicar(),
    )
    .await;
    r.assert_problem(422, "upload_infected");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("Eicar-Test-Signature"),
        "{}",
        r.body
    );
    assert!(objects(&app, acme).is_empty());
    let clean = upload(
        &app,
        "acme",
        &tok,
        &record,
        "clean.txt",
        "text/plain",
        b"just words".to_vec(),
    )
    .await;
    assert_eq!(clean.status, 201, "{}", clean.body);

    // With the scanner gone, nothing goes in unscanned.
    clamd.stop();
    let r = upload(
        &app,
        "acme",
        &tok,
        &record,
        "later.txt",
        "text/plain",
        b"unchecked".to_vec(),
    )
    .await;
    r.assert_problem(503, "unavailable");
    assert_eq!(objects(&app, acme).len(), 1);
    let list = owner.get(&format!("{record}/files")).await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
    app.stop().await;
}

async fn a_mailed_attachment_becomes_a_file_of_the_ticket(backend: Backend) {
    let app = node(backend, |_| {}).await;
    let tok = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &tok);
    let key = acme
        .post(
            "/api-keys",
            json!({"name": "Inbound mail", "role": "admin"}),
        )
        .await;
    let key = key.body["key"].as_str().unwrap().to_owned();
    // A NUL in a header, a CSV to keep, and a program to refuse.
    let raw = "From: Erika Muster <erika@customer.example>\r\n\
               Subject: Invoice\0 attached\r\nMIME-Version: 1.0\r\n\
               Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
               --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attached list.\r\n\
               --b1\r\nContent-Type: text/csv; name=\"items.csv\"\r\n\
               Content-Disposition: attachment; filename=\"items.csv\"\r\n\
               Content-Transfer-Encoding: base64\r\n\r\naXRlbSxwcmljZQpwZW4sMgo=\r\n\
               --b1\r\nContent-Type: application/octet-stream; name=\"fix.exe\"\r\n\
               Content-Disposition: attachment; filename=\"fix.exe\"\r\n\r\nMZ\r\n\
               --b1--\r\n";
    let r = app
        .request(
            "POST",
            "/t/acme/api/v1/mail/inbound",
            Some(&key),
            Some(("message/rfc822", raw.as_bytes().to_vec())),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ticket = r.body["ticket_id"].as_str().unwrap().to_owned();
    let t = acme.read(Res::Tickets, &ticket).await.body;
    assert_eq!(t["subject"], "Invoice attached");
    let files = acme.get(&format!("/tickets/{ticket}/files")).await;
    let items = files.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!(
        (items[0]["name"].as_str(), items[0]["internal"].as_bool()),
        (Some("items.csv"), Some(false))
    );
    let (_, _, got) = download(&app, items[0]["download_url"].as_str().unwrap()).await;
    assert_eq!(got, b"item,price\npen,2\n");
    // The team learns what was not kept, in a note the customer does not see.
    let notes = acme.get(&format!("/tickets/{ticket}/comments")).await;
    let note = &notes.body["items"][0];
    assert_eq!(note["internal"], true, "{}", notes.body);
    assert!(
        note["body"].as_str().unwrap().contains("fix.exe"),
        "{}",
        notes.body
    );
    app.stop().await;
}

//! E-mail out (`integrations::mail`) through a real SMTP server
//! (aiosmtpd): password reset links that work once and for a while, that
//! nobody can use to learn who has an account; invitations in the
//! tenant's language; what the server refuses for good is not retried;
//! nothing of a link is kept in clear.

use std::time::Duration;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, PASSWORD, Res, Site, TestApp, id, spawn_node};
use crate::smtp_sink::SmtpSink;
use mandant::config::Config;
use mandant::secret::Secret;

const NEW_PASSWORD: &str = "a whole new passphrase 42";

async fn app_with_mail(
    backend: Backend,
    smtp: &SmtpSink,
    tweak: impl FnOnce(&mut Config),
) -> TestApp {
    let url = smtp.url();
    spawn_node(&Site::new(backend).await, move |c| {
        c.smtp_url = Some(Secret::new(url));
        c.public_url = Some("https://crm.example.test".into());
        c.mail_from = "Mandant <no-reply@crm.example.test>".into();
        tweak(c);
    })
    .await
}

/// The token of the set-password link in a message's text.
fn token_in(m: &Value) -> String {
    let text = m["text"].as_str().unwrap();
    let at = text.find("#token=").expect("a link in the text") + "#token=".len();
    text[at..at + 64].to_owned()
}

both_backends!(a_reset_link_sets_a_new_password_once_and_tells_nobody_who_exists);

async fn a_reset_link_sets_a_new_password_once_and_tells_nobody_who_exists(backend: Backend) {
    let smtp = SmtpSink::start();
    let app = app_with_mail(backend, &smtp, |_| {}).await;
    let owner = app.tenant_with_owner("acme").await;
    let anon = app.anonymous("acme");

    let known = anon
        .post(
            "/auth/password-reset",
            json!({"email": "Admin@acme.example"}),
        )
        .await;
    let unknown = anon
        .post(
            "/auth/password-reset",
            json!({"email": "nobody@acme.example"}),
        )
        .await;
    assert_eq!(known.status, 202, "{}", known.body);
    assert_eq!(unknown.status, 202);
    assert_eq!(unknown.body, known.body, "the same answer");
    let got = smtp.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        smtp.messages().len(),
        1,
        "nothing for an unknown address: {got:#?}"
    );
    let m = &got[0];
    assert_eq!(m["rcpt_tos"], json!(["admin@acme.example"]));
    assert_eq!(m["from"], "Mandant <no-reply@crm.example.test>");
    assert_eq!(m["subject"], "Reset your acme GmbH password");
    assert!(
        m["text"]
            .as_str()
            .unwrap()
            .contains("https://crm.example.test/t/acme/set-password#token="),
        "{m}"
    );
    assert!(
        m["html"].as_str().unwrap().contains("Set a new password"),
        "{m}"
    );
    let token = token_in(m);

    // Asked again within a minute: no second mail.
    anon.post(
        "/auth/password-reset",
        json!({"email": "admin@acme.example"}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 1);

    // Nothing of the link is kept in clear: the token's hash only, and the
    // message's body is gone once sent.
    let tenant = app.services.tenants.get("acme").await.unwrap();
    let dump = app.site.tenant_dump(tenant.id).await;
    assert!(!dump.contains(&token), "the token in clear at rest");

    // A weak password is refused and the link still works after it.
    anon.post(
        "/auth/set-password",
        json!({"token": token, "password": "short"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    assert_eq!(app.as_user("acme", &owner).get("/me").await.status, 200);
    let r = anon
        .post(
            "/auth/set-password",
            json!({"token": token, "password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    // Every session ended; the new password signs in, the old one not.
    assert_eq!(app.as_user("acme", &owner).get("/me").await.status, 401);
    assert_eq!(
        app.login("acme", "admin@acme.example", PASSWORD)
            .await
            .status,
        401
    );
    let fresh = app.login("acme", "admin@acme.example", NEW_PASSWORD).await;
    assert_eq!(fresh.status, 200, "{}", fresh.body);
    // Once only; a made-up token, a malformed one.
    for t in [token.clone(), "ab".repeat(32), "not hex".into()] {
        let r = anon
            .post(
                "/auth/set-password",
                json!({"token": t, "password": NEW_PASSWORD}),
            )
            .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), ["token"], "{}", r.body);
    }
    // Admins see what went out, without its content; the trail has it.
    let admin = fresh.body["access_token"].as_str().unwrap().to_owned();
    let acme = app.as_user("acme", &admin);
    let out = acme.get("/mail/outbox").await;
    assert_eq!(out.status, 200, "{}", out.body);
    assert_eq!(out.body["smtp"], true);
    let item = &out.body["items"][0];
    assert_eq!(
        (item["kind"].as_str(), item["status"].as_str()),
        (Some("password_reset"), Some("sent"))
    );
    assert!(item.get("body").is_none(), "{item}");
    let trail = acme.get("/audit/events?action=user.password_reset").await;
    assert_eq!(
        trail.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        trail.body
    );
    // An agent may not read the outbox.
    let (_, agent) = app
        .user_with_roles("acme", &admin, "ann@acme.example", &["agent"])
        .await;
    app.as_user("acme", &agent)
        .get("/mail/outbox")
        .await
        .assert_problem(403, "forbidden");
}

both_backends!(an_invitation_arrives_in_the_tenants_language_and_sets_the_password);

async fn an_invitation_arrives_in_the_tenants_language_and_sets_the_password(backend: Backend) {
    let smtp = SmtpSink::start();
    let app = app_with_mail(backend, &smtp, |_| {}).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let r = acme
        .put(
            "/settings/branding",
            json!({"display_name": "ACME Kundendienst", "locale": "de",
                                          "colors": {"primary": "#aa0000"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    acme.post(
        "/users",
        json!({"email": "eva@acme.example", "name": "Eva", "roles": ["agent"],
                               "invite": true, "password": "also one given here"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let made = acme
        .post(
            "/users",
            json!({"email": "eva@acme.example", "name": "Eva", "roles": ["agent"], "invite": true}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let got = smtp.wait_for(1).await;
    let m = &got[0];
    assert_eq!(m["subject"], "Einladung zu ACME Kundendienst", "{m}");
    assert!(m["text"].as_str().unwrap().starts_with("Hallo Eva,"), "{m}");
    assert!(
        m["html"].as_str().unwrap().contains("background:#aa0000"),
        "{m}"
    );
    let first = token_in(m);

    // Sent again: the first link stops working, the new one works.
    let r = acme
        .post_empty(&format!("/users/{}/invite", id(&made.body)))
        .await;
    assert_eq!(r.status, 202, "{}", r.body);
    let got = smtp.wait_for(2).await;
    let second = token_in(&got[1]);
    let anon = app.anonymous("acme");
    anon.post(
        "/auth/set-password",
        json!({"token": first, "password": NEW_PASSWORD}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let r = anon
        .post(
            "/auth/set-password",
            json!({"token": second, "password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        app.login("acme", "eva@acme.example", NEW_PASSWORD)
            .await
            .status,
        200
    );

    // Nobody invites someone who holds more than they do.
    acme.post(
        "/roles",
        json!({"name": "people-admin", "parent": "viewer", "grants": [
            {"permission": "admin:users", "scope": "all"},
            {"permission": "users:read", "scope": "all"}]}),
    )
    .await;
    let (_, ua) = app
        .user_with_roles("acme", &owner, "ua@acme.example", &["people-admin"])
        .await;
    let owner_id = app.as_user("acme", &owner).get("/me").await.body["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.as_user("acme", &ua)
        .post_empty(&format!("/users/{owner_id}/invite"))
        .await
        .assert_problem(403, "forbidden");
}

both_backends!(expired_links_fail_and_a_refused_recipient_is_not_retried);

async fn expired_links_fail_and_a_refused_recipient_is_not_retried(backend: Backend) {
    let smtp = SmtpSink::start();
    let clock = mandant::clock::Clock::manual(chrono::Utc::now());
    let c2 = clock.clone();
    let app = app_with_mail(backend, &smtp, move |c| c.clock = c2).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    app.anonymous("acme")
        .post(
            "/auth/password-reset",
            json!({"email": "admin@acme.example"}),
        )
        .await;
    let token = token_in(&smtp.wait_for(1).await[0]);
    clock.advance(chrono::TimeDelta::minutes(31));
    app.anonymous("acme")
        .post(
            "/auth/set-password",
            json!({"token": token, "password": NEW_PASSWORD}),
        )
        .await
        .assert_problem(422, "validation_failed");

    // The server refuses this recipient for good: given up at once.
    let r = acme
        .post("/users", json!({"email": "ghost@reject.example", "name": "Ghost", "roles": ["agent"], "invite": true}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut item = Value::Null;
    for _ in 0..100 {
        let out = acme.get("/mail/outbox").await;
        item = out.body["items"][0].clone();
        if item["status"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(item["status"], "failed", "{item}");
    assert_eq!(item["attempts"], 1);
    assert!(
        item["last_error"].as_str().unwrap().contains("550"),
        "{item}"
    );
}

both_backends!(without_an_smtp_server_mail_waits_in_the_outbox);

async fn without_an_smtp_server_mail_waits_in_the_outbox(backend: Backend) {
    let app = spawn_node(&Site::new(backend).await, |_| {}).await;
    let owner = app.tenant_with_owner("acme").await;
    let r = app
        .anonymous("acme")
        .post(
            "/auth/password-reset",
            json!({"email": "admin@acme.example"}),
        )
        .await;
    assert_eq!(r.status, 202);
    // The answer left before the work (its timing tells nothing).
    let mut out = app.as_user("acme", &owner).get("/mail/outbox").await;
    for _ in 0..50 {
        if out.body["items"][0].is_object() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        out = app.as_user("acme", &owner).get("/mail/outbox").await;
    }
    assert_eq!(out.body["smtp"], false);
    assert_eq!(out.body["items"][0]["status"], "queued", "{}", out.body);
    // Bad input is refused by name, never a 500.
    for body in [
        json!({}),
        json!({"email": 5}),
        json!({"email": "a@b.c", "x": 1}),
    ] {
        let r = app
            .anonymous("acme")
            .post("/auth/password-reset", body)
            .await;
        assert!(r.status == 400 || r.status == 422, "{}", r.body);
    }
    let r = app
        .anonymous("acme")
        .post("/auth/password-reset", json!({"email": "a\u{0}@b.example"}))
        .await;
    // Refused for its NUL as every field is, which says nothing of accounts.
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["email"]);
}

both_backends!(an_agents_reply_reaches_the_customer_and_their_answer_threads_back_live);

/// The e-mail channel end to end: an agent's public reply is mailed to
/// the requester with a Message-ID of its own; the customer's answer,
/// posted raw by the provider's inbound hook, names it and becomes a
/// comment on that ticket (quoted history cut off), live on the agent's
/// socket. A message that names nothing of ours opens a new ticket for
/// its sender; bad messages are refused by name.
async fn an_agents_reply_reaches_the_customer_and_their_answer_threads_back_live(backend: Backend) {
    let smtp = SmtpSink::start();
    let app = app_with_mail(backend, &smtp, |_| {}).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let carla = acme
        .create(
            Res::Contacts,
            json!({"first_name": "Carla", "last_name": "Kunde", "email": "Carla@Customer.example"}),
        )
        .await;
    let ticket = acme
        .create(
            Res::Tickets,
            json!({"subject": "Printer on fire", "requester_id": id(&carla)}),
        )
        .await;
    let t = id(&ticket);
    // Answers go to the tenant's support address (checked: a plain address).
    acme.put(
        "/settings/mail",
        json!({"reply_address": "help+x@acme.example"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    acme.put("/settings/mail", json!({"reply_address": "nope"}))
        .await
        .assert_problem(422, "validation_failed");
    let r = acme
        .put(
            "/settings/mail",
            json!({"reply_address": " Help@Acme.example "}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["reply_address"], "Help@Acme.example", "kept trimmed");
    assert_eq!(acme.get("/settings/mail").await.body, r.body);
    // An internal note is not mailed; a public reply is.
    acme.post(
        &format!("/tickets/{t}/comments"),
        json!({"body": "checking logs", "internal": true}),
    )
    .await;
    // The reply's file goes along with it.
    let f = app
        .request(
            "POST",
            &format!("/t/acme/api/v1/tickets/{t}/files?name=steps.txt"),
            Some(&owner),
            Some(("text/plain", b"1. unplug\n2. wait\n".to_vec())),
        )
        .await;
    assert_eq!(f.status, 201, "{}", f.body);
    let r = acme
        .post(
            &format!("/tickets/{t}/comments"),
            json!({"body": "Please unplug it & wait.\nBest", "attachments": [id(&f.body)]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let got = smtp.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), 1, "the note stayed inside");
    let reply = &got[0];
    assert_eq!(
        reply["attachments"],
        json!([{"filename": "steps.txt", "content_type": "text/plain", "content": "1. unplug\n2. wait\n"}]),
        "{reply}"
    );
    assert_eq!(reply["rcpt_tos"], json!(["Carla@Customer.example"]));
    assert_eq!(reply["subject"], "Re: Printer on fire");
    let text = reply["text"].as_str().unwrap().replace("\r\n", "\n");
    assert!(
        text.starts_with("Please unplug it & wait.\nBest"),
        "{reply}"
    );
    assert!(
        reply["html"]
            .as_str()
            .unwrap()
            .contains("Please unplug it &amp; wait.")
    );
    let message_id = reply["message_id"].as_str().unwrap().to_owned();
    let reply_to = reply["reply_to"].as_str().unwrap().to_owned();
    let token = reply_to
        .strip_prefix("help+r-")
        .and_then(|r| r.strip_suffix("@acme.example"))
        .unwrap_or_else(|| panic!("a tokened support address: {reply}"));
    assert_eq!(token.len(), 16, "{reply_to}");
    assert!(message_id.ends_with("@crm.example.test>"), "{message_id}");

    // The hook's key, and an agent watching the ticket live.
    let key = acme
        .post(
            "/api-keys",
            json!({"name": "Inbound mail", "role": "admin"}),
        )
        .await;
    let key = key.body["key"].as_str().unwrap().to_owned();
    let mut ws = crate::realtime::Ws::connect(&app, "acme", &owner)
        .await
        .unwrap();
    ws.send(json!({"type": "subscribe", "id": "s", "topic": format!("ticket:{t}")}))
        .await;
    assert_eq!(ws.expect_past_notices().await["type"], "subscribed");

    let answer = format!(
        "From: Carla Kunde <Carla@Customer.example>\r\nTo: support@crm.example.test\r\n\
         Subject: Re: Printer on fire\r\nMessage-ID: <answer-1@customer.example>\r\n\
         In-Reply-To: {message_id}\r\nReferences: {message_id}\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\r\n\
         It stopped burning, gr=C3=BC=C3=9Fe!\r\n\r\n\
         On Sun, 6 Dec 2026 at 10:00, Acme <no-reply@crm.example.test> wrote:\r\n\
         > Please unplug it & wait.\r\n"
    );
    let post = |raw: String, ct: &'static str, tok: Option<String>| {
        let app = &app;
        async move {
            app.request(
                "POST",
                "/t/acme/api/v1/mail/inbound",
                tok.as_deref(),
                Some((ct, raw.into_bytes())),
            )
            .await
        }
    };
    let r = post(answer.clone(), "message/rfc822", Some(key.clone())).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        (r.body["ticket_id"].as_str(), r.body["new_ticket"].as_bool()),
        (Some(t.as_str()), Some(false))
    );
    let live = ws.expect_past_notices().await;
    assert_eq!(live["data"]["body"], "It stopped burning, grüße!", "{live}");
    assert_eq!(live["data"]["author_kind"], "email");
    assert_eq!(live["data"]["author_name"], "Carla Kunde");
    assert_eq!(live["data"]["internal"], false);

    // A mail program that drops In-Reply-To and References: the tokened
    // address threads it; a guessed token does not.
    let bare = format!(
        "From: carla@customer.example\r\nTo: Acme Support <{}>\r\n\
         Subject: Re: Printer on fire\r\n\r\nStill fine.\r\n",
        reply_to.to_uppercase()
    );
    let r = post(bare, "message/rfc822", Some(key.clone())).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        (r.body["ticket_id"].as_str(), r.body["new_ticket"].as_bool()),
        (Some(t.as_str()), Some(false))
    );
    let guessed = "From: carla@customer.example\r\nTo: help+r-0123456789abcdef@acme.example\r\n\
                   Subject: Re: Printer on fire\r\n\r\nHi\r\n";
    let r = post(guessed.into(), "message/rfc822", Some(key.clone())).await;
    assert_eq!(r.body["new_ticket"], true, "{}", r.body);

    // Naming nothing of ours (a forged reference too): a new ticket, for a
    // new contact made from the sender.
    let fresh = "From: Dan Neu <dan@new.example>\r\nSubject: Invoice question\r\n\
                 In-Reply-To: <made-up@crm.example.test>\r\n\r\nWhere is my invoice?\r\n";
    let r = post(fresh.into(), "message/rfc822", Some(key.clone())).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["new_ticket"], true);
    let nt = acme
        .read(Res::Tickets, r.body["ticket_id"].as_str().unwrap())
        .await
        .body;
    assert_eq!(nt["subject"], "Invoice question");
    assert_eq!(nt["description"], "Where is my invoice?");
    let dan = acme
        .read(Res::Contacts, nt["requester_id"].as_str().unwrap())
        .await
        .body;
    assert_eq!(
        (
            dan["first_name"].as_str(),
            dan["last_name"].as_str(),
            dan["email"].as_str()
        ),
        (Some("Dan"), Some("Neu"), Some("dan@new.example"))
    );
    // Carla again, without a reference and in other case: her contact is
    // found, not made twice.
    let again = "From: carla@customer.example\r\nSubject: Another one\r\n\r\nHello\r\n";
    let r = post(again.into(), "message/rfc822", Some(key.clone())).await;
    let nt = acme
        .read(Res::Tickets, r.body["ticket_id"].as_str().unwrap())
        .await
        .body;
    assert_eq!(nt["requester_id"], carla["id"]);

    // No subject, and a name longer than a contact holds: still a ticket.
    let long = format!(
        "From: {} Lang <lang@new.example>\r\nSubject:  \r\n\r\nHi\r\n",
        "Sehr".repeat(60)
    );
    let r = post(long, "message/rfc822", Some(key.clone())).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let nt = acme
        .read(Res::Tickets, r.body["ticket_id"].as_str().unwrap())
        .await
        .body;
    assert_eq!(nt["subject"], "(no subject)");

    // Refused: no sender, not a message, the wrong type, no key, too big.
    let r = post(
        "Subject: hi\r\n\r\nbody\r\n".into(),
        "message/rfc822",
        Some(key.clone()),
    )
    .await;
    r.assert_problem(422, "validation_failed");
    let r = post(String::new(), "message/rfc822", Some(key.clone())).await;
    r.assert_problem(422, "validation_failed");
    post(fresh.into(), "application/json", Some(key.clone()))
        .await
        .assert_problem(415, "unsupported_media_type");
    assert_eq!(post(fresh.into(), "message/rfc822", None).await.status, 401);
    let huge = format!(
        "From: a@b.example\r\nSubject: x\r\n\r\n{}",
        "x".repeat(11 * 1024 * 1024)
    );
    post(huge, "message/rfc822", Some(key.clone()))
        .await
        .assert_problem(413, "payload_too_large");

    // Erasing Carla takes her mail along: nothing addressed to her stays
    // in the outbox.
    let out = acme.get("/mail/outbox").await;
    assert!(
        out.body
            .to_string()
            .to_lowercase()
            .contains("carla@customer.example")
    );
    let r = acme
        .post_empty(&format!("/contacts/{}/erase", id(&carla)))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let out = acme.get("/mail/outbox").await;
    assert!(
        !out.body
            .to_string()
            .to_lowercase()
            .contains("carla@customer.example"),
        "{}",
        out.body
    );
}

both_backends!(agents_hear_of_assignments_and_customer_replies_by_mail);

/// Agents' notices follow the event log: an assignment and a customer's
/// answer reach the assignee (once, in the tenant's language, with a link
/// to the console); what they did themselves and internal notes do not.
async fn agents_hear_of_assignments_and_customer_replies_by_mail(backend: Backend) {
    let smtp = SmtpSink::start();
    let app = app_with_mail(backend, &smtp, |_| {}).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let (ann_id, ann) = app
        .user_with_roles("acme", &owner, "ann@acme.example", &["admin"])
        .await;
    let carla = acme
        .create(
            Res::Contacts,
            json!({"first_name": "Carla", "last_name": "Kunde", "email": "carla@customer.example"}),
        )
        .await;
    let t = id(&acme
        .create(
            Res::Tickets,
            json!({"subject": "Printer on fire", "requester_id": id(&carla)}),
        )
        .await);
    let r = acme
        .update(Res::Tickets, &t, json!({"assignee_id": ann_id}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got = smtp.wait_for(1).await;
    assert_eq!(got[0]["rcpt_tos"], json!(["ann@acme.example"]));
    assert_eq!(got[0]["subject"], "Assigned to you: Printer on fire");
    assert!(
        got[0]["text"]
            .as_str()
            .unwrap()
            .contains(&format!("https://crm.example.test/t/acme/console/{t}"))
    );

    // Ann's own public reply goes to the customer, not back to Ann; her
    // internal note to nobody.
    let as_ann = app.as_user("acme", &ann);
    as_ann
        .post(
            &format!("/tickets/{t}/comments"),
            json!({"body": "On it", "internal": true}),
        )
        .await;
    as_ann
        .post(
            &format!("/tickets/{t}/comments"),
            json!({"body": "Unplug it"}),
        )
        .await;
    let got = smtp.wait_for(2).await;
    assert_eq!(got[1]["rcpt_tos"], json!(["carla@customer.example"]));
    let message_id = got[1]["message_id"].as_str().unwrap().to_owned();

    // Carla answers by mail: Ann hears of it, in German now.
    acme.put("/settings/branding", json!({"locale": "de"}))
        .await;
    let key = acme
        .post(
            "/api-keys",
            json!({"name": "Inbound mail", "role": "admin"}),
        )
        .await;
    let key = key.body["key"].as_str().unwrap().to_owned();
    let answer = format!(
        "From: Carla Kunde <carla@customer.example>\r\nSubject: Re: Printer on fire\r\n\
         In-Reply-To: {message_id}\r\n\r\nDone, it is out.\r\n"
    );
    let r = app
        .request(
            "POST",
            "/t/acme/api/v1/mail/inbound",
            Some(&key),
            Some(("message/rfc822", answer.into_bytes())),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let got = smtp.wait_for(3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        smtp.messages().len(),
        3,
        "one notice each: {:#?}",
        smtp.messages()
    );
    assert_eq!(got[2]["rcpt_tos"], json!(["ann@acme.example"]));
    assert_eq!(got[2]["subject"], "Antwort des Kunden: Printer on fire");
    assert!(
        got[2]["text"]
            .as_str()
            .unwrap()
            .contains("Done, it is out."),
        "{}",
        got[2]
    );
}

both_backends!(starttls_is_taken_when_the_server_offers_it);

/// `smtp://` without `tls=` means STARTTLS when offered: a relay that
/// offers it with a certificate nobody trusts gets nothing in plain text;
/// the message waits, saying why.
async fn starttls_is_taken_when_the_server_offers_it(backend: Backend) {
    let smtp = SmtpSink::start_offering_tls();
    let app = app_with_mail(backend, &smtp, |_| {}).await;
    let owner = app.tenant_with_owner("acme").await;
    app.anonymous("acme")
        .post(
            "/auth/password-reset",
            json!({"email": "admin@acme.example"}),
        )
        .await;
    let mut item = Value::Null;
    for _ in 0..100 {
        let out = app.as_user("acme", &owner).get("/mail/outbox").await;
        item = out.body["items"][0].clone();
        if item["last_error"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let error = item["last_error"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        error.contains("certificate") || error.contains("tls"),
        "{item}"
    );
    assert_eq!(
        (item["status"].as_str(), item["attempts"].as_i64()),
        (Some("queued"), Some(1))
    );
    assert!(smtp.messages().is_empty(), "nothing went in plain text");
}

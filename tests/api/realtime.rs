//! The WebSocket: protocol, delivery, isolation, resume, slow consumers.

use std::collections::HashMap;
use std::time::Duration;

use awc::ws::{Frame, Message};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Res, TestApp, spawn_app};

pub struct Ws {
    conn: actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>,
}

impl Ws {
    pub async fn connect(app: &TestApp, slug: &str, token: &str) -> Result<Ws, u16> {
        Self::connect_query(app, slug, token, "").await
    }

    /// `query` goes after `?` (empty: none).
    pub async fn connect_query(
        app: &TestApp,
        slug: &str,
        token: &str,
        query: &str,
    ) -> Result<Ws, u16> {
        Self::open(&app.address, slug, token, query)
            .await
            .map_err(|e| e.unwrap_or_else(|e| panic!("ws connect: {e}")))
    }

    /// To a server at `base` (`http://…`), not a test app; a server that
    /// cannot be reached is `Err(0)`.
    pub async fn connect_url(base: &str, slug: &str, token: &str) -> Result<Ws, u16> {
        Self::open(base, slug, token, "")
            .await
            .map_err(|e| e.unwrap_or(0))
    }

    /// `Err(Ok(status))`: refused with a status; `Err(Err(_))`: no answer.
    async fn open(
        base: &str,
        slug: &str,
        token: &str,
        query: &str,
    ) -> Result<Ws, Result<u16, String>> {
        let mut url = format!("{}/t/{slug}/ws", base.replace("http://", "ws://"));
        if !query.is_empty() {
            url = format!("{url}?{query}");
        }
        match awc::Client::new()
            .ws(url)
            .bearer_auth(token)
            .connect()
            .await
        {
            Ok((_, conn)) => Ok(Ws { conn }),
            Err(awc::error::WsClientError::InvalidResponseStatus(s)) => Err(Ok(s.as_u16())),
            Err(e) => Err(Err(e.to_string())),
        }
    }

    /// The next JSON frame within `wait`: `Ok(None)` for silence,
    /// `Err(())` when the connection is gone (closed, reset, its server
    /// killed).
    pub async fn next_or_gone(&mut self, wait: Duration) -> Result<Option<Value>, ()> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.conn.next()).await {
                Ok(Some(Ok(Frame::Text(b)))) => {
                    return Ok(Some(serde_json::from_slice(&b).unwrap()));
                }
                Ok(Some(Ok(Frame::Ping(p)))) => {
                    let _ = self.conn.send(Message::Pong(p)).await;
                }
                Ok(Some(Ok(Frame::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => return Err(()),
                Ok(Some(Ok(_))) => {}
                Err(_) => return Ok(None),
            }
        }
    }

    pub async fn send(&mut self, v: Value) {
        self.conn
            .send(Message::Text(v.to_string().into()))
            .await
            .unwrap();
    }

    pub async fn raw(&mut self, m: Message) {
        self.conn.send(m).await.unwrap();
    }

    /// The next JSON frame within `wait`, skipping pings.
    pub async fn next(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.conn.next()).await {
                Ok(Some(Ok(Frame::Text(b)))) => return Some(serde_json::from_slice(&b).unwrap()),
                Ok(Some(Ok(Frame::Ping(p)))) => {
                    let _ = self.conn.send(Message::Pong(p)).await;
                }
                Ok(Some(Ok(Frame::Close(_)))) | Ok(None) | Err(_) => return None,
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(e))) => panic!("ws: {e}"),
            }
        }
    }

    pub async fn expect(&mut self) -> Value {
        self.next(Duration::from_secs(5))
            .await
            .expect("a frame within 5 s")
    }

    /// The next frame within 5 s that is not a `changed` notice (which
    /// an administrator's change sends beside what a test waits for).
    pub async fn expect_past_notices(&mut self) -> Value {
        loop {
            let f = self.expect().await;
            if f["type"] != "changed" {
                return f;
            }
        }
    }

    /// Events until one with `seq >= upto` (or silence).
    pub async fn events_until(&mut self, upto: i64) -> Vec<Value> {
        let mut out = Vec::new();
        while let Some(f) = self.next(Duration::from_secs(5)).await {
            if f["type"] == "event" {
                let s = f["seq"].as_i64().unwrap();
                out.push(f);
                if s >= upto {
                    break;
                }
            }
        }
        out
    }
}

pub(crate) async fn subscribe(ws: &mut Ws, topic: &str, since: Option<i64>) -> Value {
    let mut m = json!({"type": "subscribe", "id": "s1", "topic": topic});
    if let Some(s) = since {
        m["since"] = json!(s);
    }
    ws.send(m).await;
    ws.expect().await
}

async fn protocol_and_every_error_path(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("acme").await;
    let mut ws = Ws::connect(&app, "acme", &tok).await.unwrap();
    ws.send(json!({"type": "ping", "id": "p1"})).await;
    assert_eq!(ws.expect().await, json!({"type": "pong", "id": "p1"}));
    ws.raw(Message::Text("{nope".into())).await;
    assert_eq!(ws.expect().await["code"], "invalid_json");
    ws.send(json!({"type": "dance", "id": "d"})).await;
    let e = ws.expect().await;
    assert_eq!(
        (e["type"].as_str(), e["code"].as_str(), e["id"].as_str()),
        (Some("error"), Some("unknown_type"), Some("d"))
    );
    ws.send(json!({"type": "subscribe", "id": "x"})).await;
    assert_eq!(ws.expect().await["code"], "invalid_message");
    ws.send(json!({"type": "subscribe", "id": "x", "topic": "weather"}))
        .await;
    assert_eq!(ws.expect().await["code"], "invalid_topic");
    ws.send(json!({"type": "subscribe", "id": "x", "topic": "ticket:0190a0a0-0000-7000-8000-000000000000"})).await;
    assert_eq!(ws.expect().await["code"], "not_found");
    ws.raw(Message::Binary(vec![1, 2, 3].into())).await;
    assert_eq!(ws.expect().await["code"], "invalid_message");
    ws.send(json!({"type": "ping", "pad": "x".repeat(20_000)}))
        .await;
    assert_eq!(ws.expect().await["code"], "message_too_large");
    let s = subscribe(&mut ws, "contacts", None).await;
    assert_eq!(
        (
            s["type"].as_str(),
            s["topic"].as_str(),
            s["recovered"].as_bool()
        ),
        (Some("subscribed"), Some("contacts"), Some(true))
    );
    ws.send(json!({"type": "unsubscribe", "id": "u", "topic": "contacts"}))
        .await;
    assert_eq!(ws.expect().await["type"], "unsubscribed");
    // Still alive after all that.
    ws.send(json!({"type": "ping", "id": "p2"})).await;
    assert_eq!(ws.expect().await["type"], "pong");

    // Handshake refusals are HTTP problems, before any upgrade.
    assert_eq!(Ws::connect(&app, "acme", "garbage").await.err(), Some(401));
    app.create_tenant("other").await;
    assert_eq!(Ws::connect(&app, "other", &tok).await.err(), Some(404));
    assert_eq!(Ws::connect(&app, "ghost", &tok).await.err(), Some(404));
    // A permission the user lacks is an error frame, not a disconnect.
    let (_, cust) = app
        .user_with_roles("acme", &tok, "c@acme.example", &["customer"])
        .await;
    let mut cws = Ws::connect(&app, "acme", &cust).await.unwrap();
    cws.send(json!({"type": "subscribe", "id": "c", "topic": "contacts"}))
        .await;
    assert_eq!(cws.expect().await["code"], "forbidden");
    app.stop().await;
}

async fn browsers_connect_with_a_single_use_ticket(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("acme").await;
    let r = app
        .as_user("acme", &tok)
        .post_empty("/realtime/ticket")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ticket = r.body["ticket"].as_str().unwrap().to_owned();
    let url = |t: &str| {
        format!(
            "{}/t/acme/ws?ticket={t}",
            app.address.replace("http://", "ws://")
        )
    };
    let (_, conn) = awc::Client::new()
        .ws(url(&ticket))
        .origin(app.address.as_str())
        .connect()
        .await
        .expect("ticket works");
    let mut ws = Ws { conn };
    ws.send(json!({"type": "ping", "id": "t"})).await;
    assert_eq!(ws.expect().await["type"], "pong");
    let again = awc::Client::new().ws(url(&ticket)).connect().await;
    assert!(
        matches!(again, Err(awc::error::WsClientError::InvalidResponseStatus(s)) if s == 401),
        "a ticket is single-use"
    );
    // A foreign page may not open a socket with the user's ticket.
    let t2 = app
        .as_user("acme", &tok)
        .post_empty("/realtime/ticket")
        .await
        .body["ticket"]
        .as_str()
        .unwrap()
        .to_owned();
    let evil = awc::Client::new()
        .ws(url(&t2))
        .origin("https://evil.example")
        .connect()
        .await;
    assert!(matches!(evil, Err(awc::error::WsClientError::InvalidResponseStatus(s)) if s == 403));
    app.stop().await;
}

async fn a_write_reaches_subscribers_of_its_tenant_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.tenant_with_owner("acme").await;
    let b = app.tenant_with_owner("bravo").await;
    let mut wa = Ws::connect(&app, "acme", &a).await.unwrap();
    let mut wb = Ws::connect(&app, "bravo", &b).await.unwrap();
    subscribe(&mut wa, "contacts", None).await;
    subscribe(&mut wb, "contacts", None).await;
    let c = app
        .as_user("acme", &a)
        .post("/contacts", json!({"last_name": "Live"}))
        .await;
    let e = wa.expect().await;
    assert_eq!(
        (e["type"].as_str(), e["event"].as_str(), e["topic"].as_str()),
        (Some("event"), Some("contact.created"), Some("contacts"))
    );
    assert_eq!(e["data"]["id"], c.body["id"]);
    assert_eq!(e["seq"], 1);
    assert!(
        wb.next(Duration::from_millis(700)).await.is_none(),
        "another tenant saw the event"
    );
    // Topic scoping: a ticket topic gets that ticket's comments, not others'.
    let t1 = app
        .as_user("acme", &a)
        .post("/tickets", json!({"subject": "One"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let t2 = app
        .as_user("acme", &a)
        .post("/tickets", json!({"subject": "Two"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    subscribe(&mut wa, &format!("ticket:{t1}"), None).await;
    app.as_user("acme", &a)
        .post(
            &format!("/tickets/{t2}/comments"),
            json!({"body": "not for you"}),
        )
        .await;
    app.as_user("acme", &a)
        .post(
            &format!("/tickets/{t1}/comments"),
            json!({"body": "for you"}),
        )
        .await;
    let e = wa.expect().await;
    assert_eq!(
        (e["event"].as_str(), e["data"]["body"].as_str()),
        (Some("comment.created"), Some("for you"))
    );
    // The thread shows who wrote it without a user lookup.
    assert_eq!(e["data"]["author_kind"], "staff");
    assert!(
        e["data"]["author_name"]
            .as_str()
            .is_some_and(|n| !n.is_empty()),
        "{e}"
    );
    // Overlapping topics: a change to t1 comes once under each of them, so
    // each view (the ticket list, the open ticket) resumes on its own.
    subscribe(&mut wa, "tickets", None).await;
    let w = app
        .as_user("acme", &a)
        .patch(
            &format!("/tickets/{t1}"),
            json!({"subject": "One, renamed"}),
        )
        .await;
    assert_eq!(w.status, 200, "{}", w.body);
    let (x, y) = (wa.expect().await, wa.expect().await);
    let mut topics = [x["topic"].as_str(), y["topic"].as_str()];
    topics.sort();
    let ticket_topic = format!("ticket:{t1}");
    assert_eq!(topics, [Some(ticket_topic.as_str()), Some("tickets")]);
    assert_eq!(
        (x["seq"].clone(), x["event"].clone()),
        (y["seq"].clone(), y["event"].clone())
    );
    assert_eq!(x["event"], "ticket.updated");
    app.stop().await;
}

async fn events_are_filtered_by_scope_and_hidden_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("acme").await;
    let (cust_id, cust) = app
        .user_with_roles("acme", &tok, "cust@client.example", &["customer"])
        .await;
    let contact = app
        .as_user("acme", &tok)
        .post(
            "/contacts",
            json!({"last_name": "Client", "user_id": cust_id}),
        )
        .await;
    app.as_user("acme", &tok).post("/roles", json!({"name": "nophone", "grants": [{"permission": "contacts:read", "hidden_fields": ["phone"]}]})).await;
    let (_, np) = app
        .user_with_roles("acme", &tok, "np@acme.example", &["nophone"])
        .await;
    let mut wc = Ws::connect(&app, "acme", &cust).await.unwrap();
    let mut wn = Ws::connect(&app, "acme", &np).await.unwrap();
    subscribe(&mut wc, "tickets", None).await;
    subscribe(&mut wn, "contacts", None).await;
    app.as_user("acme", &tok)
        .post("/tickets", json!({"subject": "Not theirs"}))
        .await;
    let theirs = app
        .as_user("acme", &tok)
        .post(
            "/tickets",
            json!({"subject": "Theirs", "requester_id": contact.body["id"]}),
        )
        .await;
    let e = wc.expect().await;
    assert_eq!(
        e["data"]["id"], theirs.body["id"],
        "the customer must only see their own ticket"
    );
    app.as_user("acme", &tok)
        .post(
            "/contacts",
            json!({"last_name": "Phoney", "phone": "+49 1"}),
        )
        .await;
    let e = wn.expect().await;
    assert_eq!(e["data"]["last_name"], "Phoney");
    assert!(e["data"].get("phone").is_none(), "{e}");
    app.stop().await;
}

/// Subscribing with `since` while writes continue: every event after
/// `since` arrives once, in order, across the replay-to-live hand-over.
async fn resume_under_concurrent_writes(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("acme").await;
    for i in 0..30 {
        app.as_user("acme", &tok)
            .post("/companies", json!({"name": format!("before {i}")}))
            .await;
    }
    let mut ws = Ws::connect(&app, "acme", &tok).await.unwrap();
    let writer = async {
        for i in 0..60 {
            let r = app
                .as_user("acme", &tok)
                .post("/companies", json!({"name": format!("during {i}")}))
                .await;
            assert_eq!(r.status, 201);
        }
    };
    let reader = async {
        tokio::time::sleep(Duration::from_millis(30)).await;
        let s = subscribe(&mut ws, "companies", Some(10)).await;
        assert_eq!(
            (s["type"].as_str(), s["recovered"].as_bool()),
            (Some("subscribed"), Some(true)),
            "{s}"
        );
        ws.events_until(90).await
    };
    let ((), got) = futures_util::future::join(writer, reader).await;
    let seqs: Vec<i64> = got.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (11..=90).collect::<Vec<_>>());
    app.stop().await;
}

async fn a_resume_from_before_retention_gets_resync(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("acme").await;
    for i in 0..3 {
        app.as_user("acme", &tok)
            .post("/companies", json!({"name": format!("c{i}")}))
            .await;
    }
    app.as_user("acme", &tok)
        .put("/settings/events", json!({"retention_days": 1}))
        .await;
    app.services
        .tenants
        .trim_events(chrono::Utc::now() + chrono::TimeDelta::days(2))
        .await
        .unwrap();
    app.as_user("acme", &tok)
        .post("/companies", json!({"name": "after"}))
        .await;
    let mut ws = Ws::connect(&app, "acme", &tok).await.unwrap();
    // The hub restarted after the trim? Either way the answer is the same.
    let s = subscribe(&mut ws, "companies", Some(0)).await;
    assert_eq!(s["recovered"], false, "{s}");
    let r = ws.expect().await;
    assert_eq!(
        (r["type"].as_str(), r["topic"].as_str()),
        (Some("resync"), Some("companies"))
    );
    let s = subscribe(&mut ws, "companies", Some(3)).await;
    assert_eq!(s["recovered"], true, "{s}");
    assert_eq!(ws.expect().await["seq"], 4);
    app.stop().await;
}

/// A client that stops reading does not hold up the others, and is told to
/// resync once it reads again (not caught up: it had stopped reading);
/// the server keeps only a bounded queue for it.
async fn a_slow_consumer_is_cut_loose(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("acme").await;
    let mut slow = Ws::connect(&app, "acme", &tok).await.unwrap();
    let mut fast = Ws::connect(&app, "acme", &tok).await.unwrap();
    subscribe(&mut slow, "contacts", None).await;
    subscribe(&mut fast, "contacts", None).await;
    // 20,000 events of about 1 KiB (far more than socket buffers hold), in
    // imports of 500, while `slow` reads nothing. The reading client takes
    // each batch before the next (a burst longer than its queue would be
    // caught up as it reads: `a_reader_behind_a_burst_is_caught_up`).
    let mut got = 0;
    for batch in 0..40 {
        let mut rows = String::from("last_name,title\n");
        for i in 0..500 {
            rows.push_str(&format!("Person {batch}-{i},{}\n", "t".repeat(99)));
        }
        let r = app
            .request(
                "POST",
                "/t/acme/api/v1/contacts/import",
                Some(&tok),
                Some(("text/csv", rows.into_bytes())),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        got += fast.events_until((batch + 1) * 500).await.len();
    }
    assert_eq!(got, 20_000, "the reading client must get every event");
    // It has not read for longer than the server's stall limit (10 s)
    // since it fell behind: it stopped reading. Now the slow one reads:
    // some events, then a resync for its topic.
    tokio::time::sleep(Duration::from_secs(11)).await;
    let mut resync = None;
    let mut seen = 0;
    while let Some(f) = slow.next(Duration::from_secs(20)).await {
        if f["type"] == "resync" {
            resync = Some(f);
            break;
        }
        seen += 1;
    }
    let resync = resync.expect("the slow client is told to resync");
    assert_eq!(resync["topic"], "contacts");
    assert!(
        seen < 20_000,
        "the server queued everything for a client that did not read ({seen})"
    );
    app.stop().await;
}

/// The sum of metric `name`'s samples whose labels include `label`, read
/// from the node's `/metrics`.
async fn metric_sum(app: &TestApp, name: &str, label: &str) -> f64 {
    let r = app.request("GET", "/metrics", Some(&app.token), None).await;
    let prefix = format!("{name}{{");
    r.body
        .as_str()
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with(&prefix) && l.contains(label))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// A burst longer than a session's queue (512) to a client that keeps
/// reading: every event of every topic arrives, each once and in order,
/// and it is never told to resync, whether its socket kept up or it fell
/// behind and was caught up from the ring and the log. A resume from
/// further back than the queue and the ring hold always falls behind (its
/// replay is queued while the socket waits for the answer), and is caught
/// up a page of the log at a time as the client reads.
async fn a_reader_behind_a_burst_is_caught_up(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("burst").await;
    let mut ws = Ws::connect(&app, "burst", &tok).await.unwrap();
    subscribe(&mut ws, "contacts", None).await;
    subscribe(&mut ws, "companies", None).await;
    const N: usize = 2000;
    let import = |path: &'static str, head: &str, name: &str| {
        let mut rows = format!("{head}\n");
        for i in 0..N {
            rows.push_str(&format!("{name} {i}\n"));
        }
        let (app, tok) = (&app, &tok);
        async move {
            let r = app
                .request(
                    "POST",
                    path,
                    Some(tok),
                    Some(("text/csv", rows.into_bytes())),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
    };
    // Three bursts, each committed at once: 6,000 events, more than the
    // hub's ring of recent ones holds.
    import("/t/burst/api/v1/contacts/import", "last_name", "Person").await;
    import("/t/burst/api/v1/companies/import", "name", "Firm").await;
    import("/t/burst/api/v1/contacts/import", "last_name", "Later").await;
    let mut seen: HashMap<String, Vec<i64>> = HashMap::new();
    while seen.values().map(Vec::len).sum::<usize>() < 3 * N {
        let f = ws.next(Duration::from_secs(20)).await.unwrap_or_else(|| {
            panic!(
                "stalled at {:?}",
                seen.iter().map(|(t, v)| (t, v.len())).collect::<Vec<_>>()
            )
        });
        assert_ne!(f["type"], "resync", "{f}");
        if f["type"] == "event" {
            let topic = f["topic"].as_str().unwrap().to_owned();
            seen.entry(topic)
                .or_default()
                .push(f["seq"].as_i64().unwrap());
        }
    }
    for (topic, seqs) in &seen {
        let n = if topic == "contacts" { 2 * N } else { N };
        assert_eq!(seqs.len(), n, "{topic}");
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "{topic}: each once, in order"
        );
    }
    // A resume from before the bursts: 6,000 events back, further than
    // the ring reaches, so it is read from the log a page at a time as
    // the client reads.
    let first = seen["contacts"][0];
    let mut late = Ws::connect(&app, "burst", &tok).await.unwrap();
    let s = subscribe(&mut late, "contacts", Some(first - 1)).await;
    assert_eq!(s["recovered"], true, "{s}");
    let mut seqs = Vec::new();
    while seqs.len() < 2 * N {
        let f = late
            .next(Duration::from_secs(20))
            .await
            .expect("the rest of the replay");
        assert_ne!(f["type"], "resync", "{f}");
        if f["type"] == "event" {
            seqs.push(f["seq"].as_i64().unwrap());
        }
    }
    assert_eq!(seqs, seen["contacts"]);
    // The live burst may or may not have outrun the socket (the client's
    // kernel buffer can take megabytes); this replay certainly did.
    let rounds = metric_sum(&app, "mandant_ws_catch_ups_total", "tenant=\"burst\"").await;
    // 4,000 events through a queue of 512: at least seven rounds.
    assert!(rounds >= 7.0, "caught up in rounds ({rounds})");
    app.stop().await;
}

/// `?coalesce=5`: every frame is an array of messages; a burst of events
/// shares frames, in order, none lost; the default stays one per frame.
async fn coalescing_batches_a_burst_into_few_frames(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("acme").await;
    for bad in ["coalesce=6", "coalesce=x", "coalesce=-1"] {
        assert_eq!(
            Ws::connect_query(&app, "acme", &tok, bad).await.err(),
            Some(400),
            "{bad}"
        );
    }
    let mut batched = Ws::connect_query(&app, "acme", &tok, "coalesce=5")
        .await
        .unwrap();
    let mut plain = Ws::connect(&app, "acme", &tok).await.unwrap();
    batched
        .send(json!({"type": "subscribe", "id": "s1", "topic": "contacts"}))
        .await;
    let ack = batched.expect().await;
    assert_eq!(ack[0]["type"], "subscribed", "{ack}");
    subscribe(&mut plain, "contacts", None).await;
    batched.send(json!({"type": "ping", "id": "p"})).await;
    assert_eq!(batched.expect().await, json!([{"type": "pong", "id": "p"}]));
    // 300 events at once (one import).
    let mut rows = String::from("last_name\n");
    for i in 0..300 {
        rows.push_str(&format!("Person {i}\n"));
    }
    let r = app
        .request(
            "POST",
            "/t/acme/api/v1/contacts/import",
            Some(&tok),
            Some(("text/csv", rows.into_bytes())),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (mut frames, mut seqs) = (0, Vec::new());
    while seqs.len() < 300 {
        let f = batched.expect().await;
        let list = f.as_array().expect("a coalesced frame is an array");
        frames += 1;
        for m in list {
            assert_eq!(m["type"], "event", "{m}");
            seqs.push(m["seq"].as_i64().unwrap());
        }
    }
    assert_eq!(seqs, (1..=300).collect::<Vec<i64>>());
    assert!(frames < 100, "300 events took {frames} frames");
    let plain_events = plain.events_until(300).await;
    assert_eq!(plain_events.len(), 300);
    assert!(plain_events.iter().all(|e| e.is_object()));
    app.stop().await;
}

/// A write's events reach its own node's subscribers from memory, without
/// a read of the log; what they carry must be exactly what the log holds
/// (JSON as stored, every field), in order, for create, update and delete.
async fn a_live_event_says_what_the_log_says(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("acme").await;
    let mut ws = Ws::connect(&app, "acme", &tok).await.unwrap();
    subscribe(&mut ws, "contacts", None).await;
    let r = app
        .as_user("acme", &tok)
        .post(
            "/contacts",
            json!({
                "first_name": "Zoë \"🚀\" \\ O'Brien",
                "last_name": "Ünïcødé",
                "tags": ["vip", "b", "a"],
                "email": "zoe@example.com"
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .as_user("acme", &tok)
        .update(
            Res::Contacts,
            &id,
            json!({"last_name": "Second", "tags": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.as_user("acme", &tok).remove(Res::Contacts, &id).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let live = ws.events_until(3).await;
    let log = app.as_user("acme", &tok).get("/events?since=0").await;
    assert_eq!(log.status, 200, "{}", log.body);
    let logged = log.body["items"].as_array().unwrap();
    assert_eq!(live.len(), 3, "{live:?}");
    assert_eq!(logged.len(), 3, "{logged:?}");
    for (l, e) in live.iter().zip(logged) {
        assert_eq!(l["seq"], e["seq"]);
        assert_eq!(l["event"], e["type"]);
        assert_eq!(
            l["data"], e["data"],
            "seq {}: live and logged data differ",
            l["seq"]
        );
    }
    let types: Vec<&str> = live.iter().map(|l| l["event"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        ["contact.created", "contact.updated", "contact.deleted"]
    );
    assert_eq!(live[0]["data"]["first_name"], "Zoë \"🚀\" \\ O'Brien");
    app.stop().await;
}

both_backends!(
    protocol_and_every_error_path,
    browsers_connect_with_a_single_use_ticket,
    a_write_reaches_subscribers_of_its_tenant_only,
    events_are_filtered_by_scope_and_hidden_fields,
    resume_under_concurrent_writes,
    a_resume_from_before_retention_gets_resync,
    a_slow_consumer_is_cut_loose,
    a_reader_behind_a_burst_is_caught_up,
    coalescing_batches_a_burst_into_few_frames,
    a_live_event_says_what_the_log_says
);

/// Two nodes on one storage and one Redis: a write on one reaches a
/// subscriber on the other.
#[actix_web::test]
async fn a_write_on_one_node_reaches_a_subscriber_on_another() {
    let Some((a, b)) = crate::helpers::two_nodes().await else {
        return;
    };
    let tok = a.tenant_with_owner("acme").await;
    let mut ws = Ws::connect(&b, "acme", &tok).await.unwrap();
    subscribe(&mut ws, "deals", None).await;
    let p = a
        .as_user("acme", &tok)
        .post(
            "/pipelines",
            json!({"name": "P", "stages": [{"name": "Lead"}]}),
        )
        .await;
    let d = a
        .as_user("acme", &tok)
        .post(
            "/deals",
            json!({"title": "Cross-node", "pipeline_id": p.body["id"]}),
        )
        .await;
    let e = ws.expect().await;
    assert_eq!(
        (e["event"].as_str(), e["data"]["id"].clone()),
        (Some("deal.created"), d.body["id"].clone())
    );

    // Small events travel in the bus message, sealed: B delivers them from
    // there (not from the log), and Redis never carries a value readable.
    let carried =
        || async { metric_sum(&b, "mandant_bus_events_total", "via=\"message\"").await as u64 };
    let before = carried().await;
    let client = redis::Client::open(crate::helpers::redis_url().unwrap()).unwrap();
    let mut spy = client.get_async_pubsub().await.unwrap();
    spy.subscribe("mandant:bus").await.unwrap();
    subscribe(&mut ws, "contacts", None).await;
    const WRITES: usize = 20;
    for n in 0..WRITES {
        a.as_user("acme", &tok)
            .post(
                "/contacts",
                json!({"last_name": format!("Verschwiegen {n}")}),
            )
            .await;
        let e = ws.expect().await;
        assert_eq!(e["data"]["last_name"], format!("Verschwiegen {n}"));
    }
    assert!(
        carried().await >= before + WRITES as u64,
        "B delivered the writes from the bus message"
    );
    let mut raw = Vec::new();
    {
        let mut stream = spy.on_message();
        while let Ok(Some(m)) =
            tokio::time::timeout(Duration::from_millis(200), stream.next()).await
        {
            raw.push(m.get_payload::<String>().unwrap());
        }
    }
    assert!(raw.iter().any(|m| m.contains("\"events\"")), "{raw:?}");
    assert!(!raw.iter().any(|m| m.contains("Verschwiegen")), "{raw:?}");
    a.stop().await;
    b.stop().await;
}

async fn presence_shows_who_is_here(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("acme").await;
    let (agent_id, agent) = app
        .user_with_roles("acme", &tok, "agent@acme.example", &["manager"])
        .await;
    let t = app
        .as_user("acme", &tok)
        .post("/tickets", json!({"subject": "Shared"}))
        .await;
    let topic = format!("ticket:{}", t.body["id"].as_str().unwrap());
    let mut a = Ws::connect(&app, "acme", &tok).await.unwrap();
    let mut b = Ws::connect(&app, "acme", &agent).await.unwrap();
    b.send(json!({"type": "presence", "id": "p", "topic": topic, "state": "viewing"}))
        .await;
    assert_eq!(b.expect().await["code"], "not_subscribed");
    b.send(json!({"type": "presence", "id": "p", "topic": topic, "state": "dancing"}))
        .await;
    assert_eq!(b.expect().await["code"], "invalid_message");
    subscribe(&mut a, &topic, None).await;
    subscribe(&mut b, &topic, None).await;
    a.send(json!({"type": "presence", "id": "p", "topic": topic, "state": "viewing"}))
        .await;
    for ws in [&mut a, &mut b] {
        let p = ws.expect().await;
        assert_eq!(
            (p["type"].as_str(), p["members"].as_array().map(Vec::len)),
            (Some("presence"), Some(1)),
            "{p}"
        );
        assert_eq!(p["members"][0]["state"], "viewing");
    }
    b.send(json!({"type": "presence", "id": "p", "topic": topic, "state": "editing"}))
        .await;
    let p = a.expect().await;
    let editing: Vec<_> = p["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["state"] == "editing")
        .collect();
    assert_eq!(editing.len(), 1);
    assert_eq!(editing[0]["user_id"], agent_id);
    assert_eq!(editing[0]["name"], "agent@acme.example");
    // The agent disconnects: the others see them gone.
    drop(b);
    let p = a.expect().await;
    assert_eq!(p["members"].as_array().unwrap().len(), 1, "{p}");
    assert_ne!(p["members"][0]["user_id"], agent_id);
    app.stop().await;
}

both_backends!(presence_shows_who_is_here);

/// `/metrics` speaks Prometheus, needs the platform token, and counts
/// connections and deliveries per tenant.
#[actix_web::test]
async fn metrics_count_connections_and_deliveries() {
    let app = spawn_app(Backend::Sqlite).await;
    let tok = app.tenant_with_owner("metered").await;
    let mut ws = Ws::connect(&app, "metered", &tok).await.unwrap();
    subscribe(&mut ws, "contacts", None).await;
    app.as_user("metered", &tok)
        .post("/contacts", json!({"last_name": "Counted"}))
        .await;
    ws.expect().await;
    // A made-up slug gets no label of its own: it cannot use up the set.
    app.get("/t/made-up-tenant-7/api/v1/me").await;
    app.get("/metrics")
        .await
        .assert_problem(401, "unauthorized");
    let r = app.request("GET", "/metrics", Some(&app.token), None).await;
    assert_eq!(r.status, 200);
    let text = r.body.as_str().unwrap_or_default().to_owned();
    assert!(!text.contains("made-up-tenant-7"), "{text}");
    let line = |prefix: &str, part: &str| {
        text.lines()
            .any(|l| l.starts_with(prefix) && l.contains(part))
    };
    // Requests per tenant, their latency as a histogram (it adds up across
    // nodes), commit-to-delivery latency, the bus.
    assert!(
        line("mandant_http_requests_total{", "tenant=\"metered\""),
        "{text}"
    );
    assert!(
        line("mandant_http_requests_total{", "tenant=\"none\""),
        "{text}"
    );
    assert!(
        line(
            "mandant_http_request_duration_seconds_bucket{",
            "tenant=\"metered\""
        ),
        "{text}"
    );
    assert!(
        line("mandant_delivery_latency_seconds_bucket{", "le=\"0.1\""),
        "{text}"
    );
    assert!(line("mandant_bus_up", " 1"), "{text}");
    for needle in [
        "mandant_ws_connections{tenant=\"metered\"} 1",
        "mandant_ws_events_delivered_total{tenant=\"metered\"}",
        "mandant_tenant_hubs",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    app.stop().await;
}

/// Disabling a user or changing their role reaches their open sockets at
/// once, not at the next periodic re-check.
async fn identity_changes_reach_live_sessions_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("acme").await;
    let (v_id, viewer) = app
        .user_with_roles("acme", &tok, "v@acme.example", &["viewer"])
        .await;
    let (x_id, other) = app
        .user_with_roles("acme", &tok, "x@acme.example", &["viewer"])
        .await;
    let mut wv = Ws::connect(&app, "acme", &viewer).await.unwrap();
    let mut wx = Ws::connect(&app, "acme", &other).await.unwrap();
    subscribe(&mut wv, "contacts", None).await;
    subscribe(&mut wx, "contacts", None).await;
    // Role change: the viewer becomes a customer, who may not read contacts.
    let r = app
        .as_user("acme", &tok)
        .update(Res::Users, &v_id, json!({"roles": ["customer"]}))
        .await;
    assert_eq!(r.status, 200);
    // The viewer's app is told to read its access again.
    assert_eq!(changed(&mut wv).await.as_deref(), Some("access"));
    app.as_user("acme", &tok)
        .post("/contacts", json!({"last_name": "Secret"}))
        .await;
    assert_eq!(wx.expect().await["data"]["last_name"], "Secret");
    assert!(
        wv.next(Duration::from_millis(700)).await.is_none(),
        "a customer must no longer receive contacts"
    );
    // Disabled: the socket closes within moments.
    app.as_user("acme", &tok)
        .update(Res::Users, &x_id, json!({"status": "disabled"}))
        .await;
    let start = std::time::Instant::now();
    assert!(wx.next(Duration::from_secs(5)).await.is_none());
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "the socket of a disabled user must close"
    );
    app.stop().await;
}

both_backends!(
    identity_changes_reach_live_sessions_at_once,
    clients_are_told_when_their_access_the_branding_or_features_change
);

/// The next `changed` frame within 5 s (`what`), skipping others.
async fn changed(ws: &mut Ws) -> Option<String> {
    while let Some(f) = ws.next(Duration::from_secs(5)).await {
        if f["type"] == "changed" {
            return f["what"].as_str().map(str::to_owned);
        }
    }
    None
}

/// `{"type": "changed", "what": …}` tells a signed-in client to show
/// anew what lives outside topics: its own access after a role change
/// (only then: a new name is no such change), the tenant's branding and
/// its features, on every socket of the tenant.
async fn clients_are_told_when_their_access_the_branding_or_features_change(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("acme").await;
    let (mia_id, mia) = app
        .user_with_roles("acme", &tok, "mia@acme.example", &["agent"])
        .await;
    let owner = app.as_user("acme", &tok);
    let mut wm = Ws::connect(&app, "acme", &mia).await.unwrap();
    let mut wo = Ws::connect(&app, "acme", &tok).await.unwrap();
    // Both sockets have joined once they answer a ping.
    for ws in [&mut wm, &mut wo] {
        ws.send(json!({"type": "ping", "id": "p"})).await;
        assert_eq!(ws.expect().await["type"], "pong");
    }

    let r = owner
        .update(Res::Users, &mia_id, json!({"name": "Mia M."}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        wm.next(Duration::from_millis(800)).await.is_none(),
        "a new name changes no access"
    );
    let r = owner
        .update(Res::Users, &mia_id, json!({"roles": ["manager"]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(changed(&mut wm).await.as_deref(), Some("access"));

    let r = owner
        .put("/settings/branding", json!({"display_name": "Acme Ltd"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for ws in [&mut wm, &mut wo] {
        assert_eq!(changed(ws).await.as_deref(), Some("branding"));
    }
    let r = owner
        .put("/settings/features", json!({"features": {"sales": false}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for ws in [&mut wm, &mut wo] {
        assert_eq!(changed(ws).await.as_deref(), Some("features"));
    }
    app.stop().await;
}

/// A branding change on one node reaches a client of another.
#[actix_web::test]
async fn a_branding_change_reaches_clients_on_every_node() {
    let Some((a, b)) = crate::helpers::two_nodes().await else {
        return;
    };
    let tok = a.tenant_with_owner("acme").await;
    let mut ws = Ws::connect(&b, "acme", &tok).await.unwrap();
    ws.send(json!({"type": "ping", "id": "p"})).await;
    assert_eq!(ws.expect().await["type"], "pong");
    let r = a
        .as_user("acme", &tok)
        .put("/settings/branding", json!({"display_name": "Acme Ltd"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(changed(&mut ws).await.as_deref(), Some("branding"));
    a.stop().await;
    b.stop().await;
}

/// A Redis of the test's own, so that stopping it disturbs no other test.
struct PrivateRedis {
    child: std::process::Child,
    port: u16,
}

impl PrivateRedis {
    fn start(port: u16) -> Option<Self> {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .ok()?;
        for _ in 0..50 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Self { child, port });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Redis disappears for a while: writes still succeed, the other node's
/// subscriber still gets every event (its hub reads the log), and after
/// Redis returns the bus works again.
#[actix_web::test]
async fn no_event_is_lost_while_redis_is_away() {
    // Only where the suite runs with Redis (CI), which also has redis-server.
    if crate::helpers::redis_url().is_none() {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let redis = PrivateRedis::start(port).expect("redis-server starts");
    let backend = if crate::helpers::pg_url().is_some() {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    let site = crate::helpers::Site::new(backend).await;
    let url = redis.url();
    let with_redis = |c: &mut mandant::config::Config| {
        c.redis_url = Some(mandant::secret::Secret::new(url.clone()))
    };
    let a = crate::helpers::spawn_node(&site, with_redis).await;
    let b = crate::helpers::spawn_node(&site, with_redis).await;
    let tok = a.tenant_with_owner("acme").await;
    let mut ws = Ws::connect(&b, "acme", &tok).await.unwrap();
    subscribe(&mut ws, "contacts", None).await;
    let add = |name: &'static str| {
        a.as_user("acme", &tok)
            .post("/contacts", json!({"last_name": name}))
    };
    assert_eq!(add("before").await.status, 201);
    assert_eq!(ws.expect().await["seq"], 1);

    drop(redis);
    for name in ["during 1", "during 2", "during 3"] {
        let r = add(name).await;
        assert_eq!(r.status, 201, "writes must not depend on Redis: {}", r.body);
    }
    let got = ws.events_until(4).await;
    let seqs: Vec<i64> = got.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [2, 3, 4], "events written while Redis was away");

    let _back = PrivateRedis::start(port).expect("redis-server restarts");
    // Give the bus a moment to resubscribe, then write again.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(add("after").await.status, 201);
    assert_eq!(ws.expect().await["seq"], 5);
    a.stop().await;
    b.stop().await;
}

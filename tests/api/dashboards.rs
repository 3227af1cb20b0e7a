//! Live dashboards: after a random workload of thousands of writes (with
//! SLA breaches firing and the clock crossing midnight and a month end),
//! the figures pushed over the WebSocket equal a recomputation from
//! storage, and pushes are coalesced.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use mandant::clock::Clock;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Res, Rng, Site, TestApp};
use crate::realtime::Ws;
use crate::support_kit::{at, node, queue_with_policy};

both_backends!(dashboards_equal_a_recomputation_after_a_random_workload);

const OPS: usize = 5000;
const STATUSES: [&str; 5] = ["new", "open", "pending", "resolved", "closed"];
const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];
const STAGES: [&str; 5] = ["lead", "qualified", "proposal", "won", "lost"];

/// What every write of the workload needs.
struct World<'a> {
    app: &'a TestApp,
    tok: &'a str,
    queue: &'a str,
    pipeline: &'a str,
}

/// One random write; ids it creates are returned.
async fn op(
    w: &World<'_>,
    roll: u64,
    pick: &[u64; 4],
    tickets: &[String],
    deals: &[String],
) -> Option<(bool, String)> {
    let (app, tok, q, pipeline) = (w.app, w.tok, w.queue, w.pipeline);
    // A well-behaved client: on 429 it waits as told and tries again.
    let api = |m: &'static str, path: String, body: Option<Value>| async move {
        loop {
            let r = app.api(m, "acme", &path, Some(tok), body.clone()).await;
            if r.status != 429 {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let nth = |v: &[String], i: u64| (!v.is_empty()).then(|| v[i as usize % v.len()].clone());
    let r = match roll % 100 {
        0..=24 => {
            let mut body = json!({"subject": "load", "queue_id": q, "priority": PRIORITIES[pick[0] as usize % 4]});
            if pick[1].is_multiple_of(3) {
                body["status"] = json!("open");
            }
            let r = api("POST", "/tickets".into(), Some(body)).await;
            return Some((true, r.body["id"].as_str()?.to_owned()));
        }
        25..=44 => {
            api(
                "PATCH",
                format!("/tickets/{}", nth(tickets, pick[0])?),
                Some(json!({"status": STATUSES[pick[1] as usize % 5]})),
            )
            .await
        }
        45..=54 => {
            api(
                "PATCH",
                format!("/tickets/{}", nth(tickets, pick[0])?),
                Some(json!({"priority": PRIORITIES[pick[1] as usize % 4]})),
            )
            .await
        }
        55..=64 => {
            api(
                "POST",
                format!("/tickets/{}/comments", nth(tickets, pick[0])?),
                Some(json!({"body": "On it"})),
            )
            .await
        }
        65..=69 => {
            api(
                "DELETE",
                format!("/tickets/{}", nth(tickets, pick[0])?),
                None,
            )
            .await
        }
        70..=84 => {
            let amount = (pick[0] % 10_000_000) as f64 / 100.0;
            let currency = if pick[1].is_multiple_of(4) {
                "USD"
            } else {
                "EUR"
            };
            let r = api("POST", "/deals".into(), Some(json!({"title": "Deal", "pipeline_id": pipeline, "amount": amount, "currency": currency}))).await;
            return Some((false, r.body["id"].as_str()?.to_owned()));
        }
        85..=94 => {
            api(
                "PATCH",
                format!("/deals/{}", nth(deals, pick[0])?),
                Some(json!({"stage_id": STAGES[pick[1] as usize % 5]})),
            )
            .await
        }
        95..=97 => {
            api(
                "PATCH",
                format!("/deals/{}", nth(deals, pick[0])?),
                Some(json!({"amount": (pick[1] % 500_000) as f64 / 7.0})),
            )
            .await
        }
        98 => api("DELETE", format!("/deals/{}", nth(deals, pick[0])?), None).await,
        _ => {
            api(
                "PATCH",
                format!("/pipelines/{pipeline}"),
                Some(json!({"stages": stages(pick[0])})),
            )
            .await
        }
    };
    // Refused transitions and writes to deleted records are part of the mix.
    assert!(
        [200, 201, 204, 404, 422].contains(&r.status.as_u16()),
        "{}",
        r.body
    );
    None
}

fn stages(seed: u64) -> Value {
    json!(STAGES
        .iter()
        .enumerate()
        .map(|(i, s)| json!({"id": s, "name": s.to_uppercase(), "probability": ((seed >> (i * 8)) % 101) as f64,
                              "won": *s == "won", "lost": *s == "lost"}))
        .collect::<Vec<_>>())
}

async fn dashboards_equal_a_recomputation_after_a_random_workload(backend: Backend) {
    // Evening of the last day of a month: the run crosses midnight and
    // the month end, so "today" and "this month" roll over mid-way.
    let clock = Clock::manual(at("2026-11-30T20:00:00Z"));
    let app = node(&Site::new(backend).await, &clock).await;
    let tok = app.tenant_with_owner("acme").await;
    let q = queue_with_policy(
        &app,
        &tok,
        json!({"first_response_mins": 30, "resolution_mins": 240}),
        false,
        json!({}),
    )
    .await;
    let p = app
        .as_user("acme", &tok)
        .create(
            Res::Pipelines,
            json!({"name": "Sales", "stages": stages(0x3c28_1e0a)}),
        )
        .await;
    let pipeline = p["id"].as_str().unwrap().to_owned();
    let mut ws = Ws::connect(&app, "acme", &tok).await.unwrap();
    for topic in ["dashboard:support", "dashboard:sales"] {
        ws.send(json!({"type": "subscribe", "id": topic, "topic": topic}))
            .await;
    }
    let mut latest: HashMap<String, Value> = HashMap::new();
    let mut frames = 0usize;
    let started = Instant::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut tickets, mut deals) = (Vec::new(), Vec::new());
    let mut done = 0;
    while done < OPS {
        if rng.chance(5) {
            clock.advance(chrono::Duration::minutes(1 + rng.below(30) as i64));
        }
        let batch: Vec<(u64, [u64; 4])> = (0..10)
            .map(|_| (rng.next(), [rng.next(), rng.next(), rng.next(), rng.next()]))
            .collect();
        let world = World {
            app: &app,
            tok: &tok,
            queue: &q,
            pipeline: &pipeline,
        };
        let made = join_all(
            batch
                .iter()
                .map(|(roll, pick)| op(&world, *roll, pick, &tickets, &deals)),
        )
        .await;
        for (is_ticket, id) in made.into_iter().flatten() {
            if is_ticket {
                tickets.push(id)
            } else {
                deals.push(id)
            }
        }
        done += batch.len();
        // Keep reading, as a dashboard in a browser would.
        while let Some(f) = ws.next(Duration::from_millis(1)).await {
            record(&f, &mut latest, &mut frames);
        }
    }
    // Quiet: alarms owed by the last clock moves have fired.
    let mut head = -1;
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let h = app
            .as_user("acme", &tok)
            .get("/events?since=0&limit=1")
            .await
            .body["head"]
            .as_i64()
            .unwrap();
        if h == head {
            break;
        }
        head = h;
    }
    let elapsed = started.elapsed();
    // The pushed figures catch up with everything up to the head.
    while latest
        .values()
        .filter(|f| f["seq"].as_i64() >= Some(head))
        .count()
        < 2
    {
        let f = ws
            .next(Duration::from_secs(5))
            .await
            .expect("dashboard frames catch up");
        record(&f, &mut latest, &mut frames);
    }
    for (board, topic) in [
        ("support", "dashboard:support"),
        ("sales", "dashboard:sales"),
    ] {
        let r = app
            .as_user("acme", &tok)
            .get(&format!("/dashboards/{board}"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            latest[topic]["data"], r.body,
            "{board}: live figures differ from a recomputation"
        );
    }
    // The workload touched what the boards show.
    let (s, d) = (
        &latest["dashboard:support"]["data"],
        &latest["dashboard:sales"]["data"],
    );
    assert!(s["open_total"].as_i64() > Some(0), "{s}");
    assert!(s["sla_breaches_today"].as_i64() > Some(0), "{s}");
    assert!(s["first_responses_today"].as_i64() > Some(0), "{s}");
    assert_eq!(
        s["day_starts_at"]
            .as_str()
            .map(|d| d > "2026-11-30T23:59:59Z"),
        Some(true),
        "{s}"
    );
    assert!(d["won_this_month"]["count"].as_i64() > Some(0), "{d}");
    assert!(d["weighted_forecast"]["EUR"].as_f64() > Some(0.0), "{d}");
    // Coalesced: at most one push per board per 250 ms (plus the first ones).
    let bound = 2 * (elapsed.as_millis() as usize / 250 + 2);
    assert!(frames <= bound, "{frames} dashboard frames in {elapsed:?}");
}

fn record(f: &Value, latest: &mut HashMap<String, Value>, frames: &mut usize) {
    if f["type"] == "dashboard" {
        *frames += 1;
        latest.insert(f["topic"].as_str().unwrap().to_owned(), f.clone());
    }
}

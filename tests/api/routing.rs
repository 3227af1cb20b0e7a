//! Queues at work: order, claims racing over two nodes, routing by round
//! robin, least load and skills, offers that time out or are declined,
//! agents at capacity, and every refusal the engine owes a client.

use futures_util::future::join_all;
use mandant::clock::Clock;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Res, Site, TestApp};
use crate::realtime::Ws;
use crate::support_kit::{at, events_of, eventually, exactly, node, settle};

both_backends!(
    fifty_claims_over_two_nodes_have_one_winner,
    the_queue_is_ordered_and_pushed_live,
    round_robin_rotates_declines_and_times_out,
    least_loaded_skills_and_capacity,
    claims_and_offers_refuse_what_makes_no_sense,
);

/// `n` users with `role` in `team` (if any), sorted by id: (id, token).
async fn agents(
    app: &TestApp,
    owner: &str,
    n: usize,
    role: &str,
    team: Option<&str>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for chunk in (0..n).collect::<Vec<_>>().chunks(10) {
        let made = join_all(chunk.iter().map(|i| async move {
            let email = format!("agent{i}@acme.example");
            let r = app
                .as_user("acme", owner).post("/users", json!({"email": email, "name": format!("Agent {i}"), "password": crate::helpers::PASSWORD,
                                 "roles": [role], "teams": team.map_or(json!([]), |t| json!([t]))}))
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            let id = r.body["id"].as_str().unwrap().to_owned();
            let r = app.login("acme", &email, crate::helpers::PASSWORD).await;
            (id, r.body["access_token"].as_str().unwrap().to_owned())
        }))
        .await;
        out.extend(made);
    }
    out.sort();
    out
}

async fn ticket(app: &TestApp, tok: &str, id: &Value) -> Value {
    let r = app
        .as_user("acme", tok)
        .read(Res::Tickets, id.as_str().unwrap())
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// Waits until the ticket is offered to someone; returns to whom.
async fn offered(app: &TestApp, tok: &str, id: &Value) -> String {
    eventually("an offer", || async {
        ticket(app, tok, id).await["offer"]["user_id"]
            .as_str()
            .map(str::to_owned)
    })
    .await
}

/// Connects the agents' sockets (which makes them available) and waits
/// until the tenant sees them connected.
async fn connect(app: &TestApp, owner: &str, agents: &[(String, String)]) -> Vec<Ws> {
    let mut socks = Vec::new();
    for (_, tok) in agents {
        socks.push(Ws::connect(app, "acme", tok).await.unwrap());
    }
    eventually("agents online", || async {
        let r = app.as_user("acme", owner).get("/agents").await;
        let on = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["availability"] == "online")
            .count();
        (on >= agents.len()).then_some(())
    })
    .await;
    socks
}

async fn fifty_claims_over_two_nodes_have_one_winner(backend: Backend) {
    let site = Site::new(backend).await;
    let clock = Clock::system();
    let (a, b) = (node(&site, &clock).await, node(&site, &clock).await);
    let owner = a.tenant_with_owner("acme").await;
    let crew = agents(&a, &owner, 50, "manager", None).await;
    let q = a
        .as_user("acme", &owner)
        .create(Res::Queues, json!({"name": "Front desk"}))
        .await;
    let t = a
        .as_user("acme", &owner)
        .create(Res::Tickets, json!({"subject": "Hot", "queue_id": q["id"]}))
        .await;
    let path = format!("/tickets/{}/claim", t["id"].as_str().unwrap());
    let results = join_all(crew.iter().enumerate().map(|(i, (id, tok))| {
        let (n, path) = (if i % 2 == 0 { &a } else { &b }, path.clone());
        async move { (id.clone(), n.as_user("acme", tok).post_empty(&path).await) }
    }))
    .await;
    let winners: Vec<&String> = results
        .iter()
        .filter(|(_, r)| r.status == 200)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        results.iter().map(|(_, r)| r.status).collect::<Vec<_>>()
    );
    for (_, r) in results.iter().filter(|(_, r)| r.status != 200) {
        r.assert_problem(409, "already_claimed");
    }
    assert_eq!(
        ticket(&b, &owner, &t["id"]).await["assignee_id"],
        json!(winners[0])
    );
    let assigned = exactly(&[&a, &b], &owner, "ticket.assigned", 1).await;
    assert_eq!(assigned[0]["data"]["change"]["to"], json!(winners[0]));
}

async fn the_queue_is_ordered_and_pushed_live(backend: Backend) {
    let clock = Clock::manual(at("2026-11-02T10:00:00Z"));
    let app = node(&Site::new(backend).await, &clock).await;
    let owner = app.tenant_with_owner("acme").await;
    let q = crate::support_kit::queue_with_policy(
        &app,
        &owner,
        json!({"first_response_mins": 60}),
        false,
        json!({}),
    )
    .await;
    let mut ws = Ws::connect(&app, "acme", &owner).await.unwrap();
    ws.send(json!({"type": "subscribe", "id": "q", "topic": format!("queue:{q}")}))
        .await;
    assert_eq!(ws.expect().await["type"], "subscribed");
    let make = |subject: &'static str, priority: &'static str| {
        clock.advance(chrono::Duration::minutes(1));
        let (app, owner, q) = (&app, &owner, &q);
        async move {
            app.as_user("acme", owner)
                .create(
                    Res::Tickets,
                    json!({"subject": subject, "priority": priority, "queue_id": q}),
                )
                .await
        }
    };
    // The queue actor loads its tickets as the hub starts; a ticket written
    // meanwhile would be counted before its own frame. A probe's frame
    // says the load is done; closed, the probe leaves the queue again.
    let probe = make("probe", "normal").await;
    let probe_frame = async |ws: &mut Ws| loop {
        let f = ws.expect().await;
        if f["type"] == "queue" && f["ticket_id"] == probe["id"] {
            break f;
        }
    };
    assert_eq!(probe_frame(&mut ws).await["position"], 0);
    let r = app
        .as_user("acme", &owner)
        .update(
            Res::Tickets,
            probe["id"].as_str().unwrap(),
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(probe_frame(&mut ws).await["position"], Value::Null);
    let old = make("old", "normal").await;
    let young = make("young", "normal").await;
    let low = make("low", "low").await;
    let urgent = make("urgent", "urgent").await;
    // Where each new ticket landed, as the queue frames said.
    let mut placed = Vec::new();
    while placed.len() < 4 {
        let f = ws.expect().await;
        if f["type"] == "queue" {
            placed.push((
                f["ticket_id"].clone(),
                f["position"].clone(),
                f["size"].clone(),
            ));
        }
    }
    assert_eq!(placed[0], (old["id"].clone(), json!(0), json!(1)));
    assert_eq!(placed[1], (young["id"].clone(), json!(1), json!(2)));
    assert_eq!(placed[2], (low["id"].clone(), json!(2), json!(3)));
    assert_eq!(placed[3], (urgent["id"].clone(), json!(0), json!(4)));
    let r = app
        .as_user("acme", &owner)
        .get(&format!("/queues/{q}/tickets"))
        .await;
    let order: Vec<&Value> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["subject"])
        .collect();
    assert_eq!(
        order,
        [
            &json!("urgent"),
            &json!("old"),
            &json!("young"),
            &json!("low")
        ]
    );
    // Claimed, the ticket leaves the queue for everyone watching it.
    let r = app
        .as_user("acme", &owner)
        .post_empty(&format!(
            "/tickets/{}/claim",
            urgent["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let left = loop {
        let f = ws.expect().await;
        if f["type"] == "queue" {
            break f;
        }
    };
    assert_eq!(
        (
            left["ticket_id"].clone(),
            left["position"].clone(),
            left["size"].clone()
        ),
        (urgent["id"].clone(), json!(null), json!(3))
    );
}

async fn round_robin_rotates_declines_and_times_out(backend: Backend) {
    let clock = Clock::manual(at("2026-11-02T10:00:00Z"));
    let app = node(&Site::new(backend).await, &clock).await;
    let owner = app.tenant_with_owner("acme").await;
    let team = app
        .as_user("acme", &owner)
        .post("/teams", json!({"name": "Support"}))
        .await;
    let team = team.body["id"].as_str().unwrap().to_owned();
    let crew = agents(&app, &owner, 3, "agent", Some(&team)).await;
    let _socks = connect(&app, &owner, &crew).await;
    let ids: Vec<&String> = crew.iter().map(|(id, _)| id).collect();
    let q = app.as_user("acme", &owner).create(Res::Queues, json!({"name": "Hotline", "team_id": team, "routing": "round_robin", "offer_timeout_secs": 30, "agent_ids": ids})).await;
    let mut tickets = Vec::new();
    for (i, agent) in ids.iter().enumerate() {
        let t = app
            .as_user("acme", &owner)
            .create(
                Res::Tickets,
                json!({"subject": format!("T{i}"), "queue_id": q["id"]}),
            )
            .await;
        // The agents take turns, in a stable order.
        assert_eq!(&&offered(&app, &owner, &t["id"]).await, agent);
        tickets.push(t["id"].clone());
    }
    let path = |t: &Value, what: &str| format!("/tickets/{}/{what}", t.as_str().unwrap());
    // The second agent declines: the ticket goes to the next in turn.
    let r = app
        .as_user("acme", &crew[1].1)
        .post_empty(&path(&tickets[1], "offer/decline"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["declined_by"], json!([ids[1]]));
    let next = offered(&app, &owner, &tickets[1]).await;
    assert_eq!(&next, ids[0]);
    // Only the agent offered a ticket may accept it.
    app.as_user("acme", &crew[2].1)
        .post_empty(&path(&tickets[0], "offer/accept"))
        .await
        .assert_problem(409, "no_offer");
    let r = app
        .as_user("acme", &crew[0].1)
        .post_empty(&path(&tickets[0], "offer/accept"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(&r.body["assignee_id"], ids[0]);
    // Nobody answers the third agent's offer: after 30 s it moves on.
    clock.advance(chrono::Duration::seconds(31));
    let moved = eventually("the expired offer to move", || async {
        let t = ticket(&app, &owner, &tickets[2]).await;
        let to = t["offer"]["user_id"].as_str().map(str::to_owned)?;
        (to != *ids[2]).then_some((to, t["declined_by"].clone()))
    })
    .await;
    assert_eq!(moved.1, json!([ids[2]]));
    assert_eq!(
        exactly(&[&app], &owner, "ticket.offer_expired", 2)
            .await
            .len(),
        2
    );
    // An agent at capacity gets nothing: the first agent holds one ticket.
    let r = app
        .as_user("acme", &owner)
        .patch(&format!("/agents/{}", ids[0]), json!({"capacity": 1}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for i in 3..6 {
        let t = app
            .as_user("acme", &owner)
            .create(
                Res::Tickets,
                json!({"subject": format!("T{i}"), "queue_id": q["id"]}),
            )
            .await;
        assert_ne!(&offered(&app, &owner, &t["id"]).await, ids[0]);
    }
}

async fn least_loaded_skills_and_capacity(backend: Backend) {
    let clock = Clock::manual(at("2026-11-02T10:00:00Z"));
    let app = node(&Site::new(backend).await, &clock).await;
    let owner = app.tenant_with_owner("acme").await;
    let crew = agents(&app, &owner, 3, "manager", None).await;
    let _socks = connect(&app, &owner, &crew).await;
    let ids: Vec<&String> = crew.iter().map(|(id, _)| id).collect();
    // Loads 2, 1, 0 from tickets assigned outside any queue.
    for (who, n) in [(0, 2), (1, 1)] {
        for _ in 0..n {
            app.as_user("acme", &owner)
                .create(
                    Res::Tickets,
                    json!({"subject": "held", "assignee_id": ids[who]}),
                )
                .await;
        }
    }
    let q = app
        .as_user("acme", &owner)
        .create(
            Res::Queues,
            json!({"name": "Billing", "routing": "least_loaded"}),
        )
        .await;
    let t = app
        .as_user("acme", &owner)
        .create(Res::Tickets, json!({"subject": "A", "queue_id": q["id"]}))
        .await;
    assert_eq!(&offered(&app, &owner, &t["id"]).await, ids[2]);
    // Offers count as load: 2, 1, 1 → the tie goes to the next in turn.
    let t = app
        .as_user("acme", &owner)
        .create(Res::Tickets, json!({"subject": "B", "queue_id": q["id"]}))
        .await;
    assert_eq!(&offered(&app, &owner, &t["id"]).await, ids[1]);
    // Skills: only the agent who speaks German gets the German ticket,
    // however busy they are.
    let r = app
        .as_user("acme", &owner)
        .patch(
            &format!("/agents/{}", ids[0]),
            json!({"skills": ["de", "billing"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["skills"], json!(["de", "billing"]));
    let sq = app
        .as_user("acme", &owner)
        .create(Res::Queues, json!({"name": "DACH", "routing": "skills"}))
        .await;
    let t = app
        .as_user("acme", &owner)
        .create(
            Res::Tickets,
            json!({"subject": "Hallo", "skills": ["de"], "queue_id": sq["id"]}),
        )
        .await;
    assert_eq!(&offered(&app, &owner, &t["id"]).await, ids[0]);
    // At capacity, not even the only one with the skill is offered more.
    let r = app
        .as_user("acme", &owner)
        .patch(&format!("/agents/{}", ids[0]), json!({"capacity": 3}))
        .await;
    assert_eq!(r.status, 200);
    let t = app
        .as_user("acme", &owner)
        .create(
            Res::Tickets,
            json!({"subject": "Noch eins", "skills": ["de"], "queue_id": sq["id"]}),
        )
        .await;
    settle(&app).await;
    assert_eq!(ticket(&app, &owner, &t["id"]).await["offer"], json!(null));
    // An agent who steps away gets nothing either.
    let r = app
        .as_user("acme", &crew[2].1)
        .put("/me/agent", json!({"status": "away"}))
        .await;
    assert_eq!(r.body["availability"], "away", "{}", r.body);
    let t = app
        .as_user("acme", &owner)
        .create(Res::Tickets, json!({"subject": "C", "queue_id": q["id"]}))
        .await;
    assert_eq!(&offered(&app, &owner, &t["id"]).await, ids[1]);
}

async fn claims_and_offers_refuse_what_makes_no_sense(backend: Backend) {
    let app = node(&Site::new(backend).await, &Clock::system()).await;
    let owner = app.tenant_with_owner("acme").await;
    let other = app.tenant_with_owner("globex").await;
    let t = app
        .as_user("acme", &owner)
        .create(Res::Tickets, json!({"subject": "Mine"}))
        .await;
    let id = t["id"].as_str().unwrap();
    let ghost = uuid::Uuid::now_v7();
    let call = |m: &'static str, path: String, tok: String, body: Option<Value>| {
        let app = &app;
        async move { app.api(m, "acme", &path, Some(&tok), body).await }
    };
    call(
        "POST",
        format!("/tickets/{ghost}/claim"),
        owner.clone(),
        None,
    )
    .await
    .assert_problem(404, "not_found");
    // Another tenant's token cannot even find it.
    let r = app
        .as_user("globex", &other)
        .post_empty(&format!("/tickets/{id}/claim"))
        .await;
    r.assert_problem(404, "not_found");
    call(
        "POST",
        format!("/tickets/{id}/offer/accept"),
        owner.clone(),
        None,
    )
    .await
    .assert_problem(409, "no_offer");
    call(
        "POST",
        format!("/tickets/{id}/offer/decline"),
        owner.clone(),
        None,
    )
    .await
    .assert_problem(409, "no_offer");
    // The SLA state and offers are the server's to write.
    let r = call(
        "PATCH",
        format!("/tickets/{id}"),
        owner.clone(),
        Some(json!({"sla": {}, "offer": null})),
    )
    .await;
    r.assert_problem(422, "validation_failed");
    let r = call(
        "PATCH",
        format!("/tickets/{id}"),
        owner.clone(),
        Some(json!({"status": "resolved"})),
    )
    .await;
    assert_eq!(r.status, 200);
    // The request is fine; the ticket's state forbids it (as a lost race does).
    call("POST", format!("/tickets/{id}/claim"), owner.clone(), None)
        .await
        .assert_problem(409, "conflict");
    // Agent settings.
    let r = call(
        "PUT",
        "/me/agent".into(),
        owner.clone(),
        Some(json!({"status": "sleeping"})),
    )
    .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["status"]);
    call(
        "PUT",
        "/me/agent".into(),
        owner.clone(),
        Some(json!({"capacity": 99})),
    )
    .await
    .assert_problem(422, "validation_failed");
    call(
        "PUT",
        "/me/agent".into(),
        owner.clone(),
        Some(json!({"mood": "good"})),
    )
    .await
    .assert_problem(422, "validation_failed");
    call(
        "PATCH",
        format!("/agents/{ghost}"),
        owner.clone(),
        Some(json!({"capacity": 3})),
    )
    .await
    .assert_problem(404, "not_found");
    let r = call(
        "PATCH",
        format!("/agents/{ghost}"),
        owner.clone(),
        Some(json!({"capacity": -1, "skills": [""]})),
    )
    .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["capacity", "skills"]);
    call(
        "GET",
        format!("/queues/{ghost}/tickets"),
        owner.clone(),
        None,
    )
    .await
    .assert_problem(404, "not_found");
    call("GET", "/dashboards/pets".into(), owner.clone(), None)
        .await
        .assert_problem(404, "not_found");
    // A portal customer may not claim, nor watch dashboards.
    let (_, customer) = app
        .user_with_roles("acme", &owner, "c@acme.example", &["customer"])
        .await;
    call(
        "POST",
        format!("/tickets/{id}/claim"),
        customer.clone(),
        None,
    )
    .await
    .assert_problem(403, "forbidden");
    call("GET", "/dashboards/support".into(), customer.clone(), None)
        .await
        .assert_problem(403, "forbidden");
    let mut ws = Ws::connect(&app, "acme", &customer).await.unwrap();
    ws.send(json!({"type": "subscribe", "id": "d", "topic": "dashboard:support"}))
        .await;
    let f = ws.expect().await;
    assert_eq!(
        (f["type"].as_str(), f["code"].as_str()),
        (Some("error"), Some("forbidden")),
        "{f}"
    );
    assert!(events_of(&app, &owner, "ticket.assigned").await.is_empty());
}

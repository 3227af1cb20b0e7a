//! The portals' side of tickets: customers describe their problem,
//! suppliers report progress, and neither reaches the support team's
//! fields (priority, queue, assignee, SLA). Tickets opened from a portal
//! join the tenant's portal queue.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Res, TestApp, spawn_app};

both_backends!(
    portal_tickets_land_in_the_portal_queue,
    portal_users_write_only_their_fields
);

async fn created(app: &TestApp, tok: &str, path: &str, body: Value) -> String {
    let r = app.as_user("acme", tok).post(path, body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn ticket_count(app: &TestApp, tok: &str) -> usize {
    let r = app.as_user("acme", tok).list(Res::Tickets, "").await;
    r.body["items"].as_array().unwrap().len()
}

async fn portal_tickets_land_in_the_portal_queue(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("acme").await;
    let queue = created(&app, &tok, "/queues", json!({"name": "Support"})).await;
    let r = app.as_user("acme", &tok).get("/settings/support").await;
    assert_eq!(r.body, json!({"portal_queue_id": null}));

    // Bad settings are refused and change nothing.
    let ghost = "0190f0a0-0000-7000-8000-000000000000";
    app.as_user("acme", &tok)
        .put("/settings/support", json!({"portal_queue_id": ghost}))
        .await
        .assert_problem(422, "validation_failed");
    app.as_user("acme", &tok)
        .put("/settings/support", json!({"portal_queue_id": "nope"}))
        .await
        .assert_problem(422, "validation_failed");
    app.as_user("acme", &tok)
        .put("/settings/support", json!({"queue": queue}))
        .await
        .assert_problem(422, "validation_failed");
    let r = app.as_user("acme", &tok).get("/settings/support").await;
    assert_eq!(r.body, json!({"portal_queue_id": null}));

    let (_, cust) = app
        .user_with_roles("acme", &tok, "cust@client.example", &["customer"])
        .await;
    app.as_user("acme", &cust)
        .put("/settings/support", json!({"portal_queue_id": queue}))
        .await
        .assert_problem(403, "forbidden");
    let r = app
        .as_user("acme", &tok)
        .put("/settings/support", json!({"portal_queue_id": queue}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // The customer's ticket joins it; staff place theirs where they like.
    let t = created(
        &app,
        &cust,
        "/tickets",
        json!({"subject": "Printer on fire"}),
    )
    .await;
    let r = app.as_user("acme", &tok).read(Res::Tickets, &t).await;
    assert_eq!(r.body["queue_id"], json!(queue));
    let s = created(&app, &tok, "/tickets", json!({"subject": "Internal task"})).await;
    let r = app.as_user("acme", &tok).read(Res::Tickets, &s).await;
    assert_eq!(r.body["queue_id"], Value::Null);
    let waiting = app
        .as_user("acme", &tok)
        .get(&format!("/queues/{queue}/tickets"))
        .await;
    let ids: Vec<_> = waiting.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, [t]);
    app.stop().await;
}

async fn portal_users_write_only_their_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    let tok = app.tenant_with_owner("acme").await;
    let (_, cust) = app
        .user_with_roles("acme", &tok, "cust@client.example", &["customer"])
        .await;
    let me = app.as_user("acme", &cust).get("/me").await;
    assert_eq!(me.body["user"]["kind"], "customer", "{}", me.body);

    // Opening: only a subject and a description; a refused ticket is not half-written.
    let r = app
        .as_user("acme", &cust)
        .post(
            "/tickets",
            json!({"subject": "Urgent!", "priority": "urgent", "assignee_id": null}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, ["assignee_id", "priority"]);
    assert!(
        r.body
            .to_string()
            .contains("cannot be changed from the portal"),
        "{}",
        r.body
    );
    assert_eq!(ticket_count(&app, &cust).await, 0);
    let t = created(
        &app,
        &cust,
        "/tickets",
        json!({"subject": "Login fails", "description": "Since Monday"}),
    )
    .await;
    let path = format!("/tickets/{t}");

    // Updating: the customer may reword, not triage or close.
    let r = app
        .as_user("acme", &cust)
        .patch(&path, json!({"subject": "Login fails on mobile"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for field in [
        json!({"priority": "urgent"}),
        json!({"status": "closed"}),
        json!({"sla": null}),
    ] {
        app.as_user("acme", &cust)
            .patch(&path, field)
            .await
            .assert_problem(422, "validation_failed");
    }
    let r = app.as_user("acme", &tok).get(&path).await;
    assert_eq!(
        (
            r.body["subject"].as_str(),
            r.body["priority"].as_str(),
            r.body["status"].as_str()
        ),
        (Some("Login fails on mobile"), Some("normal"), Some("new"))
    );
    // Staff are not limited.
    let r = app
        .as_user("acme", &tok)
        .patch(&path, json!({"priority": "high", "status": "open"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // A reply says who wrote it, and from which side.
    let c = app
        .as_user("acme", &cust)
        .post(&format!("{path}/comments"), json!({"body": "Still broken"}))
        .await;
    assert_eq!(c.status, 201, "{}", c.body);
    assert_eq!(
        (
            c.body["author_kind"].as_str(),
            c.body["author_name"].as_str()
        ),
        (Some("customer"), Some("cust@client.example"))
    );

    // A supplier reports progress on work shared with them, and nothing else.
    let (sup_id, sup) = app
        .user_with_roles("acme", &tok, "parts@supplier.example", &["supplier"])
        .await;
    let job = created(
        &app,
        &tok,
        "/tickets",
        json!({"subject": "Replace the fan", "shared_with": [sup_id]}),
    )
    .await;
    let jp = format!("/tickets/{job}");
    let r = app
        .as_user("acme", &sup)
        .patch(&jp, json!({"status": "pending"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.as_user("acme", &sup)
        .patch(&jp, json!({"subject": "Nothing to do"}))
        .await
        .assert_problem(422, "validation_failed");
    app.as_user("acme", &sup)
        .patch(&jp, json!({"shared_with": []}))
        .await
        .assert_problem(422, "validation_failed");
    // What is not shared with them does not exist for them.
    app.as_user("acme", &sup)
        .patch(&path, json!({"status": "pending"}))
        .await
        .assert_problem(404, "not_found");
    let r = app.as_user("acme", &tok).get(&jp).await;
    assert_eq!(
        (r.body["status"].as_str(), r.body["subject"].as_str()),
        (Some("pending"), Some("Replace the fan"))
    );
    app.stop().await;
}

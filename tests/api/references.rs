//! Deleting a record applies each reference's rule (`records::references`):
//! what needs it refuses, what merely names it forgets it, what only
//! makes sense with it goes too; every record that changes or goes has
//! its event (a board drops a deleted deal live) and its trail entry.

use std::time::Duration;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Res, id, spawn_app};
use crate::realtime::Ws;

both_backends!(
    deleting_clears_or_takes_along_what_refers_to_it,
    deleting_what_others_need_is_refused
);

async fn deleting_clears_or_takes_along_what_refers_to_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let company = acme
        .create(Res::Companies, json!({"name": "Acme Supplies"}))
        .await;
    let contact = acme
        .create(
            Res::Contacts,
            json!({"last_name": "Weber", "company_id": id(&company)}),
        )
        .await;
    let other = acme
        .create(Res::Contacts, json!({"last_name": "Braun"}))
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
            json!({"title": "Renewal", "pipeline_id": &pipeline, "company_id": id(&company),
                   "contact_ids": [id(&contact), id(&other)]}),
        )
        .await;
    let ticket = acme
        .create(
            Res::Tickets,
            json!({"subject": "Broken", "requester_id": id(&contact)}),
        )
        .await;
    acme.comment(&id(&ticket), json!({"body": "Looking"})).await;
    let about_contact = acme
        .create(
            Res::Activities,
            json!({"type": "note", "subject": "Met", "related_kind": "contact", "related_id": id(&contact)}),
        )
        .await;
    let about_ticket = acme
        .create(
            Res::Activities,
            json!({"type": "task", "subject": "Follow up", "related_kind": "ticket", "related_id": id(&ticket)}),
        )
        .await;

    // A company: its contacts and deals forget it.
    assert_eq!(acme.remove(Res::Companies, &id(&company)).await.status, 204);
    let c = acme.read(Res::Contacts, &id(&contact)).await.body;
    assert!(c.get("company_id").is_none(), "{c}");
    assert_eq!(c["version"], 2);
    let d = acme.read(Res::Deals, &id(&deal)).await.body;
    assert!(d.get("company_id").is_none(), "{d}");
    let entry = &acme
        .get(&format!("/audit/events?record={}", id(&deal)))
        .await
        .body["items"][0];
    assert_eq!(entry["action"], "deal.updated");
    assert_eq!(entry["detail"]["change"]["because"], "company.deleted");
    assert_eq!(
        entry["detail"]["changes"]["company_id"],
        json!({"from": id(&company), "to": null})
    );

    // A contact: the deal keeps the other contact, the ticket stays
    // without a requester, the note about them goes.
    assert_eq!(acme.remove(Res::Contacts, &id(&contact)).await.status, 204);
    let d = acme.read(Res::Deals, &id(&deal)).await.body;
    assert_eq!(d["contact_ids"], json!([id(&other)]));
    let t = acme.read(Res::Tickets, &id(&ticket)).await.body;
    assert!(t.get("requester_id").is_none(), "{t}");
    assert_eq!(
        acme.read(Res::Activities, &id(&about_contact)).await.status,
        404
    );

    // A ticket: its comments and its task go with it.
    assert_eq!(acme.remove(Res::Tickets, &id(&ticket)).await.status, 204);
    assert_eq!(
        acme.read(Res::Activities, &id(&about_ticket)).await.status,
        404
    );
    let log = acme.get("/events?since=0&limit=1000").await.body;
    let types: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for t in [
        "comment.deleted",
        "activity.deleted",
        "ticket.deleted",
        "contact.updated",
    ] {
        assert!(types.contains(&t), "{t} in {types:?}");
    }

    // A board watching the pipeline drops a deleted deal live.
    let mut ws = Ws::connect(&app, "acme", &owner).await.unwrap();
    let topic = format!("pipeline:{}", pipeline.as_str().unwrap());
    ws.send(json!({"type": "subscribe", "id": "b", "topic": topic}))
        .await;
    assert_eq!(ws.expect().await["type"], "subscribed");
    assert_eq!(acme.remove(Res::Deals, &id(&deal)).await.status, 204);
    let mut got: Option<Value> = None;
    while let Some(f) = ws.next(Duration::from_secs(3)).await {
        if f["type"] == "event" {
            got = Some(f);
            break;
        }
    }
    let got = got.expect("the board hears of the deletion");
    assert_eq!(got["event"], "deal.deleted");
    assert_eq!(got["data"]["id"], deal["id"]);
}

async fn deleting_what_others_need_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let pipeline = acme
        .create(
            Res::Pipelines,
            json!({"name": "Partners", "stages": [{"id": "new", "name": "New"}]}),
        )
        .await;
    let deal = acme
        .create(
            Res::Deals,
            json!({"title": "Reseller", "pipeline_id": id(&pipeline)}),
        )
        .await;
    let r = acme.remove(Res::Pipelines, &id(&pipeline)).await;
    r.assert_problem(409, "in_use");
    assert!(
        r.body["detail"].as_str().unwrap().contains("1 deal"),
        "{}",
        r.body
    );

    let policy = acme
        .create(
            Res::SlaPolicies,
            json!({"name": "Gold", "targets": {"normal": {"first_response_mins": 60}}}),
        )
        .await;
    let queue = acme
        .create(
            Res::Queues,
            json!({"name": "Escalations", "sla_policy_id": id(&policy)}),
        )
        .await;
    let ticket = acme
        .create(
            Res::Tickets,
            json!({"subject": "Urgent", "queue_id": id(&queue)}),
        )
        .await;
    acme.remove(Res::Queues, &id(&queue))
        .await
        .assert_problem(409, "in_use");
    // An SLA policy is optional for its queues: they forget it.
    assert_eq!(
        acme.remove(Res::SlaPolicies, &id(&policy)).await.status,
        204
    );
    let q = acme.read(Res::Queues, &id(&queue)).await.body;
    assert!(q.get("sla_policy_id").is_none(), "{q}");

    // A required custom relation refuses too; an optional one is cleared.
    for (key, required) in [("billing_company", true), ("referrer", false)] {
        acme.create(
            Res::CustomFields,
            json!({"kind": "deal", "key": key, "label": key, "type": "relation",
                   "options": {"kind": "company"}, "required": required}),
        )
        .await;
    }
    let billed = acme
        .create(Res::Companies, json!({"name": "Billed Ltd"}))
        .await;
    let referrer = acme
        .create(Res::Companies, json!({"name": "Referrer Ltd"}))
        .await;
    let r = acme
        .update(
            Res::Deals,
            &id(&deal),
            json!({"custom": {"billing_company": id(&billed), "referrer": id(&referrer)}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    acme.remove(Res::Companies, &id(&billed))
        .await
        .assert_problem(409, "in_use");
    assert_eq!(
        acme.remove(Res::Companies, &id(&referrer)).await.status,
        204
    );
    let d = acme.read(Res::Deals, &id(&deal)).await.body;
    assert_eq!(d["custom"], json!({"billing_company": id(&billed)}));

    // Once what needed them is gone, they can go.
    assert_eq!(acme.remove(Res::Tickets, &id(&ticket)).await.status, 204);
    assert_eq!(acme.remove(Res::Queues, &id(&queue)).await.status, 204);
    assert_eq!(acme.remove(Res::Deals, &id(&deal)).await.status, 204);
    assert_eq!(
        acme.remove(Res::Pipelines, &id(&pipeline)).await.status,
        204
    );
}

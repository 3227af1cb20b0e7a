//! Canned replies (`support::canned`): administrators keep them, agents
//! read them and get one filled for a ticket, with only what the agent
//! may read; bad replies are refused by name.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, Res, id, spawn_app};

both_backends!(canned_replies_are_filled_as_the_agent_may_see_the_ticket);

const GREETING: &str = "Hello {{contact.first_name}}, about \"{{ ticket.subject }}\": we are on it. \
Reply to {{contact.email}}. {{agent.name}}, {{workspace.name}}";

async fn canned_replies_are_filled_as_the_agent_may_see_the_ticket(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let acme = app.as_user("acme", &owner);
    let (anna_id, agent) = app
        .user_with_roles("acme", &owner, "anna.agent@acme.example", &["agent"])
        .await;
    acme.create(
        Res::Roles,
        json!({"name": "discreet-agent", "parent": "agent", "grants": [
            {"permission": "contacts:read", "scope": "all", "hidden_fields": ["email"]}]}),
    )
    .await;
    let (dora_id, discreet) = app
        .user_with_roles("acme", &owner, "dora@acme.example", &["discreet-agent"])
        .await;
    // Agents read their team's tickets.
    let team = acme.post("/teams", json!({"name": "Support"})).await;
    assert_eq!(team.status, 201, "{}", team.body);
    for user in [&anna_id, &dora_id] {
        let r = acme
            .update(Res::Users, user, json!({"teams": [id(&team.body)]}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    // Refused by name: an unknown placeholder, a name used twice, no body;
    // and by anyone but an administrator.
    let r = acme
        .put(
            "/settings/canned-replies",
            json!({"replies": [
                {"name": "Iban", "body": "Your IBAN is {{contact.iban}}"},
                {"name": "iban ", "body": "   "}]}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(
        r.error_fields(),
        ["replies.0.body", "replies.1.name", "replies.1.body"],
        "{}",
        r.body
    );
    assert!(r.body.to_string().contains("contact.iban"), "{}", r.body);
    let replies = json!({"replies": [
        {"name": " Greeting ", "body": GREETING},
        {"name": "Closing", "body": "Closing this now."}]});
    app.as_user("acme", &agent)
        .put("/settings/canned-replies", replies.clone())
        .await
        .assert_problem(403, "forbidden");
    let r = acme.put("/settings/canned-replies", replies).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["replies"][0]["name"], "Greeting",
        "names are kept trimmed"
    );

    // Agents read them, and get one filled for a ticket.
    let list = app.as_user("acme", &agent).get("/canned-replies").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["replies"].as_array().unwrap().len(), 2);
    let erika = acme
        .create(
            Res::Contacts,
            json!({"first_name": "Erika", "last_name": "Muster", "email": "erika@kunde.example"}),
        )
        .await;
    let ticket = acme
        .create(
            Res::Tickets,
            json!({"subject": "Printer on fire", "requester_id": id(&erika), "team_id": id(&team.body)}),
        )
        .await;
    let render = format!("/tickets/{}/canned-replies/render", id(&ticket));
    // Picked by name whatever its case, as names are unique.
    let r = app
        .as_user("acme", &agent)
        .post(&render, json!({"name": "greeting"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["body"],
        "Hello Erika, about \"Printer on fire\": we are on it. \
Reply to erika@kunde.example. anna.agent@acme.example, acme GmbH"
    );
    // A role that hides contacts' e-mail gets the reply without it.
    let r = app
        .as_user("acme", &discreet)
        .post(&render, json!({"name": "Greeting"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let text = r.body["body"].as_str().unwrap();
    assert!(
        text.contains("Hello Erika") && text.contains("Reply to ."),
        "{text}"
    );
    assert!(!text.contains("erika@"), "{text}");
    // Unknown reply, unknown ticket, and no unknown fields.
    app.as_user("acme", &agent)
        .post(&render, json!({"name": "Nope"}))
        .await
        .assert_problem(404, "not_found");
    app.as_user("acme", &agent)
        .post(
            "/tickets/0190a0a0-0000-7000-8000-000000000000/canned-replies/render",
            json!({"name": "Greeting"}),
        )
        .await
        .assert_problem(404, "not_found");
    app.as_user("acme", &agent)
        .post(&render, json!({"name": "Greeting", "x": 1}))
        .await
        .assert_problem(422, "validation_failed");
    // An unclosed placeholder is a typo, not text.
    let r = acme
        .put(
            "/settings/canned-replies",
            json!({"replies": [{"name": "Typo", "body": "Hi {{contact.first_name"}]}),
        )
        .await;
    assert_eq!(r.error_fields(), ["replies.0.body"], "{}", r.body);
    // They go with the support feature.
    let r = acme
        .put(
            "/settings/features",
            json!({"features": {"support": false}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for path in ["/canned-replies"] {
        acme.get(path).await.assert_problem(404, "not_found");
    }
    acme.put("/settings/canned-replies", json!({"replies": []}))
        .await
        .assert_problem(404, "not_found");
}

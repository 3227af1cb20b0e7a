//! Roles, inheritance, scopes, hidden fields, immediate effect of changes,
//! API keys, and the route table's guarantees.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Res, TestApp, spawn_app};

fn emails(r: &Value) -> Vec<String> {
    let mut v: Vec<String> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap_or("<hidden>").to_owned())
        .collect();
    v.sort();
    v
}

async fn team(app: &TestApp, owner: &str, name: &str) -> String {
    let r = app
        .as_user("acme", owner)
        .post("/teams", json!({"name": name}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn roles_inherit_and_refuse_cycles(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let r = app
        .as_user("acme", &owner)
        .post(
            "/roles",
            json!({
                "name": "lead", "parent": "agent",
                "grants": [{"permission": "tickets:assign", "scope": "team"}]
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let (_, lead) = app
        .user_with_roles("acme", &owner, "lead@acme.example", &["lead"])
        .await;
    let me = app.as_user("acme", &lead).get("/me").await;
    let scope_of = |perm: &str| {
        me.body["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["permission"] == perm)
            .map(|p| p["scope"].clone())
    };
    assert_eq!(scope_of("tickets:assign"), Some(json!("team"))); // its own grant
    assert_eq!(scope_of("tickets:read"), Some(json!("team"))); // inherited from agent
    assert_eq!(scope_of("admin:users"), None);

    // a → lead; making lead inherit from a would close a loop.
    app.as_user("acme", &owner)
        .post("/roles", json!({"name": "a", "parent": "lead"}))
        .await;
    let r = app
        .as_user("acme", &owner)
        .patch("/roles/lead", json!({"parent": "a"}))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["parent"]);
    let r = app
        .as_user("acme", &owner)
        .patch("/roles/lead", json!({"parent": "lead"}))
        .await;
    r.assert_problem(422, "validation_failed");
    // Catalogue and shape are enforced.
    let r = app
        .as_user("acme", &owner).post("/roles", json!({"name": "bad", "grants": [
            {"permission": "contacts:fly"}, {"permission": "admin:users", "scope": "own"}, {"permission": "tickets:read", "scope": "most"}
        ]}))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(
        r.error_fields(),
        ["grants[0].permission", "grants[1].scope", "grants[2].scope"]
    );
    app.as_user("acme", &owner)
        .post("/roles", json!({"name": "agent"}))
        .await
        .assert_problem(422, "validation_failed");
    app.as_user("acme", &owner)
        .patch("/roles/agent", json!({"description": "x"}))
        .await
        .assert_problem(403, "forbidden");
    app.as_user("acme", &owner)
        .delete("/roles/owner")
        .await
        .assert_problem(403, "forbidden");
    // In use: cannot delete; unused: can.
    app.as_user("acme", &owner)
        .delete("/roles/lead")
        .await
        .assert_problem(409, "conflict");
    assert_eq!(
        app.as_user("acme", &owner).delete("/roles/a").await.status,
        204
    );
    app.stop().await;
}

async fn scopes_own_team_all_on_users(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let t1 = team(&app, &owner, "First line").await;
    let (a_id, a) = app
        .user_with_roles("acme", &owner, "a@acme.example", &["agent"])
        .await;
    let (b_id, _) = app
        .user_with_roles("acme", &owner, "b@acme.example", &["agent"])
        .await;
    let (c_id, _) = app
        .user_with_roles("acme", &owner, "c@acme.example", &["agent"])
        .await;
    for id in [&a_id, &b_id] {
        let r = app
            .as_user("acme", &owner)
            .update(Res::Users, id, json!({"teams": [t1]}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    app.as_user("acme", &owner)
        .post(
            "/roles",
            json!({"name": "self-only", "grants": [{"permission": "users:read", "scope": "own"}]}),
        )
        .await;
    let (_, own) = app
        .user_with_roles("acme", &owner, "own@acme.example", &["self-only"])
        .await;
    let (_, all) = app
        .user_with_roles("acme", &owner, "viewer@acme.example", &["viewer"])
        .await;

    // team: agent a sees a and b (team mates), not c, not the owner.
    let r = app.as_user("acme", &a).list(Res::Users, "").await;
    assert_eq!(emails(&r.body), ["a@acme.example", "b@acme.example"]);
    assert_eq!(
        app.as_user("acme", &a).read(Res::Users, &b_id).await.status,
        200
    );
    app.as_user("acme", &a)
        .read(Res::Users, &c_id)
        .await
        .assert_problem(404, "not_found");
    // own: only oneself.
    let r = app.as_user("acme", &own).list(Res::Users, "").await;
    assert_eq!(emails(&r.body), ["own@acme.example"]);
    // all: everyone.
    let r = app.as_user("acme", &all).list(Res::Users, "").await;
    assert_eq!(emails(&r.body).len(), 6);
    app.stop().await;
}

async fn hidden_fields_are_absent(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    app.as_user("acme", &owner)
        .post(
            "/roles",
            json!({"name": "discreet", "grants": [
                {"permission": "users:read", "scope": "all", "hidden_fields": ["email"]}
            ]}),
        )
        .await;
    let (_, d) = app
        .user_with_roles("acme", &owner, "d@acme.example", &["discreet"])
        .await;
    let r = app.as_user("acme", &d).list(Res::Users, "").await;
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(
        items
            .iter()
            .all(|u| u.get("email").is_none() && u.get("name").is_some()),
        "{}",
        r.body
    );
    // The owner, without the restriction, sees them.
    let r = app.as_user("acme", &owner).list(Res::Users, "").await;
    assert!(
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["email"].is_string())
    );
    app.stop().await;
}

async fn disabling_and_role_changes_bite_on_the_next_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let (id, agent) = app
        .user_with_roles("acme", &owner, "x@acme.example", &["viewer"])
        .await;
    assert_eq!(
        app.as_user("acme", &agent)
            .list(Res::Users, "")
            .await
            .status,
        200
    );
    // Role change: from viewer to customer (no users:read) — at once.
    let r = app
        .as_user("acme", &owner)
        .update(Res::Users, &id, json!({"roles": ["customer"]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.as_user("acme", &agent)
        .list(Res::Users, "")
        .await
        .assert_problem(403, "forbidden");
    // Disable: the same token stops working at once, and login fails.
    let r = app
        .as_user("acme", &owner)
        .update(Res::Users, &id, json!({"status": "disabled"}))
        .await;
    assert_eq!(r.status, 200);
    app.as_user("acme", &agent)
        .get("/me")
        .await
        .assert_problem(401, "unauthorized");
    app.login("acme", "x@acme.example", crate::helpers::PASSWORD)
        .await
        .assert_problem(401, "invalid_credentials");
    // The last owner cannot be taken away.
    let me = app.as_user("acme", &owner).get("/me").await;
    let owner_id = me.body["user"]["id"].as_str().unwrap().to_owned();
    let r = app
        .as_user("acme", &owner)
        .update(Res::Users, &owner_id, json!({"roles": ["admin"]}))
        .await;
    r.assert_problem(409, "conflict");
    app.stop().await;
}

async fn nobody_grants_more_than_they_hold(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    app.as_user("acme", &owner)
        .post(
            "/roles",
            json!({"name": "hr", "grants": [
                {"permission": "admin:users"}, {"permission": "users:read"}
            ]}),
        )
        .await;
    let (_, hr) = app
        .user_with_roles("acme", &owner, "hr@acme.example", &["hr"])
        .await;
    // hr may create users, but not admins, and not roles wider than hr.
    let mk = |roles: Value| json!({"email": "new@acme.example", "password": crate::helpers::PASSWORD, "roles": roles});
    app.as_user("acme", &hr)
        .post("/users", mk(json!(["admin"])))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        app.as_user("acme", &hr)
            .post("/users", mk(json!(["hr"])))
            .await
            .status,
        201
    );
    app.as_user("acme", &hr)
        .post("/roles", json!({"name": "x"}))
        .await
        .assert_problem(403, "forbidden");
    app.stop().await;
}

async fn api_keys_work_until_revoked(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let r = app
        .as_user("acme", &owner)
        .post("/api-keys", json!({"name": "CI import", "role": "viewer"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let key = r.body["key"].as_str().unwrap().to_owned();
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(key.starts_with("mk_"));
    // Usable as a bearer, with the key's role.
    let me = app.as_user("acme", &key).get("/me").await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["roles"], json!(["viewer"]));
    assert_eq!(me.body["via"]["type"], "api_key");
    assert_eq!(
        app.as_user("acme", &key).list(Res::Users, "").await.status,
        200
    );
    app.as_user("acme", &key)
        .post("/users", json!({}))
        .await
        .assert_problem(403, "forbidden");
    // Listed without its secret, with its last use.
    let list = app.as_user("acme", &owner).list(Res::ApiKeys, "").await;
    let item = &list.body["items"][0];
    assert!(
        item.get("key").is_none() && item.get("key_hash").is_none(),
        "{item}"
    );
    assert!(item["last_used_at"].is_string(), "{item}");
    // A forged secret with a real prefix fails.
    let forged = format!("{}{}", &key[..16], "0".repeat(48));
    app.as_user("acme", &forged)
        .get("/me")
        .await
        .assert_problem(401, "unauthorized");
    // Revoked: refused at once.
    assert_eq!(
        app.as_user("acme", &owner)
            .remove(Res::ApiKeys, &id)
            .await
            .status,
        204
    );
    app.as_user("acme", &key)
        .get("/me")
        .await
        .assert_problem(401, "unauthorized");
    app.as_user("acme", &owner)
        .remove(Res::ApiKeys, &id)
        .await
        .assert_problem(404, "not_found");
    app.as_user("acme", &owner)
        .post("/api-keys", json!({"name": "x", "role": "ghost"}))
        .await
        .assert_problem(422, "validation_failed");
    app.stop().await;
}

/// Walks the route table: every non-public route refuses a caller without
/// a token, and every permission route refuses one without the permission.
async fn every_route_enforces_its_access(backend: Backend) {
    use mandant::http::tenant_routes::{Access, table};
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let (_, nobody) = app
        .user_with_roles("acme", &owner, "nobody@acme.example", &[])
        .await;
    let routes = table();
    assert!(routes.len() >= 20, "{routes:?}");
    for r in routes {
        let path = r
            .path
            .replace("/t/{tenant}/api/v1", "")
            .replace("{id}", "0190a0a0-0000-7000-8000-000000000000")
            .replace("{name}", "somerole");
        let method = r.method.to_uppercase();
        let body = matches!(method.as_str(), "POST" | "PUT" | "PATCH").then(|| json!({}));
        if r.path == mandant::http::tenant_routes::SOCKET.path {
            // Outside the API's scope: asked at its own URL.
            let anon = app.request(&method, "/t/acme/ws", None, None).await;
            anon.assert_problem(401, "unauthorized");
            assert_eq!(r.access, Access::Authenticated);
            continue;
        }
        let anon = app.api(&method, "acme", &path, None, body.clone()).await;
        match r.access {
            Access::Public => assert_ne!(anon.status, 401, "{method} {path} is public"),
            Access::Authenticated => anon.assert_problem(401, "unauthorized"),
            Access::Permission(p) => {
                anon.assert_problem(401, "unauthorized");
                let denied = app
                    .api(&method, "acme", &path, Some(&nobody), body.clone())
                    .await;
                assert_eq!(
                    denied.status, 403,
                    "{method} {path} needs {p}: {}",
                    denied.body
                );
                assert!(denied.body["detail"].as_str().unwrap().contains(p));
            }
        }
    }
    app.stop().await;
}

both_backends!(
    roles_inherit_and_refuse_cycles,
    scopes_own_team_all_on_users,
    hidden_fields_are_absent,
    disabling_and_role_changes_bite_on_the_next_request,
    nobody_grants_more_than_they_hold,
    api_keys_work_until_revoked,
    every_route_enforces_its_access
);

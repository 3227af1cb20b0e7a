//! SCIM 2.0 provisioning: the token's life, users and groups created,
//! changed, deactivated (sessions and sockets end at once) and removed,
//! filters and paging, the guards (last owner, more than the maker
//! holds, another tenant's token), bad input in SCIM's own error shape,
//! and a run of the scim2-tester conformance checks.

use std::time::Duration;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Resp, TestApp, spawn_app};
use crate::realtime::Ws;

const SCIM_JSON: &str = "application/scim+json";

async fn scim(
    app: &TestApp,
    method: &str,
    slug: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Resp {
    app.request(
        method,
        &format!("/t/{slug}/scim/v2{path}"),
        token,
        body.map(|b| (SCIM_JSON, b.to_string().into_bytes())),
    )
    .await
}

#[track_caller]
fn assert_scim_error(r: &Resp, status: u16, scim_type: Option<&str>) {
    assert_eq!(r.status.as_u16(), status, "{}", r.body);
    assert_eq!(r.content_type(), SCIM_JSON, "{}", r.body);
    assert_eq!(
        r.body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"]),
        "{}",
        r.body
    );
    assert_eq!(r.body["status"], status.to_string());
    if let Some(t) = scim_type {
        assert_eq!(r.body["scimType"], t, "{}", r.body);
    }
}

/// Tenant `slug` with a SCIM token; (owner token, SCIM token).
async fn tenant_with_token(app: &TestApp, slug: &str) -> (String, String) {
    let owner = app.tenant_with_owner(slug).await;
    let r = app
        .as_user(slug, &owner)
        .post_empty("/settings/scim/token")
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let token = r.body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("scim_"));
    (owner, token)
}

fn user_body(name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": format!("{name}@acme.example"),
        "externalId": format!("00u-{name}"),
        "name": {"givenName": name, "familyName": "Tester"},
        "emails": [{"value": format!("{name}@acme.example"), "type": "work", "primary": true}],
        "active": true,
    })
}

async fn the_token_opens_scim_and_nothing_else_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let r = app.as_user("acme", &owner).get("/settings/scim").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["enabled"], false);
    assert!(
        r.body["base_url"]
            .as_str()
            .unwrap()
            .ends_with("/t/acme/scim/v2")
    );
    // Without a token, SCIM answers in its own shape and says nothing.
    for path in [
        "/Users",
        "/Groups",
        "/ServiceProviderConfig",
        "/Schemas",
        "/Nope",
    ] {
        assert_scim_error(
            &scim(&app, "GET", "acme", path, None, None).await,
            401,
            None,
        );
    }
    let r = app
        .as_user("acme", &owner)
        .post_empty("/settings/scim/token")
        .await;
    let token = r.body["token"].as_str().unwrap().to_owned();
    let r = app.as_user("acme", &owner).get("/settings/scim").await;
    assert_eq!(r.body["enabled"], true);
    assert!(r.body.get("token").is_none(), "shown once: {}", r.body);
    let r = scim(&app, "GET", "acme", "/Users", Some(&token), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.content_type(), SCIM_JSON);
    assert!(
        r.header("cache-control")
            .is_some_and(|c| c.contains("no-store"))
    );
    // Nor is it anything but a SCIM token: not an API bearer.
    app.as_user("acme", &token)
        .get("/me")
        .await
        .assert_problem(401, "unauthorized");
    // Not another tenant's key, not a forged one, not a revoked one.
    let (_, other) = tenant_with_token(&app, "other").await;
    assert_scim_error(
        &scim(&app, "GET", "acme", "/Users", Some(&other), None).await,
        401,
        None,
    );
    let forged = format!("scim_{}", "0".repeat(64));
    assert_scim_error(
        &scim(&app, "GET", "acme", "/Users", Some(&forged), None).await,
        401,
        None,
    );
    // A new token replaces the old one.
    let r = app
        .as_user("acme", &owner)
        .post_empty("/settings/scim/token")
        .await;
    let fresh = r.body["token"].as_str().unwrap().to_owned();
    assert_scim_error(
        &scim(&app, "GET", "acme", "/Users", Some(&token), None).await,
        401,
        None,
    );
    assert_eq!(
        scim(&app, "GET", "acme", "/Users", Some(&fresh), None)
            .await
            .status,
        200
    );
    // Unknown SCIM paths are 404 once signed in.
    assert_scim_error(
        &scim(&app, "GET", "acme", "/Bulk", Some(&fresh), None).await,
        404,
        None,
    );
    // The token dies with its maker's right to manage users.
    let (admin_id, admin) = app
        .user_with_roles("acme", &owner, "admin2@acme.example", &["admin"])
        .await;
    let r = app
        .as_user("acme", &admin)
        .post_empty("/settings/scim/token")
        .await;
    let admins = r.body["token"].as_str().unwrap().to_owned();
    assert_eq!(
        scim(&app, "GET", "acme", "/Users", Some(&admins), None)
            .await
            .status,
        200
    );
    let r = app
        .as_user("acme", &owner)
        .patch(&format!("/users/{admin_id}"), json!({"roles": ["agent"]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = scim(&app, "GET", "acme", "/Users", Some(&admins), None).await;
    assert_scim_error(&r, 401, None);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("may no longer manage users")
    );
    // Revoked: closed.
    let r = app
        .as_user("acme", &owner)
        .delete("/settings/scim/token")
        .await;
    assert_eq!(r.status, 204);
    assert_scim_error(
        &scim(&app, "GET", "acme", "/Users", Some(&admins), None).await,
        401,
        None,
    );
    app.as_user("acme", &owner)
        .delete("/settings/scim/token")
        .await
        .assert_problem(404, "not_found");
    // The settings take an existing role the admin holds.
    let r = app
        .as_user("acme", &owner)
        .put("/settings/scim", json!({"default_role": "ghost"}))
        .await;
    r.assert_problem(422, "validation_failed");
    let r = app
        .as_user("acme", &owner)
        .put("/settings/scim", json!({"default_role": "sales"}))
        .await;
    assert_eq!(r.body["default_role"], "sales", "{}", r.body);
    app.stop().await;
}

async fn the_directory_provisions_changes_and_removes_users(backend: Backend) {
    let app = spawn_app(backend).await;
    let (owner, token) = tenant_with_token(&app, "acme").await;
    let t = Some(token.as_str());
    let r = scim(&app, "POST", "acme", "/Users", t, Some(user_body("ada"))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.header("location"),
        r.body["meta"]["location"].as_str().map(str::to_owned)
    );
    // No displayName was sent, so none comes back; Mandant names her from
    // her name's parts.
    assert!(r.body.get("displayName").is_none(), "{}", r.body);
    assert_eq!(r.body["active"], true);
    assert_eq!(r.body["name"]["familyName"], "Tester");
    // Mandant sees a staff user with the default role, who has no password.
    let u = app
        .as_user("acme", &owner)
        .get(&format!("/users/{id}"))
        .await;
    assert_eq!(u.body["email"], "ada@acme.example");
    assert_eq!(u.body["name"], "ada Tester");
    assert_eq!(u.body["roles"], json!(["agent"]));
    assert_eq!(u.body["kind"], "staff");
    for pw in ["", "!scim", "correct horse battery staple"] {
        app.login("acme", "ada@acme.example", pw)
            .await
            .assert_problem(401, "invalid_credentials");
    }
    // The same userName again, in any case, is taken.
    let mut again = user_body("ada");
    again["userName"] = json!("ADA@acme.example");
    assert_scim_error(
        &scim(&app, "POST", "acme", "/Users", t, Some(again)).await,
        409,
        Some("uniqueness"),
    );

    for n in ["bob", "cyd", "dee"] {
        assert_eq!(
            scim(&app, "POST", "acme", "/Users", t, Some(user_body(n)))
                .await
                .status,
            201
        );
    }
    // Filters, as directories send them, and paging.
    let r = scim(
        &app,
        "GET",
        "acme",
        "/Users?filter=userName%20eq%20%22BOB%40acme.example%22",
        t,
        None,
    )
    .await;
    assert_eq!(r.body["totalResults"], 1, "{}", r.body);
    assert_eq!(r.body["Resources"][0]["userName"], "bob@acme.example");
    let r = scim(
        &app,
        "GET",
        "acme",
        "/Users?filter=externalId%20eq%20%2200u-cyd%22",
        t,
        None,
    )
    .await;
    assert_eq!(r.body["Resources"][0]["userName"], "cyd@acme.example");
    let r = scim(&app, "GET", "acme", "/Users?startIndex=2&count=2", t, None).await;
    // The owner and four provisioned.
    assert_eq!(
        (
            r.body["totalResults"].clone(),
            r.body["startIndex"].clone(),
            r.body["itemsPerPage"].clone()
        ),
        (json!(5), json!(2), json!(2)),
        "{}",
        r.body
    );
    let r = scim(&app, "GET", "acme", "/Users?attributes=userName", t, None).await;
    let first = &r.body["Resources"][0];
    assert!(
        first.get("userName").is_some() && first.get("emails").is_none(),
        "{first}"
    );
    assert_scim_error(
        &scim(
            &app,
            "GET",
            "acme",
            "/Users?filter=userName%20like%20%22x%22",
            t,
            None,
        )
        .await,
        400,
        Some("invalidFilter"),
    );

    // Okta's deactivation: PATCH active false. Sessions and sockets end.
    let r = app
        .as_user("acme", &owner)
        .patch(
            &format!("/users/{id}"),
            json!({"password": "a long new password 1"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let login = app
        .login("acme", "ada@acme.example", "a long new password 1")
        .await;
    let ada = login.body["access_token"].as_str().unwrap().to_owned();
    let mut socket = Ws::connect(&app, "acme", &ada).await.expect("socket");
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": false}}]});
    let r = scim(
        &app,
        "PATCH",
        "acme",
        &format!("/Users/{id}"),
        t,
        Some(patch),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["active"], false);
    assert!(
        socket.next(Duration::from_secs(5)).await.is_none(),
        "the socket closes"
    );
    app.as_user("acme", &ada)
        .get("/me")
        .await
        .assert_problem(401, "unauthorized");
    // Azure's spelling brings her back; PUT replaces the name.
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "True"},
                       {"op": "replace", "path": "name.givenName", "value": "Augusta"}]});
    let r = scim(
        &app,
        "PATCH",
        "acme",
        &format!("/Users/{id}"),
        t,
        Some(patch),
    )
    .await;
    assert_eq!(
        (
            r.body["active"].clone(),
            r.body["name"]["givenName"].clone()
        ),
        (json!(true), json!("Augusta")),
        "{}",
        r.body
    );
    let mut put = user_body("ada");
    put["displayName"] = json!("Ada King");
    put["emails"] = json!([{"value": "ada.king@acme.example", "primary": true}]);
    let r = scim(&app, "PUT", "acme", &format!("/Users/{id}"), t, Some(put)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let u = app
        .as_user("acme", &owner)
        .get(&format!("/users/{id}"))
        .await;
    assert_eq!(
        (u.body["name"].clone(), u.body["email"].clone()),
        (json!("Ada King"), json!("ada.king@acme.example"))
    );
    // Removed.
    let r = scim(&app, "DELETE", "acme", &format!("/Users/{id}"), t, None).await;
    assert_eq!(r.status, 204);
    assert_scim_error(
        &scim(&app, "GET", "acme", &format!("/Users/{id}"), t, None).await,
        404,
        None,
    );
    app.as_user("acme", &owner)
        .get(&format!("/users/{id}"))
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}

async fn the_token_cannot_reach_past_its_maker(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let owner_id = app.as_user("acme", &owner).get("/me").await.body["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, admin) = app
        .user_with_roles("acme", &owner, "admin2@acme.example", &["admin"])
        .await;
    let r = app
        .as_user("acme", &admin)
        .post_empty("/settings/scim/token")
        .await;
    let t = r.body["token"].as_str().unwrap().to_owned();
    let t = Some(t.as_str());
    assert!(admin.len() > 10);
    // An admin's token cannot deactivate or remove the last owner.
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": false}]});
    assert_scim_error(
        &scim(
            &app,
            "PATCH",
            "acme",
            &format!("/Users/{owner_id}"),
            t,
            Some(patch.clone()),
        )
        .await,
        409,
        None,
    );
    assert_scim_error(
        &scim(
            &app,
            "DELETE",
            "acme",
            &format!("/Users/{owner_id}"),
            t,
            None,
        )
        .await,
        409,
        None,
    );
    // A token made by someone who may only manage users touches nobody
    // who holds more, and provisions nobody with more.
    let r = app
        .as_user("acme", &owner)
        .post(
            "/roles",
            json!({"name": "provisioner", "grants": [
            {"permission": "admin:users"}, {"permission": "users:read"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let (_, prov) = app
        .user_with_roles("acme", &owner, "prov@acme.example", &["provisioner"])
        .await;
    let (agent, _) = app
        .user_with_roles("acme", &owner, "agent@acme.example", &["agent"])
        .await;
    let r = app
        .as_user("acme", &prov)
        .post_empty("/settings/scim/token")
        .await;
    let pt = r.body["token"].as_str().unwrap().to_owned();
    let pt = Some(pt.as_str());
    assert_scim_error(
        &scim(
            &app,
            "PATCH",
            "acme",
            &format!("/Users/{agent}"),
            pt,
            Some(patch.clone()),
        )
        .await,
        403,
        None,
    );
    assert_scim_error(
        &scim(&app, "DELETE", "acme", &format!("/Users/{agent}"), pt, None).await,
        403,
        None,
    );
    assert_scim_error(
        &scim(
            &app,
            "POST",
            "acme",
            "/Users",
            pt,
            Some(json!({"userName": "new@acme.example"})),
        )
        .await,
        403,
        None,
    );
    assert_eq!(app.as_user("acme", &owner).get("/me").await.status, 200);
    // The owner's own token cannot remove the last owner either.
    let r = app
        .as_user("acme", &owner)
        .post_empty("/settings/scim/token")
        .await;
    let ot = r.body["token"].as_str().unwrap().to_owned();
    let r = scim(
        &app,
        "PATCH",
        "acme",
        &format!("/Users/{owner_id}"),
        Some(&ot),
        Some(patch),
    )
    .await;
    assert_scim_error(&r, 409, None);
    // Portal users are not the directory's: not listed, not reachable.
    let r = app
        .as_user("acme", &owner)
        .post("/users", json!({"email": "cust@client.example", "password": crate::helpers::PASSWORD, "roles": ["customer"]}))
        .await;
    let cust = r.body["id"].as_str().unwrap().to_owned();
    let list = scim(&app, "GET", "acme", "/Users", Some(&ot), None).await;
    assert!(!list.body.to_string().contains("client.example"));
    assert_scim_error(
        &scim(
            &app,
            "GET",
            "acme",
            &format!("/Users/{cust}"),
            Some(&ot),
            None,
        )
        .await,
        404,
        None,
    );
    app.stop().await;
}

async fn groups_are_teams_and_membership_changes_bite_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (owner, token) = tenant_with_token(&app, "acme").await;
    let t = Some(token.as_str());
    let mut ids = Vec::new();
    for n in ["ada", "bob"] {
        let r = scim(&app, "POST", "acme", "/Users", t, Some(user_body(n))).await;
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let r = scim(
        &app,
        "POST",
        "acme",
        "/Groups",
        t,
        Some(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "EMEA", "externalId": "grp-1",
        "members": [{"value": ids[0]}]})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let group = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["members"][0]["value"], json!(ids[0]));
    let teams = app.as_user("acme", &owner).get("/teams").await;
    assert!(teams.body.to_string().contains("EMEA"), "{}", teams.body);
    let u = app
        .as_user("acme", &owner)
        .get(&format!("/users/{}", ids[0]))
        .await;
    assert_eq!(u.body["teams"], json!([group]));
    // Add Bob, remove Ada (Azure's and Okta's shapes).
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": ids[1]}]},
        {"op": "remove", "path": format!("members[value eq \"{}\"]", ids[0])}]});
    let r = scim(
        &app,
        "PATCH",
        "acme",
        &format!("/Groups/{group}"),
        t,
        Some(patch),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["members"].as_array().unwrap().len(), 1);
    let u = app
        .as_user("acme", &owner)
        .get(&format!("/users/{}", ids[1]))
        .await;
    assert_eq!(u.body["teams"], json!([group]));
    let u = app
        .as_user("acme", &owner)
        .get(&format!("/users/{}", ids[0]))
        .await;
    assert_eq!(u.body["teams"], json!([]));
    // A member that is not a user here, and a name taken.
    let bad =
        json!({"displayName": "X", "members": [{"value": "0190a0a0-0000-7000-8000-000000000000"}]});
    assert_scim_error(
        &scim(&app, "POST", "acme", "/Groups", t, Some(bad)).await,
        400,
        Some("invalidValue"),
    );
    assert_scim_error(
        &scim(
            &app,
            "POST",
            "acme",
            "/Groups",
            t,
            Some(json!({"displayName": "EMEA"})),
        )
        .await,
        409,
        Some("uniqueness"),
    );
    let r = scim(
        &app,
        "GET",
        "acme",
        "/Groups?filter=displayName%20eq%20%22emea%22",
        t,
        None,
    )
    .await;
    assert_eq!(r.body["totalResults"], 1, "{}", r.body);
    // Removed: the team and its memberships go.
    assert_eq!(
        scim(&app, "DELETE", "acme", &format!("/Groups/{group}"), t, None)
            .await
            .status,
        204
    );
    let u = app
        .as_user("acme", &owner)
        .get(&format!("/users/{}", ids[1]))
        .await;
    assert_eq!(u.body["teams"], json!([]));
    app.stop().await;
}

async fn bad_input_gets_scim_errors_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let (owner, token) = tenant_with_token(&app, "acme").await;
    let t = Some(token.as_str());
    let raw = |body: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            app.request(
                "POST",
                "/t/acme/scim/v2/Users",
                Some(&token),
                Some((SCIM_JSON, body.as_bytes().to_vec())),
            )
            .await
        }
    };
    assert_scim_error(&raw("{not json").await, 400, Some("invalidSyntax"));
    assert_scim_error(&raw("").await, 400, Some("invalidSyntax"));
    for (body, why) in [
        (json!({"userName": "a\u{0}b@acme.example"}), "NUL"),
        (
            json!({"userName": "x@acme.example", "emails": [{"value": "not-mail"}]}),
            "bad e-mail",
        ),
        (json!({"userName": "no-address-anywhere"}), "no e-mail"),
        (
            json!({"userName": "x@acme.example", "active": "sometimes"}),
            "active",
        ),
        (json!({"userName": "x@acme.example", "name": "Ada"}), "name"),
        (
            json!({"userName": "x@acme.example", "displayName": "x".repeat(201)}),
            "long",
        ),
        (
            json!({"userName": "x@acme.example", "emails": (0..11).map(|i| json!({"value": format!("{i}@acme.example")})).collect::<Vec<_>>()}),
            "many",
        ),
        (json!(["userName"]), "array"),
    ] {
        let r = scim(&app, "POST", "acme", "/Users", t, Some(body)).await;
        assert_eq!(r.status.as_u16(), 400, "{why}: {}", r.body);
        assert_eq!(r.content_type(), SCIM_JSON, "{why}");
    }
    let r = scim(&app, "POST", "acme", "/Users", t, Some(user_body("ada"))).await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    for (patch, why) in [
        (
            json!({"schemas": ["wrong"], "Operations": [{"op": "replace", "path": "active", "value": false}]}),
            "schema",
        ),
        (
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []}),
            "empty",
        ),
        (
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "move", "path": "active"}]}),
            "op",
        ),
        (
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": "emails[type eq \"nope\"]"}]}),
            "noTarget",
        ),
        (
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "userName", "value": "bad\u{0}"}]}),
            "NUL",
        ),
        // The first operation is fine, the second is not: neither applies.
        (
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
            {"op": "replace", "path": "active", "value": false},
            {"op": "replace", "path": "emails", "value": "nope"}]}),
            "atomic",
        ),
    ] {
        let r = scim(
            &app,
            "PATCH",
            "acme",
            &format!("/Users/{id}"),
            t,
            Some(patch),
        )
        .await;
        assert_eq!(r.status.as_u16(), 400, "{why}: {}", r.body);
    }
    let r = scim(&app, "GET", "acme", &format!("/Users/{id}"), t, None).await;
    assert_eq!(
        (r.body["active"].clone(), r.body["userName"].clone()),
        (json!(true), json!("ada@acme.example"))
    );
    // Ids that are not UUIDs, or another tenant's, are just not there.
    for p in [
        "/Users/nope",
        "/Users/0190a0a0-0000-7000-8000-000000000000",
        "/Groups/x%00y",
    ] {
        let r = scim(&app, "GET", "acme", p, t, None).await;
        assert!(matches!(r.status.as_u16(), 404 | 422), "{p}: {}", r.body);
    }
    let (_, other) = tenant_with_token(&app, "other").await;
    assert_scim_error(
        &scim(
            &app,
            "GET",
            "other",
            &format!("/Users/{id}"),
            Some(&other),
            None,
        )
        .await,
        404,
        None,
    );
    let users = app.as_user("acme", &owner).get("/users").await;
    assert_eq!(
        users.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        users.body
    );
    app.stop().await;
}

/// Erasing a provisioned colleague takes what the directory said of them
/// too: its ids, name parts and further e-mails.
async fn erasure_takes_what_the_directory_sent(backend: Backend) {
    let app = spawn_app(backend).await;
    let (owner, token) = tenant_with_token(&app, "acme").await;
    let mut body = user_body("zelda");
    body["name"] = json!({"givenName": "Zeldagiven", "familyName": "Zeldafamily"});
    body["emails"] = json!([{"value": "zelda@acme.example", "primary": true}, {"value": "zelda.home@private.example"}]);
    body["externalId"] = json!("ext-zelda-4711");
    let r = scim(&app, "POST", "acme", "/Users", Some(&token), Some(body)).await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    let tenant = app
        .services
        .tenants
        .directory()
        .resolve("acme")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(app.site.tenant_dump(tenant).await.contains("Zeldafamily"));
    let r = app
        .as_user("acme", &owner)
        .post_empty(&format!("/users/{id}/erase"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let dump = app.site.tenant_dump(tenant).await;
    for gone in [
        "Zeldagiven",
        "Zeldafamily",
        "zelda.home@private.example",
        "ext-zelda-4711",
        "zelda@acme.example",
    ] {
        assert!(!dump.contains(gone), "{gone} survived the erasure");
    }
    app.stop().await;
}

/// Seeded, bounded fuzzing of the SCIM service, which the OpenAPI fuzz
/// run does not reach: users, groups and PATCH operations built from
/// hostile values. Never a 5xx, every error in SCIM's shape, and the
/// tenant's owner untouched.
async fn the_scim_service_survives_generated_requests(backend: Backend) {
    use crate::fuzz::{random_string, wrong};
    use crate::helpers::Rng;
    let app = spawn_app(backend).await;
    let (owner, token) = tenant_with_token(&app, "acme").await;
    let t = Some(token.as_str());
    let r = scim(&app, "POST", "acme", "/Users", t, Some(user_body("seed"))).await;
    let user = r.body["id"].as_str().unwrap().to_owned();
    let r = scim(
        &app,
        "POST",
        "acme",
        "/Groups",
        t,
        Some(json!({"displayName": "Seed"})),
    )
    .await;
    let group = r.body["id"].as_str().unwrap().to_owned();
    let mut rng = Rng(0x5c1a_2026);
    let attrs = [
        "userName",
        "displayName",
        "name",
        "emails",
        "active",
        "externalId",
        "members",
        "schemas",
        "groups",
    ];
    let paths = [
        "active",
        "userName",
        "name.givenName",
        "emails[type eq \"work\"].value",
        "members",
        "members[value eq \"x\"]",
        "displayName",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        "emails[",
        "a.b.c",
        "\u{0}",
    ];
    let any = |rng: &mut Rng| {
        if rng.chance(50) {
            json!(random_string(rng))
        } else {
            wrong(rng)
        }
    };
    for i in 0..300 {
        let mut body = serde_json::Map::new();
        for _ in 0..rng.below(5) {
            body.insert((*rng.pick(&attrs)).to_owned(), any(&mut rng));
        }
        if rng.chance(60) {
            body.insert(
                "userName".into(),
                json!(format!("{}@acme.example", rng.next() % 1000)),
            );
        }
        let ops: Vec<Value> = (0..1 + rng.below(3))
            .map(|_| {
                json!({"op": rng.pick(&["add", "replace", "remove", "Replace", "copy"]),
                "path": rng.pick(&paths), "value": any(&mut rng)})
            })
            .collect();
        let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
        let filter = format!(
            "/Users?filter={}",
            url::form_urlencoded::byte_serialize(
                format!(
                    "{} {} \"{}\"",
                    rng.pick(&attrs),
                    rng.pick(&["eq", "co", "sw", "pr", "gt", "xx"]),
                    random_string(&mut rng)
                )
                .as_bytes()
            )
            .collect::<String>()
        );
        let (method, path, body) = match i % 6 {
            0 => ("POST", "/Users".to_owned(), Some(Value::Object(body))),
            1 => ("PUT", format!("/Users/{user}"), Some(Value::Object(body))),
            2 => ("PATCH", format!("/Users/{user}"), Some(patch)),
            3 => ("PATCH", format!("/Groups/{group}"), Some(patch)),
            4 => ("POST", "/Groups".to_owned(), Some(Value::Object(body))),
            _ => ("GET", filter, None),
        };
        let r = scim(&app, method, "acme", &path, t, body).await;
        assert!(r.status.as_u16() < 500, "{method} {path}: {}", r.body);
        if r.status.as_u16() >= 400 {
            assert_eq!(r.content_type(), SCIM_JSON, "{method} {path}: {}", r.body);
        }
    }
    assert_eq!(app.as_user("acme", &owner).get("/me").await.status, 200);
    app.stop().await;
}

/// scim2-tester (PyPI), the python-scim project's conformance checks:
/// discovery, create, read, replace, delete and PATCH of every attribute
/// the schemas publish, on users and groups.
async fn the_scim_conformance_checks_pass(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, token) = tenant_with_token(&app, "acme").await;
    let python = crate::test_venv::python("test-venv-scim", "tests/scim/requirements.txt");
    let script = crate::test_venv::root().join("tests/scim/check.py");
    let base = format!("{}/t/acme/scim/v2", app.address);
    // The report goes to a file: a pipe left unread could fill and stall it.
    let dir = tempfile::tempdir().unwrap();
    let report_file = dir.path().join("report.txt");
    let mut child = std::process::Command::new(python)
        .arg(script)
        .arg(&base)
        .arg(&token)
        .stdout(std::fs::File::create(&report_file).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("python runs");
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the checks did not finish within 5 minutes");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let report = std::fs::read_to_string(&report_file).unwrap();
    assert!(status.success(), "scim2-tester found failures:\n{report}");
    assert!(report.contains("passed"), "{report}");
    app.stop().await;
}

both_backends!(
    the_token_opens_scim_and_nothing_else_does,
    the_directory_provisions_changes_and_removes_users,
    the_token_cannot_reach_past_its_maker,
    groups_are_teams_and_membership_changes_bite_at_once,
    bad_input_gets_scim_errors_and_changes_nothing,
    the_scim_conformance_checks_pass,
    the_scim_service_survives_generated_requests,
    erasure_takes_what_the_directory_sent,
);

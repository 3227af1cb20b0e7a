//! Nobody gains more than they hold: not through a role's parent, not by
//! taking over a user who holds more, not by keeping a session that a
//! stricter MFA policy should bind, not by guessing a second factor.

use mandant::identity::totp::code_at;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, PASSWORD, Res, Site, spawn_app, spawn_node};

fn grant(perm: &str, scope: &str) -> Value {
    json!({"permission": perm, "scope": scope})
}

async fn a_parent_cannot_launder_a_wider_grant(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    app.as_user("acme", &owner)
        .create(
            Res::Roles,
            json!({"name": "tiny", "grants": [grant("contacts:read", "own")]}),
        )
        .await;
    app.as_user("acme", &owner).create(Res::Roles, json!({"name": "roleadmin", "grants": [grant("admin:roles", "all"), grant("contacts:read", "own")]}))
    .await;
    let (_, attacker) = app
        .user_with_roles("acme", &owner, "x@acme.example", &["roleadmin"])
        .await;
    app.as_user("acme", &owner)
        .create(Res::Contacts, json!({"last_name": "Someone else's"}))
        .await;
    // Their own role, a parent with the narrow grant, and the wide one.
    let r = app
        .as_user("acme", &attacker).patch("/roles/roleadmin", json!({"parent": "tiny", "grants": [grant("admin:roles", "all"), grant("contacts:read", "all")]}))
        .await;
    r.assert_problem(403, "forbidden");
    // A new role the same way, and a child of a role that holds more.
    app.as_user("acme", &attacker)
        .post(
            "/roles",
            json!({"name": "sneaky", "parent": "tiny", "grants": [grant("contacts:read", "all")]}),
        )
        .await
        .assert_problem(403, "forbidden");
    app.as_user("acme", &attacker)
        .post("/roles", json!({"name": "sneakier", "parent": "viewer"}))
        .await
        .assert_problem(403, "forbidden");
    // Nothing changed: still only their own contacts.
    let list = app.as_user("acme", &attacker).list(Res::Contacts, "").await;
    assert_eq!(list.body["items"], json!([]), "{}", list.body);
    // Within reach is fine: a child of `tiny` that adds nothing wider.
    let r = app
        .as_user("acme", &attacker)
        .post("/roles", json!({"name": "fine", "parent": "tiny"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    app.stop().await;
}

async fn a_user_admin_cannot_take_over_someone_who_holds_more(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    app.as_user("acme", &owner).create(Res::Roles, json!({"name": "useradmin", "grants": [grant("admin:users", "all"), grant("users:read", "all")]}))
    .await;
    let (_, ua) = app
        .user_with_roles("acme", &owner, "ua@acme.example", &["useradmin"])
        .await;
    let (admin_id, _) = app
        .user_with_roles("acme", &owner, "adm@acme.example", &["admin"])
        .await;
    let me = app.as_user("acme", &owner).get("/me").await;
    let owner_id = me.body["user"]["id"].as_str().unwrap().to_owned();
    for target in [&owner_id, &admin_id] {
        for patch in [
            json!({"password": "a brand new password 42"}),
            json!({"status": "disabled"}),
            json!({"name": "Pwned"}),
        ] {
            app.as_user("acme", &ua)
                .update(Res::Users, target, patch.clone())
                .await
                .assert_problem(403, "forbidden");
        }
    }
    // The owner still signs in with their own password.
    assert_eq!(
        app.login("acme", "admin@acme.example", PASSWORD)
            .await
            .status,
        200
    );
    // Someone who holds no more than the user admin: allowed, and a new
    // password ends that user's sessions.
    let (low_id, low) = app
        .user_with_roles("acme", &owner, "low@acme.example", &[])
        .await;
    assert_eq!(app.as_user("acme", &low).get("/me").await.status, 200);
    let r = app
        .as_user("acme", &ua)
        .update(
            Res::Users,
            &low_id,
            json!({"password": "a brand new password 42"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.as_user("acme", &low)
        .get("/me")
        .await
        .assert_problem(401, "unauthorized");
    app.stop().await;
}

async fn a_stricter_mfa_policy_binds_open_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let (_, sales) = app
        .user_with_roles("acme", &owner, "s@acme.example", &["sales"])
        .await;
    assert_eq!(
        app.as_user("acme", &sales)
            .list(Res::Deals, "")
            .await
            .status,
        200
    );
    let r = app
        .as_user("acme", &owner)
        .put(
            "/settings/security",
            json!({"mfa_required_roles": ["sales"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The very next request of the session opened before the change.
    app.as_user("acme", &sales)
        .list(Res::Deals, "")
        .await
        .assert_problem(403, "mfa_enrollment_required");
    let me = app.as_user("acme", &sales).get("/me").await;
    assert_eq!(me.body["mfa_enrollment_required"], true);
    app.stop().await;
}

async fn second_factor_checks_are_throttled_like_logins(backend: Backend) {
    let site = Site::new(backend).await;
    let app = spawn_node(&site, |c| c.login_per_account_per_min = 5).await;
    let tok = app.tenant_with_owner("acme").await;
    let e = app.as_user("acme", &tok).post_empty("/me/mfa/enroll").await;
    let secret = e.body["secret"].as_str().unwrap().to_owned();
    let now = chrono::Utc::now().timestamp() as u64;
    let code = code_at(&secret, now).unwrap();
    let r = app
        .as_user("acme", &tok)
        .post("/me/mfa/confirm", json!({"code": code}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut last = None;
    for i in 0..6 {
        let r = app
            .as_user("acme", &tok)
            .post(
                "/me/mfa/disable",
                json!({"code": format!("{:06}", 100_000 + i)}),
            )
            .await;
        last = Some(r);
    }
    let r = last.unwrap();
    r.assert_problem(429, "rate_limited");
    assert!(r.header("retry-after").is_some());
    app.stop().await;
}

both_backends!(
    a_parent_cannot_launder_a_wider_grant,
    a_user_admin_cannot_take_over_someone_who_holds_more,
    a_stricter_mfa_policy_binds_open_sessions,
    second_factor_checks_are_throttled_like_logins
);

//! Login, refresh rotation, reuse detection, logout, throttling, bad tokens.

use std::time::Duration;

use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, PASSWORD, Res, Site, spawn_app, spawn_node};

async fn login_refresh_and_logout(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_tenant("acme").await;
    let r = app.login("acme", "ADMIN@acme.example", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["token_type"], "Bearer");
    assert!(r.body["expires_in"].as_i64().unwrap() > 0);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let access = r.body["access_token"].as_str().unwrap().to_owned();
    let refresh = r.body["refresh_token"].as_str().unwrap().to_owned();

    let me = app.as_user("acme", &access).get("/me").await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["user"]["email"], "admin@acme.example");
    assert_eq!(me.body["roles"], json!(["owner"]));
    let perms: Vec<_> = me.body["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["permission"].clone())
        .collect();
    assert!(perms.contains(&json!("admin:users")));

    // Refresh rotates: a new pair, and the old refresh token is spent.
    let r = app
        .anonymous("acme")
        .post("/auth/refresh", json!({"refresh_token": refresh}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let access2 = r.body["access_token"].as_str().unwrap().to_owned();
    let refresh2 = r.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(refresh2, refresh);
    assert_eq!(app.as_user("acme", &access2).get("/me").await.status, 200);

    // Presenting the spent token again revokes the whole family at once.
    let r = app
        .anonymous("acme")
        .post("/auth/refresh", json!({"refresh_token": refresh}))
        .await;
    r.assert_problem(401, "unauthorized");
    app.as_user("acme", &access2)
        .get("/me")
        .await
        .assert_problem(401, "unauthorized");
    app.anonymous("acme")
        .post("/auth/refresh", json!({"refresh_token": refresh2}))
        .await
        .assert_problem(401, "unauthorized");

    // Logout ends the session for the very next request.
    let r = app.login("acme", "admin@acme.example", PASSWORD).await;
    let access3 = r.body["access_token"].as_str().unwrap().to_owned();
    let refresh3 = r.body["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.as_user("acme", &access3)
            .post_empty("/auth/logout")
            .await
            .status,
        204
    );
    app.as_user("acme", &access3)
        .get("/me")
        .await
        .assert_problem(401, "unauthorized");
    app.anonymous("acme")
        .post("/auth/refresh", json!({"refresh_token": refresh3}))
        .await
        .assert_problem(401, "unauthorized");

    // The audit trail saw it all.
    let owner = app.login("acme", "admin@acme.example", PASSWORD).await.body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .as_user("acme", &owner)
        .get("/audit/auth-events?limit=200")
        .await;
    let kinds: Vec<_> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    for k in ["login.success", "refresh.reuse", "logout"] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing from {kinds:?}");
    }
    app.stop().await;
}

async fn unknown_email_and_wrong_password_look_the_same(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_tenant("acme").await;
    let wrong = app
        .login("acme", "admin@acme.example", "wrong password here")
        .await;
    let unknown = app
        .login("acme", "nobody@acme.example", "wrong password here")
        .await;
    let malformed = app
        .login("acme", "not-an-email", "wrong password here")
        .await;
    for r in [&wrong, &unknown, &malformed] {
        r.assert_problem(401, "invalid_credentials");
        assert_eq!(r.body["detail"], wrong.body["detail"]);
    }
    app.anonymous("acme")
        .post("/auth/login", json!({"email": "a@b.example"}))
        .await
        .assert_problem(422, "validation_failed");
    let r = app
        .as_user("acme", &app.tenant_owner_token("acme").await)
        .get("/audit/auth-events")
        .await;
    let failures = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "login.failure")
        .count();
    assert_eq!(failures, 3);
    app.stop().await;
}

async fn logins_are_throttled_per_account(backend: Backend) {
    let site = Site::new(backend).await;
    let app = spawn_node(&site, |c| {
        c.login_per_account_per_min = 10;
        c.login_per_address_per_min = 30;
    })
    .await;
    app.create_tenant("acme").await;
    let mut last = None;
    for _ in 0..11 {
        last = Some(
            app.login("acme", "admin@acme.example", "wrong password here")
                .await,
        );
    }
    let r = last.unwrap();
    r.assert_problem(429, "rate_limited");
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Even the right password waits: the account is throttled, not the guess.
    app.login("acme", "admin@acme.example", PASSWORD)
        .await
        .assert_problem(429, "rate_limited");
    // Another tenant's user from the same address is not affected.
    app.create_tenant("other").await;
    assert_eq!(
        app.login("other", "admin@other.example", PASSWORD)
            .await
            .status,
        200
    );
    app.stop().await;
}

async fn a_token_of_one_tenant_is_404_in_another(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.tenant_with_owner("aaa").await;
    app.create_tenant("bbb").await;
    let cross = app.as_user("bbb", &a).get("/me").await;
    let unknown = app.as_user("nope", &a).get("/me").await;
    cross.assert_problem(404, "not_found");
    assert_eq!(cross.body, unknown.body);
    app.as_user("bbb", &a)
        .list(Res::Users, "")
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}

both_backends!(
    login_refresh_and_logout,
    unknown_email_and_wrong_password_look_the_same,
    logins_are_throttled_per_account,
    a_token_of_one_tenant_is_404_in_another
);

#[derive(serde::Serialize)]
struct RawClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: String,
    tid: String,
    sid: String,
    iat: i64,
    exp: i64,
}

/// Tokens that are malformed, signed with another key, `alg: none`,
/// expired, or for another audience: all a clean 401, never a 500.
#[actix_web::test]
async fn bad_tokens_are_refused_cleanly() {
    let key = "k".repeat(48);
    let site = Site::new(Backend::Sqlite).await;
    let k2 = key.clone();
    let app = spawn_node(&site, move |c| {
        c.jwt_secret = Some(mandant::secret::Secret::new(k2))
    })
    .await;
    let owner = app.tenant_with_owner("acme").await;
    let me = app.as_user("acme", &owner).get("/me").await;
    let (sub, tid, sid) = (
        me.body["user"]["id"].as_str().unwrap().to_owned(),
        me.body["tenant"]["id"].as_str().unwrap().to_owned(),
        me.body["via"]["session_id"].as_str().unwrap().to_owned(),
    );
    let now = chrono::Utc::now().timestamp();
    let mint = |secret: &str, aud: &str, exp: i64| {
        let c = RawClaims {
            iss: "mandant",
            aud,
            sub: sub.clone(),
            tid: tid.clone(),
            sid: sid.clone(),
            iat: now,
            exp,
        };
        encode(
            &Header::default(),
            &c,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    };
    // The minting itself is right: a proper token works.
    assert_eq!(
        app.as_user("acme", &mint(&key, "mandant-api", now + 60))
            .get("/me")
            .await
            .status,
        200
    );
    let header_none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
    let claims_part = mint(&key, "mandant-api", now + 60)
        .split('.')
        .nth(1)
        .unwrap()
        .to_owned();
    let cases = [
        ("garbage", "garbage".to_owned()),
        ("three dots", "a.b.c".to_owned()),
        ("other key", mint(&"z".repeat(48), "mandant-api", now + 60)),
        ("alg none", format!("{header_none}.{claims_part}.")),
        ("expired", mint(&key, "mandant-api", now - 120)),
        ("wrong audience", mint(&key, "other-service", now + 60)),
        (
            "api key shape",
            "mk_0123456789ab_".to_owned() + &"0".repeat(48),
        ),
        ("huge", "x".repeat(20_000)),
    ];
    for (what, token) in cases {
        let r = app.as_user("acme", &token).get("/me").await;
        assert_eq!(r.status, 401, "{what}: {}", r.body);
        assert_eq!(r.content_type(), "application/problem+json", "{what}");
    }
    for header in ["Basic abc", "Bearer", "Bearer    ", "Token x"] {
        let r = app
            .request_raw_header("/t/acme/api/v1/me", "authorization", header)
            .await;
        assert_eq!(r.status, 401, "{header}: {}", r.body);
    }
    // Headers beyond what the server accepts are refused before any handler.
    let r = app
        .request_raw_header(
            "/t/acme/api/v1/me",
            "authorization",
            &format!("Bearer {}", "x".repeat(200_000)),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    tokio::time::sleep(Duration::from_millis(1)).await;
    app.stop().await;
}

async fn weak_passwords_are_refused_with_the_reason(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    for (pw, why) in [
        ("short", "at least 12"),
        ("QwertyUiop12", "common"),
        ("aaaaaaaaaaaa", "different"),
    ] {
        let r = app
            .as_user("acme", &owner)
            .post("/users", json!({"email": "w@acme.example", "password": pw}))
            .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), ["password"]);
        assert!(
            r.body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(why),
            "{pw}: {}",
            r.body
        );
    }
    let mut body = crate::helpers::tenant_body("weak");
    body["admin"]["password"] = json!("1234567890qwertyuiop");
    let r = app.admin("POST", "/api/v1/tenants", Some(body)).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["admin.password"]);
    app.stop().await;
}

both_backends!(weak_passwords_are_refused_with_the_reason);

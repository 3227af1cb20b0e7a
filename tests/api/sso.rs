//! Enterprise sign-in with OpenID Connect, against a real provider
//! (node-oidc-provider): provisioning and role mapping, the attacks on
//! the flow (forged state, another browser, wrong audience or issuer,
//! expired token), key rotation, SSO made mandatory with its break-glass
//! owners, providers removed, RP-initiated logout, and the admin's checks.

use std::time::Duration;

use mandant::identity::totp::code_at;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Site, TestApp, spawn_node};
use crate::oidc_provider::{
    Browser, CLIENT_ID, CLIENT_SECRET, Idp, PUBLIC_URL, available, fragment,
};
use crate::realtime::Ws;

async fn app_for_sso(backend: Backend) -> TestApp {
    let site = Site::new(backend).await;
    spawn_node(&site, |c| {
        c.public_url = Some(PUBLIC_URL.into());
        c.sso_allow_networks =
            vec![mandant::domain::network::Network::parse("127.0.0.1").expect("network")];
    })
    .await
}

fn provider_body(idp: &Idp, team: &str) -> Value {
    json!({
        "name": "Acme Login",
        "issuer": idp.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scopes": ["openid", "email", "profile", "groups"],
        "allowed_domains": ["acme.example"],
        "role_claim": "groups",
        "role_mappings": [{"value": "crm-admins", "role": "admin"}],
        "team_mappings": [{"value": "emea", "team_id": team}],
        "default_role": "agent",
    })
}

/// Sets up tenant `slug` with a team and a provider; (owner token, provider id, team id).
async fn tenant_with_provider(app: &TestApp, idp: &Idp, slug: &str) -> (String, String, String) {
    let owner = app.tenant_with_owner(slug).await;
    let team = app
        .as_user(slug, &owner)
        .post("/teams", json!({"name": "EMEA"}))
        .await;
    assert_eq!(team.status, 201, "{}", team.body);
    let team = team.body["id"].as_str().unwrap().to_owned();
    let r = app
        .as_user(slug, &owner)
        .post("/sso/providers", provider_body(idp, &team))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["has_client_secret"], true);
    assert!(r.body.get("client_secret").is_none(), "{}", r.body);
    assert_eq!(
        r.body["redirect_uri"],
        format!("{PUBLIC_URL}/t/{slug}/api/v1/auth/sso/callback")
    );
    (owner, r.body["id"].as_str().unwrap().to_owned(), team)
}

/// Starts a sign-in at `provider` as account `who`, up to the server's
/// callback; the callback's URL, unvisited.
async fn to_callback(b: &mut Browser, idp: &Idp, slug: &str, provider: &str, who: &str) -> String {
    // Signed out at the provider: it asks who is there (and `who` answers).
    b.forget_cookies(&idp.issuer);
    idp.next_login(who).await;
    let start =
        format!("{PUBLIC_URL}/t/{slug}/api/v1/auth/sso/{provider}/start?return_to=/t/{slug}/deals");
    let callback = format!("{PUBLIC_URL}/t/{slug}/api/v1/auth/sso/callback");
    let l = b.follow(&start, Some(&callback)).await;
    assert_eq!(l.status / 100, 3, "{} {}", l.location, l.body);
    assert!(l.location.starts_with(&callback), "{}", l.location);
    l.location
}

/// The whole sign-in: the fragment the app receives.
async fn sign_in(
    b: &mut Browser,
    idp: &Idp,
    slug: &str,
    provider: &str,
    who: &str,
) -> std::collections::BTreeMap<String, String> {
    let callback = to_callback(b, idp, slug, provider, who).await;
    let l = b.get(&callback).await;
    assert_eq!(l.status, 302, "{}", l.body);
    assert!(
        l.location.starts_with(&format!("/t/{slug}/login/sso#")),
        "{}",
        l.location
    );
    fragment(&l.location)
}

async fn exchange(app: &TestApp, slug: &str, code: &str) -> crate::helpers::Resp {
    app.api(
        "POST",
        slug,
        "/auth/sso/exchange",
        None,
        Some(json!({"code": code})),
    )
    .await
}

async fn signed_in(
    app: &TestApp,
    b: &mut Browser,
    idp: &Idp,
    slug: &str,
    provider: &str,
    who: &str,
) -> String {
    let f = sign_in(b, idp, slug, provider, who).await;
    let code = f.get("code").unwrap_or_else(|| panic!("no code: {f:?}"));
    let r = exchange(app, slug, code).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["access_token"].as_str().unwrap().to_owned()
}

async fn sign_in_log(app: &TestApp, slug: &str, owner: &str) -> Vec<Value> {
    let r = app
        .as_user(slug, owner)
        .get("/audit/auth-events?limit=200")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

async fn a_person_signs_in_is_provisioned_and_their_claims_set_roles_and_teams(backend: Backend) {
    if !available() {
        return;
    }
    let app = app_for_sso(backend).await;
    let idp = Idp::start(&["acme"]);
    let (owner, provider, team) = tenant_with_provider(&app, &idp, "acme").await;

    // Signed out, the sign-in page lists the provider.
    let r = app
        .api("GET", "acme", "/auth/sso/providers", None, None)
        .await;
    assert_eq!(r.body["providers"][0]["name"], "Acme Login", "{}", r.body);
    assert_eq!(r.body["sso_required"], false);

    idp.account(
        "ada",
        json!({"email": "ada@acme.example", "email_verified": true,
        "name": "Ada Lovelace", "groups": ["crm-admins", "emea"]}),
    )
    .await;
    let mut b = Browser::new(&app.address);
    let f = sign_in(&mut b, &idp, "acme", &provider, "ada").await;
    assert_eq!(
        f.get("return_to").map(String::as_str),
        Some("/t/acme/deals")
    );
    let pair = exchange(&app, "acme", &f["code"]).await;
    assert_eq!(pair.status, 200, "{}", pair.body);
    assert_eq!(pair.header("cache-control").as_deref(), Some("no-store"));
    // The code is spent.
    exchange(&app, "acme", &f["code"])
        .await
        .assert_problem(401, "unauthorized");
    let token = pair.body["access_token"].as_str().unwrap();
    let me = app.as_user("acme", token).get("/me").await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["user"]["email"], "ada@acme.example");
    assert_eq!(me.body["user"]["name"], "Ada Lovelace");
    assert_eq!(me.body["roles"], json!(["admin"]), "{}", me.body);
    assert_eq!(me.body["teams"], json!([team]), "{}", me.body);
    // The refresh token works as a password session's does.
    let r = app
        .api(
            "POST",
            "acme",
            "/auth/refresh",
            None,
            Some(json!({"refresh_token": pair.body["refresh_token"]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // The directory takes Ada out of the admins and EMEA: the next
    // sign-in gives the default role and takes the team away.
    idp.account(
        "ada",
        json!({"email": "ada@acme.example", "email_verified": true,
        "name": "Ada Lovelace", "groups": []}),
    )
    .await;
    let token = signed_in(&app, &mut b, &idp, "acme", &provider, "ada").await;
    let me = app.as_user("acme", &token).get("/me").await;
    assert_eq!(me.body["roles"], json!(["agent"]), "{}", me.body);
    assert_eq!(me.body["teams"], json!([]), "{}", me.body);
    let users = app.as_user("acme", &owner).get("/users").await;
    let adas: Vec<&Value> = users.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["email"] == "ada@acme.example")
        .collect();
    assert_eq!(adas.len(), 1, "linked by subject, not provisioned twice");

    // The owner's address, verified by the provider, links to the owner,
    // who stays owner whatever the claims say.
    idp.account(
        "owner-sub",
        json!({"email": "admin@acme.example", "email_verified": true, "groups": []}),
    )
    .await;
    let token = signed_in(&app, &mut b, &idp, "acme", &provider, "owner-sub").await;
    let me = app.as_user("acme", &token).get("/me").await;
    assert!(
        me.body["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("owner")),
        "{}",
        me.body
    );

    // An address the provider did not verify links to nobody.
    idp.account(
        "eve",
        json!({"email": "bob@acme.example", "email_verified": false}),
    )
    .await;
    let f = sign_in(&mut b, &idp, "acme", &provider, "eve").await;
    assert_eq!(
        f.get("error").map(String::as_str),
        Some("sso_email_unverified")
    );
    // Outside the allowed domains, nobody is provisioned.
    idp.account(
        "mallory",
        json!({"email": "mallory@evil.example", "email_verified": true}),
    )
    .await;
    let f = sign_in(&mut b, &idp, "acme", &provider, "mallory").await;
    assert_eq!(
        f.get("error").map(String::as_str),
        Some("sso_domain_not_allowed")
    );
    let users = app.as_user("acme", &owner).get("/users").await;
    assert!(
        !users.body.to_string().contains("evil.example"),
        "{}",
        users.body
    );
    // Every sign-in is in the log, with its method and what failed.
    let log = sign_in_log(&app, "acme", &owner).await;
    let reasons: Vec<&str> = log
        .iter()
        .filter(|e| e["kind"] == "login.failure")
        .filter_map(|e| e["detail"]["reason"].as_str())
        .collect();
    assert!(reasons.contains(&"sso_email_unverified"), "{reasons:?}");
    assert!(reasons.contains(&"sso_domain_not_allowed"), "{reasons:?}");
    assert!(
        log.iter()
            .any(|e| e["kind"] == "login.success" && e["detail"]["method"] == "sso"),
        "{log:?}"
    );
    app.stop().await;
}

async fn forged_state_another_browser_and_bad_tokens_are_refused(backend: Backend) {
    if !available() {
        return;
    }
    let app = app_for_sso(backend).await;
    let idp = Idp::start(&["acme"]);
    let (owner, provider, _) = tenant_with_provider(&app, &idp, "acme").await;
    idp.account(
        "ada",
        json!({"email": "ada@acme.example", "email_verified": true}),
    )
    .await;
    let callback = format!("{PUBLIC_URL}/t/acme/api/v1/auth/sso/callback");
    let mut b = Browser::new(&app.address);
    let error = |l: &crate::oidc_provider::Landing| {
        assert_eq!(l.status, 302, "{}", l.body);
        fragment(&l.location)
            .get("error")
            .cloned()
            .unwrap_or_default()
    };

    // A state the server never issued.
    let l = b
        .get(&format!("{callback}?code=abc&state=forged-state-0123"))
        .await;
    assert_eq!(error(&l), "sso_state_invalid");
    // No state at all, and an error from the provider without one.
    let l = b.get(&format!("{callback}?code=abc")).await;
    assert_eq!(error(&l), "sso_state_invalid");

    // A genuine answer brought by another browser (login CSRF): refused,
    // and the attempt is spent, so the right browser cannot use it either.
    let url = to_callback(&mut b, &idp, "acme", &provider, "ada").await;
    let mut other = Browser::new(&app.address);
    assert_eq!(error(&other.get(&url).await), "sso_state_invalid");
    assert_eq!(error(&b.get(&url).await), "sso_state_invalid");

    // The provider reports a refusal.
    let url = to_callback(&mut b, &idp, "acme", &provider, "ada").await;
    let state = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let l = b
        .get(&format!("{callback}?error=access_denied&state={state}"))
        .await;
    assert_eq!(error(&l), "sso_denied");

    // ID tokens that fail validation, each signed with the provider's own
    // key: another client's, another issuer's, expired.
    for (tamper, why) in [
        (json!({"aud": "another-client"}), "audience"),
        (json!({"iss": "http://127.0.0.1:1"}), "issuer"),
        (json!({"exp_offset": -3600}), "expired"),
    ] {
        idp.tamper(tamper).await;
        let f = sign_in(&mut b, &idp, "acme", &provider, "ada").await;
        assert_eq!(
            f.get("error").map(String::as_str),
            Some("sso_token_invalid"),
            "{why}: {f:?}"
        );
    }
    // None of that signed anybody in or provisioned anyone.
    let users = app.as_user("acme", &owner).get("/users").await;
    assert!(!users.body.to_string().contains("ada@acme.example"));
    // A token that is still within the tolerated skew is fine.
    idp.tamper(json!({"exp_offset": -20})).await;
    let f = sign_in(&mut b, &idp, "acme", &provider, "ada").await;
    assert!(f.contains_key("code"), "{f:?}");

    // Codes nobody issued are refused alike.
    for bad in ["", "x", &"f".repeat(64), &"a".repeat(300)] {
        exchange(&app, "acme", bad)
            .await
            .assert_problem(401, "unauthorized");
    }
    // An unknown or another tenant's provider starts nothing.
    let r = app
        .api(
            "GET",
            "acme",
            "/auth/sso/0190a0a0-0000-7000-8000-000000000000/start",
            None,
            None,
        )
        .await;
    r.assert_problem(404, "not_found");
    app.create_tenant("other").await;
    let r = app
        .api(
            "GET",
            "other",
            &format!("/auth/sso/{provider}/start"),
            None,
            None,
        )
        .await;
    r.assert_problem(404, "not_found");
    let log = sign_in_log(&app, "acme", &owner).await;
    let details: Vec<String> = log
        .iter()
        .filter(|e| e["detail"]["reason"] == "sso_token_invalid")
        .map(|e| e["detail"]["detail"].to_string())
        .collect();
    assert_eq!(details.len(), 3, "{details:?}");
    assert!(details.iter().any(|d| d.contains("udience")), "{details:?}");
    assert!(details.iter().any(|d| d.contains("xpired")), "{details:?}");
    app.stop().await;
}

async fn a_rotated_signing_key_is_fetched_again(backend: Backend) {
    if !available() {
        return;
    }
    let app = app_for_sso(backend).await;
    let mut idp = Idp::start(&["acme"]);
    let (_, provider, _) = tenant_with_provider(&app, &idp, "acme").await;
    idp.account(
        "ada",
        json!({"email": "ada@acme.example", "email_verified": true}),
    )
    .await;
    let mut b = Browser::new(&app.address);
    signed_in(&app, &mut b, &idp, "acme", &provider, "ada").await;
    // The provider's key changes; the server knows only the old one.
    idp.rotate_key(&["acme"]);
    idp.account(
        "ada",
        json!({"email": "ada@acme.example", "email_verified": true}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut b = Browser::new(&app.address);
    signed_in(&app, &mut b, &idp, "acme", &provider, "ada").await;
    app.stop().await;
}

async fn mandatory_sso_ends_password_sessions_but_keeps_break_glass_owners(backend: Backend) {
    if !available() {
        return;
    }
    let app = app_for_sso(backend).await;
    let idp = Idp::start(&["acme"]);
    let (owner, provider, _) = tenant_with_provider(&app, &idp, "acme").await;
    let (_, agent) = app
        .user_with_roles("acme", &owner, "agent@acme.example", &["agent"])
        .await;
    // Requiring SSO as someone who could not then sign in is refused.
    let r = app
        .as_user("acme", &owner)
        .put(
            "/settings/security",
            json!({"mfa_required_roles": [], "sso_required": true}),
        )
        .await;
    r.assert_problem(409, "conflict");

    // The owner enrols MFA: now a break-glass owner.
    let secret = app
        .as_user("acme", &owner)
        .post_empty("/me/mfa/enroll")
        .await
        .body["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let now = || chrono::Utc::now().timestamp() as u64;
    let r = app
        .as_user("acme", &owner)
        .post(
            "/me/mfa/confirm",
            json!({"code": code_at(&secret, now()).unwrap()}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let recovery = r.body["recovery_codes"][0].as_str().unwrap().to_owned();
    let owner = {
        let r = app
            .api(
                "POST",
                "acme",
                "/auth/login",
                None,
                Some(json!({
                "email": "admin@acme.example", "password": crate::helpers::PASSWORD,
                "recovery_code": recovery})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["access_token"].as_str().unwrap().to_owned()
    };
    idp.account(
        "ada",
        json!({"email": "ada@acme.example", "email_verified": true, "groups": ["crm-admins"]}),
    )
    .await;
    let mut b = Browser::new(&app.address);
    let ada = signed_in(&app, &mut b, &idp, "acme", &provider, "ada").await;
    let mut agent_socket = Ws::connect(&app, "acme", &agent).await.expect("socket");

    let r = app
        .as_user("acme", &owner)
        .put(
            "/settings/security",
            json!({"mfa_required_roles": [], "sso_required": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The agent's password session ended, socket and all.
    assert!(agent_socket.next(Duration::from_secs(5)).await.is_none());
    app.as_user("acme", &agent)
        .get("/me")
        .await
        .assert_problem(401, "unauthorized");
    app.login("acme", "agent@acme.example", crate::helpers::PASSWORD)
        .await
        .assert_problem(403, "sso_required");
    // Ada's SSO session and the break-glass owner's carry on.
    assert_eq!(app.as_user("acme", &ada).get("/me").await.status, 200);
    assert_eq!(app.as_user("acme", &owner).get("/me").await.status, 200);
    // Without the second factor even the owner's password is not enough.
    app.login("acme", "admin@acme.example", crate::helpers::PASSWORD)
        .await
        .assert_problem(401, "mfa_required");
    let r = app
        .api("GET", "acme", "/auth/sso/providers", None, None)
        .await;
    assert_eq!(r.body["sso_required"], true);
    // The agent comes in through the provider instead.
    idp.account(
        "agent-sub",
        json!({"email": "agent@acme.example", "email_verified": true}),
    )
    .await;
    let agent = signed_in(&app, &mut b, &idp, "acme", &provider, "agent-sub").await;
    assert_eq!(app.as_user("acme", &agent).get("/me").await.status, 200);

    // Removing the provider ends the sessions it began.
    let r = app
        .as_user("acme", &owner)
        .delete(&format!("/sso/providers/{provider}"))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    for t in [&ada, &agent] {
        app.as_user("acme", t)
            .get("/me")
            .await
            .assert_problem(401, "unauthorized");
    }
    assert_eq!(app.as_user("acme", &owner).get("/me").await.status, 200);
    app.stop().await;
}

async fn logging_out_ends_the_providers_session_too(backend: Backend) {
    if !available() {
        return;
    }
    let app = app_for_sso(backend).await;
    let idp = Idp::start(&["acme"]);
    let (owner, provider, _) = tenant_with_provider(&app, &idp, "acme").await;
    idp.account(
        "ada",
        json!({"email": "ada@acme.example", "email_verified": true}),
    )
    .await;
    let mut b = Browser::new(&app.address);
    let ada = signed_in(&app, &mut b, &idp, "acme", &provider, "ada").await;
    let r = app.as_user("acme", &ada).post_empty("/auth/logout").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let end = url::Url::parse(r.body["end_session_url"].as_str().unwrap()).unwrap();
    assert_eq!(
        format!("{}{}", &end[..url::Position::BeforePath], end.path()),
        format!("{}/session/end", idp.issuer)
    );
    let q: std::collections::BTreeMap<String, String> = end.query_pairs().into_owned().collect();
    assert_eq!(
        q["post_logout_redirect_uri"],
        format!("{PUBLIC_URL}/t/acme/login")
    );
    assert_eq!(q["client_id"], CLIENT_ID);
    assert!(q["id_token_hint"].split('.').count() == 3);
    // The provider takes it: its confirmation page, not an error.
    let l = b.get(end.as_str()).await;
    assert_eq!(l.status, 200, "{}", l.body);
    assert!(l.body.contains("Sign out"), "{}", l.body);
    app.as_user("acme", &ada)
        .get("/me")
        .await
        .assert_problem(401, "unauthorized");
    // A password session's logout is as before.
    let r = app.as_user("acme", &owner).post_empty("/auth/logout").await;
    assert_eq!(r.status, 204);
    app.stop().await;
}

async fn providers_are_checked_before_they_are_kept(backend: Backend) {
    if !available() {
        return;
    }
    let app = app_for_sso(backend).await;
    let idp = Idp::start(&["acme"]);
    let owner = app.tenant_with_owner("acme").await;
    let team = "0190a0a0-0000-7000-8000-000000000000";
    let mut good = provider_body(&idp, team);
    good["team_mappings"] = json!([]);
    let post = |body: Value| {
        let app = &app;
        let owner = owner.clone();
        async move {
            app.as_user("acme", &owner)
                .post("/sso/providers", body)
                .await
        }
    };
    for (field, value, why) in [
        ("issuer", json!("not a url"), "issuer"),
        ("issuer", json!("ftp://idp.example"), "issuer"),
        ("issuer", json!("https://169.254.169.254/"), "issuer"),
        ("issuer", json!("https://127.0.0.1:1/?x=1"), "issuer"),
        (
            "issuer",
            json!(format!("{}/nothing-here", idp.issuer)),
            "issuer",
        ),
        ("name", json!("a\u{0}b"), "name"),
        ("name", json!("   "), "name"),
        ("client_secret", json!("line\nbreak"), "client_secret"),
        ("scopes", json!(["openid", "bad scope"]), "scopes"),
        (
            "allowed_domains",
            json!(["Acme.example"]),
            "allowed_domains",
        ),
        ("allowed_domains", json!(["localhost"]), "allowed_domains"),
        ("role_claim", json!("groups[0]"), "role_claim"),
        (
            "role_mappings",
            json!([{"value": "x", "role": "ghost"}]),
            "role_mappings",
        ),
        ("default_role", json!("ghost"), "role_mappings"),
        (
            "team_mappings",
            json!([{"value": "x", "team_id": team}]),
            "team_mappings",
        ),
    ] {
        let mut body = good.clone();
        body[field] = value.clone();
        let r = post(body).await;
        r.assert_problem(422, "validation_failed");
        assert!(
            r.error_fields().contains(&why.to_owned()),
            "{field}={value}: {}",
            r.body
        );
    }
    let mut no_client = good.clone();
    no_client.as_object_mut().unwrap().remove("client_id");
    post(no_client)
        .await
        .assert_problem(422, "validation_failed");
    let mut unknown = good.clone();
    unknown["surprise"] = json!(1);
    post(unknown).await.assert_problem(422, "validation_failed");

    // Ownership is given by an owner, never by a directory's claim.
    let mut up = good.clone();
    up["role_mappings"] = json!([{"value": "x", "role": "owner"}]);
    let r = post(up).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["role_mappings"]);
    // Whoever may change settings but not hold admin cannot make a
    // provider hand out admin.
    let r = app
        .as_user("acme", &owner)
        .post(
            "/roles",
            json!({"name": "settings-admin", "grants": [{"permission": "admin:settings"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let (_, settings_admin) = app
        .user_with_roles("acme", &owner, "settings@acme.example", &["settings-admin"])
        .await;
    app.as_user("acme", &settings_admin)
        .post("/sso/providers", good.clone())
        .await
        .assert_problem(403, "forbidden");

    // Kept: the secret is sealed and never shown; changing it needs it anew.
    let r = post(good.clone()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .as_user("acme", &owner)
        .patch(
            &format!("/sso/providers/{id}"),
            json!({"name": "Renamed", "enabled": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["name"].clone(), r.body["enabled"].clone()),
        (json!("Renamed"), json!(false))
    );
    assert!(!r.body.to_string().contains(CLIENT_SECRET));
    // Disabled: gone from the sign-in page, and it starts nothing.
    let r = app
        .api("GET", "acme", "/auth/sso/providers", None, None)
        .await;
    assert_eq!(r.body["providers"], json!([]));
    app.api("GET", "acme", &format!("/auth/sso/{id}/start"), None, None)
        .await
        .assert_problem(404, "not_found");
    let dump = app
        .site
        .tenant_dump(
            app.services
                .tenants
                .directory()
                .resolve("acme")
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await;
    assert!(
        !dump.contains(CLIENT_SECRET),
        "the client secret is stored sealed"
    );
    app.stop().await;
}

/// Without the operator allowing the provider's network, a loopback
/// issuer is refused: a tenant admin cannot point the server at its own
/// internal services.
async fn an_internal_issuer_needs_the_operators_leave(backend: Backend) {
    let site = Site::new(backend).await;
    let app = spawn_node(&site, |_| {}).await;
    let owner = app.tenant_with_owner("acme").await;
    for issuer in [
        "http://127.0.0.1:9",
        "https://127.0.0.1:9",
        "https://10.0.0.1",
        "https://[::1]:9",
    ] {
        let r = app
            .as_user("acme", &owner)
            .post(
                "/sso/providers",
                json!({"name": "x", "issuer": issuer, "client_id": "c"}),
            )
            .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec!["issuer"], "{issuer}: {}", r.body);
    }
    app.stop().await;
}

both_backends!(
    a_person_signs_in_is_provisioned_and_their_claims_set_roles_and_teams,
    forged_state_another_browser_and_bad_tokens_are_refused,
    a_rotated_signing_key_is_fetched_again,
    mandatory_sso_ends_password_sessions_but_keeps_break_glass_owners,
    logging_out_ends_the_providers_session_too,
    providers_are_checked_before_they_are_kept,
    an_internal_issuer_needs_the_operators_leave,
);

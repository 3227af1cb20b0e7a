//! TOTP enrolment, login with a code, replay refused, recovery codes
//! single-use, and the tenant's MFA requirement for chosen roles.

use mandant::identity::totp::{STEP_SECS, code_at};
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, PASSWORD, Res, spawn_app};

fn now() -> u64 {
    chrono::Utc::now().timestamp() as u64
}

async fn mfa_enrol_login_replay_and_recovery(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let r = app
        .as_user("acme", &owner)
        .post_empty("/me/mfa/enroll")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    assert!(
        r.body["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );

    // A wrong code does not confirm; the right one does, once.
    let r = app
        .as_user("acme", &owner)
        .post("/me/mfa/confirm", json!({"code": "000000"}))
        .await;
    if code_at(&secret, now()).as_deref() != Some("000000") {
        r.assert_problem(401, "mfa_invalid");
    }
    let code = code_at(&secret, now()).unwrap();
    let r = app
        .as_user("acme", &owner)
        .post("/me/mfa/confirm", json!({"code": code}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let recovery: Vec<String> = serde_json::from_value(r.body["recovery_codes"].clone()).unwrap();
    assert_eq!(recovery.len(), 10);

    let email = "admin@acme.example";
    let login = |extra: serde_json::Value| {
        let mut body = json!({"email": email, "password": PASSWORD});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        app.anonymous("acme").post("/auth/login", body)
    };
    login(json!({})).await.assert_problem(401, "mfa_required");
    // The confirming code's step is spent: using it again is a replay.
    login(json!({"totp_code": code}))
        .await
        .assert_problem(401, "mfa_invalid");
    // The next step's code (within the accepted drift) works, once.
    let next = code_at(&secret, now() + STEP_SECS).unwrap();
    let r = login(json!({"totp_code": next})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    login(json!({"totp_code": next}))
        .await
        .assert_problem(401, "mfa_invalid");
    // A recovery code works once, in any case and with or without the dash.
    let r = login(json!({"recovery_code": recovery[0].to_uppercase()})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    login(json!({"recovery_code": recovery[0]}))
        .await
        .assert_problem(401, "mfa_invalid");
    assert_eq!(
        login(json!({"recovery_code": recovery[1].replace('-', "")}))
            .await
            .status,
        200
    );
    // A wrong password with a right code is still just wrong credentials.
    let r = app
        .anonymous("acme")
        .post(
            "/auth/login",
            json!({"email": email, "password": "wrong password!!", "recovery_code": recovery[2]}),
        )
        .await;
    r.assert_problem(401, "invalid_credentials");

    // Disabling needs proof.
    let token = app
        .anonymous("acme")
        .post(
            "/auth/login",
            json!({"email": email, "password": PASSWORD, "recovery_code": recovery[3]}),
        )
        .await
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.as_user("acme", &token)
        .post("/me/mfa/disable", json!({"code": "123"}))
        .await
        .assert_problem(401, "mfa_invalid");
    let r = app
        .as_user("acme", &token)
        .post("/me/mfa/disable", json!({"recovery_code": recovery[4]}))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(app.login("acme", email, PASSWORD).await.status, 200);
    app.stop().await;
}

async fn a_tenant_can_require_mfa_for_chosen_roles(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let r = app
        .as_user("acme", &owner)
        .put(
            "/settings/security",
            json!({"mfa_required_roles": ["agent"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.as_user("acme", &owner)
        .put(
            "/settings/security",
            json!({"mfa_required_roles": ["ghost"]}),
        )
        .await
        .assert_problem(422, "validation_failed");

    let (_, agent) = app
        .user_with_roles("acme", &owner, "agent@acme.example", &["agent"])
        .await;
    // Signed in, but until enrolled only /me and enrolment are open.
    app.as_user("acme", &agent)
        .list(Res::Users, "")
        .await
        .assert_problem(403, "mfa_enrollment_required");
    let me = app.as_user("acme", &agent).get("/me").await;
    assert_eq!(me.body["mfa_enrollment_required"], true);
    let secret = app
        .as_user("acme", &agent)
        .post_empty("/me/mfa/enroll")
        .await
        .body["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let code = code_at(&secret, now()).unwrap();
    assert_eq!(
        app.as_user("acme", &agent)
            .post("/me/mfa/confirm", json!({"code": code}))
            .await
            .status,
        200
    );
    // The same session is now a full one.
    assert_eq!(
        app.as_user("acme", &agent)
            .list(Res::Users, "")
            .await
            .status,
        200
    );
    // And the requirement forbids turning MFA off again.
    let next = code_at(&secret, now() + STEP_SECS).unwrap();
    app.as_user("acme", &agent)
        .post("/me/mfa/disable", json!({"code": next}))
        .await
        .assert_problem(403, "forbidden");
    // The owner's role is not listed: no requirement there.
    assert_eq!(
        app.as_user("acme", &owner)
            .list(Res::Users, "")
            .await
            .status,
        200
    );
    app.stop().await;
}

both_backends!(
    mfa_enrol_login_replay_and_recovery,
    a_tenant_can_require_mfa_for_chosen_roles
);

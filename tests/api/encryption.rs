//! Encryption at rest (`keys`, `storage::tenant_keys`): TOTP secrets are
//! sealed under the tenant's data key, so neither the tables nor the
//! database file hold them in clear; a damaged sealed value, or one
//! copied onto another row, fails for that user alone with a clear answer.
//! (`cli.rs` rotates the keys and starts with a wrong master key.)

use mandant::identity::totp::{STEP_SECS, code_at};
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app};

both_backends!(secrets_are_sealed_at_rest_and_a_damaged_one_fails_alone);

fn now() -> u64 {
    chrono::Utc::now().timestamp() as u64
}

/// Turns on MFA for the holder of `tok`; the secret.
async fn enrol(app: &TestApp, tok: &str) -> String {
    let me = app.as_user("acme", tok);
    let r = me.post_empty("/me/mfa/enroll").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    let code = code_at(&secret, now()).unwrap();
    let r = me.post("/me/mfa/confirm", json!({"code": code})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    secret
}

async fn login(app: &TestApp, email: &str, secret: &str) -> crate::helpers::Resp {
    let code = code_at(secret, now() + STEP_SECS).unwrap();
    app.anonymous("acme")
        .post(
            "/auth/login",
            json!({"email": email, "password": PASSWORD, "totp_code": code}),
        )
        .await
}

async fn secrets_are_sealed_at_rest_and_a_damaged_one_fails_alone(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let (_, mia) = app
        .user_with_roles("acme", &owner, "mia@acme.example", &["manager"])
        .await;
    let owner_secret = enrol(&app, &owner).await;
    let mia_secret = enrol(&app, &mia).await;
    let tenant = app.services.tenants.get("acme").await.unwrap();

    let dump = app.site.tenant_dump(tenant.id).await;
    for s in [&owner_secret, &mia_secret] {
        assert!(!dump.contains(s.as_str()), "a TOTP secret in clear");
    }
    if matches!(backend, Backend::Sqlite) {
        let file = std::fs::read(app.site.tenant_file(tenant.id)).unwrap();
        let text = String::from_utf8_lossy(&file);
        assert!(!text.contains(owner_secret.as_str()), "in the SQLite file");
    }
    let stored = app
        .site
        .tenant_texts(
            tenant.id,
            "SELECT mfa_secret FROM users WHERE mfa_secret IS NOT NULL ORDER BY email",
        )
        .await;
    assert_eq!(stored.len(), 2);
    assert!(
        stored.iter().all(|s| s.starts_with("enc:v1:")),
        "{stored:?}"
    );

    let r = login(&app, "admin@acme.example", &owner_secret).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Mia's sealed secret damaged: her sign-in fails, clearly, and only hers.
    let secret_of = |email: &str| format!("SELECT mfa_secret FROM users WHERE email = '{email}'");
    let mias = app
        .site
        .tenant_texts(tenant.id, &secret_of("mia@acme.example"))
        .await
        .remove(0);
    let flip = |s: &str| {
        let last = s.chars().last().unwrap();
        format!(
            "{}{}",
            &s[..s.len() - 1],
            if last == '0' { '1' } else { '0' }
        )
    };
    let set =
        |v: String| format!("UPDATE users SET mfa_secret = '{v}' WHERE email = 'mia@acme.example'");
    app.site.tenant_exec(tenant.id, &set(flip(&mias))).await;
    let r = login(&app, "mia@acme.example", &mia_secret).await;
    r.assert_problem(409, "conflict");
    assert!(
        r.body["detail"].as_str().unwrap().contains("sealed"),
        "{}",
        r.body
    );
    // The owner's sealed secret copied onto Mia's row does not open there.
    let owners = app
        .site
        .tenant_texts(tenant.id, &secret_of("admin@acme.example"))
        .await
        .remove(0);
    app.site.tenant_exec(tenant.id, &set(owners)).await;
    login(&app, "mia@acme.example", &owner_secret)
        .await
        .assert_problem(409, "conflict");
}

//! Passkeys over the API, with a software authenticator that does what a
//! platform authenticator does (a P-256 key, `none` attestation, user
//! verification, a counter), so that the server's real WebAuthn checks
//! run on both backends: enrolment, password-less sign-in, passkeys as
//! the second factor, removal, and the attacks (replayed ceremony, a
//! cloned key's counter, another tenant's or another user's key, a wrong
//! origin). The browser side is web/e2e/passkeys.e2e.ts.

use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::both_backends;
use crate::helpers::{Backend, Resp, Site, TestApp, spawn_node};

const ORIGIN: &str = "http://mandant.test";
const RP_ID: &str = "mandant.test";

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

fn unb64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .unwrap()
}

/// The least of CBOR an authenticator writes.
enum Cbor {
    Int(i64),
    Bytes(Vec<u8>),
    Text(&'static str),
    Map(Vec<(Cbor, Cbor)>),
}

fn head(major: u8, n: u64, out: &mut Vec<u8>) {
    match n {
        0..=23 => out.push(major << 5 | n as u8),
        24..=0xff => out.extend([major << 5 | 24, n as u8]),
        0x100..=0xffff => {
            out.push(major << 5 | 25);
            out.extend((n as u16).to_be_bytes());
        }
        _ => {
            out.push(major << 5 | 26);
            out.extend((n as u32).to_be_bytes());
        }
    }
}

impl Cbor {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Cbor::Int(i) if *i >= 0 => head(0, *i as u64, out),
            Cbor::Int(i) => head(1, (-1 - i) as u64, out),
            Cbor::Bytes(b) => {
                head(2, b.len() as u64, out);
                out.extend(b);
            }
            Cbor::Text(t) => {
                head(3, t.len() as u64, out);
                out.extend(t.as_bytes());
            }
            Cbor::Map(m) => {
                head(5, m.len() as u64, out);
                for (k, v) in m {
                    k.encode(out);
                    v.encode(out);
                }
            }
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

/// A platform authenticator holding one discoverable credential.
struct SoftKey {
    key: SigningKey,
    id: Vec<u8>,
    user: Vec<u8>,
    counter: u32,
    origin: String,
}

const UP: u8 = 0x01;
const UV: u8 = 0x04;
const AT: u8 = 0x40;

impl SoftKey {
    fn new() -> SoftKey {
        SoftKey {
            key: SigningKey::random(&mut p256::elliptic_curve::rand_core::OsRng),
            id: uuid::Uuid::now_v7().as_bytes().to_vec(),
            user: Vec::new(),
            counter: 0,
            origin: ORIGIN.into(),
        }
    }

    fn auth_data(&self, flags: u8, attested: Option<Vec<u8>>) -> Vec<u8> {
        let mut d = Sha256::digest(RP_ID.as_bytes()).to_vec();
        d.push(flags);
        d.extend(self.counter.to_be_bytes());
        if let Some(a) = attested {
            d.extend(a);
        }
        d
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        json!({"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": false})
            .to_string()
            .into_bytes()
    }

    /// `navigator.credentials.create()` for the server's `options`.
    fn create(&mut self, options: &Value) -> Value {
        let pk = &options["publicKey"];
        assert_eq!(pk["rp"]["id"], RP_ID, "{options}");
        // A passkey: the authenticator is asked to keep it (discoverable).
        assert_eq!(
            pk["authenticatorSelection"]["residentKey"], "required",
            "{options}"
        );
        self.user = unb64(pk["user"]["id"].as_str().unwrap());
        let point = self.key.verifying_key().to_encoded_point(false);
        let cose = Cbor::Map(vec![
            (Cbor::Int(1), Cbor::Int(2)),
            (Cbor::Int(3), Cbor::Int(-7)),
            (Cbor::Int(-1), Cbor::Int(1)),
            (Cbor::Int(-2), Cbor::Bytes(point.x().unwrap().to_vec())),
            (Cbor::Int(-3), Cbor::Bytes(point.y().unwrap().to_vec())),
        ]);
        let mut attested = vec![0u8; 16];
        attested.extend((self.id.len() as u16).to_be_bytes());
        attested.extend(&self.id);
        attested.extend(cose.bytes());
        let auth_data = self.auth_data(UP | UV | AT, Some(attested));
        let attestation = Cbor::Map(vec![
            (Cbor::Text("fmt"), Cbor::Text("none")),
            (Cbor::Text("attStmt"), Cbor::Map(vec![])),
            (Cbor::Text("authData"), Cbor::Bytes(auth_data)),
        ]);
        let client = self.client_data("webauthn.create", pk["challenge"].as_str().unwrap());
        json!({
            "id": b64(&self.id), "rawId": b64(&self.id), "type": "public-key",
            "response": {"attestationObject": b64(&attestation.bytes()), "clientDataJSON": b64(&client),
                "transports": ["internal"]},
            "extensions": {},
        })
    }

    /// `navigator.credentials.get()` for the server's `options`.
    fn get(&mut self, options: &Value) -> Value {
        let pk = &options["publicKey"];
        self.counter += 1;
        let auth_data = self.auth_data(UP | UV, None);
        let client = self.client_data("webauthn.get", pk["challenge"].as_str().unwrap());
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client));
        let sig: DerSignature = self.key.sign(&signed);
        json!({
            "id": b64(&self.id), "rawId": b64(&self.id), "type": "public-key",
            "response": {"authenticatorData": b64(&auth_data), "clientDataJSON": b64(&client),
                "signature": b64(sig.as_bytes()), "userHandle": b64(&self.user)},
            "extensions": {},
        })
    }
}

async fn app_for_passkeys(backend: Backend) -> TestApp {
    let site = Site::new(backend).await;
    spawn_node(&site, |c| c.public_url = Some(ORIGIN.into())).await
}

async fn enrol(app: &TestApp, slug: &str, token: &str, key: &mut SoftKey, name: &str) -> Resp {
    let r = app
        .as_user(slug, token)
        .post_empty("/me/passkeys/register/start")
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let credential = key.create(&r.body["options"]);
    app.as_user(slug, token)
        .post(
            "/me/passkeys/register/finish",
            json!({"flow_id": r.body["flow_id"], "name": name, "credential": credential}),
        )
        .await
}

async fn sign_in(app: &TestApp, slug: &str, key: &mut SoftKey) -> Resp {
    let r = app
        .api("POST", slug, "/auth/passkey/start", None, None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let credential = key.get(&r.body["options"]);
    app.api(
        "POST",
        slug,
        "/auth/passkey/finish",
        None,
        Some(json!({"flow_id": r.body["flow_id"], "credential": credential})),
    )
    .await
}

async fn a_passkey_signs_in_without_a_password(backend: Backend) {
    let app = app_for_passkeys(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let (_, agent) = app
        .user_with_roles("acme", &owner, "agent@acme.example", &["agent"])
        .await;
    let mut key = SoftKey::new();
    let r = enrol(&app, "acme", &agent, &mut key, "Laptop").await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["name"], "Laptop");
    assert!(r.body.get("credential").is_none(), "{}", r.body);
    let list = app.as_user("acme", &agent).get("/me/passkeys").await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);

    let r = sign_in(&app, "acme", &mut key).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let token = r.body["access_token"].as_str().unwrap();
    let me = app.as_user("acme", token).get("/me").await;
    assert_eq!(me.body["user"]["email"], "agent@acme.example");
    let list = app.as_user("acme", &agent).get("/me/passkeys").await;
    assert!(
        list.body["items"][0]["last_used_at"].is_string(),
        "{}",
        list.body
    );

    // A ceremony answers once: the same answer again is refused.
    let start = app
        .api("POST", "acme", "/auth/passkey/start", None, None)
        .await;
    let credential = key.get(&start.body["options"]);
    let body = json!({"flow_id": start.body["flow_id"], "credential": credential});
    let first = app
        .api(
            "POST",
            "acme",
            "/auth/passkey/finish",
            None,
            Some(body.clone()),
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    app.api("POST", "acme", "/auth/passkey/finish", None, Some(body))
        .await
        .assert_problem(401, "unauthorized");
    // A cloned key shows itself by its counter going back.
    key.counter -= 2;
    sign_in(&app, "acme", &mut key)
        .await
        .assert_problem(401, "unauthorized");
    key.counter += 10;
    assert_eq!(sign_in(&app, "acme", &mut key).await.status, 200);
    // Another origin (a phishing page) is refused.
    let mut phished = SoftKey {
        origin: "http://mandant.test.evil.example".into(),
        ..SoftKey::new()
    };
    phished.key = key.key.clone();
    phished.id = key.id.clone();
    phished.user = key.user.clone();
    phished.counter = key.counter + 5;
    sign_in(&app, "acme", &mut phished)
        .await
        .assert_problem(401, "unauthorized");
    // Another tenant does not know the key.
    app.create_tenant("other").await;
    key.counter += 1;
    sign_in(&app, "other", &mut key)
        .await
        .assert_problem(401, "unauthorized");
    // Removed: it signs in no more.
    let id = list.body["items"][0]["id"].as_str().unwrap();
    let r = app
        .as_user("acme", &agent)
        .delete(&format!("/me/passkeys/{id}"))
        .await;
    assert_eq!(r.status, 204);
    sign_in(&app, "acme", &mut key)
        .await
        .assert_problem(401, "unauthorized");
    // Nobody removes another's passkey.
    let mut owners = SoftKey::new();
    enrol(&app, "acme", &owner, &mut owners, "Owner's phone").await;
    let theirs = app.as_user("acme", &owner).get("/me/passkeys").await;
    let theirs = theirs.body["items"][0]["id"].as_str().unwrap().to_owned();
    app.as_user("acme", &agent)
        .delete(&format!("/me/passkeys/{theirs}"))
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}

async fn a_passkey_is_a_second_factor(backend: Backend) {
    let app = app_for_passkeys(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let (_, agent) = app
        .user_with_roles("acme", &owner, "agent@acme.example", &["agent"])
        .await;
    let mut key = SoftKey::new();
    assert_eq!(
        enrol(&app, "acme", &agent, &mut key, "Key").await.status,
        201
    );
    let pw = crate::helpers::PASSWORD;
    // The password alone is not enough now: the answer carries a challenge.
    let r = app.login("acme", "agent@acme.example", pw).await;
    r.assert_problem(401, "mfa_required");
    let challenge = r.body["passkey"].clone();
    assert!(challenge["flow_id"].is_string(), "{}", r.body);
    let credential = key.get(&challenge["options"]);
    let r = app
        .api("POST", "acme", "/auth/login", None, Some(json!({"email": "agent@acme.example",
            "password": pw, "passkey": {"flow_id": challenge["flow_id"], "credential": credential}})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Someone else's key does not answer for this account.
    let (_, other) = app
        .user_with_roles("acme", &owner, "other@acme.example", &["agent"])
        .await;
    let mut others = SoftKey::new();
    enrol(&app, "acme", &other, &mut others, "Theirs").await;
    let r = app.login("acme", "agent@acme.example", pw).await;
    let challenge = r.body["passkey"].clone();
    let credential = others.get(&challenge["options"]);
    let r = app
        .api("POST", "acme", "/auth/login", None, Some(json!({"email": "agent@acme.example",
            "password": pw, "passkey": {"flow_id": challenge["flow_id"], "credential": credential}})))
        .await;
    r.assert_problem(401, "mfa_invalid");
    // Erased, the other's passkey signs nobody in.
    let other_id = app.as_user("acme", &other).get("/me").await.body["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .as_user("acme", &owner)
        .post_empty(&format!("/users/{other_id}/erase"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    sign_in(&app, "acme", &mut others)
        .await
        .assert_problem(401, "unauthorized");
    // Roles that must use MFA are satisfied by a passkey.
    let r = app
        .as_user("acme", &owner)
        .put(
            "/settings/security",
            json!({"mfa_required_roles": ["agent"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = sign_in(&app, "acme", &mut key).await;
    let token = r.body["access_token"].as_str().unwrap();
    assert_eq!(
        app.as_user("acme", token).get("/contacts").await.status,
        200
    );
    app.stop().await;
}

async fn bad_ceremonies_are_refused_with_clear_errors(backend: Backend) {
    let app = app_for_passkeys(backend).await;
    let owner = app.tenant_with_owner("acme").await;
    let unknown = "0190a0a0-0000-7000-8000-000000000000";
    for body in [
        json!({"flow_id": unknown, "credential": {}}),
        json!({"flow_id": unknown, "credential": {"id": "x", "rawId": "x", "type": "public-key",
            "response": {"authenticatorData": "", "clientDataJSON": "", "signature": ""}, "extensions": {}}}),
    ] {
        let r = app
            .api("POST", "acme", "/auth/passkey/finish", None, Some(body))
            .await;
        assert!(matches!(r.status.as_u16(), 401 | 422), "{}", r.body);
        assert_eq!(r.content_type(), "application/problem+json");
    }
    let r = app
        .api(
            "POST",
            "acme",
            "/auth/passkey/finish",
            None,
            Some(json!({"flow_id": "nope"})),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    // A registration's name is checked, and a key answers only its own flow.
    let mut key = SoftKey::new();
    let r = app
        .as_user("acme", &owner)
        .post_empty("/me/passkeys/register/start")
        .await;
    let credential = key.create(&r.body["options"]);
    for name in ["", "a\u{0}b", &"x".repeat(101)] {
        let r = app
            .as_user("acme", &owner)
            .post(
                "/me/passkeys/register/finish",
                json!({"flow_id": r.body["flow_id"], "name": name, "credential": credential}),
            )
            .await;
        r.assert_problem(422, "validation_failed");
    }
    let (_, agent) = app
        .user_with_roles("acme", &owner, "agent@acme.example", &["agent"])
        .await;
    let r2 = app
        .as_user("acme", &agent)
        .post(
            "/me/passkeys/register/finish",
            json!({"flow_id": r.body["flow_id"], "name": "stolen flow", "credential": credential}),
        )
        .await;
    r2.assert_problem(422, "validation_failed");
    assert_eq!(
        app.as_user("acme", &agent).get("/me/passkeys").await.body["items"],
        json!([])
    );
    app.stop().await;
}

both_backends!(
    a_passkey_signs_in_without_a_password,
    a_passkey_is_a_second_factor,
    bad_ceremonies_are_refused_with_clear_errors,
);

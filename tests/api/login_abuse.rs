//! Abuse of the sign-in: an attacker cannot lock the real user out, and a
//! flood of logins without credentials gets `503` instead of the server's
//! memory.

use std::net::IpAddr;

use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, PASSWORD, Site, TestApp, spawn_node};

/// A login sent from `from` (a loopback address of its own), so that the
/// server sees another client address.
async fn login_from(app: &TestApp, from: &str, email: &str, password: &str) -> u16 {
    let ip: IpAddr = from.parse().unwrap();
    let client = awc::Client::builder()
        .connector(awc::Connector::new().local_address(ip))
        .finish();
    let res = client
        .post(format!("{}/t/acme/api/v1/auth/login", app.address))
        .send_json(&json!({"email": email, "password": password}))
        .await
        .expect("login sent");
    res.status().as_u16()
}

async fn a_guessing_address_cannot_lock_out_the_owner(backend: Backend) {
    let site = Site::new(backend).await;
    let app = spawn_node(&site, |c| {
        c.login_per_account_per_min = 5;
        c.login_per_address_per_min = 1000;
    })
    .await;
    app.create_tenant("acme").await;
    let owner = "admin@acme.example";
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(login_from(&app, "127.0.0.9", owner, "not the password 1").await);
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
    // The guessing address waits even with the right password...
    assert_eq!(login_from(&app, "127.0.0.9", owner, PASSWORD).await, 429);
    // ...and the owner, from where they are, signs in.
    assert_eq!(login_from(&app, "127.0.0.10", owner, PASSWORD).await, 200);
    // Many addresses failing once each spend the account's ceiling (5 × 5):
    // each of them then waits, but a clean address still gets its answer.
    for i in 0..25 {
        login_from(&app, &format!("127.0.1.{i}"), owner, "not the password 2").await;
    }
    assert_eq!(login_from(&app, "127.0.1.3", owner, PASSWORD).await, 429);
    assert_eq!(login_from(&app, "127.0.0.11", owner, PASSWORD).await, 200);
    app.stop().await;
}

async fn a_flood_of_logins_is_turned_away_not_hashed(backend: Backend) {
    let site = Site::new(backend).await;
    let app = spawn_node(&site, |c| {
        c.login_per_account_per_min = 100_000;
        c.login_per_address_per_min = 100_000;
    })
    .await;
    app.create_tenant("acme").await;
    let client = awc::Client::builder()
        .connector(awc::Connector::new().limit(0))
        .timeout(std::time::Duration::from_secs(120))
        .finish();
    let url = format!("{}/t/acme/api/v1/auth/login", app.address);
    let sends = (0..400).map(|i| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let mut res = client
                .post(url)
                .send_json(&json!({"email": format!("nobody{i}@acme.example"), "password": "whatever it is 1"}))
                .await
                .expect("login sent");
            let retry = res.headers().get("retry-after").is_some();
            let body: serde_json::Value = res.json().await.unwrap_or_default();
            (res.status().as_u16(), retry, body["code"].as_str().unwrap_or("").to_owned())
        }
    });
    let answers = futures_util::future::join_all(sends).await;
    let busy = answers.iter().filter(|a| a.0 == 503).count();
    let checked = answers.iter().filter(|a| a.0 == 401).count();
    assert_eq!(busy + checked, answers.len(), "{answers:?}");
    assert!(busy > 0, "nothing was turned away");
    assert!(checked > 0, "nothing was checked");
    assert!(
        answers
            .iter()
            .filter(|a| a.0 == 503)
            .all(|a| a.1 && a.2 == "unavailable")
    );
    // The flood is over: the real user signs in.
    assert_eq!(
        app.login("acme", "admin@acme.example", PASSWORD)
            .await
            .status,
        200
    );
    app.stop().await;
}

both_backends!(
    a_guessing_address_cannot_lock_out_the_owner,
    a_flood_of_logins_is_turned_away_not_hashed
);

//! Tenants and their admins, made through the public API: the control
//! plane creates each tenant, then its admin logs in for a token.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::time::Duration;

use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Result;
use crate::http::HttpConn;

const PASSWORD: &str = "violet tractor sings at dawn 42";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TenantCred {
    pub idx: u32,
    pub slug: String,
    pub token: String,
}

/// POSTs until the answer is not a connection error or a 429.
pub async fn call(
    conn: &mut Option<HttpConn>,
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &serde_json::Value,
) -> Result<crate::http::Response> {
    let body = body.to_string();
    let mut last = String::new();
    for attempt in 0..5 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
        }
        if conn.is_none() {
            match HttpConn::connect(addr, None).await {
                Ok(c) => *conn = Some(c),
                Err(e) => {
                    last = e.to_string();
                    continue;
                }
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        match c.request(method, path, token, Some(body.as_bytes())).await {
            Ok(r) if r.status == 429 => {
                last = "429".into();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Ok(r) => {
                if r.close {
                    *conn = None;
                }
                return Ok(r);
            }
            Err(e) => {
                *conn = None;
                last = e.to_string();
            }
        }
    }
    Err(format!("{method} {path}: {last}").into())
}

async fn one(
    conn: &mut Option<HttpConn>,
    addr: SocketAddr,
    platform: &str,
    slug: &str,
    plan: &str,
) -> Result<String> {
    let email = format!("admin@{slug}.example");
    let r = call(
        conn,
        addr,
        "POST",
        "/api/v1/tenants",
        Some(platform),
        &json!({"slug": slug, "name": format!("Load {slug}"), "plan": plan,
                "admin": {"email": email, "password": PASSWORD, "name": "Load Admin"}}),
    )
    .await?;
    // 409: made by an earlier run on the same database; log in all the same.
    if r.status != 201 && r.status != 409 {
        return Err(format!("creating tenant {slug}: {} {}", r.status, r.text()).into());
    }
    let r = call(
        conn,
        addr,
        "POST",
        &format!("/t/{slug}/api/v1/auth/login"),
        None,
        &json!({"email": email, "password": PASSWORD}),
    )
    .await?;
    r.json()
        .and_then(|v| v.get("access_token")?.as_str().map(str::to_owned))
        .ok_or_else(|| format!("login to {slug}: {} {}", r.status, r.text()).into())
}

/// Makes tenants `prefix-0000` … with `parallel` requests in flight.
pub async fn tenants(
    addr: SocketAddr,
    platform: &str,
    prefix: &str,
    count: u32,
    plan: &str,
    parallel: usize,
    pb: &ProgressBar,
) -> Result<Vec<TenantCred>> {
    let next = Arc::new(AtomicU32::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..parallel.max(1) {
        let (next, platform, prefix, plan, pb) = (
            next.clone(),
            platform.to_owned(),
            prefix.to_owned(),
            plan.to_owned(),
            pb.clone(),
        );
        tasks.spawn(async move {
            let mut conn = None;
            let mut out = Vec::new();
            loop {
                let idx = next.fetch_add(1, Relaxed);
                if idx >= count {
                    return Ok::<_, crate::Error>(out);
                }
                let slug = format!("{prefix}-{idx:04}");
                let token = one(&mut conn, addr, &platform, &slug, &plan).await?;
                out.push(TenantCred { idx, slug, token });
                pb.inc(1);
            }
        });
    }
    let mut all = Vec::new();
    while let Some(r) = tasks.join_next().await {
        all.extend(r??);
    }
    all.sort_by_key(|t| t.idx);
    Ok(all)
}

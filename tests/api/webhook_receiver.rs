//! A webhook receiver for the tests: a real HTTP server on 127.0.0.1 that
//! keeps every request, verifies its Standard Webhooks signature with an
//! implementation of its own (HMAC-SHA256 over `id.timestamp.body`), and
//! can be told to fail, to redirect, or to hang.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub id: String,
    pub timestamp: i64,
    pub signatures: Vec<String>,
    pub body: Vec<u8>,
    /// What this receiver answered.
    pub status: u16,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// Does one of the signatures verify under `secret` (`whsec_…`)?
    pub fn signed_by(&self, secret: &str) -> bool {
        let key = STANDARD
            .decode(secret.trim_start_matches("whsec_"))
            .expect("a base64 secret");
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{}.{}.", self.id, self.timestamp).as_bytes());
        mac.update(&self.body);
        let want = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        self.signatures.contains(&want)
    }
}

#[derive(Default)]
struct State {
    got: Mutex<Vec<Received>>,
    /// Requests still to fail with 503.
    fail_next: AtomicU32,
    /// Fail every request while true.
    down: AtomicBool,
    redirect_to: Mutex<Option<String>>,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub port: u16,
    state: Arc<State>,
}

async fn hook(req: HttpRequest, body: web::Bytes, s: web::Data<State>) -> HttpResponse {
    let header = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let path = req.path().to_owned();
    if path == "/hang" {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    if path == "/redirect"
        && let Some(to) = s.redirect_to.lock().unwrap().clone()
    {
        return HttpResponse::TemporaryRedirect()
            .insert_header(("location", to))
            .finish();
    }
    let failing = s.down.load(Ordering::SeqCst)
        || s.fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
    let status = if failing { 503 } else { 200 };
    s.got.lock().unwrap().push(Received {
        path,
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp").parse().unwrap_or(0),
        signatures: header("webhook-signature")
            .split(' ')
            .map(str::to_owned)
            .collect(),
        body: body.to_vec(),
        status,
    });
    if failing {
        HttpResponse::ServiceUnavailable().body("down for maintenance")
    } else {
        HttpResponse::Ok().body("thanks")
    }
}

impl Receiver {
    pub async fn start() -> Receiver {
        let state = Arc::new(State::default());
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(hook))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        Receiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            port,
            state,
        }
    }

    pub fn fail_next(&self, n: u32) {
        self.state.fail_next.store(n, Ordering::SeqCst);
    }

    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
    }

    pub fn redirect_to(&self, to: &str) {
        *self.state.redirect_to.lock().unwrap() = Some(to.to_owned());
    }

    pub fn got(&self) -> Vec<Received> {
        self.state.got.lock().unwrap().clone()
    }

    /// What was answered 2xx, in arrival order.
    pub fn accepted(&self) -> Vec<Received> {
        self.got().into_iter().filter(|r| r.status == 200).collect()
    }

    /// Waits (up to 30 s) until `done` holds for what arrived.
    pub async fn until(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..300 {
            let got = self.got();
            if done(&got) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("receiver: {what} did not happen; got {:#?}", self.got());
    }
}

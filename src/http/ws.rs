//! `GET /t/{tenant}/ws`: the WebSocket, and `POST /realtime/ticket` for
//! browsers (which cannot put a bearer token on an upgrade request).
//!
//! Each connection is a task (actix-ws) with a bounded queue fed by its
//! tenant's hub. The task owns the socket; the hub never waits for it.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use actix::Addr;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason};
use governor::clock::DefaultClock;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde_json::json;
use tokio::sync::mpsc;

use super::authz::{Authenticated, client_info};
use super::extract::TenantScope;
use super::problem::{ApiError, Code};
use crate::actors::hub::{
    Behind, CatchUp, Frame, Join, Leave, Presence, PresenceState, Subscribe, TenantActor,
    Unsubscribe, UpdatePrincipal,
};
use crate::actors::protocol::{self, ClientMessage};
use crate::actors::topics::Topic;
use crate::domain::tenant::Tenant;
use crate::identity::socket_tickets::{self, TICKET_TTL_SECS};
use crate::identity::{ClientInfo, Principal, Via};
use crate::services::Services;
use crate::storage::TenantDb;

/// Frames waiting for one client; past this it is caught up in rounds as
/// it reads (`CatchUp`).
const QUEUE: usize = 512;
const MAX_FRAME: usize = 64 * 1024;
const MAX_MESSAGE: usize = 16 * 1024;
const PING_EVERY: Duration = Duration::from_secs(15);
const SILENCE_LIMIT: Duration = Duration::from_secs(45);
/// A client that fell behind and took longer than this to read what was
/// queued for it is cut loose (`resync`) instead of caught up.
pub const STALL_LIMIT: Duration = Duration::from_secs(10);
const REAUTH_EVERY: Duration = Duration::from_secs(30);
/// The longest flush window a client may ask for with `?coalesce=`.
const MAX_COALESCE_MS: u64 = 5;
/// A coalesced frame stops growing past this many bytes.
const COALESCE_BYTES: usize = 32 * 1024;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One clock for every socket's message limiter: a new one calibrates
/// itself (cpuid, TSC), which was 4 % of a connect storm.
fn clock() -> DefaultClock {
    static CLOCK: OnceLock<DefaultClock> = OnceLock::new();
    CLOCK.get_or_init(DefaultClock::default).clone()
}

pub async fn ticket(a: Authenticated) -> Result<HttpResponse, ApiError> {
    let Via::Session(session) = a.principal.via.clone() else {
        return Err(ApiError::new(
            Code::Forbidden,
            "Tickets are for browser sessions; API keys connect with a bearer header.",
        ));
    };
    let ticket = socket_tickets::issue(&a.scope.db, session).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(json!({"ticket": ticket, "expires_in": TICKET_TTL_SECS})))
}

/// Browsers send `Origin`; it must be this server or a configured origin.
fn origin_ok(req: &HttpRequest, allowed: &[String]) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return true; // not a browser
    };
    if allowed.iter().any(|a| a == origin) {
        return true;
    }
    let host = req.connection_info().host().to_owned();
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|h| h == host)
}

/// How the connection proved who it is, kept to re-check it periodically.
#[derive(Clone)]
enum Credential {
    Session(uuid::Uuid),
    Bearer(String),
}

async fn principal_of(
    s: &Services,
    tenant: &Tenant,
    db: &TenantDb,
    cred: &Credential,
    client: &ClientInfo,
) -> Result<Arc<Principal>, ApiError> {
    Ok(match cred {
        Credential::Session(sid) => s.auth.session_principal(tenant, db, *sid, None).await?,
        Credential::Bearer(t) => s.auth.authenticate(tenant, db, t, client).await?,
    })
}

pub async fn connect(
    scope: TenantScope,
    s: web::Data<Services>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    if !origin_ok(&req, &s.config.allowed_origins) {
        return Err(ApiError::new(
            Code::Forbidden,
            "This origin may not open a WebSocket here.",
        ));
    }
    let client = client_info(&req);
    let query = super::records::query_pairs(&req);
    let ticket = query
        .iter()
        .find(|(k, _)| k == "ticket")
        .map(|(_, v)| v.clone());
    let coalesce = coalesce_window(
        query
            .iter()
            .find(|(k, _)| k == "coalesce")
            .map(|(_, v)| v.as_str()),
    )?;
    let cred = match ticket {
        Some(t) => {
            let session = socket_tickets::redeem(&scope.db, &t).await?;
            Credential::Session(session.ok_or_else(|| {
                ApiError::new(
                    Code::Unauthorized,
                    "The ticket is unknown, used or expired.",
                )
            })?)
        }
        None => {
            let bearer = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(|t| t.trim().to_owned())
                .ok_or_else(|| {
                    ApiError::new(
                        Code::Unauthorized,
                        "Authenticate with a bearer header or ?ticket=.",
                    )
                })?;
            Credential::Bearer(bearer)
        }
    };
    let principal = principal_of(&s, &scope.tenant, &scope.db, &cred, &client).await?;
    // An upgrade is a request like any other: it counts against the plan's
    // rates, or a reconnect loop could flood a tenant past them.
    s.rate_limits
        .check(scope.tenant.id, scope.tenant.plan, principal.user_id)
        .await
        .map_err(super::authz::rate_limited)?;
    if principal.mfa_enrollment_required {
        return Err(crate::identity::AuthError::MfaEnrollmentRequired.into());
    }
    let hub = s.realtime.hub(&scope.tenant, &scope.db).await?;
    let max = crate::limits::plans::quotas(scope.tenant.plan).ws_connections;
    let full = || {
        ApiError::new(
            Code::QuotaExceeded,
            format!("The plan allows {max} live connections; this tenant has them all open."),
        )
    };
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    // Across nodes, a slot in Redis; with Redis away, each node counts its
    // own (availability over strictness, as for the rate limits).
    let slot = match s.rate_limits.slots() {
        Some(slots) => match slots.acquire(scope.tenant.id, max, id).await {
            Ok(Some(guard)) => Some(guard),
            Ok(None) => return Err(full()),
            Err(()) => None,
        },
        None => None,
    };
    if slot.is_none()
        && hub
            .send(crate::actors::hub::Stats)
            .await
            .is_ok_and(|(n, _)| n >= max)
    {
        return Err(full());
    }
    let (response, session, stream) = match actix_ws::handle(&req, payload) {
        Ok(h) => h,
        Err(e) => {
            return Err(ApiError::new(
                Code::BadRequest,
                format!("Not a WebSocket upgrade: {e}"),
            ));
        }
    };
    let (out, rx) = mpsc::channel(QUEUE);
    let behind = Arc::new(Behind::default());
    let recheck = Arc::new(tokio::sync::Notify::new());
    if hub
        .send(Join {
            id,
            principal,
            out,
            behind: behind.clone(),
            recheck: recheck.clone(),
        })
        .await
        .is_err()
    {
        return Err(ApiError::unavailable("tenant hub unavailable"));
    }
    let conn = Conn {
        id,
        hub,
        session,
        rx,
        behind,
        recheck,
        services: s.clone(),
        tenant: scope.tenant.clone(),
        db: scope.db.clone(),
        cred,
        client,
        coalesce,
        slot,
    };
    let span = tracing::info_span!("ws", tenant = %conn.tenant.slug, session = id);
    let label = crate::telemetry_metrics::tenant_label(conn.tenant.slug.as_str());
    metrics::gauge!("mandant_ws_connections", "tenant" => label.clone()).increment(1.0);
    metrics::counter!("mandant_ws_connects_total", "tenant" => label).increment(1);
    actix_web::rt::spawn(tracing::Instrument::instrument(conn.run(stream), span));
    Ok(response)
}

/// `?coalesce=<ms>`: the flush window a client asked for, 1 to 5 ms;
/// absent or 0 is one frame per message (the default).
fn coalesce_window(v: Option<&str>) -> Result<Option<Duration>, ApiError> {
    let Some(v) = v else { return Ok(None) };
    match v.parse::<u64>() {
        Ok(0) => Ok(None),
        Ok(ms) if ms <= MAX_COALESCE_MS => Ok(Some(Duration::from_millis(ms))),
        _ => Err(ApiError::new(
            Code::BadRequest,
            format!("coalesce is a flush window in milliseconds, 0 to {MAX_COALESCE_MS}."),
        )),
    }
}

struct Conn {
    id: u64,
    hub: Addr<TenantActor>,
    session: actix_ws::Session,
    rx: mpsc::Receiver<Frame>,
    behind: Arc<Behind>,
    recheck: Arc<tokio::sync::Notify>,
    services: web::Data<Services>,
    tenant: Arc<Tenant>,
    db: TenantDb,
    cred: Credential,
    client: ClientInfo,
    /// Set: every frame is a JSON array of messages, and queued messages
    /// that arrive within this window of the first share one frame.
    coalesce: Option<Duration>,
    /// The tenant's live-connection slot across nodes (with Redis).
    slot: Option<crate::limits::slots::SlotGuard>,
}

impl Conn {
    /// A topic of a feature the tenant switched off does not exist. The
    /// directory (refreshed over the bus) says what is on right now.
    async fn topic_enabled(&self, t: &Topic) -> bool {
        match self
            .services
            .tenants
            .directory()
            .resolve(self.tenant.slug.as_str())
            .await
        {
            Ok(Some(tenant)) => t.enabled_in(&tenant),
            _ => false,
        }
    }

    async fn run(mut self, stream: actix_ws::MessageStream) {
        let mut stream = stream
            .max_frame_size(MAX_FRAME)
            .aggregate_continuations()
            .max_continuation_size(MAX_FRAME);
        let limiter: DefaultDirectRateLimiter = RateLimiter::direct_with_clock(
            Quota::per_second(NonZeroU32::new(20).unwrap_or(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(40).unwrap_or(NonZeroU32::MIN)),
            clock(),
        );
        let mut topics: Vec<Topic> = Vec::new();
        let mut last_heard = Instant::now();
        let mut ping = tokio::time::interval(PING_EVERY);
        let mut reauth = tokio::time::interval(REAUTH_EVERY);
        // Both intervals fire at once on their first tick; start counting now.
        ping.tick().await;
        reauth.tick().await;
        let mut strikes = 0u32;
        let mut shutdown = self.services.shutdown.subscribe();
        let close: Option<CloseReason> = loop {
            tokio::select! {
                msg = stream.recv() => {
                    last_heard = Instant::now();
                    match msg {
                        Some(Ok(AggregatedMessage::Text(text))) => {
                            if limiter.check().is_err() {
                                strikes += 1;
                                if strikes > 100 {
                                    break Some(CloseReason { code: CloseCode::Policy, description: Some("too many messages".into()) });
                                }
                                if self.send(&protocol::error(None, Code::RateLimited, "Too many messages; slow down.")).await.is_err() {
                                    break None;
                                }
                                continue;
                            }
                            strikes = 0;
                            // Boxed, like the other rare branches: the task's future is
                            // held for the life of every idle connection, and inline
                            // these made it 11 KiB.
                            if Box::pin(self.handle(&text, &mut topics)).await.is_err() {
                                break None;
                            }
                        }
                        Some(Ok(AggregatedMessage::Binary(_))) => {
                            if self.send(&protocol::error(None, Code::InvalidMessage, "Send JSON text frames.")).await.is_err() {
                                break None;
                            }
                        }
                        Some(Ok(AggregatedMessage::Ping(b))) => {
                            if self.session.pong(&b).await.is_err() { break None; }
                        }
                        Some(Ok(AggregatedMessage::Pong(_))) => {}
                        Some(Ok(AggregatedMessage::Close(_))) | None => break None,
                        Some(Err(e)) => {
                            break Some(CloseReason { code: CloseCode::Protocol, description: Some(e.to_string()) });
                        }
                    }
                }
                frame = self.rx.recv() => match frame {
                    Some(f) => {
                        let text = match self.coalesce {
                            None => f.to_string(),
                            Some(window) => self.gather(f, window).await,
                        };
                        if self.session.text(text).await.is_err() { break None; }
                        if self.behind.is_set() && self.rx.is_empty() {
                            Box::pin(self.catch_up()).await;
                        }
                    }
                    // The hub went away (restart): the client should reconnect and resume.
                    None => break Some(CloseReason { code: CloseCode::Restart, description: Some("reconnect and resume".into()) }),
                },
                _ = ping.tick() => {
                    if last_heard.elapsed() > SILENCE_LIMIT {
                        break Some(CloseReason { code: CloseCode::Away, description: Some("no heartbeat".into()) });
                    }
                    // A catch-up that failed (the database away) is asked again.
                    if self.behind.is_set() && self.rx.is_empty() {
                        Box::pin(self.catch_up()).await;
                    }
                    if self.session.ping(b"").await.is_err() { break None; }
                }
                // Fell behind with everything queued already sent.
                _ = self.behind.fell() => {
                    if self.behind.is_set() && self.rx.is_empty() {
                        Box::pin(self.catch_up()).await;
                    }
                }
                _ = shutdown.changed() => {
                    break Some(CloseReason { code: CloseCode::Restart, description: Some("server restarting; reconnect and resume".into()) });
                }
                _ = self.recheck.notified() => {
                    match Box::pin(principal_of(&self.services, &self.tenant, &self.db, &self.cred, &self.client)).await {
                        Ok(p) => { let _ = self.hub.send(UpdatePrincipal(self.id, p)).await; }
                        Err(_) => break Some(CloseReason { code: CloseCode::Other(4401), description: Some("session ended".into()) }),
                    }
                }
                _ = reauth.tick() => {
                    match Box::pin(principal_of(&self.services, &self.tenant, &self.db, &self.cred, &self.client)).await {
                        Ok(p) => { let _ = self.hub.try_send(UpdatePrincipal(self.id, p)); }
                        Err(_) => break Some(CloseReason { code: CloseCode::Other(4401), description: Some("session ended".into()) }),
                    }
                }
            }
        };
        let _ = self.hub.try_send(Leave(self.id)).or_else(|_| {
            let hub = self.hub.clone();
            let id = self.id;
            actix_web::rt::spawn(async move {
                let _ = hub.send(Leave(id)).await;
            });
            Ok::<(), ()>(())
        });
        let _ = self.session.close(close).await;
        // The slot goes back now, not when the task's memory does.
        drop(self.slot.take());
        let label = crate::telemetry_metrics::tenant_label(self.tenant.slug.as_str());
        metrics::gauge!("mandant_ws_connections", "tenant" => label).decrement(1.0);
    }

    async fn send(&mut self, text: &str) -> Result<(), actix_ws::Closed> {
        match self.coalesce {
            None => self.session.text(text.to_owned()).await,
            Some(_) => self.session.text(format!("[{text}]")).await,
        }
    }

    /// One coalesced frame: `first` and whatever the hub queues for this
    /// client within `window` of it (up to `COALESCE_BYTES`), as a JSON
    /// array. Fewer frames mean fewer wake-ups, encodings and socket
    /// writes per event when events come faster than the window.
    async fn gather(&mut self, first: Frame, window: Duration) -> String {
        let mut out = String::with_capacity(first.len() + 2);
        out.push('[');
        out.push_str(&first);
        let deadline = tokio::time::Instant::now() + window;
        // One timer for the window, then whatever queued meanwhile, rather
        // than a wake-up per message: a hub queues an event for thousands of
        // sockets at a time, and each wake-up is a trip through the worker.
        let mut slept = false;
        loop {
            while out.len() < COALESCE_BYTES {
                let Ok(f) = self.rx.try_recv() else { break };
                out.push(',');
                out.push_str(&f);
            }
            if slept || out.len() >= COALESCE_BYTES {
                break;
            }
            tokio::time::sleep_until(deadline).await;
            slept = true;
        }
        out.push(']');
        out
    }

    /// The client fell behind a burst and has now sent everything queued
    /// before it: the hub queues what it missed (a round of at most the
    /// queue's size; the next follows when this one is sent).
    /// A client that took longer than `STALL_LIMIT` to read what was
    /// queued had stopped reading: it is cut loose (`resync`), rather
    /// than holding up its tenant's hub with page after page of the log.
    async fn catch_up(&mut self) {
        let cut_loose = self.behind.stalled_for() > STALL_LIMIT;
        if !cut_loose {
            let label = crate::telemetry_metrics::tenant_label(self.tenant.slug.as_str());
            metrics::counter!("mandant_ws_catch_ups_total", "tenant" => label).increment(1);
        }
        let req = CatchUp {
            session: self.id,
            cut_loose,
        };
        let _ = self.hub.send(req).await;
    }

    async fn handle(
        &mut self,
        text: &str,
        topics: &mut Vec<Topic>,
    ) -> Result<(), actix_ws::Closed> {
        if text.len() > MAX_MESSAGE {
            return self
                .send(&protocol::error(
                    None,
                    Code::MessageTooLarge,
                    "Messages are limited to 16 KiB.",
                ))
                .await;
        }
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(_) => {
                return self
                    .send(&protocol::error(
                        None,
                        Code::InvalidJson,
                        "The message is not JSON.",
                    ))
                    .await;
            }
        };
        let id = value.get("id").and_then(|v| v.as_str()).map(str::to_owned);
        let id = id.as_deref();
        let msg: ClientMessage = match serde_json::from_value(value.clone()) {
            Ok(m) => m,
            Err(_) => {
                let known = matches!(
                    value.get("type").and_then(|t| t.as_str()),
                    Some("subscribe" | "unsubscribe" | "ping" | "presence")
                );
                let (code, m) = if known {
                    (
                        Code::InvalidMessage,
                        "A field is missing or has the wrong type.",
                    )
                } else {
                    (Code::UnknownType, "Unknown message type.")
                };
                return self.send(&protocol::error(id, code, m)).await;
            }
        };
        match msg {
            ClientMessage::Ping { .. } => self.send(&protocol::pong(id)).await,
            ClientMessage::Subscribe { topic, since, .. } => {
                let Some(t) = Topic::parse(&topic) else {
                    return self
                        .send(&protocol::error(id, Code::InvalidTopic, "Unknown topic."))
                        .await;
                };
                if !self.topic_enabled(&t).await {
                    return self
                        .send(&protocol::error(id, Code::NotFound, "Unknown topic."))
                        .await;
                }
                if since.is_some_and(|s| s < 0) {
                    return self
                        .send(&protocol::error(
                            id,
                            Code::InvalidMessage,
                            "since must be 0 or more.",
                        ))
                        .await;
                }
                if topics.len() >= 100 && !topics.contains(&t) {
                    return self
                        .send(&protocol::error(
                            id,
                            Code::TooManyTopics,
                            "At most 100 topics per connection.",
                        ))
                        .await;
                }
                let req = Subscribe {
                    session: self.id,
                    id: id.map(str::to_owned),
                    topic: t,
                    since,
                };
                match self.hub.send(req).await {
                    Ok(Ok(())) => {
                        if !topics.contains(&t) {
                            topics.push(t);
                        }
                        Ok(())
                    }
                    Ok(Err(refused)) => {
                        self.send(&protocol::error(id, refused.0, &refused.1)).await
                    }
                    Err(_) => {
                        self.send(&protocol::error(id, Code::Unavailable, "Try again."))
                            .await
                    }
                }
            }
            ClientMessage::Presence { topic, state, .. } => {
                let (Some(t), Some(state)) = (Topic::parse(&topic), PresenceState::parse(&state))
                else {
                    return self
                        .send(&protocol::error(
                            id,
                            Code::InvalidMessage,
                            "Needs a known topic and state viewing, editing or idle.",
                        ))
                        .await;
                };
                match self
                    .hub
                    .send(Presence {
                        session: self.id,
                        topic: t,
                        state,
                    })
                    .await
                {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(refused)) => {
                        self.send(&protocol::error(id, refused.0, &refused.1)).await
                    }
                    Err(_) => {
                        self.send(&protocol::error(id, Code::Unavailable, "Try again."))
                            .await
                    }
                }
            }
            ClientMessage::Unsubscribe { topic, .. } => {
                let Some(t) = Topic::parse(&topic) else {
                    return self
                        .send(&protocol::error(id, Code::InvalidTopic, "Unknown topic."))
                        .await;
                };
                topics.retain(|x| *x != t);
                let _ = self
                    .hub
                    .send(Unsubscribe {
                        session: self.id,
                        topic: t,
                    })
                    .await;
                self.send(&protocol::unsubscribed(id, &topic)).await
            }
        }
    }
}

//! Delivery: every serving node runs one `Dispatcher`. It keeps a task per
//! enabled endpoint it knows of; the task delivers only while it holds the
//! endpoint's lease (`webhook:<id>`, renewed before each attempt), so on
//! several nodes one drives each endpoint and another takes over within a
//! minute of its death, from the endpoint's stored cursor: nothing is
//! lost, at worst the attempt in flight is sent again (at least once).
//!
//! Fairness: an attempt needs a permit of its tenant (a few at once) and
//! one of the node (a bounded number), and has a deadline, so one slow or
//! dead endpoint delays at most its own deliveries, never another
//! tenant's. Tasks wake when the bus says a tenant committed events, when
//! the endpoint's retry is due, and every 30 s regardless.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use tokio::sync::{Notify, Semaphore};
use uuid::Uuid;

use super::address::Policy;
use super::sender::Sender;
use super::{Filter, payload, signing, signing_secrets};
use crate::bus::{Bus, BusMessage};
use crate::domain::tenant::{Tenant, TenantId};
use crate::storage::audit_log::{self, Actor, NewEntry};
use crate::storage::webhooks::{self as store, DeliveryRow, WebhookRow};
use crate::storage::{StorageError, TenantDb, leases, settings, users};
use crate::tenants::TenantService;
use crate::tenants::branding::Branding;

const BATCH: i64 = 50;
const PER_TENANT: usize = 4;
const PER_NODE: usize = 64;
const POLL: Duration = Duration::from_secs(30);
const MAX_BACKOFF_MS: u64 = 3_600_000;
/// An endpoint failing this long is disabled.
const GIVE_UP_HOURS: i64 = 24;

/// How deliveries are made on this node.
#[derive(Debug, Clone)]
pub struct Settings {
    pub policy: Policy,
    pub timeout: Duration,
    pub retry_base_ms: u64,
    pub lease: Duration,
    /// Where the mail that says an endpoint was switched off links to.
    pub addresses: crate::integrations::mail::Addresses,
}

impl Settings {
    pub fn of(config: &crate::config::Config) -> Self {
        Self {
            policy: Policy::new(config.webhook_allow_networks.clone()),
            timeout: Duration::from_secs(config.webhook_timeout_secs),
            retry_base_ms: config.webhook_retry_base_ms,
            lease: Duration::from_secs(config.webhook_lease_secs.max(2)),
            addresses: crate::integrations::mail::Addresses::of(config),
        }
    }
}

struct Running {
    tenant: TenantId,
    wake: Rc<Notify>,
}

/// One node's webhook deliveries. Lives on one thread (actix's HTTP
/// client is not `Send`).
pub struct Dispatcher {
    tenants: TenantService,
    bus: Bus,
    settings: Settings,
    holder: String,
    running: RefCell<HashMap<Uuid, Running>>,
    per_tenant: RefCell<HashMap<TenantId, Rc<Semaphore>>>,
    node: Rc<Semaphore>,
    stop: tokio::sync::watch::Receiver<bool>,
}

impl Dispatcher {
    /// Runs until `stop` turns true. Spawn it on a local task set (the
    /// server's runtime).
    pub async fn run(
        tenants: TenantService,
        bus: Bus,
        settings: Settings,
        stop: tokio::sync::watch::Receiver<bool>,
    ) {
        let me = Rc::new(Dispatcher {
            tenants,
            holder: bus.node_id().to_string(),
            bus,
            settings,
            running: RefCell::new(HashMap::new()),
            per_tenant: RefCell::new(HashMap::new()),
            node: Rc::new(Semaphore::new(PER_NODE)),
            stop,
        });
        let mut heard = me.bus.subscribe();
        let mut stop = me.stop.clone();
        me.scan_all().await;
        let mut tick = tokio::time::interval(POLL);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                _ = tick.tick() => me.scan_all().await,
                m = heard.recv() => match m {
                    Ok(m) => match &*m {
                        BusMessage::EventsCommitted { tenant_id, .. } => me.wake(*tenant_id),
                        BusMessage::WebhooksChanged { tenant_id } => {
                            me.scan(*tenant_id).await;
                            me.wake(*tenant_id);
                        }
                        _ => {}
                    },
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => me.wake_all(),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
            }
            if me.stopped() {
                return;
            }
        }
    }

    fn wake(&self, tenant: TenantId) {
        for r in self.running.borrow().values() {
            if r.tenant == tenant {
                r.wake.notify_one();
            }
        }
    }

    fn wake_all(&self) {
        for r in self.running.borrow().values() {
            r.wake.notify_one();
        }
    }

    async fn scan_all(self: &Rc<Self>) {
        let Ok(list) = self.tenants.list().await else {
            return;
        };
        for t in list {
            self.start_endpoints(Arc::new(t)).await;
        }
    }

    async fn scan(self: &Rc<Self>, tenant: TenantId) {
        if let Ok(list) = self.tenants.list().await
            && let Some(t) = list.into_iter().find(|t| t.id == tenant)
        {
            self.start_endpoints(Arc::new(t)).await;
        }
    }

    /// Starts a task for each enabled endpoint of `t` not yet running here.
    async fn start_endpoints(self: &Rc<Self>, t: Arc<Tenant>) {
        let Ok(db) = self.tenants.storage().tenant_db(&t).await else {
            return;
        };
        let ids = async {
            let mut tx = db.begin_read().await?;
            let ids = store::enabled_ids(&mut tx).await?;
            tx.rollback().await?;
            Ok::<_, StorageError>(ids)
        };
        let Ok(ids) = ids.await else { return };
        for id in ids {
            if self.running.borrow().contains_key(&id) {
                continue;
            }
            let wake = Rc::new(Notify::new());
            self.running.borrow_mut().insert(
                id,
                Running {
                    tenant: t.id,
                    wake: wake.clone(),
                },
            );
            let me = self.clone();
            let (t, db) = (t.clone(), db.clone());
            tokio::task::spawn_local(async move {
                let sender = Sender::new(me.settings.policy.clone(), me.settings.timeout);
                if let Err(e) = me.drive(&t, &db, &sender, id, &wake).await {
                    tracing::warn!(tenant = %t.slug, webhook = %id, error = %e, "webhook delivery stopped");
                }
                me.running.borrow_mut().remove(&id);
            });
        }
    }

    fn tenant_slots(&self, t: TenantId) -> Rc<Semaphore> {
        self.per_tenant
            .borrow_mut()
            .entry(t)
            .or_insert_with(|| Rc::new(Semaphore::new(PER_TENANT)))
            .clone()
    }

    async fn lease(&self, db: &TenantDb, id: Uuid) -> Result<bool, StorageError> {
        let now = Utc::now();
        let mut tx = db.begin().await?;
        let ok = leases::take(
            &mut tx,
            &format!("webhook:{id}"),
            &self.holder,
            now,
            now + TimeDelta::from_std(self.settings.lease).unwrap_or(TimeDelta::seconds(60)),
        )
        .await?;
        tx.commit().await?;
        Ok(ok)
    }

    /// The node is stopping, or its services are gone.
    fn stopped(&self) -> bool {
        self.stop.has_changed().is_err() || *self.stop.borrow()
    }

    /// Waits for a wake-up, `d`, or the stop.
    async fn idle(&self, wake: &Notify, d: Duration) {
        let mut stop = self.stop.clone();
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(d) => {}
            _ = stop.changed() => {}
        }
    }

    /// Delivers endpoint `id` until it is deleted, disabled or the node stops.
    async fn drive(
        &self,
        t: &Arc<Tenant>,
        db: &TenantDb,
        sender: &Sender,
        id: Uuid,
        wake: &Notify,
    ) -> Result<(), StorageError> {
        loop {
            if self.stopped() {
                return Ok(());
            }
            if !self.lease(db, id).await? {
                // Another node drives it; take over if its lease runs out.
                self.idle(wake, self.settings.lease / 2).await;
                continue;
            }
            let mut tx = db.begin_read().await?;
            let row = store::get(&mut tx, id).await?;
            tx.rollback().await?;
            let Some(row) = row.filter(|r| r.enabled) else {
                let mut tx = db.begin().await?;
                leases::release(&mut tx, &format!("webhook:{id}"), &self.holder).await?;
                tx.commit().await?;
                return Ok(());
            };
            if let Some(due) = row.next_attempt_at
                && due > db.clock().now()
            {
                self.idle(wake, db.clock().until(due)).await;
                continue;
            }
            let Some(principal) = super::principal(t, db, &row).await? else {
                self.disable(
                    t,
                    db,
                    &row,
                    "maker_inactive",
                    "the user who made it is no longer active",
                )
                .await?;
                return Ok(());
            };
            let page =
                crate::records::events::read(db, t, &principal, row.delivered_seq, BATCH).await?;
            let filter = Filter::of(&row);
            let (mut attempts, mut failing_since) = (row.attempts, row.failing_since);
            let mut failed = false;
            for e in page.items.iter().filter(|e| filter.wants(e)) {
                if !self.lease(db, id).await? {
                    failed = true;
                    break;
                }
                let slots = self.tenant_slots(t.id);
                let (Ok(_mine), Ok(_node)) = (slots.acquire().await, self.node.acquire().await)
                else {
                    return Ok(());
                };
                let body = payload(e);
                let d = attempt_with(
                    db,
                    sender,
                    &row,
                    &e.seq.to_string(),
                    Some(e.seq),
                    &e.event_type,
                    &body,
                    attempts + 1,
                )
                .await?;
                if d.ok {
                    let mut tx = db.begin().await?;
                    store::advance(&mut tx, id, e.seq).await?;
                    tx.commit().await?;
                    (attempts, failing_since) = (0, None);
                } else {
                    self.failed(t, db, &row, attempts, failing_since, &d)
                        .await?;
                    failed = true;
                    break;
                }
            }
            if failed {
                continue;
            }
            if page.next_since > row.delivered_seq {
                // Past what was delivered and what the endpoint does not take.
                let mut tx = db.begin().await?;
                store::advance(&mut tx, id, page.next_since).await?;
                tx.commit().await?;
            }
            if page.next_since >= page.head {
                self.idle(wake, POLL).await;
            }
        }
    }

    /// Schedules the next attempt, or disables an endpoint failing for a day.
    async fn failed(
        &self,
        t: &Tenant,
        db: &TenantDb,
        row: &WebhookRow,
        attempts: i32,
        failing_since: Option<DateTime<Utc>>,
        d: &DeliveryRow,
    ) -> Result<(), StorageError> {
        let now = db.clock().now();
        let since = failing_since.unwrap_or(now);
        if now - since >= TimeDelta::hours(GIVE_UP_HOURS) {
            let why = format!(
                "failing since {}: {}",
                since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                d.error.as_deref().unwrap_or("no answer")
            );
            return self.disable(t, db, row, "failures", &why).await;
        }
        let next = now + backoff(self.settings.retry_base_ms, attempts + 1);
        let mut tx = db.begin().await?;
        store::failed(&mut tx, row.id, since, next).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns the endpoint off, says so in the trail and tells the tenant's
    /// open screens (admins see it at once on the webhooks page).
    async fn disable(
        &self,
        t: &Tenant,
        db: &TenantDb,
        row: &WebhookRow,
        cause: &str,
        why: &str,
    ) -> Result<(), StorageError> {
        let mut tx = db.begin().await?;
        let Some(mut fresh) = store::get(&mut tx, row.id).await? else {
            return Ok(());
        };
        fresh.enabled = false;
        fresh.disabled_reason = Some(why.to_owned());
        fresh.disabled_cause = Some(cause.to_owned());
        fresh.updated_at = db.clock().now();
        store::update(&mut tx, &fresh).await?;
        audit_log::append(
            &mut tx,
            &NewEntry {
                action: "webhook.disabled",
                actor: Actor::Engine,
                kind: Some("webhook"),
                record_id: Some(row.id),
                detail: json!({"reason": why, "cause": cause, "url": row.url}),
            },
        )
        .await?;
        leases::release(&mut tx, &format!("webhook:{}", row.id), &self.holder).await?;
        // Its maker hears of it by mail, in the same transaction.
        let maker = users::auth_by_id(&mut tx, row.created_by)
            .await?
            .filter(|u| u.status == "active");
        if let Some(maker) = &maker {
            let branding: Branding = settings::read(&mut tx).await?;
            let a = &self.settings.addresses;
            let link = format!(
                "{}/t/{}/admin/webhooks",
                a.public_url.trim_end_matches('/'),
                t.slug
            );
            let mail = crate::integrations::mail::templates::webhook_disabled(
                &branding,
                &crate::integrations::mail::org(t, &branding),
                &row.url,
                why,
                &link,
            );
            crate::integrations::mail::queue(&mut tx, db, &maker.email, &mail, db.clock().now())
                .await?;
        }
        tx.commit().await?;
        if maker.is_some() {
            let _ = self
                .bus
                .publish(BusMessage::MailQueued { tenant_id: t.id })
                .await;
        }
        tracing::warn!(tenant = %t.slug, webhook = %row.id, reason = why, "webhook disabled");
        let _ = self
            .bus
            .publish(BusMessage::TenantShown {
                tenant_id: t.id,
                what: "webhooks".into(),
            })
            .await;
        Ok(())
    }
}

/// The delay before attempt `n + 1`: the base doubled per failure, at
/// most an hour, ±25 % so that endpoints failing together spread out.
fn backoff(base_ms: u64, n: i32) -> TimeDelta {
    let exp = base_ms.saturating_mul(1u64 << (n.clamp(1, 30) - 1) as u32);
    let ms = exp.min(MAX_BACKOFF_MS) as f64;
    let r = crate::secret::random_bytes(2);
    let unit = f64::from(u16::from_le_bytes([r[0], r[1]])) / f64::from(u16::MAX);
    TimeDelta::milliseconds((ms * (0.75 + 0.5 * unit)) as i64)
}

/// One signed POST of `body` as message `message`, kept in the delivery log.
#[allow(clippy::too_many_arguments)]
pub async fn attempt_with(
    db: &TenantDb,
    sender: &Sender,
    row: &WebhookRow,
    message: &str,
    seq: Option<i64>,
    event_type: &str,
    body: &Value,
    attempt: i32,
) -> Result<DeliveryRow, StorageError> {
    let now: DateTime<Utc> = db.clock().now();
    let secrets = signing_secrets(db, row, now).await?;
    let text = body.to_string();
    let ts = Utc::now().timestamp();
    let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let headers = [
        ("webhook-id", message.to_owned()),
        ("webhook-timestamp", ts.to_string()),
        (
            "webhook-signature",
            signing::signature_header(&refs, message, ts, text.as_bytes()),
        ),
    ];
    let url = url::Url::parse(&row.url)
        .map_err(|e| StorageError::Corrupt(format!("webhook url: {e}")))?;
    let out = sender.post(&url, &headers, text.as_bytes()).await;
    let d = DeliveryRow {
        id: Uuid::now_v7(),
        webhook_id: row.id,
        message_id: message.to_owned(),
        seq,
        event_type: event_type.to_owned(),
        attempt,
        status: out.status.map(i32::from),
        ok: out.ok,
        error: out.error,
        latency_ms: out.latency_ms,
        response: out.response,
        at: Utc::now(),
    };
    let mut tx = db.begin().await?;
    store::log_delivery(&mut tx, &d).await?;
    tx.commit().await?;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_with_jitter_and_stops_at_an_hour() {
        for n in 1..=5 {
            let d = backoff(1000, n).num_milliseconds();
            let exp = 1000i64 << (n - 1);
            assert!(d >= exp * 3 / 4 && d <= exp * 5 / 4, "{n}: {d}");
        }
        let late = backoff(5000, 40).num_milliseconds();
        assert!((2_700_000..=4_500_000).contains(&late), "{late}");
    }
}

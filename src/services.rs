//! The long-lived services: storage, bus, tenants, identity, real time
//! and rate limits, connected once (`Services::connect`) and shared by every
//! request, actor and command. Below `http/` and `app`: handlers hold it,
//! the composition root builds it.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::bus::Bus;
use crate::config::Config;
use crate::identity::AuthService;
use crate::identity::service::AuthSettings;
use crate::secret::{Secret, random_hex};
use crate::storage::Storage;
use crate::tenants::{TenantDirectory, TenantService};

/// The long-lived services every request, actor and command shares.
pub struct Services {
    pub config: Config,
    pub storage: Storage,
    pub bus: Bus,
    pub tenants: TenantService,
    pub auth: Arc<AuthService>,
    pub realtime: Arc<crate::actors::Realtime>,
    pub rate_limits: Arc<crate::limits::RateLimits>,
    pub files: Arc<crate::files::Files>,
    pub sso: Arc<crate::integrations::sso::Sso>,
    /// Flips to true when the process is shutting down.
    pub shutdown: tokio::sync::watch::Sender<bool>,
    pub platform_token: Secret,
    /// True when no token was configured and one was made up at start.
    pub platform_token_generated: bool,
}

impl Services {
    /// Connects storage (migrating the control plane) and the bus.
    pub async fn connect(config: Config) -> anyhow::Result<Self> {
        Self::connect_on(config, None).await
    }

    /// Like [`connect`](Self::connect), on a given in-process bus when
    /// `bus` is set and no Redis is configured (several nodes in one
    /// process share one, as separate processes share Redis).
    pub async fn connect_on(config: Config, bus: Option<Bus>) -> anyhow::Result<Self> {
        crate::telemetry_metrics::install();
        let storage = Storage::connect(&config)
            .await
            .context("failed to open storage")?;
        let bus = match &config.redis_url {
            Some(url) => Bus::redis(url.expose())
                .await
                .context("failed to connect to Redis (REDIS_URL)")?,
            None => bus.unwrap_or_else(Bus::in_process),
        };
        let directory = TenantDirectory::new(storage.control().clone());
        directory.follow(&bus);
        let tenants = TenantService::new(storage.clone(), bus.clone(), directory);
        let auth = Arc::new(
            AuthService::new(
                storage.control(),
                config.jwt_secret.as_ref(),
                &AuthSettings {
                    access_ttl_secs: config.access_token_ttl_secs,
                    session_ttl_days: config.session_ttl_days,
                    public_url: config.public_url(),
                    login_per_account_per_min: config.login_per_account_per_min,
                    login_per_address_per_min: config.login_per_address_per_min,
                },
            )
            .await?,
        );
        sweep_throttle(&auth);
        let realtime = crate::actors::Realtime::new(bus.clone(), auth.principal_cache());
        let weak_rt = Arc::downgrade(&realtime);
        tenants.directory().on_change(move |t| {
            if let Some(rt) = weak_rt.upgrade() {
                rt.tenant_changed(t);
            }
        });
        // A deleted tenant's hub stops on every node: a tenant restored
        // under its id must not meet a hub that remembers the old log.
        let weak_rt = Arc::downgrade(&realtime);
        tenants.directory().on_gone(move |id| {
            if let Some(rt) = weak_rt.upgrade() {
                rt.retire(id);
            }
        });
        let rate_limits = Arc::new(match &config.redis_url {
            Some(url) => crate::limits::RateLimits::redis(url.expose())
                .await
                .context("failed to connect the rate limiter to Redis")?,
            None => crate::limits::RateLimits::local(),
        });
        sweep_limits(&rate_limits);
        let files = Arc::new(crate::files::Files::new(&config, storage.control()).await?);
        let sso = Arc::new(crate::integrations::sso::Sso::new(
            crate::integrations::webhooks::address::Policy::new(config.sso_allow_networks.clone()),
            config.public_url(),
            config.session_ttl_days,
        )?);
        trim_events_hourly(&tenants);
        upkeep(&config, &tenants, &realtime);
        let (platform_token, platform_token_generated) = match &config.platform_token {
            Some(t) => (t.clone(), false),
            None => (Secret::new(random_hex(24)), true),
        };
        Ok(Self {
            config,
            storage,
            bus,
            tenants,
            auth,
            realtime,
            rate_limits,
            files,
            sso,
            shutdown: tokio::sync::watch::channel(false).0,
            platform_token,
            platform_token_generated,
        })
    }

    /// Start-up duties before serving: finish interrupted tenant operations,
    /// then bring every tenant to the current schema version.
    pub async fn prepare(&self) -> anyhow::Result<()> {
        self.tenants.recover().await?;
        let report = self.tenants.migrate_all().await?;
        tracing::info!(
            tenants = report.migrated,
            failed = report.failed.len(),
            ms = report.elapsed.as_millis() as u64,
            "tenant schemas are current"
        );
        self.adopt_support();
        self.adopt_remote_support();
        if !report.failed.is_empty() {
            anyhow::bail!(
                "{} tenant(s) failed to migrate: {:?}",
                report.failed.len(),
                report.failed
            );
        }
        Ok(())
    }
}

impl Services {
    /// Starts the hub of every tenant that has queues, in the background:
    /// SLA alarms and offer expiries must fire on a node even when nobody
    /// is connected, and after a restart they are rebuilt from storage.
    /// Person exports left unfinished by a stop are built again.
    fn adopt_support(&self) {
        let (tenants, storage, rt) = (
            self.tenants.clone(),
            self.storage.clone(),
            self.realtime.clone(),
        );
        tokio::spawn(async move {
            let Ok(list) = tenants.list().await else {
                return;
            };
            for t in list {
                let t = Arc::new(t);
                let Ok(db) = storage.tenant_db(&t).await else {
                    continue;
                };
                let has_queues = async {
                    let mut tx = db.begin_read().await?;
                    let ids = crate::storage::records::ids_of_kind(&mut tx, "queue").await?;
                    tx.rollback().await?;
                    Ok::<_, crate::storage::StorageError>(!ids.is_empty())
                };
                if has_queues.await.unwrap_or(false) {
                    rt.engage(&t, &db).await;
                }
                for id in crate::records::person_export::unfinished(&db)
                    .await
                    .unwrap_or_default()
                {
                    build_export(&rt, t.clone(), db.clone(), id);
                }
            }
        });
    }
}

impl Services {
    /// Another node wrote events whose timers the support engine keeps
    /// (tickets, offers): this node starts the tenant's hub too, as it
    /// does for every tenant with queues at start-up, so that the SLA
    /// alarms still fire when the writing node dies. (Each alarm is
    /// claimed in storage, so two nodes never both fire it.)
    fn adopt_remote_support(&self) {
        let (storage, rt) = (self.storage.clone(), self.realtime.clone());
        let mut rx = self.bus.subscribe();
        tokio::spawn(async move {
            loop {
                let msg = match rx.recv().await {
                    Ok(m) => m,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                };
                let crate::bus::BusMessage::EventsCommitted {
                    tenant_id,
                    timed: true,
                    ..
                } = &*msg
                else {
                    continue;
                };
                if rt.is_running(*tenant_id) {
                    continue;
                }
                let Ok(Some(t)) = storage.control().find_by_id(*tenant_id).await else {
                    continue;
                };
                if t.state != crate::domain::tenant::TenantState::Active {
                    continue;
                }
                let t = Arc::new(t);
                if let Ok(db) = storage.tenant_db(&t).await {
                    rt.engage(&t, &db).await;
                }
            }
        });
    }
}

/// Forgets idle throttle keys every minute, until the service is dropped.
fn sweep_throttle(auth: &Arc<AuthService>) {
    let weak = Arc::downgrade(auth);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            match weak.upgrade() {
                Some(a) => a.throttle().sweep(),
                None => return,
            }
        }
    });
}

fn sweep_limits(limits: &Arc<crate::limits::RateLimits>) {
    let weak = Arc::downgrade(limits);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            match weak.upgrade() {
                Some(l) => l.sweep(),
                None => return,
            }
        }
    });
}

/// Applies every tenant's event retention once an hour. Several nodes may
/// all do it: trimming is idempotent.
fn trim_events_hourly(tenants: &TenantService) {
    let tenants = tenants.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            match tenants.trim_events(chrono::Utc::now()).await {
                Ok(n) if n > 0 => tracing::info!(events = n, "trimmed events past retention"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "event trim sweep failed"),
            }
        }
    });
}

/// Applies `tenant`'s retention rules once (see `records::retention_run`),
/// handing each removal's events to the hub and the bus as it commits and
/// signing erased portal users out everywhere. `None`: a run holds the
/// tenant's lease already, here or on another node.
pub async fn apply_retention(
    rt: &Arc<crate::actors::Realtime>,
    tenant: &Arc<crate::domain::tenant::Tenant>,
    db: &crate::storage::TenantDb,
    lease_secs: u64,
) -> Result<Option<crate::records::retention_run::Report>, crate::records::core::RecordError> {
    let holder = uuid::Uuid::now_v7().to_string();
    let lease = chrono::TimeDelta::seconds(lease_secs as i64);
    let report = delivering(rt, tenant, db, |send| {
        crate::records::retention_run::run(db, &holder, lease, send)
    })
    .await;
    // The files of what the rules removed leave the store too.
    crate::files::sweep(db).await;
    report
}

/// Runs `work`, handing what it commits to the hub and the bus while it
/// goes on (a channel: the job is not held up by delivery), and closing
/// the sockets of anyone it signed out, on every node.
async fn delivering<T, F: std::future::Future<Output = T>>(
    rt: &Arc<crate::actors::Realtime>,
    tenant: &Arc<crate::domain::tenant::Tenant>,
    db: &crate::storage::TenantDb,
    work: impl FnOnce(tokio::sync::mpsc::UnboundedSender<crate::records::core::Committed>) -> F,
) -> T {
    let (send, mut committed) = tokio::sync::mpsc::unbounded_channel();
    let deliver = async {
        while let Some(c) = committed.recv().await {
            let c: crate::records::core::Committed = c;
            rt.written(tenant, db, c.events).await;
            if let Some(user) = c.signed_out {
                rt.principals_changed(tenant.id, Some(user)).await;
            }
        }
    };
    let (out, ()) = tokio::join!(work(send), deliver);
    out
}

/// Every `upkeep_secs` (an hour): drops the old copies moves left behind
/// (`tenants::moving::drop_retired`), and for every tenant: drops expired
/// exports, re-seals what is under an older data key, forgets week-old
/// webhook attempts, and applies the retention rules (a tenant without
/// rules costs one settings read). The lease keeps two nodes from
/// applying one tenant's rules at once, and hands a run whose node died
/// to the next node whose upkeep comes round after it ran out; the rest
/// may run on both.
fn upkeep(config: &Config, tenants: &TenantService, rt: &Arc<crate::actors::Realtime>) {
    let (tenants, weak) = (tenants.clone(), Arc::downgrade(rt));
    let (every, lease) = (
        Duration::from_secs(config.upkeep_secs),
        config.retention_lease_secs,
    );
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let Some(rt) = weak.upgrade() else { return };
            match crate::tenants::moving::drop_retired(&tenants).await {
                Ok(n) if n > 0 => tracing::info!(copies = n, "dropped old copies of moved tenants"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "dropping old copies of moved tenants failed"),
            }
            let Ok(list) = tenants.list().await else {
                continue;
            };
            for t in list {
                let t = Arc::new(t);
                let Ok(db) = tenants.storage().tenant_db(&t).await else {
                    continue;
                };
                if let Err(e) = crate::records::person_export::expire(&db).await {
                    tracing::warn!(tenant = %t.slug, error = %e, "dropping expired exports failed");
                }
                reseal(&t, &db).await;
                if let Err(e) = crate::integrations::webhooks::trim_log(&db).await {
                    tracing::warn!(tenant = %t.slug, error = %e, "trimming the webhook log failed");
                }
                match apply_retention(&rt, &t, &db, lease).await {
                    Ok(Some(r)) => {
                        let n: usize = r.rules.iter().map(|r| r.matched).sum();
                        if n > 0 {
                            tracing::info!(tenant = %t.slug, records = n, "retention rules applied");
                        }
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(tenant = %t.slug, error = %e, "retention run failed"),
                }
                // Whatever a crash kept from being deleted after its commit.
                crate::files::sweep(&db).await;
            }
        }
    });
}

/// Learns of a data key added by `mandant keys rotate-tenant` and
/// re-seals what is still under an older one: values this node sealed
/// before it knew of the new key, or a rotation whose own run was cut off.
async fn reseal(t: &crate::domain::tenant::Tenant, db: &crate::storage::TenantDb) {
    match db.reseal().await {
        Ok(n) if n.records + n.events > 0 => {
            tracing::info!(tenant = %t.slug, records = n.records, events = n.events, "re-sealed under the newest data key")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(tenant = %t.slug, error = %e, "re-sealing failed"),
    }
    if let Err(e) = crate::identity::mfa::reseal_secrets(db).await {
        tracing::warn!(tenant = %t.slug, error = %e, "re-sealing TOTP secrets failed");
    }
    if let Err(e) = crate::integrations::sso::admin::reseal_secrets(db).await {
        tracing::warn!(tenant = %t.slug, error = %e, "re-sealing SSO client secrets failed");
    }
}

/// Builds person export `id` in the background on this node, handing
/// each step's events to the hub (and so to `exports` subscribers). A
/// node that stops mid-way leaves it `running`; `Services::prepare` on
/// the next start builds it again.
pub fn build_export(
    rt: &Arc<crate::actors::Realtime>,
    tenant: Arc<crate::domain::tenant::Tenant>,
    db: crate::storage::TenantDb,
    id: uuid::Uuid,
) {
    let rt = rt.clone();
    tokio::spawn(async move {
        delivering(&rt, &tenant, &db, |send| {
            crate::records::person_export::build(&db, id, send)
        })
        .await;
    });
}

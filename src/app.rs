//! The composition root: everything is wired here, once, for `main` and
//! for the tests alike: the services (`services.rs`) and the HTTP server
//! that serves them.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Condition, DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::bus::Bus;
use crate::config::Config;
use crate::http;

pub use crate::services::Services;

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending::<()>().await,
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

/// A bound, not yet running, HTTP server.
pub struct Application {
    port: u16,
    server: Server,
    services: web::Data<Services>,
}

impl Application {
    /// Connects, prepares and binds `config.listen` (port 0: any free port).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_on(config, None).await
    }

    /// Like [`build`](Self::build), sharing an in-process bus (see
    /// [`Services::connect_on`]).
    pub async fn build_on(config: Config, bus: Option<Bus>) -> anyhow::Result<Self> {
        let services = Services::connect_on(config, bus).await?;
        services.prepare().await?;
        Self::bind(services)
    }

    pub fn bind(services: Services) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(services.config.listen)
            .with_context(|| format!("failed to bind {}", services.config.listen))?;
        let port = listener.local_addr()?.port();
        let max_body = services.config.max_body_bytes;
        let workers = match services.config.http_workers {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        };
        let shutdown = services.config.shutdown_timeout_secs;
        let tls = services
            .config
            .tls
            .as_ref()
            .map(crate::tls::server_config)
            .transpose()?;
        let https = tls.is_some();
        // Webhooks go out from serving nodes only (not from CLI commands),
        // on this runtime: actix's HTTP client stays on its thread.
        actix_web::rt::spawn(crate::integrations::webhooks::Dispatcher::run(
            services.tenants.clone(),
            services.bus.clone(),
            crate::integrations::webhooks::Settings::of(&services.config),
            services.shutdown.subscribe(),
        ));
        actix_web::rt::spawn(crate::integrations::mail::notices::run(
            services.tenants.clone(),
            services.bus.clone(),
            crate::integrations::mail::Addresses::of(&services.config),
            services.shutdown.subscribe(),
        ));
        // Scheduled backups run on serving nodes only, as webhooks do.
        if let Some(url) = &services.config.backup_url {
            let store = crate::storage::blobs::BackupStore::open(url.expose())
                .map_err(|e| anyhow::anyhow!("MANDANT_BACKUP_URL: {e}"))?;
            actix_web::rt::spawn(
                crate::tenants::backup::schedule::Schedule {
                    tenants: services.tenants.clone(),
                    store,
                    every: std::time::Duration::from_secs(services.config.backup_interval_secs),
                    keep: services.config.backup_keep,
                    holder: services.bus.node_id().to_string(),
                    scratch: services.config.data_dir.join("scratch"),
                }
                .run(services.shutdown.subscribe()),
            );
        }
        match crate::integrations::mail::mailer::Settings::of(&services.config) {
            Some(mail) => {
                actix_web::rt::spawn(crate::integrations::mail::mailer::Mailer::run(
                    services.tenants.clone(),
                    services.bus.clone(),
                    mail,
                    services.shutdown.subscribe(),
                ));
            }
            None => tracing::info!(
                "no SMTP server configured (MANDANT_SMTP_URL): e-mail waits in each tenant's outbox"
            ),
        }
        let services = web::Data::new(services);
        let data = services.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                // Over HTTPS, browsers are told to come back only that way
                // (a year, subdomains too: the tenant hosts).
                .wrap(Condition::new(
                    https,
                    DefaultHeaders::new().add((
                        "strict-transport-security",
                        "max-age=31536000; includeSubDomains",
                    )),
                ))
                .wrap(from_fn(http::refuse_nul_in_url))
                .wrap(http::problem_for_bare_errors())
                .wrap(from_fn(http::request_context::request_context))
                .configure(|cfg| http::configure(cfg, max_body))
        })
        .workers(workers)
        .shutdown_timeout(shutdown)
        // Signals are ours (run_until_stopped): WebSockets must hear about
        // the shutdown before the server stops accepting.
        .disable_signals();
        let server = match tls {
            Some(config) => server.listen_rustls_0_23(listener, config)?,
            None => server.listen(listener)?,
        }
        .run();
        Ok(Self {
            port,
            server,
            services,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn services(&self) -> web::Data<Services> {
        self.services.clone()
    }

    /// Stops the server gracefully when called (tests; SIGTERM does the same).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM or [`ServerHandle::stop`]. On a signal,
    /// WebSocket clients get close code 1012 ("service restart": reconnect
    /// and resume), then in-flight requests finish and storage closes.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let services = self.services.clone();
        let signals = async move {
            wait_for_signal().await;
            tracing::info!("shutting down: closing WebSockets, draining requests");
            let _ = services.shutdown.send(true);
            // Give sessions a moment to send their close frames.
            tokio::time::sleep(Duration::from_millis(200)).await;
            handle.stop(true).await;
        };
        let result = tokio::select! {
            r = self.server => r,
            () = signals => Ok(()),
        };
        self.services.storage.close().await;
        result
    }
}

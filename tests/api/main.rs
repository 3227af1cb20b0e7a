//! The integration suite: the real server over HTTP, on SQLite always and on
//! PostgreSQL when `MANDANT_TEST_DATABASE_URL` is set (Redis tests when
//! `MANDANT_TEST_REDIS_URL` is set). One binary, so one link step.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod access;
mod architecture;
mod audit;
mod auth_flow;
mod backup;
mod bad_input;
mod bus;
mod canned;
mod cli;
mod csv_io;
mod dashboards;
mod encryption;
mod escalation;
mod exports;
mod failover;
mod file_servers;
mod files;
mod fuzz;
mod health;
mod hostile_text;
mod isolation;
mod lifecycle;
mod limits;
mod login_abuse;
mod mail;
mod mfa;
mod moving;
mod oidc_provider;
mod openapi;
mod passkeys;
mod policy;
mod policy_walk;
mod portal;
mod privacy;
mod realtime;
mod records;
mod references;
mod retention;
mod routing;
mod scale;
mod scim;
mod sensitive_fields;
mod service_tls;
mod shards;
mod sla;
mod smtp_sink;
mod sso;
mod support_kit;
mod tenant_settings;
mod test_venv;
mod tls;
mod tracing_otlp;
mod web_app;
mod webhook_receiver;
mod webhooks;

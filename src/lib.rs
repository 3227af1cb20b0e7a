//! Mandant: a multi-tenant CRM server whose heart is real time.
//!
//! Map of the crate (see ARCHITECTURE.md for the why):
//! - [`app`]: the composition root; `main` and the tests both build the
//!   server through it.
//! - [`config`]: defaults, `mandant.toml`, environment.
//! - [`domain`]: validated values (slugs, emails, passwords, plans).
//! - [`storage`]: the only module that speaks SQL; tenant-scoped handles.
//! - [`tenants`]: the tenant life cycle (provision, update, delete, demo)
//!   and the cached directory used to resolve `/t/{slug}`.
//! - [`bus`]: in-process or Redis pub/sub between nodes.
//! - [`identity`]: authentication (sessions, JWT, MFA, API keys) and
//!   authorisation (roles, permissions, the one policy).
//! - [`http`]: the only module that speaks HTTP.
//! - [`actors`]: the per-tenant actor tree (real time).
//! - [`files`]: attachments (streamed uploads, quota, scanning, signed links).
//! - [`cli`]: the `mandant` command line.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod actors;
pub mod app;
pub mod audit;
pub mod bus;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod files;
pub mod http;
pub mod identity;
pub mod integrations;
pub mod keys;
pub mod limits;
pub mod records;
pub mod secret;
pub mod services;
pub mod storage;
pub mod support;
pub mod telemetry;
pub mod telemetry_metrics;
pub mod tenants;
pub mod tls;

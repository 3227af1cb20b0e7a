//! The tenant's CRM and support records: contacts, companies, pipelines,
//! deals, queues, tickets (with comments), activities, SLA policies.
//!
//! - [`core`]: what every writer of records shares (errors, loading and
//!   rendering for a caller, owners, search text); it calls nothing above it.
//! - [`schema`]: the kinds and their standard fields.
//! - [`validate`]: input checks for standard and custom fields.
//! - [`query`]: list filters, sort, search, cursors.
//! - [`workflow`]: ticket statuses and transitions.
//! - [`service`]: authorised reads and writes, each write with its event.
//! - [`events`]: the event log as a reader may see it.
//! - [`fields`]: custom field definitions.
//! - [`portal`]: what customers and suppliers may write, and where their tickets go.

pub mod anonymise;
pub mod audit;
pub mod core;
pub mod csv_io;
pub mod events;
pub mod fields;
pub mod person_export;
pub mod portal;
pub mod privacy;
pub mod query;
pub mod references;
pub mod removal;
pub mod retention;
pub mod retention_policy;
pub mod retention_run;
pub mod schema;
pub mod service;
pub mod ticket_clocks;
pub mod user_export;
pub mod validate;
pub mod workflow;

//! The support engine: SLA clocks counted in business hours, ticket queues
//! as actors (order, timers, routing), agent availability, and the live
//! dashboards.
//!
//! - [`calendar`], [`sla`]: working hours, SLA clocks (time: `crate::clock`).
//! - [`tickets`]: the writes the engine makes on tickets (alarms, offers,
//!   claims), each a version-checked update so it happens once.
//! - [`routing`]: who gets offered what (agents: `storage::agents`).
//! - [`queue`]: the queue actor; [`waiting`]: its tickets as the API shows
//!   them; [`dashboards`]: live aggregates.
//! - [`canned`]: canned replies, filled for a ticket as the agent sees it.

pub mod agents;
pub mod canned;

pub mod dashboards;
pub mod queue;
pub mod routing;

pub mod tickets;
pub mod waiting;

/// Record kinds whose writes the engine keeps timers for (SLA clocks,
/// offers, queue order): the node that writes one keeps the tenant's hub,
/// and with it the queues, running.
pub const TIMED_KINDS: [&str; 3] = ["ticket", "queue", "comment"];

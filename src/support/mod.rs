//! The support engine: SLA clocks counted in business hours, ticket queues
//! as actors (order, timers, routing), agent availability, and the live
//! dashboards.
//!
//! - [`clock`], [`calendar`], [`sla`]: time, working hours, SLA clocks.
//! - [`tickets`]: the writes the engine makes on tickets (alarms, offers,
//!   claims), each a version-checked update so it happens once.
//! - [`routing`]: who gets offered what (agents: `storage::agents`).
//! - [`queue`]: the queue actor; [`dashboards`]: live aggregates.

pub mod agents;
pub mod calendar;
pub mod clock;
pub mod dashboards;
pub mod queue;
pub mod routing;
pub mod sla;
pub mod tickets;

pub use clock::Clock;

//! The per-tenant actor tree (actix): registry → tenant supervisor →
//! sessions, topic hubs, presence, queues, rate limiters.
//!
//! Not built yet: the real-time issue adds it. Until then every request is
//! served by `http/` over `storage/` directly, and nothing here runs.

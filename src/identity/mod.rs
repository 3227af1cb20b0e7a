//! Identity and access: who a caller is (sessions, tokens, MFA, API keys)
//! and what they may do (roles, permissions, the policy).
//!
//! - [`permission`]: the catalogue of `resource:action` and scopes.
//! - [`builtin`], [`roles`]: role definitions, inheritance, effective grants.
//! - [`principal`]: the caller and the one policy decision (`decide`).
//! - [`principal_cache`]: session principals kept for a moment.
//! - [`tokens`], [`totp`], [`throttle`]: the mechanisms.
//! - [`service`]: login, refresh, logout, request authentication, MFA.
//! - [`passkeys`]: WebAuthn passkeys, to sign in or as a second factor.
//! - [`socket_tickets`]: one-time tickets that open a browser's WebSocket.
//! - [`admin`]: users, roles, teams, API keys, security settings.

pub mod admin;
pub mod builtin;
pub mod mfa;
pub mod passkeys;
pub mod permission;
pub mod principal;
pub mod principal_cache;
pub mod recovery;
pub mod roles;
pub mod service;
pub mod socket_tickets;
pub mod throttle;
pub mod tokens;
pub mod totp;

pub use principal::{Decision, Principal, RecordMeta, Via};
pub use service::{AuthError, AuthService, ClientInfo, LoginRequest, TokenPair};

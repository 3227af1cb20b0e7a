//! The systems a tenant's CRM talks to: webhooks out of the event log,
//! e-mail out through SMTP, identity providers for sign-in and
//! directories that provision users (SCIM).
//! Below `http/`; the composition root starts the delivery.

pub mod mail;
pub mod scim;
pub mod sso;
pub mod webhooks;

//! The systems a tenant's CRM talks to: webhooks out of the event log,
//! e-mail out through SMTP.
//! Below `http/`; the composition root starts the delivery.

pub mod mail;
pub mod webhooks;

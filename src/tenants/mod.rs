//! The tenant life cycle: create (provision storage and first admin),
//! update, delete, recover from interrupted runs, migrate, and the demo.

pub mod backup;
pub mod branding;
mod demo;
pub mod demo_data;
mod directory;
mod input;
pub mod moving;
mod service;
pub mod settings;

pub use demo::{DEMO_ADMIN_EMAIL, DEMO_SLUG, DemoCredentials};
pub use directory::TenantDirectory;
pub use input::{AdminInput, CreateTenant, UpdateTenant};
pub use service::{MigrationReport, TenantError, TenantService};

//! The demo tenant, so that a first start has something to log in to.

use super::demo_data::DEMO_USERS;
use super::input::{AdminInput, CreateTenant};
use super::service::{TenantError, TenantService};
use crate::domain::email::Email;
use crate::domain::password::{self, Password};
use crate::secret::{Secret, random_hex};
use crate::storage::users;

pub const DEMO_SLUG: &str = "demo";
pub const DEMO_ADMIN_EMAIL: &str = "admin@demo.example";

#[derive(Debug)]
pub struct DemoCredentials {
    pub slug: String,
    pub email: String,
    pub password: Secret,
}

impl TenantService {
    /// Creates the demo tenant if missing; otherwise sets its admin's
    /// password, so the credentials printed at every start are the ones
    /// that work. `password`: fixed (e.g. from `MANDANT_DEMO_PASSWORD`) or
    /// random.
    pub async fn ensure_demo(
        &self,
        password: Option<Secret>,
    ) -> Result<DemoCredentials, TenantError> {
        let password = password.unwrap_or_else(|| Secret::new(random_hex(9)));
        let checked = Password::parse("MANDANT_DEMO_PASSWORD", password.expose())
            .map_err(|e| TenantError::Validation(vec![e]))?;
        match self.get(DEMO_SLUG).await {
            Ok(tenant) => {
                // Everyone of the demo signs in with the password printed now.
                let hash = password::hash(checked).await?;
                let db = self.storage().tenant_db(&tenant).await?;
                let mut tx = db.begin().await?;
                let people = DEMO_USERS.iter().map(|u| u.0);
                for e in std::iter::once(DEMO_ADMIN_EMAIL).chain(people) {
                    let email =
                        Email::parse("email", e).map_err(|e| TenantError::Validation(vec![e]))?;
                    users::set_password_hash(&mut tx, &email, &hash).await?;
                }
                tx.commit().await?;
            }
            Err(TenantError::NotFound) => {
                self.create(&CreateTenant {
                    slug: Some(DEMO_SLUG.into()),
                    name: Some("Demo GmbH".into()),
                    plan: Some("standard".into()),
                    shard: None,
                    admin: Some(AdminInput {
                        email: Some(DEMO_ADMIN_EMAIL.into()),
                        password: Some(password.expose().to_owned()),
                        name: Some("Demo Admin".into()),
                    }),
                })
                .await?;
            }
            Err(e) => return Err(e),
        }
        let tenant = self.get(DEMO_SLUG).await?;
        let db = self.storage().tenant_db(&tenant).await?;
        super::demo_data::seed(&db, &tenant, password.expose())
            .await
            .map_err(|e| {
                TenantError::Unexpected(anyhow::anyhow!("seeding the demo data failed: {e}"))
            })?;
        Ok(DemoCredentials {
            slug: DEMO_SLUG.into(),
            email: DEMO_ADMIN_EMAIL.into(),
            password,
        })
    }
}

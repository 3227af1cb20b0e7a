//! What a client sends to create or change a tenant, and its validation.
//!
//! Fields are optional in the wire type so that a missing one is reported
//! as a `422` naming it, together with every other problem, rather than as
//! a bare deserialisation error.

use serde::Deserialize;

use crate::config::DEFAULT_SHARD;
use crate::domain::email::Email;
use crate::domain::password::Password;
use crate::domain::tenant::{Plan, TenantName, TenantSlug};
use crate::domain::{FieldError, Validation};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTenant {
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub plan: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub shard: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present_object")]
    pub admin: Option<AdminInput>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminInput {
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub password: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateTenant {
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub plan: Option<String>,
}

/// A creation request that passed validation.
#[derive(Debug)]
pub struct ValidCreate {
    pub slug: TenantSlug,
    pub name: TenantName,
    pub plan: Plan,
    pub shard: String,
    pub admin_email: Email,
    pub admin_name: String,
    pub admin_password: Password,
}

fn required<'a>(v: &mut Validation, field: &str, value: &'a Option<String>) -> Option<&'a str> {
    if value.is_none() {
        v.push(FieldError::new(field, "is required"));
    }
    value.as_deref()
}

impl CreateTenant {
    pub fn validate(&self) -> Result<ValidCreate, Vec<FieldError>> {
        let mut v = Validation::default();
        let slug = required(&mut v, "slug", &self.slug).and_then(|s| v.check(TenantSlug::parse(s)));
        let name = required(&mut v, "name", &self.name).and_then(|s| v.check(TenantName::parse(s)));
        let plan = match &self.plan {
            None => Some(Plan::Standard),
            Some(p) => v.check(Plan::parse(p)),
        };
        let shard = self
            .shard
            .clone()
            .unwrap_or_else(|| DEFAULT_SHARD.to_owned());
        let (mut email, mut password, mut admin_name) = (None, None, None);
        match &self.admin {
            None => v.push(FieldError::new("admin", "is required")),
            Some(a) => {
                email = required(&mut v, "admin.email", &a.email)
                    .and_then(|e| v.check(Email::parse("admin.email", e)));
                password = required(&mut v, "admin.password", &a.password)
                    .and_then(|p| v.check(Password::parse("admin.password", p)));
                admin_name = match a.name.as_deref().map(str::trim) {
                    Some("") => {
                        v.push(FieldError::new("admin.name", "must not be empty"));
                        None
                    }
                    Some(n) if n.chars().count() > 200 => {
                        v.push(FieldError::new(
                            "admin.name",
                            "must be at most 200 characters",
                        ));
                        None
                    }
                    Some(n) => Some(n.to_owned()),
                    None => email.as_ref().map(|e: &Email| {
                        e.as_str().split('@').next().unwrap_or_default().to_owned()
                    }),
                };
            }
        }
        v.finish()?;
        match (slug, name, plan, email, password, admin_name) {
            (
                Some(slug),
                Some(name),
                Some(plan),
                Some(admin_email),
                Some(admin_password),
                Some(admin_name),
            ) => Ok(ValidCreate {
                slug,
                name,
                plan,
                shard,
                admin_email,
                admin_name,
                admin_password,
            }),
            // Every None above pushed an error, so finish() returned already.
            _ => Err(vec![FieldError::new("", "invalid request")]),
        }
    }
}

impl UpdateTenant {
    pub fn validate(&self) -> Result<(Option<TenantName>, Option<Plan>), Vec<FieldError>> {
        let mut v = Validation::default();
        let name = self
            .name
            .as_deref()
            .and_then(|n| v.check(TenantName::parse(n)));
        let plan = self.plan.as_deref().and_then(|p| v.check(Plan::parse(p)));
        v.finish()?;
        Ok((name, plan))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(r: Result<ValidCreate, Vec<FieldError>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn every_missing_field_is_named() {
        assert_eq!(
            fields(CreateTenant::default().validate()),
            ["slug", "name", "admin"]
        );
        let c = CreateTenant {
            admin: Some(AdminInput::default()),
            ..Default::default()
        };
        assert_eq!(
            fields(c.validate()),
            ["slug", "name", "admin.email", "admin.password"]
        );
    }

    #[test]
    fn defaults_fill_plan_shard_and_admin_name() {
        let c = CreateTenant {
            slug: Some("acme".into()),
            name: Some("Acme".into()),
            admin: Some(AdminInput {
                email: Some("jane@acme.example".into()),
                password: Some("long enough password".into()),
                name: None,
            }),
            ..Default::default()
        };
        let v = c.validate().unwrap();
        assert_eq!(
            (v.plan, v.shard.as_str(), v.admin_name.as_str()),
            (Plan::Standard, "default", "jane")
        );
    }

    #[test]
    fn bad_values_are_reported_together() {
        let c = CreateTenant {
            slug: Some("Bad Slug".into()),
            name: Some("Acme".into()),
            plan: Some("gold".into()),
            admin: Some(AdminInput {
                email: Some("nope".into()),
                password: Some("short".into()),
                name: None,
            }),
            ..Default::default()
        };
        assert_eq!(
            fields(c.validate()),
            ["slug", "plan", "admin.email", "admin.password"]
        );
    }
}

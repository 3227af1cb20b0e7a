//! Who a validated ID token is here. The provider's subject finds its
//! linked user; an unlinked subject is linked to the user with its
//! verified e-mail, or provisioned when the e-mail's domain is allowed.
//! Then the claims set the roles and teams the provider manages.

use serde_json::{Value, json};
use uuid::Uuid;

use super::Failure;
use super::providers::ProviderConfig;
use crate::domain::email::Email;
use crate::identity::AuthError;
use crate::identity::service::role_set;
use crate::storage::sso::ProviderRow;
use crate::storage::users::NewUser;
use crate::storage::{StorageError, TenantDb, TenantTx, audit, sso, teams, users};

/// Never matches a password (not a PHC string): a provisioned person signs
/// in through their provider until someone gives them a password.
const NO_PASSWORD: &str = "!sso";

/// What the ID token says of the person.
pub struct Person {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    /// Every claim, for the mappings.
    pub claims: Value,
}

pub struct Resolved {
    pub id: Uuid,
    pub email: String,
    pub roles: Vec<String>,
    pub provisioned: bool,
}

/// The values of `claim`: a string, or a list of strings.
fn claim_values(claims: &Value, claim: &str) -> Vec<String> {
    match claims.get(claim) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// The roles after a sign-in: those the provider does not manage stay;
/// of those it manages, the matched ones (or the default) are given. The
/// owner role is never taken away by a provider: a claim gone missing at
/// the directory must not lock a tenant out of its own ownership.
pub fn roles_after(config: &ProviderConfig, claims: &Value, current: &[String]) -> Vec<String> {
    let values = claim_values(claims, &config.role_claim);
    let mut given: Vec<String> = config
        .role_mappings
        .iter()
        .filter(|m| values.contains(&m.value))
        .map(|m| m.role.clone())
        .collect();
    if given.is_empty() {
        given.push(config.default_role.clone());
    }
    let managed = config.managed_roles();
    let mut roles: Vec<String> = current
        .iter()
        .filter(|r| *r == "owner" || !managed.contains(r))
        .cloned()
        .chain(given)
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

/// The teams after a sign-in, by the same rule as the roles.
pub fn teams_after(config: &ProviderConfig, claims: &Value, current: &[Uuid]) -> Vec<Uuid> {
    let values = claim_values(claims, &config.role_claim);
    let managed: Vec<Uuid> = config.team_mappings.iter().map(|m| m.team_id).collect();
    let mut teams: Vec<Uuid> = current
        .iter()
        .filter(|t| !managed.contains(t))
        .copied()
        .chain(
            config
                .team_mappings
                .iter()
                .filter(|m| values.contains(&m.value))
                .map(|m| m.team_id),
        )
        .collect();
    teams.sort();
    teams.dedup();
    teams
}

pub async fn resolve(
    db: &TenantDb,
    row: &ProviderRow,
    person: &Person,
    max_users: Option<i64>,
) -> Result<Result<Resolved, Failure>, AuthError> {
    let mut tx = db.begin().await?;
    let outcome = resolve_in(&mut tx, row, person, max_users).await?;
    if outcome.is_ok() {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(outcome)
}

async fn resolve_in(
    tx: &mut TenantTx,
    row: &ProviderRow,
    person: &Person,
    max_users: Option<i64>,
) -> Result<Result<Resolved, Failure>, AuthError> {
    let config = ProviderConfig::of(row);
    let linked = sso::identity_user(tx, row.id, &person.subject).await?;
    let (user_id, provisioned) = match linked {
        Some(id) => (id, false),
        None => {
            // Linking by e-mail trusts the provider's word that the
            // address is this person's: only when it says it checked.
            let email = match (&person.email, person.email_verified) {
                (Some(e), true) => match Email::parse("email", e) {
                    Ok(e) => e,
                    Err(_) => return Ok(Err(Failure::TokenInvalid)),
                },
                _ => return Ok(Err(Failure::EmailUnverified)),
            };
            match users::auth_by_email(tx, &email).await? {
                Some(u) => {
                    if sso::linked_elsewhere(tx, row.id, &person.subject, u.id).await? {
                        return Ok(Err(Failure::Denied));
                    }
                    (u.id, false)
                }
                None => {
                    let domain = email.as_str().rsplit('@').next().unwrap_or_default();
                    if !config
                        .allowed_domains
                        .iter()
                        .any(|d| d.eq_ignore_ascii_case(domain))
                    {
                        return Ok(Err(Failure::DomainNotAllowed));
                    }
                    if let Some(max) = max_users
                        && users::count(tx).await? >= max
                    {
                        return Ok(Err(Failure::QuotaExceeded));
                    }
                    let name = person
                        .name
                        .as_deref()
                        .map(str::trim)
                        .filter(|n| {
                            !n.is_empty()
                                && n.chars().count() <= 200
                                && !n.chars().any(char::is_control)
                        })
                        .map(str::to_owned)
                        .unwrap_or_else(|| {
                            email
                                .as_str()
                                .split('@')
                                .next()
                                .unwrap_or_default()
                                .to_owned()
                        });
                    let id = match users::insert(
                        tx,
                        &NewUser {
                            email: email.clone(),
                            name,
                            password_hash: NO_PASSWORD.into(),
                            kind: "staff",
                            roles: Vec::new(),
                        },
                    )
                    .await
                    {
                        Ok(id) => id,
                        // Provisioned by a concurrent sign-in: try again.
                        Err(StorageError::Conflict(_)) => return Ok(Err(Failure::Denied)),
                        Err(e) => return Err(e.into()),
                    };
                    (id, true)
                }
            }
        }
    };
    let Some(user) = users::auth_by_id(tx, user_id).await? else {
        return Ok(Err(Failure::Denied));
    };
    if user.status != "active" {
        return Ok(Err(Failure::UserDisabled));
    }
    // The tenant's directory signs in its staff; portal users sign in
    // with their own credentials.
    if user.kind != "staff" {
        return Ok(Err(Failure::Denied));
    }
    sso::link(tx, row.id, &person.subject, user.id).await?;
    let set = role_set(tx).await?;
    let current = users::roles_of(tx, user.id).await?;
    let roles: Vec<String> = roles_after(&config, &person.claims, &current)
        .into_iter()
        .filter(|r| set.exists(r))
        .collect();
    if roles != current {
        users::set_roles(tx, user.id, &roles).await?;
        record(
            tx,
            user.id,
            &user.email,
            "user.roles_changed",
            json!({"target": user.id, "before": current, "after": roles, "by": "sso", "provider_id": row.id}),
        )
        .await?;
    }
    if !config.team_mappings.is_empty() {
        let known: Vec<Uuid> = teams::list(tx).await?.into_iter().map(|t| t.id).collect();
        let current = users::teams_of(tx, user.id).await?;
        let after: Vec<Uuid> = teams_after(&config, &person.claims, &current)
            .into_iter()
            .filter(|t| known.contains(t))
            .collect();
        if after != current {
            users::set_teams(tx, user.id, &after).await?;
        }
    }
    if provisioned {
        record(
            tx,
            user.id,
            &user.email,
            "user.created",
            json!({"target": user.id, "roles": roles, "by": "sso", "provider_id": row.id}),
        )
        .await?;
    }
    Ok(Ok(Resolved {
        id: user.id,
        email: user.email,
        roles,
        provisioned,
    }))
}

async fn record(
    tx: &mut TenantTx,
    user: Uuid,
    email: &str,
    kind: &str,
    detail: Value,
) -> Result<(), AuthError> {
    audit::record(
        tx,
        &audit::AuthEvent {
            kind,
            user_id: Some(user),
            email: Some(email),
            ip: None,
            detail,
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::providers::{RoleMapping, TeamMapping};
    use super::*;

    fn config() -> ProviderConfig {
        ProviderConfig {
            role_mappings: vec![RoleMapping {
                value: "crm-admins".into(),
                role: "admin".into(),
            }],
            team_mappings: vec![TeamMapping {
                value: "emea".into(),
                team_id: Uuid::nil(),
            }],
            ..ProviderConfig::default()
        }
    }

    #[test]
    fn a_matching_claim_gives_its_role_and_losing_it_takes_it_back() {
        let c = config();
        let admin = roles_after(&c, &json!({"groups": ["crm-admins"]}), &["sales".into()]);
        assert_eq!(admin, vec!["admin", "sales"]);
        let later = roles_after(&c, &json!({"groups": []}), &admin);
        assert_eq!(later, vec!["agent", "sales"]);
    }

    #[test]
    fn a_single_string_claim_counts_and_owner_is_never_taken() {
        let c = config();
        let r = roles_after(&c, &json!({"groups": "crm-admins"}), &["owner".into()]);
        assert_eq!(r, vec!["admin", "owner"]);
        let r = roles_after(&c, &json!({}), &["owner".into(), "admin".into()]);
        assert_eq!(r, vec!["agent", "owner"]);
    }

    #[test]
    fn mapped_teams_follow_the_claim_and_others_stay() {
        let c = config();
        let other = Uuid::now_v7();
        let t = teams_after(&c, &json!({"groups": ["emea"]}), &[other]);
        assert!(t.contains(&Uuid::nil()) && t.contains(&other));
        let t = teams_after(&c, &json!({"groups": []}), &t);
        assert_eq!(t, vec![other]);
    }
}

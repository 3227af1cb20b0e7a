//! Retention rules per tenant (setting `retention`): which records go once
//! nothing has happened to them for a while, and how. A rule names a kind,
//! an age, optionally the ticket statuses it applies to, and an action:
//! `delete` (by the reference rules, as a user's delete), `erase` (as
//! GDPR erasure: the record's history in the event log is overwritten too,
//! and a contact takes the tickets they asked along, see `privacy`) or
//! `anonymise` (the record stays for reports without what names anyone
//! or what was said, see `anonymise`).
//!
//! "Nothing has happened" means the record and every record that refers
//! to it (its comments, the activities about it, a contact's tickets and
//! deals) were last changed before the cutoff: a contact with a call
//! logged last week is not inactive, whatever its own `updated_at` says.

use serde::{Deserialize, Serialize};

use super::core::{RecordError, Result, ticket_workflow};
use crate::domain::FieldError;
use crate::storage::audit_log::Actor;
use crate::storage::{TenantDb, settings};

pub const SETTING: &str = "retention";

/// The kinds a rule may name: the records people put data in.
pub const KINDS: [&str; 5] = ["contact", "company", "deal", "ticket", "activity"];

const MAX_RULES: usize = 50;
const NAME_MAX: usize = 100;
/// A hundred years: a rule's age is a number of days in this range.
const DAYS_MAX: i64 = 36_500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Delete,
    Erase,
    Anonymise,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Names the rule in reports and in the trail (`actor.rule`).
    pub name: String,
    pub kind: String,
    pub action: Action,
    /// Applies once the record and what refers to it are unchanged for
    /// this many days.
    #[serde(deserialize_with = "crate::domain::present::integer")]
    pub unchanged_for_days: i64,
    /// Tickets only: the statuses the rule applies to (say, `closed`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::domain::present::present"
    )]
    pub statuses: Option<Vec<String>>,
    /// A rule kept but not applied (its dry run still answers).
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionPolicy {
    pub rules: Vec<Rule>,
}

impl settings::Setting for RetentionPolicy {
    const KEY: &'static str = SETTING;
    fn check(&self) -> std::result::Result<(), Vec<FieldError>> {
        self.validate()
    }
}

impl RetentionPolicy {
    /// The rules' shape; the statuses are checked against the tenant's
    /// workflow by [`save`].
    pub fn validate(&self) -> std::result::Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.rules.len() > MAX_RULES {
            errors.push(FieldError::new(
                "rules",
                format!("at most {MAX_RULES} rules"),
            ));
        }
        let mut names = std::collections::HashSet::new();
        for (i, r) in self.rules.iter().enumerate() {
            let at = |f: &str| format!("rules.{i}.{f}");
            let name = r.name.trim();
            if name.is_empty() || name.chars().count() > NAME_MAX {
                errors.push(FieldError::new(
                    at("name"),
                    format!("must be 1 to {NAME_MAX} characters"),
                ));
            } else if name.chars().any(char::is_control) {
                errors.push(FieldError::new(
                    at("name"),
                    "must not contain control characters",
                ));
            } else if !names.insert(name.to_lowercase()) {
                errors.push(FieldError::new(
                    at("name"),
                    "is already used by another rule",
                ));
            }
            if !KINDS.contains(&r.kind.as_str()) {
                errors.push(FieldError::new(
                    at("kind"),
                    format!("must be one of {}", KINDS.join(", ")),
                ));
            }
            if !(1..=DAYS_MAX).contains(&r.unchanged_for_days) {
                errors.push(FieldError::new(
                    at("unchanged_for_days"),
                    format!("must be between 1 and {DAYS_MAX}"),
                ));
            }
            match &r.statuses {
                Some(_) if r.kind != "ticket" => errors.push(FieldError::new(
                    at("statuses"),
                    "statuses and kind ticket go together (statuses apply to tickets only)",
                )),
                Some(s) if s.is_empty() => errors.push(FieldError::new(
                    at("statuses"),
                    "must name at least one status",
                )),
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The tenant's rules (none when unset).
pub async fn load(db: &TenantDb) -> Result<RetentionPolicy> {
    let mut tx = db.begin_read().await?;
    let p = settings::read(&mut tx).await?;
    tx.rollback().await?;
    Ok(p)
}

/// Checks `policy` (statuses against the ticket workflow) and keeps it,
/// with its trail entry. Names are kept trimmed.
pub async fn save(
    db: &TenantDb,
    by: Actor,
    mut policy: RetentionPolicy,
) -> Result<RetentionPolicy> {
    policy.validate().map_err(RecordError::Validation)?;
    for r in &mut policy.rules {
        r.name = r.name.trim().to_owned();
    }
    let mut tx = db.begin().await?;
    let wf = ticket_workflow(&mut tx).await?;
    let unknown: Vec<FieldError> = policy
        .rules
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            r.statuses
                .iter()
                .flatten()
                .filter(|s| !wf.knows(s))
                .map(move |s| {
                    FieldError::new(
                        format!("rules.{i}.statuses"),
                        format!("unknown status '{s}' (not in the ticket workflow)"),
                    )
                })
        })
        .collect();
    if !unknown.is_empty() {
        return Err(RecordError::Validation(unknown));
    }
    settings::write_audited(&mut tx, by, &policy).await?;
    tx.commit().await?;
    Ok(policy)
}

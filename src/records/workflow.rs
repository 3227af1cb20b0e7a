//! Ticket statuses and their allowed transitions, per tenant (setting
//! `ticket_workflow`), with a sensible default.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::domain::{FieldError, Validation};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketWorkflow {
    pub initial: String,
    pub statuses: Vec<String>,
    /// from → the statuses it may move to.
    pub transitions: BTreeMap<String, Vec<String>>,
    /// Statuses in which a ticket is finished: it leaves its queue and its
    /// SLA clocks are met. Unset: `resolved` and `closed` where the
    /// workflow has them, else the statuses with no way out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done: Option<Vec<String>>,
}

pub const SETTING: &str = "ticket_workflow";

impl crate::storage::settings::Setting for TicketWorkflow {
    const KEY: &'static str = SETTING;
    fn check(&self) -> Result<(), Vec<FieldError>> {
        self.validate()
    }
}

impl Default for TicketWorkflow {
    fn default() -> Self {
        let t = |from: &str, to: &[&str]| {
            (
                from.to_owned(),
                to.iter().map(|s| (*s).to_owned()).collect(),
            )
        };
        TicketWorkflow {
            initial: "new".into(),
            statuses: ["new", "open", "pending", "resolved", "closed"]
                .map(String::from)
                .to_vec(),
            transitions: BTreeMap::from([
                t("new", &["open", "pending", "resolved", "closed"]),
                t("open", &["pending", "resolved", "closed"]),
                t("pending", &["open", "resolved", "closed"]),
                t("resolved", &["open", "closed"]),
                t("closed", &[]),
            ]),
            done: None,
        }
    }
}

impl TicketWorkflow {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut v = Validation::default();
        let known: BTreeSet<&str> = self.statuses.iter().map(String::as_str).collect();
        if self.statuses.is_empty()
            || self.statuses.len() > 30
            || known.len() != self.statuses.len()
        {
            v.push(FieldError::new(
                "statuses",
                "must list 1 to 30 distinct statuses",
            ));
        }
        for s in &self.statuses {
            let ok = !s.is_empty()
                && s.len() <= 50
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
            if !ok {
                v.push(FieldError::new(
                    "statuses",
                    format!("{s:?}: 1-50 chars of a-z, 0-9, '_', '-'"),
                ));
            }
        }
        if !known.contains(self.initial.as_str()) {
            v.push(FieldError::new("initial", "must be one of the statuses"));
        }
        for (from, tos) in &self.transitions {
            if !known.contains(from.as_str()) {
                v.push(FieldError::new(
                    format!("transitions.{from}"),
                    "unknown status",
                ));
            }
            for to in tos {
                if !known.contains(to.as_str()) {
                    v.push(FieldError::new(
                        format!("transitions.{from}"),
                        format!("unknown status {to:?}"),
                    ));
                }
            }
        }
        for d in self.done.iter().flatten() {
            if !known.contains(d.as_str()) {
                v.push(FieldError::new("done", format!("unknown status {d:?}")));
            }
        }
        v.finish()
    }

    /// Is a ticket in `status` finished?
    pub fn is_done(&self, status: &str) -> bool {
        match &self.done {
            Some(d) => d.iter().any(|s| s == status),
            None if self.knows("resolved") || self.knows("closed") => {
                status == "resolved" || status == "closed"
            }
            None => self.transitions.get(status).is_none_or(Vec::is_empty),
        }
    }

    pub fn knows(&self, status: &str) -> bool {
        self.statuses.iter().any(|s| s == status)
    }

    pub fn allows(&self, from: &str, to: &str) -> bool {
        from == to
            || self
                .transitions
                .get(from)
                .is_some_and(|t| t.iter().any(|s| s == to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_workflow_is_valid_and_closed_is_final() {
        let w = TicketWorkflow::default();
        assert!(w.validate().is_ok());
        assert!(w.allows("new", "open"));
        assert!(!w.allows("closed", "open"));
        assert!(w.allows("closed", "closed"));
        assert!(w.is_done("resolved") && w.is_done("closed") && !w.is_done("pending"));
    }

    #[test]
    fn broken_workflows_are_named() {
        let mut w = TicketWorkflow {
            initial: "nope".into(),
            ..Default::default()
        };
        w.transitions.insert("ghost".into(), vec!["open".into()]);
        let f: Vec<_> = w
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(f, ["initial", "transitions.ghost"]);
    }
}

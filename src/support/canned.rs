//! Canned replies: a tenant's answers to common questions, kept as one
//! setting (`canned_replies`) that administrators edit and agents read,
//! with placeholders filled for one ticket as the agent may see it
//! (`{{contact.first_name}}`, `{{ticket.subject}}`, `{{agent.name}}`, …).
//! A placeholder the agent may not read (a field their role hides, a
//! contact they cannot see) fills in empty, never with the value.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::FieldError;
use crate::identity::{Decision, Principal};
use crate::records::core::{RecordError, Result, meta, readable, uuid_of};
use crate::records::schema::by_kind;
use crate::storage::settings::Setting;
use crate::storage::{TenantDb, records};

/// What a reply may name, and where it comes from.
pub const PLACEHOLDERS: [&str; 9] = [
    "contact.first_name",
    "contact.last_name",
    "contact.name",
    "contact.email",
    "ticket.subject",
    "ticket.id",
    "agent.name",
    "agent.email",
    "workspace.name",
];

const MAX_REPLIES: usize = 200;
const NAME_MAX: usize = 100;
const BODY_MAX: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CannedReply {
    /// Unique in the tenant; how agents pick it.
    pub name: String,
    pub body: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CannedReplies {
    pub replies: Vec<CannedReply>,
}

/// Walks `body`: its text between placeholders to `text`, and each
/// placeholder's name (`{{ name }}` trimmed) to `placeholder`; a `{{`
/// never closed is a placeholder named `{{`, which none is.
fn scan<'a>(body: &'a str, mut text: impl FnMut(&'a str), mut placeholder: impl FnMut(&'a str)) {
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        text(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            placeholder("{{");
            return;
        };
        placeholder(after[..end].trim());
        rest = &after[end + 2..];
    }
    text(rest);
}

/// The placeholders in `body`, as written.
fn placeholders(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    scan(body, |_| {}, |p| out.push(p));
    out
}

impl Setting for CannedReplies {
    const KEY: &'static str = "canned_replies";

    fn check(&self) -> std::result::Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.replies.len() > MAX_REPLIES {
            errors.push(FieldError::new(
                "replies",
                format!("at most {MAX_REPLIES} replies"),
            ));
        }
        let mut names = BTreeSet::new();
        for (i, r) in self.replies.iter().enumerate() {
            let at = |f: &str| format!("replies.{i}.{f}");
            let name = r.name.trim();
            if name.is_empty()
                || name.chars().count() > NAME_MAX
                || name.chars().any(char::is_control)
            {
                errors.push(FieldError::new(
                    at("name"),
                    format!("must be 1 to {NAME_MAX} characters without control characters"),
                ));
            } else if !names.insert(name.to_lowercase()) {
                errors.push(FieldError::new(
                    at("name"),
                    "is already used by another reply",
                ));
            }
            // Lines and tabs, but no other control characters.
            let odd = |c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t');
            if r.body.trim().is_empty()
                || r.body.chars().count() > BODY_MAX
                || r.body.chars().any(odd)
            {
                errors.push(FieldError::new(
                    at("body"),
                    format!("must be 1 to {BODY_MAX} characters, without control characters but line breaks and tabs"),
                ));
            }
            let unknown: Vec<&str> = placeholders(&r.body)
                .into_iter()
                .filter(|p| !PLACEHOLDERS.contains(p))
                .collect();
            match unknown.first() {
                Some(&"{{") => errors.push(FieldError::new(
                    at("body"),
                    "a placeholder is opened with {{ and never closed with }}",
                )),
                Some(p) => errors.push(FieldError::new(
                    at("body"),
                    format!(
                        "unknown placeholder {{{{{p}}}}}; known: {}",
                        PLACEHOLDERS.join(", ")
                    ),
                )),
                None => {}
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A text field of `data` unless `hidden` names it.
fn field(data: &serde_json::Map<String, Value>, hidden: &BTreeSet<String>, key: &str) -> String {
    if hidden.contains(key) {
        return String::new();
    }
    data.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Reply `name` with its placeholders filled for `ticket`, as `actor`
/// may see it; `NotFound` for a reply or ticket they cannot see.
pub async fn render(
    db: &TenantDb,
    actor: &Principal,
    workspace: &str,
    ticket: Uuid,
    name: &str,
) -> Result<String> {
    let tickets = by_kind("ticket").ok_or(RecordError::NotFound)?;
    let contacts = by_kind("contact").ok_or(RecordError::NotFound)?;
    let mut tx = db.begin_read().await?;
    let replies: CannedReplies = crate::storage::settings::read(&mut tx).await?;
    let reply = replies
        .replies
        .into_iter()
        // Names are unique whatever their case; so is the pick.
        .find(|r| r.name.trim().to_lowercase() == name.trim().to_lowercase())
        .ok_or(RecordError::NotFound)?;
    let t = readable(&mut tx, tickets, actor, ticket).await?;
    let t_hidden = match actor.decide(&tickets.read_perm(), &meta(&t)) {
        Decision::Allow { hidden_fields } => hidden_fields.clone(),
        Decision::Deny => return Err(RecordError::NotFound),
    };
    let mut contact = (serde_json::Map::new(), BTreeSet::new());
    if !t_hidden.contains("requester_id")
        && let Some(cid) = uuid_of(&t.data.0, "requester_id")
        && let Some(c) = records::get(&mut tx, "contact", cid).await?
        && let Decision::Allow { hidden_fields } = actor.decide(&contacts.read_perm(), &meta(&c))
    {
        contact = (c.data.0.clone(), hidden_fields.clone());
    }
    tx.rollback().await?;
    let (c, hidden) = &contact;
    let first = field(c, hidden, "first_name");
    let last = field(c, hidden, "last_name");
    let value = |p: &str| -> String {
        match p {
            "contact.first_name" => first.clone(),
            "contact.last_name" => last.clone(),
            "contact.name" => format!("{first} {last}").trim().to_owned(),
            "contact.email" => field(c, hidden, "email"),
            "ticket.subject" => field(&t.data.0, &t_hidden, "subject"),
            "ticket.id" => t.id.to_string(),
            "agent.name" => actor.name.clone(),
            "agent.email" => actor.email.clone(),
            "workspace.name" => workspace.to_owned(),
            _ => String::new(),
        }
    };
    // Kept replies have every placeholder closed and known (`check`).
    let mut out = String::with_capacity(reply.body.len());
    let filled = std::cell::RefCell::new(&mut out);
    scan(
        &reply.body,
        |t| filled.borrow_mut().push_str(t),
        |p| filled.borrow_mut().push_str(&value(p)),
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_trimmed_and_checked() {
        assert_eq!(
            placeholders("Hi {{ contact.first_name }}, re {{ticket.subject}} {{ open"),
            ["contact.first_name", "ticket.subject", "{{"]
        );
        let bad = CannedReplies {
            replies: vec![
                CannedReply {
                    name: "A".into(),
                    body: "{{contact.iban}}".into(),
                },
                CannedReply {
                    name: "a".into(),
                    body: " ".into(),
                },
            ],
        };
        let fields: Vec<String> = bad
            .check()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["replies.0.body", "replies.1.name", "replies.1.body"]
        );
    }
}

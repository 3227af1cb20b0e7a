//! WebSocket topics, and which topics an event belongs to.

use serde_json::Value;
use uuid::Uuid;

use crate::domain::features::Feature;
use crate::domain::ids::{QueueId, TicketId};
use crate::domain::tenant::Tenant;

use crate::records::schema::{COMMENT, by_kind, by_path};
use crate::support::dashboards::Board;

/// A parsed topic (API.md): `contacts`, `pipeline:<id>`, `ticket:<id>`, …
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Every record of a kind (by URL name: `contacts`, `deals`, …).
    Kind(&'static str),
    Pipeline(Uuid),
    Queue(QueueId),
    Ticket(TicketId),
    Record(&'static str, Uuid),
    /// A live dashboard: figures, not events.
    Dashboard(Board),
    /// Person exports being built (`privacy:export`).
    Exports,
}

impl Topic {
    pub fn parse(raw: &str) -> Option<Topic> {
        if raw.len() > 200 {
            return None;
        }
        let mut parts = raw.split(':');
        let head = parts.next()?;
        let id = |p: Option<&str>| p.and_then(|s| Uuid::parse_str(s).ok());
        let t = match head {
            "pipeline" => Topic::Pipeline(id(parts.next())?),
            "queue" => Topic::Queue(QueueId(id(parts.next())?)),
            "ticket" => Topic::Ticket(TicketId(id(parts.next())?)),
            "dashboard" => Topic::Dashboard(Board::parse(parts.next()?)?),
            "exports" => Topic::Exports,
            "record" => {
                let kind = by_kind(parts.next()?)?;
                Topic::Record(kind.kind, id(parts.next())?)
            }
            other => Topic::Kind(by_path(other)?.path),
        };
        parts.next().is_none().then_some(t)
    }

    pub fn name(&self) -> String {
        match self {
            Topic::Kind(p) => (*p).to_owned(),
            Topic::Pipeline(id) => format!("pipeline:{id}"),
            Topic::Queue(id) => format!("queue:{id}"),
            Topic::Ticket(id) => format!("ticket:{id}"),
            Topic::Record(k, id) => format!("record:{k}:{id}"),
            Topic::Dashboard(b) => format!("dashboard:{}", b.name()),
            Topic::Exports => "exports".to_owned(),
        }
    }

    /// The record kind whose read permission the topic needs.
    pub fn kind(&self) -> &'static str {
        match self {
            Topic::Kind(p) => by_path(p).map_or("", |k| k.kind),
            Topic::Pipeline(_) => "deal",
            Topic::Queue(_) | Topic::Ticket(_) => "ticket",
            Topic::Record(k, _) => k,
            Topic::Dashboard(_) => "",
            Topic::Exports => crate::records::person_export::KIND,
        }
    }

    /// The permission a subscriber needs (field and record rules then
    /// apply to each event).
    pub fn read_perm(&self) -> Option<String> {
        match self {
            Topic::Exports => Some("privacy:export".to_owned()),
            other => by_kind(other.kind()).map(|k| k.read_perm()),
        }
    }

    /// The features that must be on for this topic to exist.
    pub fn features(&self) -> Vec<Feature> {
        match self {
            Topic::Dashboard(b) => [Some(Feature::Dashboards), Feature::of_kind(b.kind())]
                .into_iter()
                .flatten()
                .collect(),
            other => Feature::of_kind(other.kind()).into_iter().collect(),
        }
    }

    /// Does the tenant, as it is now, have this topic?
    pub fn enabled_in(&self, tenant: &Tenant) -> bool {
        self.features().iter().all(|f| tenant.has(*f))
    }

    /// Does an event of `kind` about `record` with `data` belong here?
    pub fn matches(&self, kind: &str, record: Uuid, data: &Value) -> bool {
        let field = |k: &str| {
            data.get(k)
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
        };
        // An attachment belongs with its record.
        let file_of = |k: &str| {
            kind == crate::records::schema::FILE
                && data.get("record_kind").and_then(Value::as_str) == Some(k)
        };
        match self {
            Topic::Kind(p) => by_kind(kind).is_some_and(|k| k.path == *p),
            Topic::Pipeline(id) => kind == "deal" && field("pipeline_id") == Some(*id),
            Topic::Queue(id) => kind == "ticket" && field("queue_id") == Some(id.uuid()),
            Topic::Ticket(id) => {
                (kind == "ticket" && record == id.uuid())
                    || (kind == COMMENT && field("ticket_id") == Some(id.uuid()))
                    || (file_of("ticket") && field("record_id") == Some(id.uuid()))
            }
            Topic::Record(k, id) => {
                (kind == *k && record == *id) || (file_of(k) && field("record_id") == Some(*id))
            }
            Topic::Dashboard(_) => false,
            Topic::Exports => kind == crate::records::person_export::KIND,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn topics_parse_and_print() {
        let id = Uuid::now_v7();
        for raw in [
            "contacts",
            "deals",
            "tickets",
            &format!("pipeline:{id}"),
            &format!("ticket:{id}"),
            &format!("record:contact:{id}"),
            "dashboard:sales",
            "dashboard:support",
            "exports",
        ] {
            assert_eq!(Topic::parse(raw).map(|t| t.name()).as_deref(), Some(raw));
        }
        for bad in [
            "",
            "nope",
            "pipeline",
            "pipeline:xyz",
            &format!("ticket:{id}:x"),
            "record:ghost:1",
            "dashboard:pets",
            "dashboard",
        ] {
            assert!(Topic::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn events_match_their_topics() {
        let (p, t) = (Uuid::now_v7(), Uuid::now_v7());
        let deal = json!({"pipeline_id": p.to_string()});
        assert!(Topic::Pipeline(p).matches("deal", Uuid::now_v7(), &deal));
        assert!(!Topic::Pipeline(Uuid::now_v7()).matches("deal", Uuid::now_v7(), &deal));
        assert!(Topic::Kind("deals").matches("deal", Uuid::now_v7(), &deal));
        assert!(Topic::Ticket(TicketId(t)).matches(
            "comment",
            Uuid::now_v7(),
            &json!({"ticket_id": t.to_string()})
        ));
        assert!(!Topic::Kind("tickets").matches("comment", Uuid::now_v7(), &json!({})));
        // An attachment goes with its record, and with nothing else.
        let file = json!({"record_kind": "ticket", "record_id": t.to_string()});
        assert!(Topic::Ticket(TicketId(t)).matches("file", Uuid::now_v7(), &file));
        assert!(Topic::Record("ticket", t).matches("file", Uuid::now_v7(), &file));
        assert!(!Topic::Record("contact", t).matches("file", Uuid::now_v7(), &file));
        assert!(!Topic::Ticket(TicketId(Uuid::now_v7())).matches("file", Uuid::now_v7(), &file));
        assert!(!Topic::Kind("tickets").matches("file", Uuid::now_v7(), &file));
    }
}

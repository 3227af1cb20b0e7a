//! The kinds of record and their standard fields. Storage is one generic
//! table; this registry is what gives each kind its shape, validation,
//! search text, filters and its place in the permission catalogue.

use std::sync::LazyLock;

#[derive(Debug, Clone, PartialEq)]
pub enum FieldType {
    Text {
        max: usize,
    },
    LongText {
        max: usize,
    },
    Number {
        min: Option<f64>,
        max: Option<f64>,
    },
    Integer {
        min: i64,
        max: i64,
    },
    Bool,
    /// `YYYY-MM-DD`
    Date,
    /// RFC 3339
    DateTime,
    Select(Vec<String>),
    MultiSelect(Vec<String>),
    /// ISO 4217 code, e.g. `EUR`
    CurrencyCode,
    /// `{"amount": number, "currency": "EUR"}`
    Money,
    Email,
    Url,
    /// The id of a record of this kind, in this tenant.
    Relation(&'static str),
    /// Ids of records of this kind.
    Relations(&'static str),
    /// The id of a user of this tenant.
    User,
    /// Ids of users (sharing).
    Users,
    /// The id of a team of this tenant.
    Team,
    /// Up to 50 labels of up to 50 characters.
    Tags,
    /// A pipeline's ordered stages (validated by `validate::stages`).
    Stages,
    /// SLA targets per priority (validated by `validate::sla_targets`).
    SlaTargets,
}

impl FieldType {
    /// The name used in custom field definitions and the OpenAPI document.
    pub fn name(&self) -> &'static str {
        match self {
            FieldType::Text { .. } => "text",
            FieldType::LongText { .. } => "long_text",
            FieldType::Number { .. } => "number",
            FieldType::Integer { .. } => "integer",
            FieldType::Bool => "bool",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::Select(_) => "select",
            FieldType::MultiSelect(_) => "multi_select",
            FieldType::CurrencyCode => "currency_code",
            FieldType::Money => "currency",
            FieldType::Email => "email",
            FieldType::Url => "url",
            FieldType::Relation(_) => "relation",
            FieldType::Relations(_) => "relations",
            FieldType::User => "user",
            FieldType::Users => "users",
            FieldType::Team => "team",
            FieldType::Tags => "tags",
            FieldType::Stages => "stages",
            FieldType::SlaTargets => "sla_targets",
        }
    }

    /// Filterable with `field=value` (and ranges for ordered types).
    pub fn filterable(&self) -> bool {
        !matches!(
            self,
            FieldType::LongText { .. }
                | FieldType::Stages
                | FieldType::SlaTargets
                | FieldType::Money
        )
    }

    pub fn ordered(&self) -> bool {
        matches!(
            self,
            FieldType::Number { .. }
                | FieldType::Integer { .. }
                | FieldType::Date
                | FieldType::DateTime
        )
    }

    pub fn is_array(&self) -> bool {
        matches!(
            self,
            FieldType::MultiSelect(_)
                | FieldType::Relations(_)
                | FieldType::Users
                | FieldType::Tags
        )
    }
}

#[derive(Debug, Clone)]
pub struct FieldDef {
    pub key: &'static str,
    pub ty: FieldType,
    pub required: bool,
    /// Part of the full-text search document.
    pub searchable: bool,
    pub sortable: bool,
    /// Optional on create (the server fills it in), but never cleared: a
    /// `null` is refused (a ticket without a status escapes its workflow).
    pub kept: bool,
}

fn f(key: &'static str, ty: FieldType) -> FieldDef {
    FieldDef {
        key,
        ty,
        required: false,
        searchable: false,
        sortable: false,
        kept: false,
    }
}

impl FieldDef {
    fn required(mut self) -> Self {
        self.required = true;
        self
    }
    fn search(mut self) -> Self {
        self.searchable = true;
        self
    }
    fn sort(mut self) -> Self {
        self.sortable = true;
        self
    }
    fn kept(mut self) -> Self {
        self.kept = true;
        self
    }
}

#[derive(Debug, Clone)]
pub struct KindDef {
    /// Singular, used in event types (`contact.created`).
    pub kind: &'static str,
    /// The URL segment (`/contacts`).
    pub path: &'static str,
    /// The permission prefix (`contacts` → `contacts:read`).
    pub perm: &'static str,
    pub fields: Vec<FieldDef>,
    /// Record-scoped permissions (own/team); else all-or-nothing.
    pub scoped: bool,
    /// May carry custom fields.
    pub custom: bool,
}

impl KindDef {
    pub fn field(&self, key: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn read_perm(&self) -> String {
        format!("{}:read", self.perm)
    }
    pub fn write_perm(&self) -> String {
        format!("{}:write", self.perm)
    }
    /// Kinds without their own delete permission are deleted with `write`.
    pub fn delete_perm(&self) -> String {
        match self.perm {
            "contacts" | "companies" | "deals" | "tickets" => format!("{}:delete", self.perm),
            _ => self.write_perm(),
        }
    }
}

pub const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];
pub const ACTIVITY_TYPES: [&str; 4] = ["note", "call", "meeting", "task"];

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// Fields every record of a people-owned kind has: who owns it, its team,
/// who it is shared with (supplier portal), labels.
fn ownership() -> Vec<FieldDef> {
    vec![
        f("owner_id", FieldType::User),
        f("team_id", FieldType::Team),
        f("shared_with", FieldType::Users),
        f("tags", FieldType::Tags),
    ]
}

pub static KINDS: LazyLock<Vec<KindDef>> = LazyLock::new(|| {
    let text = |max| FieldType::Text { max };
    vec![
        KindDef {
            kind: "company",
            path: "companies",
            perm: "companies",
            scoped: true,
            custom: true,
            fields: [
                vec![
                    f("name", text(200)).required().search().sort(),
                    f("domain", text(253)).search(),
                    f("industry", text(100)).search().sort(),
                    f("phone", text(50)),
                    f("website", FieldType::Url),
                    f("address", FieldType::LongText { max: 2000 }).search(),
                ],
                ownership(),
            ]
            .concat(),
        },
        KindDef {
            kind: "contact",
            path: "contacts",
            perm: "contacts",
            scoped: true,
            custom: true,
            fields: [
                vec![
                    f("first_name", text(100)).search().sort(),
                    f("last_name", text(100)).required().search().sort(),
                    f("email", FieldType::Email).search().sort(),
                    f("phone", text(50)).search(),
                    f("title", text(100)).search(),
                    f("company_id", FieldType::Relation("company")),
                    // The customer-portal user who is this contact.
                    f("user_id", FieldType::User),
                ],
                ownership(),
            ]
            .concat(),
        },
        KindDef {
            kind: "pipeline",
            path: "pipelines",
            perm: "pipelines",
            scoped: false,
            custom: false,
            fields: vec![
                f("name", text(100)).required().search().sort(),
                f("stages", FieldType::Stages).required(),
            ],
        },
        KindDef {
            kind: "deal",
            path: "deals",
            perm: "deals",
            scoped: true,
            custom: true,
            fields: [
                vec![
                    f("title", text(200)).required().search().sort(),
                    f(
                        "amount",
                        FieldType::Number {
                            min: Some(0.0),
                            max: Some(1e15),
                        },
                    )
                    .sort(),
                    f("currency", FieldType::CurrencyCode),
                    f("pipeline_id", FieldType::Relation("pipeline")).required(),
                    f("stage_id", text(64)),
                    f("expected_close", FieldType::Date).sort(),
                    f("company_id", FieldType::Relation("company")),
                    f("contact_ids", FieldType::Relations("contact")),
                ],
                ownership(),
            ]
            .concat(),
        },
        KindDef {
            kind: "queue",
            path: "queues",
            perm: "queues",
            scoped: false,
            custom: false,
            fields: vec![
                f("name", text(100)).required().search().sort(),
                f("description", FieldType::LongText { max: 2000 }),
                f("team_id", FieldType::Team),
                f("sla_policy_id", FieldType::Relation("sla_policy")),
                f("routing", FieldType::Select(strings(&ROUTING_MODES))),
                // Who is offered this queue's tickets; empty: every agent.
                f("agent_ids", FieldType::Users),
                f(
                    "offer_timeout_secs",
                    FieldType::Integer { min: 5, max: 3600 },
                ),
            ],
        },
        KindDef {
            kind: "ticket",
            path: "tickets",
            perm: "tickets",
            scoped: true,
            custom: true,
            fields: [
                vec![
                    f("subject", text(300)).required().search().sort(),
                    f("description", FieldType::LongText { max: 20_000 }).search(),
                    f("status", text(50)).sort().kept(),
                    f("priority", FieldType::Select(strings(&PRIORITIES)))
                        .sort()
                        .kept(),
                    f("queue_id", FieldType::Relation("queue")),
                    f("requester_id", FieldType::Relation("contact")),
                    f("assignee_id", FieldType::User),
                    // Skills an agent needs to be offered the ticket.
                    f("skills", FieldType::Tags),
                ],
                ownership(),
            ]
            .concat(),
        },
        KindDef {
            kind: "activity",
            path: "activities",
            perm: "activities",
            scoped: true,
            custom: true,
            fields: [
                vec![
                    f("type", FieldType::Select(strings(&ACTIVITY_TYPES)))
                        .required()
                        .sort(),
                    f("subject", text(300)).required().search().sort(),
                    f("body", FieldType::LongText { max: 20_000 }).search(),
                    f("due_at", FieldType::DateTime).sort(),
                    f("done", FieldType::Bool),
                    f(
                        "related_kind",
                        FieldType::Select(strings(&["company", "contact", "deal", "ticket"])),
                    ),
                    f("related_id", text(36)),
                ],
                ownership(),
            ]
            .concat(),
        },
        KindDef {
            kind: "sla_policy",
            path: "sla-policies",
            perm: "sla_policies",
            scoped: false,
            custom: false,
            fields: vec![
                f("name", text(100)).required().search().sort(),
                f("targets", FieldType::SlaTargets).required(),
                f("business_hours", FieldType::Bool),
                f("paused_statuses", FieldType::Tags),
                // Warn when this share of a target is used up.
                f("warn_percent", FieldType::Integer { min: 1, max: 99 }),
            ],
        },
    ]
});

pub fn by_path(path: &str) -> Option<&'static KindDef> {
    KINDS.iter().find(|k| k.path == path)
}

pub fn by_kind(kind: &str) -> Option<&'static KindDef> {
    KINDS.iter().find(|k| k.kind == kind)
}

/// Ticket comments live under their ticket; not a kind of their own API.
pub const COMMENT: &str = "comment";

/// The kind of attachments' events (`file.added`, `file.removed`): they
/// belong with their record (`record_kind`, `record_id` in their data).
pub const FILE: &str = "file";

/// A comment's fields, for what reads every record alike (the audit
/// trail's field diff, deletion); `by_kind` does not know it, since no
/// collection of the API serves comments on their own.
pub static COMMENT_KIND: LazyLock<KindDef> = LazyLock::new(|| KindDef {
    kind: COMMENT,
    path: "comments",
    perm: "tickets",
    scoped: true,
    custom: false,
    fields: vec![
        f("ticket_id", FieldType::Relation("ticket")),
        f("body", FieldType::LongText { max: 20_000 }),
        f("internal", FieldType::Bool),
        f("author_id", FieldType::User),
        f("author_name", FieldType::Text { max: 200 }),
        f("author_kind", FieldType::Text { max: 20 }),
    ],
});

/// Any kind of record, comments included.
pub fn any_kind(kind: &str) -> Option<&'static KindDef> {
    by_kind(kind).or_else(|| (kind == COMMENT).then(|| &*COMMENT_KIND))
}

/// Keys a client can never set.
pub const SERVER_FIELDS: [&str; 10] = [
    "id",
    "version",
    "created_at",
    "updated_at",
    "created_by",
    "stage_history",
    // Kept by the support engine: SLA clocks and the current offer.
    "sla",
    "offer",
    "declined_by",
    // Placed and lifted through `/hold` only (`records::privacy`).
    "legal_hold",
];

/// The field whose change an event's `change: {from, to, …}` describes.
/// An event type not listed here carries no `change`; if one ever does,
/// readers with any hidden field do not get it (fail closed).
pub fn change_field(event_type: &str) -> Option<&'static str> {
    Some(match event_type {
        "deal.stage_changed" => "stage_id",
        "ticket.status_changed" => "status",
        "ticket.assigned" => "assignee_id",
        "ticket.offered" | "ticket.offer_expired" | "ticket.offer_declined" => "offer",
        "ticket.sla_warning" | "ticket.sla_breached" => "sla",
        _ => return None,
    })
}

/// How a queue hands out its tickets.
pub const ROUTING_MODES: [&str; 4] = ["manual", "round_robin", "least_loaded", "skills"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::permission;

    #[test]
    fn every_kind_maps_to_catalogue_permissions() {
        for k in KINDS.iter() {
            for p in [k.read_perm(), k.write_perm(), k.delete_perm()] {
                let spec = permission::lookup(&p).unwrap_or_else(|| panic!("{p} not in catalogue"));
                assert_eq!(spec.scoped, k.scoped, "{p}");
            }
            for f in &k.fields {
                assert!(
                    f.key.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "{}",
                    f.key
                );
                assert!(!SERVER_FIELDS.contains(&f.key));
            }
        }
    }
}

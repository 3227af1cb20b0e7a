//! Which records refer to a record, and what becomes of them when it goes.
//! One rule per reference, the same for every caller:
//!
//! | reference | on delete | on erasure of a contact |
//! |---|---|---|
//! | a deal's `pipeline_id` (required) | refused while deals remain | — |
//! | a ticket's `queue_id` | refused while tickets remain | — |
//! | any other required relation (custom fields) | refused | refused |
//! | a contact's or deal's `company_id`, a deal's `contact_ids`, a queue's `sla_policy_id`, optional custom relations | cleared | cleared |
//! | a ticket's `requester_id` | cleared | the ticket goes too |
//! | an activity's related record | the activity goes too | goes too |
//! | a ticket's comments | go too | go too |
//!
//! Refusing keeps business records from vanishing by a side effect (a
//! pipeline's deals); clearing keeps the referring record and forgets
//! only the link; what only makes sense with its record goes with it.
//! An erasure also takes what the person asked and wrote: their tickets.

use super::schema::{COMMENT, FieldType, KINDS};
use super::validate::Custom;

/// What becomes of a record that refers to one that goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    /// The removal is refused while such records exist.
    Refuse,
    /// The reference is removed; the referring record stays.
    Clear,
    /// The referring record goes too (by the same rules, in turn).
    Delete,
}

/// Why a record goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Delete,
    /// Art. 17: the person and what they asked and wrote.
    Erase,
}

/// Where a reference sits in the referring record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// A field of `data`, or of `custom`: one id, or an array of ids.
    Field {
        column: &'static str,
        key: String,
        array: bool,
    },
    /// An activity's `related_kind` and `related_id`.
    Related,
    /// A comment's ticket (`parent_id`).
    Parent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referrer {
    pub kind: &'static str,
    pub slot: Slot,
    pub rule: OnDelete,
}

fn rule(kind: &str, key: &str, required: bool, removal: Removal) -> OnDelete {
    match (kind, key) {
        ("ticket", "queue_id") => OnDelete::Refuse,
        ("ticket", "requester_id") if removal == Removal::Erase => OnDelete::Delete,
        _ if required => OnDelete::Refuse,
        _ => OnDelete::Clear,
    }
}

/// The references to a record of kind `target`: the kinds' own fields,
/// the tenant's custom relation fields (`customs`: per kind), activities
/// and, for tickets, comments.
pub fn to(
    target: &str,
    customs: &[(&'static str, Vec<Custom>)],
    removal: Removal,
) -> Vec<Referrer> {
    let mut out = Vec::new();
    let points = |ty: &FieldType| match ty {
        FieldType::Relation(k) => (*k == target).then_some(false),
        FieldType::Relations(k) => (*k == target).then_some(true),
        _ => None,
    };
    for kind in KINDS.iter() {
        for f in &kind.fields {
            if let Some(array) = points(&f.ty) {
                out.push(Referrer {
                    kind: kind.kind,
                    slot: Slot::Field {
                        column: "data",
                        key: f.key.to_owned(),
                        array,
                    },
                    rule: rule(kind.kind, f.key, f.required, removal),
                });
            }
        }
    }
    for (kind, fields) in customs {
        for c in fields {
            if let Some(array) = points(&c.ty) {
                out.push(Referrer {
                    kind,
                    slot: Slot::Field {
                        column: "custom",
                        key: c.key.clone(),
                        array,
                    },
                    rule: rule(kind, &c.key, c.required && !c.retired, removal),
                });
            }
        }
    }
    if ["company", "contact", "deal", "ticket"].contains(&target) {
        out.push(Referrer {
            kind: "activity",
            slot: Slot::Related,
            rule: OnDelete::Delete,
        });
    }
    if target == "ticket" {
        out.push(Referrer {
            kind: COMMENT,
            slot: Slot::Parent,
            rule: OnDelete::Delete,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(target: &str, removal: Removal) -> Vec<(&'static str, String, OnDelete)> {
        to(target, &[], removal)
            .into_iter()
            .map(|r| {
                let at = match r.slot {
                    Slot::Field { key, .. } => key,
                    Slot::Related => "related_id".into(),
                    Slot::Parent => "parent_id".into(),
                };
                (r.kind, at, r.rule)
            })
            .collect()
    }

    #[test]
    fn every_reference_has_its_rule() {
        use OnDelete::*;
        let s = |v: &str| v.to_owned();
        assert_eq!(
            rules("contact", Removal::Delete),
            [
                ("deal", s("contact_ids"), Clear),
                ("ticket", s("requester_id"), Clear),
                ("activity", s("related_id"), Delete),
            ]
        );
        assert_eq!(
            rules("contact", Removal::Erase),
            [
                ("deal", s("contact_ids"), Clear),
                ("ticket", s("requester_id"), Delete),
                ("activity", s("related_id"), Delete),
            ]
        );
        assert_eq!(
            rules("company", Removal::Delete),
            [
                ("contact", s("company_id"), Clear),
                ("deal", s("company_id"), Clear),
                ("activity", s("related_id"), Delete),
            ]
        );
        assert_eq!(
            rules("pipeline", Removal::Delete),
            [("deal", s("pipeline_id"), Refuse)]
        );
        assert_eq!(
            rules("queue", Removal::Delete),
            [("ticket", s("queue_id"), Refuse)]
        );
        assert_eq!(
            rules("sla_policy", Removal::Delete),
            [("queue", s("sla_policy_id"), Clear)]
        );
        assert_eq!(
            rules("ticket", Removal::Delete),
            [
                ("activity", s("related_id"), Delete),
                ("comment", s("parent_id"), Delete)
            ]
        );
    }

    #[test]
    fn a_required_custom_relation_refuses_and_an_optional_one_clears() {
        let custom = |key: &str, required| Custom {
            key: key.into(),
            ty: FieldType::Relation("company"),
            required,
            retired: false,
            sensitive: false,
        };
        let found = to(
            "company",
            &[(
                "deal",
                vec![custom("billing_company", true), custom("partner", false)],
            )],
            Removal::Delete,
        );
        let of = |key: &str| {
            found
                .iter()
                .find(
                    |r| matches!(&r.slot, Slot::Field { key: k, column: "custom", .. } if k == key),
                )
                .map(|r| r.rule)
        };
        assert_eq!(of("billing_company"), Some(OnDelete::Refuse));
        assert_eq!(of("partner"), Some(OnDelete::Clear));
    }
}

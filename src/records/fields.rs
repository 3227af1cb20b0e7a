//! Custom field definitions: add, relabel, retire, restore. They apply to
//! the next write: definitions are read in every writing transaction.

use crate::storage::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::core::{RecordError, Written};
use super::schema::by_kind;
use super::validate::custom_type;
use crate::domain::{FieldError, Validation};
use crate::identity::Principal;
use crate::storage::audit_log;
use crate::storage::custom_fields::{self, CustomFieldRow};
use crate::storage::{StorageError, TenantDb, events};

pub const TYPES: [&str; 12] = [
    "text",
    "long_text",
    "number",
    "bool",
    "date",
    "datetime",
    "select",
    "multi_select",
    "currency",
    "email",
    "url",
    "relation",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldInput {
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub key: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub label: Option<String>,
    #[serde(
        rename = "type",
        default,
        deserialize_with = "crate::domain::present::present"
    )]
    pub field_type: Option<String>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub options: Option<Value>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub required: Option<bool>,
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub retired: Option<bool>,
    /// Values sealed at rest, and so never searched or filtered by; set
    /// when the field is made (values written in clear before would stay
    /// in the event log and in backups).
    #[serde(default, deserialize_with = "crate::domain::present::present")]
    pub sensitive: Option<bool>,
}

fn valid_label(l: &str) -> bool {
    !l.trim().is_empty() && l.chars().count() <= 100 && !l.chars().any(char::is_control)
}

fn valid_key(k: &str) -> bool {
    let mut c = k.chars();
    matches!(c.next(), Some('a'..='z'))
        && k.len() <= 40
        && c.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn check_options(v: &mut Validation, field_type: &str, options: &Value) {
    match field_type {
        "select" | "multi_select" => {
            let ok = options["choices"].as_array().is_some_and(|a| {
                !a.is_empty()
                    && a.len() <= 200
                    && a.iter()
                        .all(|c| c.as_str().is_some_and(|s| !s.is_empty() && s.len() <= 100))
            });
            if !ok {
                v.push(FieldError::new(
                    "options.choices",
                    "must list 1 to 200 strings of 1-100 characters",
                ));
            }
        }
        "relation" if options["kind"].as_str().and_then(by_kind).is_none() => {
            v.push(FieldError::new(
                "options.kind",
                "must name a kind of record (contact, company, deal, …)",
            ));
        }
        "number" => {
            for k in ["min", "max"] {
                if !options[k].is_null() && !options[k].is_number() {
                    v.push(FieldError::new(format!("options.{k}"), "must be a number"));
                }
            }
        }
        _ => {}
    }
}

/// Appends the field's change to the log (sessions reload their forms)
/// and answers what the write returns.
async fn announce(
    tx: &mut crate::storage::TenantTx,
    row: &CustomFieldRow,
    actor: &Principal,
) -> Result<Written, StorageError> {
    let e = events::append(
        tx,
        &events::NewEvent {
            event_type: "custom_field.changed",
            kind: "custom_field",
            record_id: row.id,
            actor: Some(actor.user_id),
            people: &[],
            team_id: None,
            data: &json!(row),
        },
    )
    .await?;
    // A definition holds no personal data: it stands in the trail whole.
    audit_log::append(
        tx,
        &audit_log::NewEntry {
            action: if row.version == 1 {
                "custom_field.created"
            } else {
                "custom_field.updated"
            },
            actor: actor.audit_actor(),
            kind: Some("custom_field"),
            record_id: Some(row.id),
            detail: json!({"field": row}),
        },
    )
    .await?;
    Ok(Written {
        record: json!(row),
        version: row.version,
        events: vec![std::sync::Arc::new(e)],
    })
}

/// The custom fields (of `kind` only, when given), retired ones included.
pub async fn list(
    db: &crate::storage::TenantDb,
    kind: Option<&str>,
) -> Result<Vec<CustomFieldRow>, RecordError> {
    let mut tx = db.begin_read().await?;
    let all = custom_fields::all(&mut tx).await?;
    tx.rollback().await?;
    Ok(all
        .into_iter()
        .filter(|f| kind.is_none_or(|k| k == f.kind))
        .collect())
}

pub async fn create(
    db: &TenantDb,
    actor: &Principal,
    input: &FieldInput,
) -> Result<Written, RecordError> {
    let mut v = Validation::default();
    let kind = input.kind.as_deref().and_then(by_kind).filter(|k| k.custom);
    if kind.is_none() {
        v.push(FieldError::new(
            "kind",
            "must be a kind with custom fields: company, contact, deal, ticket, activity",
        ));
    }
    let key = input.key.clone().unwrap_or_default();
    if !valid_key(&key) {
        v.push(FieldError::new(
            "key",
            "1-40 characters a-z, 0-9, '_', starting with a letter",
        ));
    }
    let label = input.label.clone().unwrap_or_else(|| key.clone());
    if !valid_label(&label) {
        v.push(FieldError::new(
            "label",
            "must be 1-100 characters without control characters",
        ));
    }
    let field_type = input.field_type.clone().unwrap_or_default();
    if !TYPES.contains(&field_type.as_str()) {
        v.push(FieldError::new(
            "type",
            format!("must be one of {}", TYPES.join(", ")),
        ));
    }
    let options = input.options.clone().unwrap_or(json!({}));
    if !options.is_object() {
        v.push(FieldError::new("options", "must be an object"));
    } else {
        check_options(&mut v, &field_type, &options);
    }
    if input.retired == Some(true) {
        v.push(FieldError::new(
            "retired",
            "a new field cannot start retired",
        ));
    }
    let sensitive = input.sensitive.unwrap_or(false);
    if sensitive && field_type == "relation" {
        // Deleting the record it names must find and clear it.
        v.push(FieldError::new(
            "sensitive",
            "a relation cannot be sensitive: it must stay readable to follow deletions",
        ));
    }
    v.finish().map_err(RecordError::Validation)?;
    if custom_type(&field_type, &options).is_none() {
        return Err(RecordError::Validation(vec![FieldError::new(
            "type",
            "invalid type and options",
        )]));
    }
    let now = Utc::now();
    let row = CustomFieldRow {
        id: Uuid::now_v7(),
        kind: kind.map(|k| k.kind.to_owned()).unwrap_or_default(),
        key,
        label,
        field_type,
        options: Json(options),
        required: input.required.unwrap_or(false),
        retired: false,
        sensitive,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let mut tx = db.begin().await?;
    custom_fields::insert(&mut tx, &row)
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => RecordError::Validation(vec![FieldError::new(
                "key",
                "is already used by this kind",
            )]),
            other => other.into(),
        })?;
    let written = announce(&mut tx, &row, actor).await?;
    tx.commit().await?;
    Ok(written)
}

/// Changes label, options, required or retired; kind, key, type and
/// sensitivity stay.
pub async fn update(
    db: &TenantDb,
    actor: &Principal,
    id: Uuid,
    input: &FieldInput,
) -> Result<Written, RecordError> {
    let mut tx = db.begin().await?;
    let mut row = custom_fields::get(&mut tx, id)
        .await?
        .ok_or(RecordError::NotFound)?;
    let mut v = Validation::default();
    if input.kind.as_ref().is_some_and(|k| *k != row.kind) {
        v.push(FieldError::new("kind", "cannot change"));
    }
    if input.key.as_ref().is_some_and(|k| *k != row.key) {
        v.push(FieldError::new("key", "cannot change (relabel with label)"));
    }
    if input
        .field_type
        .as_ref()
        .is_some_and(|t| *t != row.field_type)
    {
        v.push(FieldError::new(
            "type",
            "cannot change; retire the field and add a new one",
        ));
    }
    if input.sensitive.is_some_and(|s| s != row.sensitive) {
        v.push(FieldError::new(
            "sensitive",
            "cannot change; values already written stay as they were in the event log and backups. Add a new field and retire this one",
        ));
    }
    if let Some(l) = &input.label {
        if !valid_label(l) {
            v.push(FieldError::new(
                "label",
                "must be 1-100 characters without control characters",
            ));
        }
        row.label = l.clone();
    }
    if let Some(o) = &input.options {
        if !o.is_object() {
            v.push(FieldError::new("options", "must be an object"));
        }
        check_options(&mut v, &row.field_type, o);
        row.options = Json(o.clone());
    }
    v.finish().map_err(RecordError::Validation)?;
    if let Some(r) = input.required {
        row.required = r;
    }
    if let Some(r) = input.retired {
        row.retired = r;
    }
    // The answer says what was stored: the same instant.
    row.updated_at = Utc::now();
    custom_fields::update(&mut tx, &row).await?;
    row.version += 1;
    let written = announce(&mut tx, &row, actor).await?;
    tx.commit().await?;
    Ok(written)
}

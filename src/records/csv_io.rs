//! CSV: export of any list (same filters, streamed page by page) and bulk
//! import of contacts and companies (validated row by row, written in
//! batches, one transaction: all or nothing).

use std::collections::{BTreeSet, HashMap};

use crate::storage::Json;
use chrono::Utc;
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::core::{self, RecordError, customs};
use super::schema::{FieldType, KindDef, SERVER_FIELDS};
use super::validate::{self, Custom, Ref};
use crate::domain::FieldError;
use crate::identity::{Decision, Principal, RecordMeta};
use crate::storage::records::{self, RecordRow};
use crate::storage::{TenantDb, TenantTx, audit_log, events, teams, users};

// ---- export ---------------------------------------------------------------

/// The columns `actor` gets in an export of `kind`: its hidden fields are
/// not there at all, not even as a header. The export is audited here,
/// with the names of its filters (their values may be a person's name).
pub async fn export_columns(
    db: &TenantDb,
    kind: &KindDef,
    actor: &Principal,
    filters: &[String],
) -> Result<Vec<String>, RecordError> {
    let mut tx = db.begin().await?;
    let customs = customs(&mut tx, kind.kind).await?;
    audit_log::append(
        &mut tx,
        &audit_log::NewEntry {
            action: &format!("{}.exported", kind.kind),
            actor: actor.audit_actor(),
            kind: Some(kind.kind),
            record_id: None,
            detail: json!({"format": "csv", "filters": filters}),
        },
    )
    .await?;
    tx.commit().await?;
    let hidden: BTreeSet<String> = actor
        .grant(&kind.read_perm())
        .map(|g| g.hidden_fields.clone())
        .unwrap_or_default();
    Ok(columns(kind, &customs, &hidden))
}

/// The export's columns: identity, standard fields, visible custom fields.
fn columns(kind: &KindDef, customs: &[Custom], hidden: &BTreeSet<String>) -> Vec<String> {
    let mut cols: Vec<String> = ["id", "version", "created_at", "updated_at"]
        .map(String::from)
        .to_vec();
    cols.extend(
        kind.fields
            .iter()
            .map(|f| f.key.to_owned())
            .filter(|k| !hidden.contains(k)),
    );
    if kind.kind == "deal" && !crate::identity::principal::hides(hidden, "stage_history") {
        cols.push("stage_history".into());
    }
    if kind.custom {
        cols.extend(
            customs
                .iter()
                .filter(|c| !c.retired && !hidden.contains(&c.key))
                .map(|c| format!("custom.{}", c.key)),
        );
    }
    cols
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) if a.iter().all(|x| x.is_string()) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(";"),
        Some(Value::Object(o)) if o.contains_key("amount") && o.contains_key("currency") => {
            format!(
                "{} {}",
                o["amount"],
                o["currency"].as_str().unwrap_or_default()
            )
        }
        Some(other) => other.to_string(),
    }
}

/// A cell that a spreadsheet would run as a formula (OWASP's CSV
/// injection rule: it starts with `=`, `+`, `-`, `@`, a tab or a carriage
/// return) gets a leading `'`, which makes Excel and LibreOffice show it as
/// text. Plain numbers stay as they are (`-5` is a number, not a formula).
fn neutralised(cell: String) -> String {
    let risky = cell
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && cell.parse::<f64>().is_err() {
        format!("'{cell}")
    } else {
        cell
    }
}

/// CSV text for one record as the API renders it.
pub fn write_rows(cols: &[String], items: &[Value], with_header: bool) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if with_header {
        let _ = w.write_record(cols);
    }
    for item in items {
        let row: Vec<String> = cols
            .iter()
            .map(|c| match c.strip_prefix("custom.") {
                Some(k) => cell(item.get("custom").and_then(|x| x.get(k))),
                None => cell(item.get(c)),
            })
            .map(neutralised)
            .collect();
        let _ = w.write_record(&row);
    }
    w.into_inner().unwrap_or_default()
}

// ---- import ---------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct RowError {
    pub line: u64,
    pub field: String,
    pub message: String,
}

#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    pub imported: usize,
    pub skipped: usize,
    /// The first 1,000 row errors.
    pub errors: Vec<RowError>,
    pub error_count: usize,
    /// What the import appended, for the write path after commit.
    #[serde(skip)]
    pub events: Vec<std::sync::Arc<crate::storage::events::EventRow>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Record(#[from] RecordError),
    /// Rows failed and the import was not told to skip them: nothing written.
    #[error("{} row error(s)", .0.error_count)]
    Rows(ImportReport),
    #[error("the CSV cannot be read: {0}")]
    Malformed(String),
}

impl From<crate::storage::StorageError> for ImportError {
    fn from(e: crate::storage::StorageError) -> Self {
        ImportError::Record(e.into())
    }
}

const MAX_ERRORS_KEPT: usize = 1000;
const BATCH: usize = 500;

/// A CSV cell as the JSON value its field expects; anything unparsable is
/// passed on as text so validation names the field and the problem.
fn parse_cell(ty: &FieldType, raw: &str) -> Value {
    let t = raw.trim();
    match ty {
        FieldType::Number { .. } => t
            .parse::<f64>()
            .map(|n| json!(n))
            .unwrap_or_else(|_| json!(raw)),
        FieldType::Integer { .. } => t
            .parse::<i64>()
            .map(|n| json!(n))
            .unwrap_or_else(|_| json!(raw)),
        FieldType::Bool => match t.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => json!(true),
            "false" | "no" | "0" => json!(false),
            _ => json!(raw),
        },
        t2 if t2.is_array() => json!(
            t.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        ),
        FieldType::Money => match t.rsplit_once(' ') {
            Some((a, c)) => a
                .trim()
                .parse::<f64>()
                .map(|n| json!({"amount": n, "currency": c}))
                .unwrap_or_else(|_| json!(raw)),
            None => json!(raw),
        },
        _ => json!(raw),
    }
}

enum Column {
    Field(&'static str, FieldType),
    Custom(String, FieldType),
    Ignored,
}

/// Remembers which referenced ids exist, so a batch checks each once.
#[derive(Default)]
struct Known {
    records: HashMap<(String, Uuid), bool>,
    users: HashMap<Uuid, bool>,
    teams: Option<Vec<Uuid>>,
}

impl Known {
    async fn check(
        &mut self,
        tx: &mut TenantTx,
        refs: &[Ref],
    ) -> Result<Vec<FieldError>, RecordError> {
        let mut errors = Vec::new();
        for r in refs {
            match r {
                Ref::Record { field, kind, ids } => {
                    for id in ids {
                        let key = (kind.to_string(), *id);
                        let ok = match self.records.get(&key) {
                            Some(ok) => *ok,
                            None => {
                                let ok = !records::existing(tx, kind, &[*id]).await?.is_empty();
                                self.records.insert(key, ok);
                                ok
                            }
                        };
                        if !ok {
                            errors.push(FieldError::new(
                                field,
                                format!("refers to a {kind} that does not exist"),
                            ));
                        }
                    }
                }
                Ref::User { field, ids } => {
                    for id in ids {
                        let ok = match self.users.get(id) {
                            Some(ok) => *ok,
                            None => {
                                let ok = users::get(tx, *id).await?.is_some();
                                self.users.insert(*id, ok);
                                ok
                            }
                        };
                        if !ok {
                            errors.push(FieldError::new(
                                field,
                                "refers to a user that does not exist",
                            ));
                        }
                    }
                }
                Ref::Team { field, ids } => {
                    if self.teams.is_none() {
                        self.teams =
                            Some(teams::list(tx).await?.into_iter().map(|t| t.id).collect());
                    }
                    if ids
                        .iter()
                        .any(|i| !self.teams.as_deref().unwrap_or_default().contains(i))
                    {
                        errors.push(FieldError::new(
                            field,
                            "refers to a team that does not exist",
                        ));
                    }
                }
            }
        }
        Ok(errors)
    }
}

/// Imports `csv` (header row of field keys and `custom.<key>` columns) as
/// records of `kind`. Without `skip_invalid`, any row error writes nothing.
/// `progress` hears the number of bytes consumed after each batch.
pub async fn import(
    db: &TenantDb,
    kind: &'static KindDef,
    actor: &Principal,
    csv_bytes: &[u8],
    skip_invalid: bool,
    quota: Option<i64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ImportReport, ImportError> {
    let mut tx = db.begin().await?;
    let customs = customs(&mut tx, kind.kind).await?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(csv_bytes);
    let headers = reader
        .headers()
        .map_err(|e| ImportError::Malformed(e.to_string()))?
        .clone();
    let mut header_errors = Vec::new();
    let cols: Vec<Column> = headers
        .iter()
        .map(|h| {
            let h = h.trim();
            if let Some(k) = h.strip_prefix("custom.") {
                match customs.iter().find(|c| c.key == k && !c.retired) {
                    Some(c) => Column::Custom(c.key.clone(), c.ty.clone()),
                    None => {
                        header_errors.push(FieldError::new(h, "unknown custom field"));
                        Column::Ignored
                    }
                }
            } else if SERVER_FIELDS.contains(&h) || h == "updated_at" {
                // Exports carry these; an import ignores them (the server sets them).
                Column::Ignored
            } else {
                match kind.field(h) {
                    Some(f) => Column::Field(f.key, f.ty.clone()),
                    None => {
                        header_errors.push(FieldError::new(h, "unknown column"));
                        Column::Ignored
                    }
                }
            }
        })
        .collect();
    if !header_errors.is_empty() {
        return Err(ImportError::Record(RecordError::Validation(header_errors)));
    }
    let mut report = ImportReport::default();
    let mut known = Known::default();
    let mut batch: Vec<(RecordRow, String)> = Vec::new();
    let mut record = csv::StringRecord::new();
    let write_perm = kind.write_perm();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(ImportError::Malformed(e.to_string())),
        }
        let line = record.position().map_or(0, |p| p.line());
        let mut obj = Map::new();
        let mut custom = Map::new();
        for (col, raw) in cols.iter().zip(record.iter()) {
            if raw.is_empty() {
                continue;
            }
            match col {
                Column::Field(k, ty) => {
                    obj.insert((*k).to_owned(), parse_cell(ty, raw));
                }
                Column::Custom(k, ty) => {
                    custom.insert(k.clone(), parse_cell(ty, raw));
                }
                Column::Ignored => {}
            }
        }
        if !custom.is_empty() {
            obj.insert("custom".into(), Value::Object(custom));
        }
        let mut row_errors = match validate::record(kind, &customs, &Value::Object(obj), true) {
            Ok(checked) => {
                let mut errs = known.check(&mut tx, &checked.refs).await?;
                let mut data: Map<String, Value> = checked
                    .data
                    .into_iter()
                    .filter(|(_, v)| !v.is_null())
                    .collect();
                if kind.field("owner_id").is_some() && !data.contains_key("owner_id") {
                    data.insert("owner_id".into(), json!(actor.user_id));
                }
                let custom: Map<String, Value> = checked
                    .custom
                    .into_iter()
                    .filter(|(_, v)| !v.is_null())
                    .collect();
                let people = people(&data);
                let team_id = data
                    .get("team_id")
                    .and_then(Value::as_str)
                    .and_then(|s| Uuid::parse_str(s).ok());
                let meta = RecordMeta {
                    people: people.clone(),
                    teams: team_id.into_iter().collect(),
                };
                if actor.decide(&write_perm, &meta) == Decision::Deny {
                    errs.push(FieldError::new(
                        "owner_id",
                        "the row would be outside what you may write",
                    ));
                }
                if errs.is_empty() {
                    let now = Utc::now();
                    let search =
                        core::search_text(kind, &data, &custom, &core::sensitive(&customs));
                    batch.push((
                        RecordRow {
                            id: Uuid::now_v7(),
                            kind: kind.kind.to_owned(),
                            data: Json(data),
                            custom: Json(custom),
                            people: Json(people),
                            team_id,
                            parent_id: None,
                            version: 1,
                            created_by: Some(actor.user_id),
                            created_at: now,
                            updated_at: now,
                        },
                        search,
                    ));
                }
                errs
            }
            Err(errs) => errs,
        };
        if !row_errors.is_empty() {
            report.skipped += 1;
            report.error_count += row_errors.len();
            for e in row_errors.drain(..) {
                if report.errors.len() < MAX_ERRORS_KEPT {
                    report.errors.push(RowError {
                        line,
                        field: e.field,
                        message: e.message,
                    });
                }
            }
        }
        if batch.len() >= BATCH {
            flush(&mut tx, kind, actor, &mut batch, &mut report, skip_invalid).await?;
            progress(reader.position().byte());
        }
    }
    flush(&mut tx, kind, actor, &mut batch, &mut report, skip_invalid).await?;
    progress(reader.position().byte());
    if report.error_count > 0 && !skip_invalid {
        tx.rollback().await?;
        report.imported = 0;
        return Err(ImportError::Rows(report));
    }
    if let Some(max) = quota
        && records::count(&mut tx).await? > max
    {
        tx.rollback().await?;
        return Err(ImportError::Record(RecordError::QuotaExceeded(format!(
            "The plan allows {max} records; this import would exceed it. Nothing was imported."
        ))));
    }
    tx.commit().await?;
    Ok(report)
}

fn people(data: &Map<String, Value>) -> Vec<Uuid> {
    let mut p = BTreeSet::new();
    for k in ["owner_id", "user_id"] {
        p.extend(
            data.get(k)
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok()),
        );
    }
    if let Some(a) = data.get("shared_with").and_then(Value::as_array) {
        p.extend(
            a.iter()
                .filter_map(Value::as_str)
                .filter_map(|s| Uuid::parse_str(s).ok()),
        );
    }
    p.into_iter().collect()
}

/// Writes the batch and its events, unless rows already failed and the
/// import will be rolled back anyway.
async fn flush(
    tx: &mut TenantTx,
    kind: &KindDef,
    actor: &Principal,
    batch: &mut Vec<(RecordRow, String)>,
    report: &mut ImportReport,
    skip_invalid: bool,
) -> Result<(), ImportError> {
    if batch.is_empty() || (report.error_count > 0 && !skip_invalid) {
        batch.clear();
        return Ok(());
    }
    records::insert_many(tx, batch).await?;
    let event_type = format!("{}.created", kind.kind);
    let rendered: Vec<Value> = batch
        .iter()
        .map(|(r, _)| core::render(r, &BTreeSet::new(), &[]))
        .collect();
    let list: Vec<events::NewEvent<'_>> = batch
        .iter()
        .zip(&rendered)
        .map(|((r, _), data)| events::NewEvent {
            event_type: &event_type,
            kind: kind.kind,
            record_id: r.id,
            actor: Some(actor.user_id),
            people: &r.people.0,
            team_id: r.team_id,
            data,
        })
        .collect();
    let appended = events::append_many(tx, &list).await?;
    let by = actor.audit_actor();
    let entries: Vec<audit_log::NewEntry<'_>> = batch
        .iter()
        .map(|(r, _)| audit_log::NewEntry {
            action: &event_type,
            actor: by.clone(),
            kind: Some(kind.kind),
            record_id: Some(r.id),
            detail: json!({
                "changes": super::audit::changes(kind, None, Some(r)),
                "via": "csv_import",
            }),
        })
        .collect();
    audit_log::append_many(tx, &entries).await?;
    report
        .events
        .extend(appended.into_iter().map(std::sync::Arc::new));
    report.imported += batch.len();
    batch.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_are_shown_as_text() {
        let cols = vec!["name".to_owned(), "amount".to_owned()];
        let items = [
            json!({"name": "=HYPERLINK(\"http://x\")", "amount": -5}),
            json!({"name": "@SUM(A1)", "amount": 3}),
            json!({"name": "+1 555", "amount": null}),
            json!({"name": "-2+3", "amount": null}),
            json!({"name": "\tx", "amount": null}),
            json!({"name": "Müller", "amount": null}),
        ];
        let out = String::from_utf8(write_rows(&cols, &items, false)).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "\"'=HYPERLINK(\"\"http://x\"\")\",-5");
        assert_eq!(lines[1], "'@SUM(A1),3");
        assert_eq!(lines[2], "'+1 555,");
        assert_eq!(lines[3], "'-2+3,");
        assert_eq!(lines[4], "'\tx,");
        assert_eq!(lines[5], "Müller,");
    }
}

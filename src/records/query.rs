//! List queries: filters, sort, full-text search and keyset cursors,
//! parsed from the query string and checked against the kind and the
//! caller; `storage::list` says them in SQL.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use std::collections::BTreeSet;

use super::schema::{FieldType, KindDef};
use super::validate::Custom;
use crate::domain::FieldError;
use crate::identity::principal::hides;
use crate::storage::Dialect;
use crate::storage::list::{Cmp, Condition, ListSpec, Order, Reach, Shape};
use crate::storage::records::Bind;

pub const MAX_LIMIT: usize = 200;

#[derive(Debug, Clone)]
struct Filter {
    column: &'static str,
    key: String,
    ty: FieldType,
    op: Cmp,
    raw: String,
}

#[derive(Debug, Clone)]
enum SortKey {
    Id,
    CreatedAt,
    UpdatedAt,
    Field { key: String, ty: FieldType },
}

#[derive(Debug, Clone)]
pub struct ListQuery {
    pub limit: usize,
    sort: SortKey,
    desc: bool,
    cursor: Option<(Value, Uuid)>,
    q: Option<String>,
    filters: Vec<Filter>,
}

fn bad(field: &str, msg: impl Into<String>) -> FieldError {
    FieldError::new(field, msg)
}

/// The words of `q` (letters and digits), for either search dialect.
pub fn words(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(str::to_lowercase)
        .collect()
}

/// Lower-case and, where the dialect's index does so, without diacritics
/// (SQLite's `remove_diacritics 2`; PostgreSQL's `simple` configuration
/// keeps them).
fn fold(word: &str, d: Dialect) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    match d {
        Dialect::Sqlite => word
            .nfd()
            .filter(|c| !is_combining_mark(*c))
            .collect::<String>()
            .to_lowercase(),
        Dialect::Postgres => word.to_lowercase(),
    }
}

/// Does a record whose searchable text is `text` match every word of `q`
/// as a prefix of one of its words? The full-text index's rule, run on the
/// fields one caller may read: a match here is a match of the index too,
/// so what a caller cannot read never changes their answer.
pub fn text_matches(q: &str, text: &str, d: Dialect) -> bool {
    let have: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| fold(w, d))
        .collect();
    words(q)
        .iter()
        .map(|w| fold(w, d))
        .all(|w| have.iter().any(|h| h.starts_with(&w)))
}

impl ListQuery {
    /// Parses `pairs` (the query string) for `kind`.
    pub fn parse(
        kind: &KindDef,
        customs: &[Custom],
        pairs: &[(String, String)],
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut q = ListQuery {
            limit: 50,
            sort: SortKey::Id,
            desc: false,
            cursor: None,
            q: None,
            filters: Vec::new(),
        };
        let mut cursor_raw = None;
        for (k, v) in pairs {
            match k.as_str() {
                "limit" => match v.parse::<usize>() {
                    Ok(n) if (1..=MAX_LIMIT).contains(&n) => q.limit = n,
                    _ => errors.push(bad("limit", format!("must be between 1 and {MAX_LIMIT}"))),
                },
                "cursor" => cursor_raw = Some(v.clone()),
                "q" => q.q = Some(v.chars().take(200).collect()),
                "sort" => {
                    let (desc, key) = match v.strip_prefix('-') {
                        Some(k) => (true, k),
                        None => (false, v.as_str()),
                    };
                    q.desc = desc;
                    q.sort = match key {
                        "id" => SortKey::Id,
                        "created_at" => SortKey::CreatedAt,
                        "updated_at" => SortKey::UpdatedAt,
                        other => match kind.field(other) {
                            Some(f) if f.sortable => SortKey::Field {
                                key: f.key.to_owned(),
                                ty: f.ty.clone(),
                            },
                            _ => {
                                errors.push(bad("sort", format!("cannot sort by {other:?}")));
                                SortKey::Id
                            }
                        },
                    };
                }
                other => {
                    let (name, op) = match other.rsplit_once('.') {
                        Some((n, "gt")) => (n, Cmp::Gt),
                        Some((n, "gte")) => (n, Cmp::Gte),
                        Some((n, "lt")) => (n, Cmp::Lt),
                        Some((n, "lte")) => (n, Cmp::Lte),
                        _ => (other, Cmp::Eq),
                    };
                    // Sealed at rest: the database cannot compare them.
                    if name.strip_prefix("custom.").is_some_and(|ck| {
                        customs
                            .iter()
                            .any(|c| c.key == ck && c.sensitive && !c.retired)
                    }) {
                        errors.push(bad(
                            other,
                            "is sensitive: its values are stored encrypted and cannot be filtered",
                        ));
                        continue;
                    }
                    let target = match name.strip_prefix("custom.") {
                        Some(ck) => customs
                            .iter()
                            .find(|c| c.key == ck && !c.retired)
                            .map(|c| ("custom", c.key.clone(), c.ty.clone())),
                        None => kind
                            .field(name)
                            .map(|f| ("data", f.key.to_owned(), f.ty.clone())),
                    };
                    match target {
                        Some((column, key, ty))
                            if ty.filterable() && (op == Cmp::Eq || ty.ordered()) =>
                        {
                            q.filters.push(Filter {
                                column,
                                key,
                                ty,
                                op,
                                raw: v.clone(),
                            })
                        }
                        Some(_) => errors.push(bad(other, "cannot be filtered this way")),
                        None => errors.push(bad(other, "unknown filter")),
                    }
                }
            }
        }
        if let Some(raw) = cursor_raw {
            match decode_cursor(&raw) {
                Some(c) => q.cursor = Some(c),
                None => errors.push(bad("cursor", "is not a cursor this API issued")),
            }
        }
        for f in &q.filters {
            if let Err(e) = filter_bind(f) {
                errors.push(e);
            }
        }
        if errors.is_empty() {
            Ok(q)
        } else {
            Err(errors)
        }
    }

    /// Refuses a filter or sort on a field `hidden` from the caller: its
    /// answers would tell the value ("amount ≥ 98765: one row") as surely
    /// as showing it. Named, like any other refused parameter (`422`).
    pub fn refuse_hidden(&self, hidden: &BTreeSet<String>) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        for f in &self.filters {
            if hides(hidden, &f.key) {
                let name = if f.column == "custom" {
                    format!("custom.{}", f.key)
                } else {
                    f.key.clone()
                };
                errors.push(bad(&name, "is hidden from you and cannot be filtered"));
            }
        }
        if let SortKey::Field { key, .. } = &self.sort
            && hides(hidden, key)
        {
            errors.push(bad(
                "sort",
                format!("{key:?} is hidden from you and cannot be sorted by"),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The words searched for, if any.
    pub fn search(&self) -> Option<&str> {
        self.q.as_deref()
    }

    /// Continues the list after this row (keyset), as its cursor would.
    pub fn continue_after(
        &mut self,
        id: Uuid,
        created: DateTime<Utc>,
        updated: DateTime<Utc>,
        data: &serde_json::Map<String, Value>,
    ) {
        self.cursor = decode_cursor(&self.cursor_after(id, created, updated, data));
    }

    /// Asks storage for one page: one row more than `limit`, to know if a
    /// next page exists.
    pub fn spec<'a>(
        &'a self,
        kind: &'a str,
        reach: &'a Reach,
        conditions: &'a [Condition],
        words: &'a Option<Vec<String>>,
        order: &'a Order,
    ) -> ListSpec<'a> {
        ListSpec {
            kind,
            reach,
            conditions,
            search: words.as_deref(),
            order,
            desc: self.desc,
            after: self.cursor.as_ref().map(|(v, id)| (self.sort_bind(v), *id)),
            limit: self.limit + 1,
        }
    }

    /// The filters as storage conditions (each value parsed in `parse`).
    pub fn conditions(&self) -> Vec<Condition> {
        self.filters
            .iter()
            .filter_map(|f| {
                let value = filter_bind(f).ok()?;
                let shape = match &f.ty {
                    t if t.is_array() => Shape::Contains,
                    FieldType::Number { .. } | FieldType::Integer { .. } => Shape::Number,
                    FieldType::Bool => Shape::Bool,
                    _ => Shape::Text,
                };
                Some(Condition {
                    column: f.column,
                    key: f.key.clone(),
                    shape,
                    cmp: f.op,
                    value,
                })
            })
            .collect()
    }

    /// The search words (`Some(empty)` for a `q` without any: no match).
    pub fn words(&self) -> Option<Vec<String>> {
        self.q.as_deref().map(words)
    }

    pub fn order(&self) -> Order {
        match &self.sort {
            SortKey::Id => Order::Id,
            SortKey::CreatedAt => Order::CreatedAt,
            SortKey::UpdatedAt => Order::UpdatedAt,
            SortKey::Field {
                key,
                ty: FieldType::Number { .. } | FieldType::Integer { .. },
            } => Order::Number(key.clone()),
            SortKey::Field { key, .. } => Order::Text(key.clone()),
        }
    }

    fn sort_bind(&self, v: &Value) -> Option<Bind> {
        match &self.sort {
            SortKey::Id => None,
            SortKey::CreatedAt | SortKey::UpdatedAt => v
                .as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|t| Bind::Time(t.with_timezone(&Utc))),
            SortKey::Field {
                ty: FieldType::Number { .. } | FieldType::Integer { .. },
                ..
            } => Some(Bind::Num(v.as_f64().unwrap_or(-1.0))),
            SortKey::Field { .. } => Some(Bind::Text(v.as_str().unwrap_or_default().to_owned())),
        }
    }

    /// The cursor that continues after `last` (its record JSON).
    pub fn cursor_after(
        &self,
        last_id: Uuid,
        created: DateTime<Utc>,
        updated: DateTime<Utc>,
        data: &serde_json::Map<String, Value>,
    ) -> String {
        let v = match &self.sort {
            SortKey::Id => Value::Null,
            SortKey::CreatedAt => json!(created.to_rfc3339()),
            SortKey::UpdatedAt => json!(updated.to_rfc3339()),
            SortKey::Field {
                key,
                ty: FieldType::Number { .. } | FieldType::Integer { .. },
            } => {
                json!(data.get(key).and_then(Value::as_f64).unwrap_or(-1.0))
            }
            SortKey::Field { key, .. } => {
                json!(data.get(key).and_then(Value::as_str).unwrap_or(""))
            }
        };
        hex::encode(json!([v, last_id]).to_string())
    }
}

fn decode_cursor(raw: &str) -> Option<(Value, Uuid)> {
    let bytes = hex::decode(raw).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    let id = Uuid::parse_str(v.get(1)?.as_str()?).ok()?;
    Some((v.get(0)?.clone(), id))
}

fn filter_bind(f: &Filter) -> Result<Bind, FieldError> {
    let name = if f.column == "custom" {
        format!("custom.{}", f.key)
    } else {
        f.key.clone()
    };
    let e = |m: &str| bad(&name, m);
    Ok(match &f.ty {
        FieldType::Number { .. } | FieldType::Integer { .. } => Bind::Num(
            f.raw
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| e("must be a number"))?,
        ),
        FieldType::Bool => Bind::Bool(match f.raw.as_str() {
            "true" => true,
            "false" => false,
            _ => return Err(e("must be true or false")),
        }),
        FieldType::Relation(_) | FieldType::User | FieldType::Team => Bind::Text(
            Uuid::parse_str(&f.raw)
                .map_err(|_| e("must be an id"))?
                .to_string(),
        ),
        FieldType::Date => {
            chrono::NaiveDate::parse_from_str(&f.raw, "%Y-%m-%d")
                .map_err(|_| e("must be a date (YYYY-MM-DD)"))?;
            Bind::Text(f.raw.clone())
        }
        FieldType::DateTime => {
            let t = DateTime::parse_from_rfc3339(&f.raw)
                .map_err(|_| e("must be an RFC 3339 date-time"))?;
            Bind::Text(
                t.with_timezone(&Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            )
        }
        _ => Bind::Text(f.raw.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::schema::by_path;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect()
    }

    #[test]
    fn unknown_and_malformed_parameters_are_named() {
        let k = by_path("deals").unwrap();
        let e = ListQuery::parse(
            k,
            &[],
            &pairs(&[
                ("limit", "500"),
                ("colour", "red"),
                ("amount.gte", "lots"),
                ("sort", "stages"),
                ("cursor", "zz"),
                ("title.gt", "a"),
            ]),
        )
        .err()
        .unwrap();
        let mut f: Vec<_> = e.into_iter().map(|e| e.field).collect();
        f.sort();
        assert_eq!(
            f,
            ["amount", "colour", "cursor", "limit", "sort", "title.gt"]
        );
    }

    #[test]
    fn filters_and_sorts_on_hidden_fields_are_refused_by_name() {
        let k = by_path("deals").unwrap();
        let customs = [Custom {
            key: "size".into(),
            ty: FieldType::Integer { min: 0, max: 100 },
            required: false,
            retired: false,
            sensitive: false,
        }];
        let q = ListQuery::parse(
            k,
            &customs,
            &pairs(&[
                ("amount.gte", "98765"),
                ("custom.size", "3"),
                ("sort", "-expected_close"),
            ]),
        )
        .unwrap();
        let hidden = BTreeSet::from([
            "amount".to_owned(),
            "size".to_owned(),
            "expected_close".to_owned(),
        ]);
        let mut f: Vec<_> = q
            .refuse_hidden(&hidden)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        f.sort();
        assert_eq!(f, ["amount", "custom.size", "sort"]);
        assert!(
            q.refuse_hidden(&BTreeSet::from(["email".to_owned()]))
                .is_ok()
        );
    }

    #[test]
    fn visible_text_matches_prefixes_without_diacritics() {
        let s = Dialect::Sqlite;
        assert!(text_matches("Mül", "Anna Müller", s));
        assert!(text_matches("mul anna", "Anna Müller", s));
        assert!(!text_matches("mul", "Anna Müller", Dialect::Postgres));
        assert!(!text_matches("ller", "Anna Müller", s));
        assert!(!text_matches("anna bob", "Anna Müller", s));
    }

    #[test]
    fn search_words_are_sanitised() {
        assert_eq!(words("Müller & \"Söhne\" OR *"), ["müller", "söhne", "or"]);
        assert_eq!(words("a:b"), ["a", "b"]);
    }
}

//! Validation of record input against its kind's fields and the tenant's
//! custom fields. Values are normalised (trimmed emails, UTC datetimes);
//! text is kept literally.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::schema::{FieldType, KindDef, PRIORITIES, SERVER_FIELDS};
use crate::domain::FieldError;
use crate::domain::email::Email;
use crate::domain::present::integral;

/// ISO 4217 codes in circulation.
pub const CURRENCIES: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL";

/// A reference to check in the database (existence, same tenant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ref {
    Record {
        field: String,
        kind: &'static str,
        ids: Vec<Uuid>,
    },
    User {
        field: String,
        ids: Vec<Uuid>,
    },
    Team {
        field: String,
        ids: Vec<Uuid>,
    },
}

fn err(field: &str, msg: impl Into<String>) -> FieldError {
    FieldError::new(field, msg)
}

fn text(field: &str, v: &Value, max: usize, multiline: bool) -> Result<Value, FieldError> {
    let s = v.as_str().ok_or_else(|| err(field, "must be a string"))?;
    if s.chars().count() > max {
        return Err(err(field, format!("must be at most {max} characters")));
    }
    let bad = |c: char| c.is_control() && !(multiline && (c == '\n' || c == '\t' || c == '\r'));
    if s.chars().any(bad) {
        return Err(err(field, "must not contain control characters"));
    }
    Ok(Value::String(s.to_owned()))
}

fn uuid(field: &str, v: &Value) -> Result<Uuid, FieldError> {
    v.as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| err(field, "must be an id"))
}

fn uuids(field: &str, v: &Value, max: usize) -> Result<Vec<Uuid>, FieldError> {
    let a = v
        .as_array()
        .ok_or_else(|| err(field, "must be an array of ids"))?;
    if a.len() > max {
        return Err(err(field, format!("must have at most {max} entries")));
    }
    let mut out: Vec<Uuid> = a.iter().map(|x| uuid(field, x)).collect::<Result<_, _>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

fn choices<'a>(field: &str, v: &'a Value, allowed: &[String]) -> Result<&'a str, FieldError> {
    let s = v.as_str().ok_or_else(|| err(field, "must be a string"))?;
    if allowed.iter().any(|a| a == s) {
        Ok(s)
    } else {
        Err(err(field, format!("must be one of {}", allowed.join(", "))))
    }
}

pub fn currency(field: &str, v: &Value) -> Result<Value, FieldError> {
    let s = v
        .as_str()
        .ok_or_else(|| err(field, "must be an ISO 4217 code"))?;
    if s.len() == 3 && CURRENCIES.split(' ').any(|c| c == s) {
        Ok(Value::String(s.to_owned()))
    } else {
        Err(err(field, "must be an ISO 4217 currency code such as EUR"))
    }
}

fn number(field: &str, v: &Value, min: Option<f64>, max: Option<f64>) -> Result<f64, FieldError> {
    let n = v
        .as_f64()
        .filter(|n| n.is_finite())
        .ok_or_else(|| err(field, "must be a number"))?;
    if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
        return Err(err(
            field,
            format!(
                "must be between {} and {}",
                min.unwrap_or(f64::MIN),
                max.unwrap_or(f64::MAX)
            ),
        ));
    }
    Ok(n)
}

/// One value of type `ty` (never null: the caller handles null).
pub fn value(
    field: &str,
    ty: &FieldType,
    v: &Value,
    refs: &mut Vec<Ref>,
) -> Result<Value, FieldError> {
    Ok(match ty {
        FieldType::Text { max } => text(field, v, *max, false)?,
        FieldType::LongText { max } => text(field, v, *max, true)?,
        FieldType::Number { min, max } => json!(number(field, v, *min, *max)?),
        FieldType::Integer { min, max } => {
            let n = v
                .as_number()
                .and_then(integral)
                .ok_or_else(|| err(field, "must be an integer"))?;
            if n < *min || n > *max {
                return Err(err(field, format!("must be between {min} and {max}")));
            }
            json!(n)
        }
        FieldType::Bool => Value::Bool(
            v.as_bool()
                .ok_or_else(|| err(field, "must be true or false"))?,
        ),
        FieldType::Date => {
            let s = v
                .as_str()
                .ok_or_else(|| err(field, "must be a date (YYYY-MM-DD)"))?;
            let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| err(field, "must be a date (YYYY-MM-DD)"))?;
            json!(d.format("%Y-%m-%d").to_string())
        }
        FieldType::DateTime => {
            let s = v
                .as_str()
                .ok_or_else(|| err(field, "must be an RFC 3339 date-time"))?;
            let t = DateTime::parse_from_rfc3339(s)
                .map_err(|_| err(field, "must be an RFC 3339 date-time"))?;
            json!(
                t.with_timezone(&Utc)
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            )
        }
        FieldType::Select(allowed) => json!(choices(field, v, allowed)?),
        FieldType::MultiSelect(allowed) => {
            let a = v.as_array().ok_or_else(|| err(field, "must be an array"))?;
            let mut out = BTreeSet::new();
            for x in a {
                out.insert(choices(field, x, allowed)?.to_owned());
            }
            json!(out)
        }
        FieldType::CurrencyCode => currency(field, v)?,
        FieldType::Money => {
            let o = v
                .as_object()
                .ok_or_else(|| err(field, "must be {\"amount\", \"currency\"}"))?;
            if o.keys().any(|k| k != "amount" && k != "currency") {
                return Err(err(field, "must be {\"amount\", \"currency\"}"));
            }
            let amount = number(
                &format!("{field}.amount"),
                o.get("amount").unwrap_or(&Value::Null),
                Some(-1e15),
                Some(1e15),
            )?;
            let cur = currency(
                &format!("{field}.currency"),
                o.get("currency").unwrap_or(&Value::Null),
            )?;
            json!({"amount": amount, "currency": cur})
        }
        FieldType::Email => {
            let s = v
                .as_str()
                .ok_or_else(|| err(field, "must be a valid email address"))?;
            json!(Email::parse(field, s)?.as_str())
        }
        FieldType::Url => {
            let s = v
                .as_str()
                .ok_or_else(|| err(field, "must be an http(s) URL"))?;
            match url::Url::parse(s) {
                Ok(u)
                    if (u.scheme() == "http" || u.scheme() == "https")
                        && u.host().is_some()
                        && s.len() <= 2048 =>
                {
                    json!(s)
                }
                _ => return Err(err(field, "must be an http(s) URL")),
            }
        }
        FieldType::Relation(kind) => {
            let id = uuid(field, v)?;
            refs.push(Ref::Record {
                field: field.to_owned(),
                kind,
                ids: vec![id],
            });
            json!(id)
        }
        FieldType::Relations(kind) => {
            let ids = uuids(field, v, 100)?;
            refs.push(Ref::Record {
                field: field.to_owned(),
                kind,
                ids: ids.clone(),
            });
            json!(ids)
        }
        FieldType::User => {
            let id = uuid(field, v)?;
            refs.push(Ref::User {
                field: field.to_owned(),
                ids: vec![id],
            });
            json!(id)
        }
        FieldType::Users => {
            let ids = uuids(field, v, 100)?;
            refs.push(Ref::User {
                field: field.to_owned(),
                ids: ids.clone(),
            });
            json!(ids)
        }
        FieldType::Team => {
            let id = uuid(field, v)?;
            refs.push(Ref::Team {
                field: field.to_owned(),
                ids: vec![id],
            });
            json!(id)
        }
        FieldType::Tags => {
            let a = v
                .as_array()
                .ok_or_else(|| err(field, "must be an array of strings"))?;
            if a.len() > 50 {
                return Err(err(field, "must have at most 50 entries"));
            }
            let mut out = BTreeSet::new();
            for x in a {
                let s = text(field, x, 50, false)?;
                if s.as_str().is_some_and(|s| s.trim().is_empty()) {
                    return Err(err(field, "entries must not be empty"));
                }
                out.insert(s.as_str().unwrap_or_default().to_owned());
            }
            json!(out)
        }
        FieldType::Stages => stages(field, v)?,
        FieldType::SlaTargets => sla_targets(field, v)?,
    })
}

/// Ordered pipeline stages: `[{id?, name, probability, won?, lost?}]`.
fn stages(field: &str, v: &Value) -> Result<Value, FieldError> {
    let a = v
        .as_array()
        .filter(|a| !a.is_empty() && a.len() <= 50)
        .ok_or_else(|| err(field, "must be an array of 1 to 50 stages"))?;
    let mut names = BTreeSet::new();
    let mut ids = BTreeSet::new();
    let mut out = Vec::new();
    for (i, s) in a.iter().enumerate() {
        let f = format!("{field}[{i}]");
        let o = s.as_object().ok_or_else(|| err(&f, "must be an object"))?;
        if let Some(k) = o
            .keys()
            .find(|k| !["id", "name", "probability", "won", "lost"].contains(&k.as_str()))
        {
            return Err(err(&format!("{f}.{k}"), "unknown field"));
        }
        let name = text(
            &format!("{f}.name"),
            o.get("name").unwrap_or(&Value::Null),
            100,
            false,
        )?;
        let name_s = name.as_str().unwrap_or_default().trim().to_owned();
        if name_s.is_empty() || !names.insert(name_s.to_lowercase()) {
            return Err(err(&format!("{f}.name"), "must be non-empty and unique"));
        }
        let probability = match o.get("probability") {
            None | Some(Value::Null) => 0.0,
            Some(p) => number(&format!("{f}.probability"), p, Some(0.0), Some(100.0))?,
        };
        let flag = |k: &str| -> Result<bool, FieldError> {
            match o.get(k) {
                None | Some(Value::Null) => Ok(false),
                Some(b) => b
                    .as_bool()
                    .ok_or_else(|| err(&format!("{f}.{k}"), "must be true or false")),
            }
        };
        let (won, lost) = (flag("won")?, flag("lost")?);
        if won && lost {
            return Err(err(&f, "cannot be both won and lost"));
        }
        let id = match o.get("id") {
            None | Some(Value::Null) => Uuid::now_v7().simple().to_string()[20..].to_owned(),
            Some(x) => {
                let s = x
                    .as_str()
                    .filter(|s| {
                        !s.is_empty()
                            && s.len() <= 64
                            && s.chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    })
                    .ok_or_else(|| {
                        err(
                            &format!("{f}.id"),
                            "must be 1-64 characters a-z, 0-9, '-', '_'",
                        )
                    })?;
                s.to_owned()
            }
        };
        if !ids.insert(id.clone()) {
            return Err(err(&format!("{f}.id"), "must be unique"));
        }
        out.push(
            json!({"id": id, "name": name_s, "probability": probability, "won": won, "lost": lost}),
        );
    }
    Ok(Value::Array(out))
}

/// `{priority: {first_response_mins?, next_response_mins?, resolution_mins?}}`
fn sla_targets(field: &str, v: &Value) -> Result<Value, FieldError> {
    let o = v
        .as_object()
        .ok_or_else(|| err(field, "must be an object keyed by priority"))?;
    let mut out = Map::new();
    for (prio, t) in o {
        let f = format!("{field}.{prio}");
        if !PRIORITIES.contains(&prio.as_str()) {
            return Err(err(&f, "unknown priority"));
        }
        let t = t.as_object().ok_or_else(|| err(&f, "must be an object"))?;
        let mut targets = Map::new();
        for (k, mins) in t {
            if ![
                "first_response_mins",
                "next_response_mins",
                "resolution_mins",
            ]
            .contains(&k.as_str())
            {
                return Err(err(&format!("{f}.{k}"), "unknown target"));
            }
            let n = mins
                .as_number()
                .and_then(integral)
                .filter(|n| (1..=525_600).contains(n))
                .ok_or_else(|| {
                    err(
                        &format!("{f}.{k}"),
                        "must be whole minutes between 1 and 525600",
                    )
                })?;
            targets.insert(k.clone(), json!(n));
        }
        out.insert(prio.clone(), Value::Object(targets));
    }
    Ok(Value::Object(out))
}

/// A custom field's type as a `FieldType`, from its stored definition.
pub fn custom_type(field_type: &str, options: &Value) -> Option<FieldType> {
    let list = || -> Vec<String> {
        options["choices"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    Some(match field_type {
        "text" => FieldType::Text { max: 1000 },
        "long_text" => FieldType::LongText { max: 20_000 },
        "number" => FieldType::Number {
            min: options["min"].as_f64(),
            max: options["max"].as_f64(),
        },
        "bool" => FieldType::Bool,
        "date" => FieldType::Date,
        "datetime" => FieldType::DateTime,
        "select" => FieldType::Select(list()),
        "multi_select" => FieldType::MultiSelect(list()),
        "currency" => FieldType::Money,
        "email" => FieldType::Email,
        "url" => FieldType::Url,
        "relation" => FieldType::Relation(super::schema::by_kind(options["kind"].as_str()?)?.kind),
        _ => return None,
    })
}

/// A custom field as validation needs it.
pub struct Custom {
    pub key: String,
    pub ty: FieldType,
    pub required: bool,
    pub retired: bool,
    /// Sealed at rest; never searched or filtered by.
    pub sensitive: bool,
}

/// Input that passed validation: the fields present, normalised (null
/// kept, meaning "clear"), and the references still to check.
#[derive(Debug, Default)]
pub struct Checked {
    pub data: Map<String, Value>,
    pub custom: Map<String, Value>,
    pub refs: Vec<Ref>,
}

/// Validates `input` for `kind`. `creating`: required fields must be there.
pub fn record(
    kind: &KindDef,
    customs: &[Custom],
    input: &Value,
    creating: bool,
) -> Result<Checked, Vec<FieldError>> {
    let Some(obj) = input.as_object() else {
        return Err(vec![err("", "the body must be a JSON object")]);
    };
    let mut errors = Vec::new();
    let mut out = Checked::default();
    for (k, v) in obj {
        if k == "custom" {
            continue;
        }
        if SERVER_FIELDS.contains(&k.as_str()) {
            errors.push(err(k, "is set by the server"));
            continue;
        }
        let Some(def) = kind.field(k) else {
            errors.push(err(k, "unknown field"));
            continue;
        };
        if v.is_null() {
            if def.required {
                errors.push(err(k, "is required"));
            } else if def.kept {
                errors.push(err(k, "cannot be cleared"));
            } else {
                out.data.insert(k.clone(), Value::Null);
            }
            continue;
        }
        match value(k, &def.ty, v, &mut out.refs) {
            Ok(v) => {
                if def.required && v.as_str().is_some_and(|s| s.trim().is_empty()) {
                    errors.push(err(k, "must not be empty"));
                } else {
                    out.data.insert(k.clone(), v);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if creating {
        for def in kind.fields.iter().filter(|f| f.required) {
            if !obj.contains_key(def.key) {
                errors.push(err(def.key, "is required"));
            }
        }
    }
    match obj.get("custom") {
        None => {}
        Some(Value::Object(c)) if kind.custom => {
            for (k, v) in c {
                let field = format!("custom.{k}");
                let Some(def) = customs.iter().find(|d| d.key == *k && !d.retired) else {
                    errors.push(err(&field, "unknown custom field"));
                    continue;
                };
                if v.is_null() {
                    if def.required {
                        errors.push(err(&field, "is required"));
                    } else {
                        out.custom.insert(k.clone(), Value::Null);
                    }
                    continue;
                }
                match value(&field, &def.ty, v, &mut out.refs) {
                    Ok(v) => {
                        out.custom.insert(k.clone(), v);
                    }
                    Err(e) => errors.push(e),
                }
            }
        }
        Some(_) if !kind.custom => errors.push(err("custom", "this kind has no custom fields")),
        Some(_) => errors.push(err("custom", "must be an object")),
    }
    if creating {
        for def in customs.iter().filter(|d| d.required && !d.retired) {
            let present = obj
                .get("custom")
                .and_then(|c| c.get(&def.key))
                .is_some_and(|v| !v.is_null());
            if !present {
                errors.push(err(&format!("custom.{}", def.key), "is required"));
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::schema::by_path;

    fn fields(r: Result<Checked, Vec<FieldError>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn server_fields_unknown_fields_and_types_are_named() {
        let contacts = by_path("contacts").unwrap();
        let input = json!({"id": "x", "version": 3, "last_name": 5, "nickname": "x", "email": "nope", "company_id": "12"});
        let mut f = fields(record(contacts, &[], &input, true));
        f.sort();
        assert_eq!(
            f,
            [
                "company_id",
                "email",
                "id",
                "last_name",
                "nickname",
                "version"
            ]
        );
    }

    #[test]
    fn literal_text_and_unicode_survive() {
        let contacts = by_path("contacts").unwrap();
        let name = "O'Brien; DROP TABLE records; -- 🦀 Ünïcødé";
        let c = record(contacts, &[], &json!({"last_name": name}), true).unwrap();
        assert_eq!(c.data["last_name"], name);
    }

    #[test]
    fn custom_fields_validate_by_type() {
        let deals = by_path("deals").unwrap();
        let customs = vec![
            Custom {
                key: "size".into(),
                ty: custom_type("select", &json!({"choices": ["s", "m"]})).unwrap(),
                required: true,
                retired: false,
                sensitive: false,
            },
            Custom {
                key: "old".into(),
                ty: FieldType::Bool,
                required: false,
                retired: true,
                sensitive: false,
            },
        ];
        let base = json!({"title": "t", "pipeline_id": Uuid::now_v7()});
        assert_eq!(
            fields(record(deals, &customs, &base, true)),
            ["custom.size"]
        );
        let mut bad = base.clone();
        bad["custom"] = json!({"size": "xl", "old": true, "nope": 1});
        let mut f = fields(record(deals, &customs, &bad, true));
        f.sort();
        assert_eq!(f, ["custom.nope", "custom.old", "custom.size"]);
        let mut ok = base;
        ok["custom"] = json!({"size": "m"});
        assert_eq!(
            record(deals, &customs, &ok, true).unwrap().custom["size"],
            "m"
        );
    }

    #[test]
    fn values_are_checked_and_normalised() {
        let mut refs = vec![];
        let t = FieldType::DateTime;
        assert_eq!(
            value("d", &t, &json!("2026-01-02T03:04:05+02:00"), &mut refs).unwrap(),
            json!("2026-01-02T01:04:05.000Z")
        );
        assert!(value("d", &FieldType::Date, &json!("2026-02-30"), &mut refs).is_err());
        assert!(value("c", &FieldType::CurrencyCode, &json!("EUR"), &mut refs).is_ok());
        assert!(value("c", &FieldType::CurrencyCode, &json!("EURO"), &mut refs).is_err());
        assert!(
            value(
                "u",
                &FieldType::Url,
                &json!("javascript:alert(1)"),
                &mut refs
            )
            .is_err()
        );
        assert!(
            value(
                "n",
                &FieldType::Number {
                    min: Some(0.0),
                    max: None
                },
                &json!(-1),
                &mut refs
            )
            .is_err()
        );
        assert!(
            value(
                "s",
                &FieldType::Stages,
                &json!([{"name": "a", "won": true, "lost": true}]),
                &mut refs
            )
            .is_err()
        );
        assert!(
            value(
                "s",
                &FieldType::Stages,
                &json!([{"name": "a"}, {"name": "A"}]),
                &mut refs
            )
            .is_err()
        );
    }
}

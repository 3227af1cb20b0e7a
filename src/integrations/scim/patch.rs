//! SCIM PATCH (RFC 7644 §3.5.2) applied to a resource as JSON; the
//! result is then checked and written as a whole, as PUT writes it, so a
//! PATCH can never leave what PUT would refuse.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::ScimError;
use super::filter::{self, Filter, member};

#[derive(Debug, Deserialize)]
pub struct PatchRequest {
    pub schemas: Vec<String>,
    #[serde(rename = "Operations")]
    pub operations: Vec<Operation>,
}

pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const MAX_OPERATIONS: usize = 1000;

#[derive(Debug, Deserialize)]
pub struct Operation {
    pub op: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub value: Option<Value>,
}

/// `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`.
struct Target {
    attr: String,
    filter: Option<Filter>,
    sub: Option<String>,
}

fn invalid_path(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidPath", detail)
}

fn parse_target(raw: &str) -> Result<Target, ScimError> {
    // A schema URN prefix names the core schema: only the attribute counts.
    let raw = if raw.to_ascii_lowercase().starts_with("urn:") {
        let (head, tail) = match raw.find('[') {
            Some(i) => raw.split_at(i),
            None => (raw, ""),
        };
        let attr = head.rsplit(':').next().unwrap_or_default();
        format!("{attr}{tail}")
    } else {
        raw.to_owned()
    };
    let (head, filter, rest) = match raw.find('[') {
        Some(open) => {
            let close = raw
                .rfind(']')
                .filter(|c| *c > open)
                .ok_or_else(|| invalid_path(format!("{raw:?}: a [ is not closed")))?;
            let inner = filter::parse(&raw[open + 1..close])
                .map_err(|e| ScimError::bad("invalidFilter", format!("{raw:?}: {e}")))?;
            let rest = &raw[close + 1..];
            let sub = match rest.strip_prefix('.') {
                Some(s) => Some(s.to_owned()),
                None if rest.is_empty() => None,
                None => return Err(invalid_path(format!("{raw:?}: text after ]"))),
            };
            (raw[..open].to_owned(), Some(inner), sub)
        }
        None => match raw.split_once('.') {
            Some((a, s)) => (a.to_owned(), None, Some(s.to_owned())),
            None => (raw.clone(), None, None),
        },
    };
    for part in std::iter::once(&head).chain(rest.iter()) {
        filter::attr_path(part).map_err(invalid_path)?;
    }
    if rest.as_deref().is_some_and(|s| s.contains('.')) {
        return Err(invalid_path(format!(
            "{raw:?} goes deeper than a sub-attribute"
        )));
    }
    Ok(Target {
        attr: head,
        filter,
        sub: rest,
    })
}

/// The key of `obj` that is `name` in any case, or `name` itself.
fn key_of(obj: &Map<String, Value>, name: &str) -> String {
    obj.keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or_else(|| name.to_owned())
}

fn object(v: &mut Value) -> Result<&mut Map<String, Value>, ScimError> {
    v.as_object_mut()
        .ok_or_else(|| ScimError::bad("invalidValue", "the resource is not an object"))
}

/// Adds `value` to what is at `key`: appended when multi-valued (an
/// element equal to one there is not added twice), set otherwise.
fn add_at(obj: &mut Map<String, Value>, key: &str, value: Value) {
    let k = key_of(obj, key);
    match (obj.get_mut(&k), value) {
        (Some(Value::Array(have)), Value::Array(more)) => {
            for m in more {
                if !have.iter().any(|h| same_element(h, &m)) {
                    have.push(m);
                }
            }
        }
        (Some(Value::Array(have)), one) => {
            if !have.iter().any(|h| same_element(h, &one)) {
                have.push(one);
            }
        }
        (Some(Value::Object(have)), Value::Object(more)) => {
            for (mk, mv) in more {
                let mk = key_of(have, &mk);
                have.insert(mk, mv);
            }
        }
        (_, v) => {
            obj.insert(k, v);
        }
    }
}

/// Elements of a multi-valued attribute are the same when their `value`s are.
fn same_element(a: &Value, b: &Value) -> bool {
    match (member(a, "value"), member(b, "value")) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn apply_one(resource: &mut Value, op: &Operation) -> Result<(), ScimError> {
    let kind = op.op.to_ascii_lowercase();
    let value = op.value.clone();
    let Some(path) = &op.path else {
        // No path: the value is an object of attributes (RFC 7644 §3.5.2.1, .3).
        let Some(Value::Object(attrs)) = value else {
            return Err(ScimError::bad(
                "invalidValue",
                format!("{kind} without a path takes an object of attributes"),
            ));
        };
        let obj = object(resource)?;
        for (k, v) in attrs {
            // Azure AD writes sub-attributes as "name.givenName" keys.
            if let Some((a, s)) = k.split_once('.').filter(|_| !k.starts_with("urn:")) {
                let ak = key_of(obj, a);
                let inner = obj.entry(ak).or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(inner) = inner {
                    let sk = key_of(inner, s);
                    inner.insert(sk, v);
                }
                continue;
            }
            match kind.as_str() {
                "add" => add_at(obj, &k, v),
                "replace" => {
                    let k = key_of(obj, &k);
                    obj.insert(k, v);
                }
                _ => return Err(ScimError::bad("invalidSyntax", "remove needs a path")),
            }
        }
        return Ok(());
    };
    let t = parse_target(path)?;
    let obj = object(resource)?;
    let key = key_of(obj, &t.attr);
    match (&t.filter, kind.as_str()) {
        (None, "add") | (None, "replace") => {
            let v = value.ok_or_else(|| ScimError::bad("invalidValue", "a value is needed"))?;
            match &t.sub {
                Some(sub) => {
                    let inner = obj.entry(key).or_insert_with(|| Value::Object(Map::new()));
                    let inner = inner.as_object_mut().ok_or_else(|| {
                        invalid_path(format!("{path:?}: not a complex attribute"))
                    })?;
                    let sk = key_of(inner, sub);
                    inner.insert(sk, v);
                }
                None if kind == "add" => add_at(obj, &key, v),
                None => {
                    obj.insert(key, v);
                }
            }
        }
        (None, "remove") => match &t.sub {
            Some(sub) => {
                if let Some(Value::Object(inner)) = obj.get_mut(&key) {
                    let sk = key_of(inner, sub);
                    inner.remove(&sk);
                }
            }
            // `remove members` with a value: those members (Azure AD).
            None => match (obj.get_mut(&key), value) {
                (Some(Value::Array(have)), Some(Value::Array(gone))) => {
                    have.retain(|h| !gone.iter().any(|g| same_element(h, g)));
                }
                _ => {
                    obj.remove(&key);
                }
            },
        },
        (Some(f), k @ ("add" | "replace" | "remove")) => {
            let Some(Value::Array(items)) = obj.get_mut(&key) else {
                return Err(ScimError::bad(
                    "noTarget",
                    format!("{path:?}: no element matches"),
                ));
            };
            let hits = items.iter().filter(|i| f.matches(i)).count();
            if hits == 0 {
                return Err(ScimError::bad(
                    "noTarget",
                    format!("{path:?}: no element matches"),
                ));
            }
            if k == "remove" && t.sub.is_none() {
                items.retain(|i| !f.matches(i));
                return Ok(());
            }
            for item in items.iter_mut().filter(|i| f.matches(i)) {
                let io = item.as_object_mut().ok_or_else(|| {
                    invalid_path(format!("{path:?}: the elements are not complex"))
                })?;
                match (&t.sub, k) {
                    (Some(sub), "remove") => {
                        let sk = key_of(io, sub);
                        io.remove(&sk);
                    }
                    (Some(sub), _) => {
                        let v = value
                            .clone()
                            .ok_or_else(|| ScimError::bad("invalidValue", "a value is needed"))?;
                        let sk = key_of(io, sub);
                        io.insert(sk, v);
                    }
                    (None, _) => match value.clone() {
                        Some(Value::Object(more)) => {
                            for (mk, mv) in more {
                                let mk = key_of(io, &mk);
                                io.insert(mk, mv);
                            }
                        }
                        _ => {
                            return Err(ScimError::bad(
                                "invalidValue",
                                "an element is replaced by an object",
                            ));
                        }
                    },
                }
            }
        }
        (_, other) => {
            return Err(ScimError::bad(
                "invalidSyntax",
                format!("{other:?} is not add, replace or remove"),
            ));
        }
    }
    Ok(())
}

/// Applies every operation, in order; all or nothing.
pub fn apply(resource: &mut Value, req: &PatchRequest) -> Result<(), ScimError> {
    if !req.schemas.iter().any(|s| s == PATCH_SCHEMA) {
        return Err(ScimError::bad(
            "invalidSyntax",
            format!("schemas must name {PATCH_SCHEMA}"),
        ));
    }
    if req.operations.is_empty() || req.operations.len() > MAX_OPERATIONS {
        return Err(ScimError::bad(
            "invalidSyntax",
            format!("1 to {MAX_OPERATIONS} operations"),
        ));
    }
    let mut work = resource.clone();
    for op in &req.operations {
        apply_one(&mut work, op)?;
    }
    *resource = work;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(resource: &mut Value, ops: Value) -> Result<(), ScimError> {
        let req: PatchRequest = serde_json::from_value(json!({
            "schemas": [PATCH_SCHEMA], "Operations": ops}))
        .map_err(|e| ScimError::bad("invalidSyntax", e.to_string()))?;
        apply(resource, &req)
    }

    #[test]
    fn okta_and_azure_shapes_apply() {
        let mut u = json!({"userName": "a@x.example", "active": true,
            "emails": [{"value": "a@x.example", "type": "work", "primary": true}]});
        patch(
            &mut u,
            json!([{"op": "replace", "value": {"active": false}}]),
        )
        .unwrap();
        assert_eq!(u["active"], json!(false));
        patch(
            &mut u,
            json!([{"op": "Replace", "path": "name.givenName", "value": "Ada"}]),
        )
        .unwrap();
        assert_eq!(u["name"]["givenName"], json!("Ada"));
        patch(
            &mut u,
            json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "b@x.example"}]),
        )
        .unwrap();
        assert_eq!(u["emails"][0]["value"], json!("b@x.example"));
        patch(
            &mut u,
            json!([{"op": "add", "value": {"name.familyName": "Lovelace"}}]),
        )
        .unwrap();
        assert_eq!(u["name"]["familyName"], json!("Lovelace"));
    }

    #[test]
    fn members_are_added_once_and_removed_by_filter_or_value() {
        let mut g = json!({"displayName": "EMEA", "members": [{"value": "1"}]});
        patch(
            &mut g,
            json!([{"op": "add", "path": "members", "value": [{"value": "1"}, {"value": "2"}]}]),
        )
        .unwrap();
        assert_eq!(g["members"], json!([{"value": "1"}, {"value": "2"}]));
        patch(
            &mut g,
            json!([{"op": "remove", "path": "members[value eq \"1\"]"}]),
        )
        .unwrap();
        assert_eq!(g["members"], json!([{"value": "2"}]));
        patch(
            &mut g,
            json!([{"op": "remove", "path": "members", "value": [{"value": "2"}]}]),
        )
        .unwrap();
        assert_eq!(g["members"], json!([]));
    }

    #[test]
    fn a_failing_operation_changes_nothing() {
        let mut g = json!({"displayName": "EMEA", "members": [{"value": "1"}]});
        let before = g.clone();
        let e = patch(
            &mut g,
            json!([{"op": "replace", "path": "displayName", "value": "X"},
                   {"op": "remove", "path": "members[value eq \"9\"]"}]),
        );
        assert_eq!(e.err().and_then(|e| e.scim_type), Some("noTarget"));
        assert_eq!(g, before);
        for bad in [
            json!([{"op": "move", "path": "x"}]),
            json!([{"op": "remove"}]),
            json!([]),
        ] {
            assert!(patch(&mut g, bad).is_err());
        }
    }
}

//! Users and groups as SCIM resources (RFC 7643 §4), and back. A user is
//! a staff member: `userName` and the primary e-mail are the directory's,
//! `displayName` is Mandant's name, `active` its status; name parts and
//! further e-mails are kept as the directory sent them. A group is a team.

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::ScimError;
use super::filter::member;
use crate::domain::email::Email;
use crate::storage::scim::{ScimTeam, ScimUser};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const MAX_TEXT: usize = 200;
const MAX_EMAILS: usize = 10;
const MAX_MEMBERS: usize = 10_000;

pub fn user_json(u: &ScimUser, groups: &[(Uuid, String)], base: &str) -> Value {
    let stored: Map<String, Value> = u
        .scim_attributes
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    let emails = stored
        .get("emails")
        .cloned()
        .unwrap_or_else(|| json!([{"value": u.email, "type": "work", "primary": true}]));
    let mut v = json!({
        "schemas": [USER_SCHEMA],
        "id": u.id,
        "userName": u.scim_user_name.clone().unwrap_or_else(|| u.email.clone()),
        "emails": emails,
        "active": u.status == "active",
        "groups": groups.iter().map(|(id, name)| json!({
            "value": id, "display": name, "$ref": format!("{base}/Groups/{id}")})).collect::<Vec<_>>(),
        "meta": {
            "resourceType": "User",
            "created": u.created_at,
            "lastModified": u.updated_at,
            "location": format!("{base}/Users/{}", u.id),
            "version": format!("W/\"{}\"", u.version),
        },
    });
    if let Some(name) = stored.get("name") {
        v["name"] = name.clone();
    }
    // What the directory said, for a user it manages (it may have said
    // nothing); Mandant's name for one it does not.
    match (u.scim_attributes.is_some(), stored.get("displayName")) {
        (true, Some(d)) => v["displayName"] = d.clone(),
        (true, None) => {}
        (false, _) => v["displayName"] = json!(u.name),
    }
    if let Some(x) = &u.external_id {
        v["externalId"] = json!(x);
    }
    v
}

/// A member is named by its id and `$ref` only: a directory compares the
/// members it wrote with those it reads, and it wrote no `display`.
pub fn group_json(t: &ScimTeam, members: &[Uuid], base: &str) -> Value {
    let mut v = json!({
        "schemas": [GROUP_SCHEMA],
        "id": t.id,
        "displayName": t.name,
        "members": members.iter().map(|id| json!({
            "value": id, "type": "User",
            "$ref": format!("{base}/Users/{id}")})).collect::<Vec<_>>(),
        "meta": {
            "resourceType": "Group",
            "created": t.created_at,
            "lastModified": t.created_at,
            "location": format!("{base}/Groups/{}", t.id),
        },
    });
    if let Some(x) = &t.external_id {
        v["externalId"] = json!(x);
    }
    v
}

fn invalid(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidValue", detail)
}

/// A single-line text of at most 200 characters, when present.
fn text(v: &Value, key: &str) -> Result<Option<String>, ScimError> {
    match member(v, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s))
            if !s.trim().is_empty()
                && s.chars().count() <= MAX_TEXT
                && !s.chars().any(char::is_control) =>
        {
            Ok(Some(s.clone()))
        }
        Some(_) => Err(invalid(format!(
            "{key} must be 1-{MAX_TEXT} characters without control characters"
        ))),
    }
}

/// Azure AD sends booleans as "True"/"False".
fn boolean(v: &Value, key: &str) -> Result<Option<bool>, ScimError> {
    match member(v, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(invalid(format!("{key} must be true or false"))),
    }
}

/// A user as the directory writes it.
pub struct UserInput {
    pub user_name: String,
    pub display_name: String,
    pub email: Email,
    /// Absent: a new user starts active, an existing one stays as is.
    pub active: Option<bool>,
    pub external_id: Option<String>,
    /// `name` and `emails`, kept as sent.
    pub attributes: String,
}

fn name_object(v: &Value) -> Result<Option<Value>, ScimError> {
    match member(v, "name") {
        None | Some(Value::Null) => Ok(None),
        Some(n @ Value::Object(o)) => {
            for (k, x) in o {
                if !matches!(
                    k.to_ascii_lowercase().as_str(),
                    "formatted"
                        | "familyname"
                        | "givenname"
                        | "middlename"
                        | "honorificprefix"
                        | "honorificsuffix"
                ) {
                    return Err(invalid(format!("name.{k} is not a name part")));
                }
                text(&json!({ "x": x }), "x")
                    .map_err(|_| invalid(format!("name.{k}: 1-{MAX_TEXT} characters")))?;
            }
            Ok(Some(n.clone()))
        }
        Some(_) => Err(invalid("name must be an object")),
    }
}

fn emails(v: &Value) -> Result<Option<Vec<Value>>, ScimError> {
    match member(v, "emails") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) if a.len() <= MAX_EMAILS => {
            for e in a {
                let Some(value) = member(e, "value").and_then(Value::as_str) else {
                    return Err(invalid("each of emails needs a value"));
                };
                Email::parse("emails", value)
                    .map_err(|_| invalid(format!("{value:?} is not an e-mail address")))?;
                text(e, "type")?;
                boolean(e, "primary")?;
            }
            Ok(Some(a.clone()))
        }
        Some(_) => Err(invalid(format!(
            "emails must be a list of at most {MAX_EMAILS}"
        ))),
    }
}

pub fn user_input(v: &Value) -> Result<UserInput, ScimError> {
    if !v.is_object() {
        return Err(ScimError::bad("invalidSyntax", "a User is a JSON object"));
    }
    let user_name = text(v, "userName")?.ok_or_else(|| invalid("userName is required"))?;
    let name = name_object(v)?;
    let emails = emails(v)?;
    let primary = emails.as_ref().and_then(|list| {
        list.iter()
            .find(|e| member(e, "primary") == Some(&Value::Bool(true)))
            .or_else(|| list.first())
            .and_then(|e| member(e, "value"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let email = match primary {
        Some(e) => Email::parse("emails", &e),
        None => Email::parse("userName", &user_name),
    }
    .map_err(|_| invalid("a user needs an e-mail address, in emails or as userName"))?;
    let given_display = text(v, "displayName")?;
    let display_name = given_display
        .clone()
        .or_else(|| {
            name.as_ref()
                .and_then(|n| text(n, "formatted").ok().flatten())
        })
        .or_else(|| {
            let part = |k| name.as_ref().and_then(|n| text(n, k).ok().flatten());
            let joined = [part("givenName"), part("familyName")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            (!joined.is_empty()).then_some(joined)
        })
        .unwrap_or_else(|| {
            email
                .as_str()
                .split('@')
                .next()
                .unwrap_or_default()
                .to_owned()
        });
    let mut attributes = Map::new();
    if let Some(d) = given_display {
        attributes.insert("displayName".into(), Value::String(d));
    }
    if let Some(n) = name {
        attributes.insert("name".into(), n);
    }
    if let Some(e) = emails {
        attributes.insert("emails".into(), Value::Array(e));
    }
    Ok(UserInput {
        user_name,
        display_name,
        email,
        active: boolean(v, "active")?,
        external_id: text(v, "externalId")?,
        attributes: Value::Object(attributes).to_string(),
    })
}

pub struct GroupInput {
    pub display_name: String,
    pub external_id: Option<String>,
    pub members: Vec<Uuid>,
}

pub fn group_input(v: &Value) -> Result<GroupInput, ScimError> {
    if !v.is_object() {
        return Err(ScimError::bad("invalidSyntax", "a Group is a JSON object"));
    }
    let display_name = text(v, "displayName")?.ok_or_else(|| invalid("displayName is required"))?;
    let members = match member(v, "members") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) if a.len() <= MAX_MEMBERS => {
            let mut ids = Vec::new();
            for m in a {
                let id = member(m, "value")
                    .and_then(Value::as_str)
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .ok_or_else(|| invalid("each member needs the value of a User's id"))?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            ids
        }
        Some(_) => return Err(invalid("members must be a list")),
    };
    Ok(GroupInput {
        display_name: display_name.trim().to_owned(),
        external_id: text(v, "externalId")?,
        members,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_email_comes_from_the_primary_entry_or_the_user_name() {
        let u = user_input(&json!({"userName": "00u1ab", "emails": [
            {"value": "home@x.example"}, {"value": "work@x.example", "primary": true}]}))
        .unwrap_or_else(|e| panic!("{}", e.detail));
        assert_eq!(u.email.as_str(), "work@x.example");
        assert_eq!(u.display_name, "work");
        let u = user_input(
            &json!({"userName": "Ada@X.example", "name": {"givenName": "Ada", "familyName": "L"},
            "active": "False"}),
        )
        .unwrap_or_else(|e| panic!("{}", e.detail));
        assert_eq!(
            (u.email.as_str(), u.display_name.as_str(), u.active),
            ("Ada@X.example", "Ada L", Some(false))
        );
    }

    #[test]
    fn bad_users_are_refused_as_invalid_values() {
        for bad in [
            json!({}),
            json!({"userName": "no-mail"}),
            json!({"userName": "a\u{0}b@x.example"}),
            json!({"userName": "a@x.example", "emails": "a@x.example"}),
            json!({"userName": "a@x.example", "emails": [{"value": "nope"}]}),
            json!({"userName": "a@x.example", "name": {"nickName": "x"}}),
            json!({"userName": "a@x.example", "active": "maybe"}),
            json!([]),
        ] {
            assert!(user_input(&bad).is_err(), "{bad}");
        }
    }
}

//! The OpenAPI 3.1 document, generated from the same sources that mount
//! the routes (the tenant route table, the control-plane and health route
//! lists) and from the record kinds' field definitions, so it cannot drift
//! from what is served. `GET /api/openapi.json`, browsable at `/api/docs`.

use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};

use super::tenant_routes::{Access, SOCKET, table};
use super::{control_plane, health};
use crate::identity::permission::CATALOGUE;
use crate::records::schema::{FieldType, KINDS, KindDef, by_path};

pub const ROUTES: &[(&str, &str)] = &[("get", "/api/openapi.json"), ("get", "/api/docs")];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/openapi.json", web::get().to(document))
        .route("/api/docs", web::get().to(docs));
}

async fn document() -> HttpResponse {
    HttpResponse::Ok().json(build())
}

async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(include_str!("openapi_docs.html"))
}

fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// Text without control characters (C0, DEL, C1), as `validate` has it.
const LINE: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";
/// The same, with a character that is not white space (required text).
const LINE_REQUIRED: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$";
/// Long text may also hold tabs and line breaks.
const LONG: &str = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";
const LONG_REQUIRED: &str = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";

fn text(max: usize, pattern: &str) -> Value {
    json!({"type": "string", "maxLength": max, "pattern": pattern})
}

/// A field's schema in a request (`required`: it may not be empty).
fn field_schema(ty: &FieldType, required: bool) -> Value {
    match ty {
        FieldType::Text { max } if required => {
            let mut t = text(*max, LINE_REQUIRED);
            t["minLength"] = json!(1);
            t
        }
        FieldType::Text { max } => text(*max, LINE),
        FieldType::LongText { max } if required => {
            let mut t = text(*max, LONG_REQUIRED);
            t["minLength"] = json!(1);
            t
        }
        FieldType::LongText { max } => text(*max, LONG),
        FieldType::Number { min, max } => json!({"type": "number", "minimum": min, "maximum": max}),
        FieldType::Integer { min, max } => {
            json!({"type": "integer", "minimum": min, "maximum": max})
        }
        FieldType::Bool => json!({"type": "boolean"}),
        FieldType::Date => json!({"type": "string", "format": "date"}),
        FieldType::DateTime => json!({"type": "string", "format": "date-time"}),
        FieldType::Select(v) => json!({"type": "string", "enum": v}),
        FieldType::MultiSelect(v) => {
            json!({"type": "array", "items": {"type": "string", "enum": v}})
        }
        FieldType::CurrencyCode => {
            let codes: Vec<&str> = crate::records::validate::CURRENCIES.split(' ').collect();
            json!({"type": "string", "enum": codes})
        }
        FieldType::Money => {
            json!({"type": "object", "properties": {"amount": {"type": "number"}, "currency": {"type": "string"}}})
        }
        FieldType::Email => json!({"type": "string", "format": "email"}),
        FieldType::Url => {
            json!({"type": "string", "format": "uri", "pattern": "^https?://[^\\s]+$", "maxLength": 2000})
        }
        FieldType::Relation(k) => {
            json!({"type": "string", "format": "uuid", "description": format!("id of a {k}")})
        }
        FieldType::Relations(k) => {
            json!({"type": "array", "items": {"type": "string", "format": "uuid"}, "description": format!("ids of {k} records")})
        }
        FieldType::User => {
            json!({"type": "string", "format": "uuid", "description": "id of a user"})
        }
        FieldType::Users => json!({"type": "array", "items": {"type": "string", "format": "uuid"}}),
        FieldType::Team => {
            json!({"type": "string", "format": "uuid", "description": "id of a team"})
        }
        FieldType::Tags => {
            let mut item = text(50, LINE_REQUIRED);
            item["minLength"] = json!(1);
            json!({"type": "array", "items": item, "maxItems": 50})
        }
        FieldType::Stages => {
            let mut name = text(100, LINE_REQUIRED);
            name["minLength"] = json!(1);
            json!({"type": "array", "minItems": 1, "maxItems": 50,
                "description": "stage names are unique (ignoring case); a stage is not both won and lost",
                "items": {"type": "object", "additionalProperties": false, "required": ["name"], "properties": {
                "id": {"type": ["string", "null"], "pattern": "^[A-Za-z0-9_-]{1,64}$"}, "name": name,
                "probability": {"type": ["number", "null"], "minimum": 0, "maximum": 100},
                "won": {"type": ["boolean", "null"]}, "lost": {"type": ["boolean", "null"]}}}})
        }
        FieldType::SlaTargets => {
            let mins = json!({"type": "integer", "minimum": 1, "maximum": 525_600});
            json!({"type": "object", "propertyNames": {"enum": crate::records::schema::PRIORITIES},
                "additionalProperties": {"type": "object", "additionalProperties": false, "properties": {
                "first_response_mins": mins, "next_response_mins": mins, "resolution_mins": mins}}})
        }
    }
}

fn schema_name(k: &KindDef) -> String {
    k.kind
        .split('_')
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn kind_schemas(schemas: &mut Map<String, Value>) {
    for k in KINDS.iter() {
        // A field that is neither required nor kept may be cleared with null.
        let mut props = Map::new();
        for f in &k.fields {
            let mut s = field_schema(&f.ty, f.required);
            if !f.required && !f.kept {
                s = json!({"anyOf": [s, {"type": "null"}]});
            }
            props.insert(f.key.into(), s);
        }
        if k.custom {
            props.insert("custom".into(), json!({"type": "object", "description": "the tenant's custom fields (see /custom-fields)"}));
        }
        let required: Vec<&str> = k
            .fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.key)
            .collect();
        let name = schema_name(k);
        schemas.insert(format!("{name}Input"), json!({
            "type": "object", "properties": props.clone(), "required": required, "additionalProperties": false
        }));
        // A change names only what changes.
        schemas.insert(
            format!("{name}Patch"),
            json!({
                "type": "object", "properties": props.clone(), "additionalProperties": false
            }),
        );
        let mut out = props;
        out.insert("id".into(), json!({"type": "string", "format": "uuid"}));
        out.insert("version".into(), json!({"type": "integer"}));
        out.insert(
            "created_at".into(),
            json!({"type": "string", "format": "date-time"}),
        );
        out.insert(
            "updated_at".into(),
            json!({"type": "string", "format": "date-time"}),
        );
        out.insert(
            "created_by".into(),
            json!({"type": ["string", "null"], "format": "uuid"}),
        );
        if k.scoped {
            out.insert(
                "legal_hold".into(),
                json!({"type": ["object", "null"], "description": "set through /hold: reason, by, at"}),
            );
        }
        if k.kind == "deal" {
            out.insert(
                "stage_history".into(),
                json!({"type": "array", "items": {"type": "object"}}),
            );
        }
        schemas.insert(
            name.clone(),
            json!({"type": "object", "properties": out, "required": ["id", "version"]}),
        );
        schemas.insert(format!("{name}Page"), json!({"type": "object", "properties": {
            "items": {"type": "array", "items": r(&name)}, "next_cursor": {"type": ["string", "null"]}}}));
    }
}

fn common_schemas() -> Map<String, Value> {
    let obj = |v: Value| v;
    let mut s = Map::new();
    s.insert("Problem".into(), obj(json!({"type": "object", "required": ["type", "title", "status", "detail", "code"], "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "code": {"type": "string", "description": "stable snake_case error code"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}}}})));
    s.insert("LoginRequest".into(), json!({"type": "object", "required": ["email", "password"], "additionalProperties": false, "properties": {
        "email": {"type": "string"}, "password": {"type": "string"}, "totp_code": {"type": "string"}, "recovery_code": {"type": "string"},
        "passkey": r("PasskeyAssertion")}}));
    s.insert("RefreshRequest".into(), json!({"type": "object", "required": ["refresh_token"], "additionalProperties": false, "properties": {"refresh_token": {"type": "string"}}}));
    s.insert("TokenPair".into(), json!({"type": "object", "properties": {
        "access_token": {"type": "string"}, "refresh_token": {"type": "string"}, "token_type": {"const": "Bearer"}, "expires_in": {"type": "integer"}}}));
    s.insert("Tenant".into(), json!({"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "slug": {"type": "string", "pattern": "^[a-z][a-z0-9-]{1,62}$"},
        "name": {"type": "string"}, "plan": {"type": "string", "enum": ["free", "standard", "professional", "enterprise"]},
        "shard": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}}}));
    let plan =
        json!({"type": "string", "enum": ["free", "standard", "professional", "enterprise"]});
    let name = |max: usize| {
        let mut t = text(max, LINE_REQUIRED);
        t["minLength"] = json!(1);
        t
    };
    s.insert("CreateTenant".into(), json!({"type": "object", "required": ["slug", "name", "admin"], "additionalProperties": false, "properties": {
        "slug": {"type": "string", "pattern": "^[a-z][a-z0-9-]{1,62}$"}, "name": name(200), "plan": plan, "shard": {"type": "string"},
        "admin": {"type": "object", "required": ["email", "password"], "additionalProperties": false, "properties": {
            "email": {"type": "string", "format": "email"}, "password": {"type": "string", "minLength": 12, "maxLength": 1024,
            "description": "not a common password, not one character repeated"}, "name": name(200)}}}}));
    s.insert("UpdateTenant".into(), json!({"type": "object", "additionalProperties": false, "properties": {"name": name(200), "plan": plan}}));
    s.insert("Page".into(), json!({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}, "next_cursor": {"type": ["string", "null"]}}}));
    s.insert("User".into(), json!({"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "email": {"type": "string"}, "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["staff", "customer", "supplier"]}, "status": {"type": "string", "enum": ["active", "disabled"]},
        "roles": {"type": "array", "items": {"type": "string"}}, "teams": {"type": "array", "items": {"type": "string", "format": "uuid"}}}}));
    let password = json!({"type": "string", "minLength": 12, "maxLength": 1024,
        "description": "not a common password, not one character repeated"});
    let roles = json!({"type": "array", "items": {"type": "string"}, "description": "names of existing roles"});
    let teams = json!({"type": "array", "items": {"type": "string", "format": "uuid"}, "description": "ids of existing teams"});
    s.insert("UserInput".into(), json!({"type": "object", "required": ["email"], "additionalProperties": false, "properties": {
        "email": {"type": "string", "format": "email"}, "name": name(200), "password": password,
        "kind": {"type": "string", "enum": ["staff", "customer", "supplier"]}, "roles": roles, "teams": teams,
        "invite": {"type": "boolean", "description": "mail an invitation to set a password, instead of giving one"}},
        "oneOf": [
            {"required": ["password"], "properties": {"invite": {"const": false}}},
            {"required": ["invite"], "properties": {"invite": {"const": true}}, "not": {"required": ["password"]}}]}));
    s.insert("UserPatch".into(), json!({"type": "object", "additionalProperties": false, "properties": {
        "name": name(200), "password": password, "status": {"type": "string", "enum": ["active", "disabled"]},
        "roles": roles, "teams": teams}}));
    s.insert("TeamInput".into(), json!({"type": "object", "required": ["name"], "additionalProperties": false, "properties": {"name": name(200)}}));
    s.insert("ApiKeyInput".into(), json!({"type": "object", "required": ["name", "role"], "additionalProperties": false, "properties": {
        "name": name(200), "role": {"type": "string", "description": "an existing role the caller holds at least"}}}));
    s.insert("ResetRequest".into(), json!({"type": "object", "required": ["email"], "additionalProperties": false, "properties": {
        "email": {"type": "string", "description": "the account's address; the answer is the same whether or not it has one"}}}));
    s.insert("SetPassword".into(), json!({"type": "object", "required": ["token", "password"], "additionalProperties": false, "properties": {
        "token": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$", "description": "from the link in the mail (#token=…)"},
        "password": {"type": "string", "minLength": 12, "maxLength": 1024}}}));
    s.insert("MailSettings".into(), json!({"type": "object", "additionalProperties": false, "properties": {
        "reply_address": {"type": ["string", "null"], "format": "email", "maxLength": 320,
            "description": "the support address customers answer to: ticket replies carry it, with a random token, as Reply-To; unset: no Reply-To (answers go to the sender and thread by In-Reply-To)"}}}));
    s.insert("MailOutbox".into(), json!({"type": "object", "properties": {
        "smtp": {"type": "boolean", "description": "false: no SMTP server is configured and mail waits here"},
        "items": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "kind": {"type": "string"}, "to_addr": {"type": "string"}, "subject": {"type": "string"},
            "status": {"type": "string", "enum": ["queued", "sent", "failed"]}, "attempts": {"type": "integer"},
            "next_attempt_at": {"type": "string"}, "last_error": {"type": ["string", "null"]},
            "created_at": {"type": "string"}, "sent_at": {"type": ["string", "null"]},
            "message_id": {"type": ["string", "null"], "description": "a ticket reply's Message-ID"},
            "ticket_id": {"type": ["string", "null"]}, "reply_to": {"type": ["string", "null"], "description": "a ticket reply's tokened Reply-To"}}}},
        "next_cursor": {"type": "null"}}}));
    let kinds: Vec<&str> = KINDS
        .iter()
        .map(|k| k.kind)
        .chain(crate::integrations::webhooks::OTHER_KINDS.iter().copied())
        .collect();
    let record_kinds: Vec<&str> = KINDS.iter().map(|k| k.kind).collect();
    let paths: Vec<&str> = KINDS.iter().map(|k| k.path).collect();
    let uuid = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
    let hook_props = json!({
        "url": {"type": "string", "maxLength": 2000, "format": "uri", "pattern": "^https?://[^/@:\\s]+",
            "description": "http(s); internal addresses are refused unless the operator allows them"},
        "description": {"type": "string", "maxLength": 500},
        "event_types": {"type": "array", "minItems": 1, "maxItems": 50, "items": {"type": "string",
            "pattern": format!("^(\\*|({})\\.(\\*|[a-z_]+))$", kinds.join("|"))},
            "description": "\"*\", \"<kind>.*\" or \"<kind>.<action>\" (default [\"*\"])"},
        "topics": {"type": "array", "maxItems": 50, "items": {"type": "string",
            "pattern": format!("^({}|exports|(pipeline|queue|ticket):{uuid}|record:({}):{uuid})$", paths.join("|"), record_kinds.join("|"))},
            "description": "only events of these topics (queue:<id>, pipeline:<id>, ticket:<id>, record:<kind>:<id>, contacts, …)"},
        "role": {"type": "string", "description": "the role whose field rules the payloads obey; one the caller holds at least"},
        "enabled": {"type": "boolean"}});
    let mut input = json!({"type": "object", "required": ["url", "role"], "additionalProperties": false, "properties": hook_props});
    s.insert("WebhookInput".into(), input.clone());
    input["required"] = json!([]);
    s.insert("WebhookPatch".into(), input);
    let webhook = json!({"type": "object", "properties": {
        "id": {"type": "string"}, "url": {"type": "string"}, "description": {"type": "string"},
        "event_types": {"type": "array", "items": {"type": "string"}}, "topics": {"type": "array", "items": {"type": "string"}},
        "role": {"type": "string"}, "created_by": {"type": "string"}, "enabled": {"type": "boolean"},
        "disabled_reason": {"type": ["string", "null"]},
        "disabled_cause": {"type": ["string", "null"], "enum": ["admin", "failures", "maker_inactive", null]},
        "delivered_seq": {"type": "integer"},
        "attempts": {"type": "integer"}, "failing_since": {"type": ["string", "null"]},
        "next_attempt_at": {"type": ["string", "null"]}, "previous_secret_until": {"type": ["string", "null"]},
        "created_at": {"type": "string"}, "updated_at": {"type": "string"},
        "secret": {"type": "string", "description": "whsec_…: only when made or rotated"}}});
    s.insert("Webhook".into(), webhook.clone());
    s.insert("WebhookWithSecret".into(), webhook);
    s.insert("WebhookList".into(), json!({"type": "object", "properties": {"items": {"type": "array", "items": r("Webhook")}}}));
    s.insert("ReplayInput".into(), json!({"type": "object", "required": ["since"], "additionalProperties": false, "properties": {
        "since": {"type": "integer", "minimum": 0, "maximum": 9_000_000_000_000_000i64, "description": "deliver again every event after this number"}}}));
    let delivery = json!({"type": "object", "properties": {
        "id": {"type": "string"}, "webhook_id": {"type": "string"}, "message_id": {"type": "string"},
        "seq": {"type": ["integer", "null"]}, "event_type": {"type": "string"}, "attempt": {"type": "integer"},
        "status": {"type": ["integer", "null"]}, "ok": {"type": "boolean"}, "error": {"type": ["string", "null"]},
        "latency_ms": {"type": "integer"}, "response": {"type": "string"}, "at": {"type": "string"}}});
    s.insert("Delivery".into(), delivery);
    s.insert("DeliveryPage".into(), json!({"type": "object", "properties": {
        "items": {"type": "array", "items": r("Delivery")}, "next_cursor": {"type": ["string", "null"]}}}));
    s.insert(
        "CodeInput".into(),
        json!({"type": "object", "additionalProperties": false, "properties": {
        "code": {"type": "string"}, "recovery_code": {"type": "string"}}}),
    );
    let grants = json!({"type": "array", "items": {"type": "object", "required": ["permission"], "additionalProperties": false, "properties": {
        "permission": {"type": "string", "enum": CATALOGUE.iter().map(|p| p.name).collect::<Vec<_>>()},
        "scope": {"type": "string", "enum": ["own", "team", "all"]},
        "hidden_fields": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 64}}}}});
    s.insert("RoleInput".into(), json!({"type": "object", "required": ["name"], "additionalProperties": false, "properties": {
        "name": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,39}$"}, "parent": {"type": "string", "description": "an existing role"},
        "description": {"type": "string"}, "grants": grants}}));
    s.insert("RolePatch".into(), json!({"type": "object", "additionalProperties": false, "properties": {
        "parent": {"type": "string", "description": "an existing role that does not inherit from this one"},
        "description": {"type": "string"}, "grants": grants}}));
    s.insert("Role".into(), json!({"type": "object", "properties": {
        "name": {"type": "string"}, "parent": {"type": ["string", "null"]}, "description": {"type": "string"}, "builtin": {"type": "boolean"},
        "grants": {"type": "array", "items": {"type": "object", "properties": {
            "permission": {"type": "string", "enum": CATALOGUE.iter().map(|p| p.name).collect::<Vec<_>>()},
            "scope": {"type": "string", "enum": ["own", "team", "all"]}, "hidden_fields": {"type": "array", "items": {"type": "string"}}}}}}}));
    s.insert("ApiKey".into(), json!({"type": "object", "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "role": {"type": "string"}, "prefix": {"type": "string"},
        "key": {"type": "string", "description": "only in the creation response"}, "last_used_at": {"type": ["string", "null"]}}}));
    s.insert("CustomField".into(), json!({"type": "object", "properties": {
        "id": {"type": "string"}, "kind": {"type": "string"}, "key": {"type": "string"}, "label": {"type": "string"},
        "type": {"type": "string", "enum": crate::records::fields::TYPES}, "options": {"type": "object"},
        "required": {"type": "boolean"}, "retired": {"type": "boolean"},
        "sensitive": {"type": "boolean", "description": "values sealed at rest with the tenant's data key; never searched or filtered by"}}}));
    let label = name(100);
    let key = json!({"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"});
    s.insert("CustomFieldInput".into(), json!({"type": "object", "required": ["kind", "key", "type"], "additionalProperties": false, "properties": {
        "kind": {"type": "string", "enum": KINDS.iter().filter(|k| k.custom).map(|k| k.kind).collect::<Vec<_>>()},
        "key": key, "label": label, "type": {"type": "string", "enum": crate::records::fields::TYPES},
        "options": {"type": "object", "description": "choices for select types; min/max for numbers"},
        "required": {"type": "boolean"},
        "sensitive": {"type": "boolean", "description": "seal its values at rest (AES-256-GCM, the tenant's data key); they are then never searched or filtered by. Not for relations; fixed once made"}}}));
    s.insert("CustomFieldPatch".into(), json!({"type": "object", "additionalProperties": false,
        "description": "kind, key, type and sensitive cannot change", "properties": {
        "label": label, "options": {"type": "object"}, "required": {"type": "boolean"}, "retired": {"type": "boolean"},
        "sensitive": {"type": "boolean", "description": "only as it is"}}}));
    s.insert("TicketWorkflow".into(), json!({"type": "object", "required": ["initial", "statuses", "transitions"], "additionalProperties": false, "properties": {
        "initial": {"type": "string", "description": "one of the statuses"},
        "statuses": {"type": "array", "minItems": 1, "maxItems": 30, "uniqueItems": true, "items": {"type": "string", "pattern": "^[a-z0-9_-]{1,50}$"}},
        "transitions": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}));
    s.insert("SecuritySettings".into(), json!({"type": "object", "additionalProperties": false, "properties": {
        "mfa_required_roles": {"type": "array", "items": {"type": "string"}},
        "sso_required": {"type": "boolean", "description": "sign-in only through the tenant's identity providers; owners with MFA keep their password (break-glass). Switching it on ends every other session"}}}));
    sso_schemas(&mut s);
    s.insert("Comment".into(), json!({"type": "object", "properties": {
        "id": {"type": "string"}, "body": {"type": "string"}, "internal": {"type": "boolean"}, "author_id": {"type": "string"},
        "attachments": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}, "size": {"type": "integer"}, "content_type": {"type": "string"}}}}}}));
    let mut body = text(20_000, LONG_REQUIRED);
    body["minLength"] = json!(1);
    s.insert("CommentInput".into(), json!({"type": "object", "required": ["body"], "additionalProperties": false, "properties": {
        "body": body, "internal": {"type": "boolean"},
        "attachments": {"type": "array", "maxItems": 20, "uniqueItems": true, "description": "files uploaded to the ticket by the caller and not yet on a comment",
                        "items": {"type": "string", "format": "uuid"}}}}));
    s.insert("File".into(), json!({"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "record_kind": {"type": "string"}, "record_id": {"type": "string", "format": "uuid"},
        "comment_id": {"type": ["string", "null"], "format": "uuid"}, "name": {"type": "string"},
        "content_type": {"type": "string", "description": "what the content is (sniffed), not what the uploader said"},
        "size": {"type": "integer"}, "sha256": {"type": "string"}, "internal": {"type": "boolean"},
        "created_by": {"type": ["string", "null"]}, "created_by_name": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
        "download_url": {"type": "string", "description": "a signed link to the bytes, valid for 5 minutes, needing no credentials"},
        "download_expires_at": {"type": "string", "format": "date-time"}}}));
    s.insert(
        "FileList".into(),
        json!({"type": "object", "properties": {"items": {"type": "array", "items": r("File")}}}),
    );
    s.insert("FileBody".into(), json!({"type": "string", "format": "binary", "minLength": 1,
        "description": "the file's bytes, streamed; Content-Type is a claim checked against the content"}));
    s.insert("StorageUsage".into(), json!({"type": "object", "properties": {
        "used_bytes": {"type": "integer"}, "quota_bytes": {"type": ["integer", "null"]}, "files": {"type": "integer"},
        "max_upload_bytes": {"type": "integer"}, "scanning": {"type": "boolean", "description": "uploads are scanned for viruses"}}}));
    s.insert("EventPage".into(), json!({"type": "object", "properties": {
        "items": {"type": "array", "items": {"type": "object", "properties": {
            "seq": {"type": "integer"}, "type": {"type": "string"}, "kind": {"type": "string"}, "record_id": {"type": "string"},
            "at": {"type": "string", "format": "date-time"}, "actor": {"type": ["string", "null"]}, "data": {"type": "object"}}}},
        "next_since": {"type": "integer"}, "head": {"type": "integer"}, "complete": {"type": "boolean"}}}));
    s.insert("Me".into(), json!({"type": "object", "properties": {
        "user": {"type": "object"}, "tenant": {"type": "object"}, "roles": {"type": "array", "items": {"type": "string"}},
        "permissions": {"type": "array", "items": {"type": "object"}}, "mfa_enrollment_required": {"type": "boolean"}}}));
    s.insert("AuditSettings".into(), json!({"type": "object", "required": ["retention_days"], "additionalProperties": false,
        "description": "how long the audit trail is kept; never less than the event log's retention",
        "properties": {"retention_days": {"type": "integer", "minimum": 365, "maximum": 36500}}}));
    s.insert("EventSettings".into(), json!({"type": "object", "required": ["retention_days"], "additionalProperties": false, "description": "how long the event log is kept; never more than the audit trail's retention",
        "properties": {"retention_days": {"type": "integer", "minimum": 1, "maximum": 3650}}}));
    s.insert("RawMessage".into(), json!({"type": "string", "maxLength": 10485760, "description": "a whole RFC 5322 message (headers, MIME body), at most 10 MiB"}));
    s.insert("CsvBody".into(), json!({"type": "string", "description": "a header row of field keys and custom.<key> columns"}));
    s.insert("ImportReport".into(), json!({"type": "object", "properties": {
        "imported": {"type": "integer"}, "skipped": {"type": "integer"}, "error_count": {"type": "integer"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {"line": {"type": "integer"}, "field": {"type": "string"}, "message": {"type": "string"}}}}}}));
    s.insert("Object".into(), json!({"type": "object"}));
    // null: the app's default colour.
    let colour = json!({"type": ["string", "null"], "pattern": "^#[0-9a-fA-F]{6}$"});
    let colors = json!({"type": "object", "additionalProperties": false, "properties": {
        "primary": colour, "accent": colour, "background": colour, "text": colour}});
    let features = json!({"type": "object", "additionalProperties": {"type": "boolean"},
        "description": "crm, sales, support, dashboards: true when on"});
    s.insert("Branding".into(), json!({"type": "object", "properties": {
        "slug": {"type": "string"}, "name": {"type": "string"}, "logo_url": {"type": ["string", "null"]},
        "colors": colors, "locale": {"type": "string", "enum": ["en", "de"]}, "features": features}}));
    s.insert("BrandingSettings".into(), json!({"type": "object", "additionalProperties": false, "properties": {
        "display_name": {"type": ["string", "null"], "minLength": 1, "maxLength": 100, "description": "null: the tenant's name"},
        "logo_url": {"type": ["string", "null"], "pattern": "^(https://[A-Za-z0-9.-]+\\.[A-Za-z]{2,}(/[^\\s]*)?|data:image/(png|svg\\+xml|jpeg|webp);base64,[A-Za-z0-9+/]+={0,2})$",
                     "description": "https URL or data:image/…;base64 URL (≤ 100 KiB); null: none"},
        "colors": colors, "locale": {"type": "string", "enum": ["en", "de"]}}}));
    s.insert(
        "Features".into(),
        json!({"type": "object", "required": ["features"], "additionalProperties": false,
        "properties": {"features": features}}),
    );
    s.insert("QueuedTicketPage".into(), json!({"type": "object", "description": "open, unassigned tickets in queue order (priority, SLA due, age)",
        "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {"position": {"type": "integer"}}}},
        "size": {"type": "integer"}, "next_cursor": {"type": "null"}}}));
    s.insert("Agent".into(), json!({"type": "object", "properties": {
        "user_id": {"type": "string", "format": "uuid"}, "status": {"type": "string", "enum": ["online", "away", "offline"]},
        "connected": {"type": "boolean"}, "availability": {"type": "string", "enum": ["online", "away", "offline"]},
        "capacity": {"type": "integer"}, "skills": {"type": "array", "items": {"type": "string"}}}}));
    let mut skill = text(50, LINE_REQUIRED);
    skill["minLength"] = json!(1);
    s.insert(
        "AgentInput".into(),
        json!({"type": "object", "additionalProperties": false, "properties": {
        "status": {"type": "string", "enum": ["online", "away", "offline"]},
        "capacity": {"type": "integer", "minimum": 0, "maximum": 1000},
        "skills": {"type": "array", "maxItems": 50, "uniqueItems": true, "items": skill}}}),
    );
    s.insert(
        "MyAgentInput".into(),
        json!({"type": "object", "additionalProperties": false,
        "description": "capacity and skills are set by an admin", "properties": {
        "status": {"type": "string", "enum": ["online", "away", "offline"]}}}),
    );
    let mut reason = text(500, LINE_REQUIRED);
    reason["minLength"] = json!(1);
    s.insert(
        "HoldInput".into(),
        json!({"type": "object", "required": ["reason"], "additionalProperties": false,
        "properties": {"reason": reason}}),
    );
    let counts = json!({"type": "object", "additionalProperties": {"type": "integer"}});
    s.insert("Hold".into(), json!({"type": "object", "required": ["id", "version", "legal_hold"], "properties": {
        "id": {"type": "string", "format": "uuid"}, "version": {"type": "integer"},
        "legal_hold": {"type": ["object", "null"], "description": "reason, by (user id), at; null once lifted"}}}));
    s.insert("Erasure".into(), json!({"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"},
        "gone": {"description": "records erased, per kind", "allOf": [counts.clone()]},
        "cleared": {"description": "records that kept their place and lost the reference, per kind", "allOf": [counts.clone()]},
        "events_erased": {"type": "integer", "description": "events of the log overwritten"},
        "portal_user": {"type": ["string", "null"], "format": "uuid", "description": "the portal account anonymised"},
        "sign_ins_forgotten": {"type": "integer"}}}));
    let placeholders = crate::support::canned::PLACEHOLDERS
        .iter()
        .map(|p| format!("{{{{{p}}}}}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut reply_name = text(100, LINE_REQUIRED);
    reply_name["minLength"] = json!(1);
    reply_name["description"] = json!("unique, case-insensitively");
    s.insert("CannedReplies".into(), json!({"type": "object", "required": ["replies"], "additionalProperties": false, "properties": {
        "replies": {"type": "array", "maxItems": 200, "items": {"type": "object", "required": ["name", "body"], "additionalProperties": false, "properties": {
            "name": reply_name,
            "body": {"allOf": [text(10_000, LONG), {"pattern": "\\S"}], "type": "string", "minLength": 1,
                     "description": format!("the text; placeholders: {placeholders}")}}}}}}));
    s.insert(
        "CannedRender".into(),
        json!({"type": "object", "required": ["name"], "additionalProperties": false,
        "properties": {"name": {"type": "string", "description": "a canned reply's name"}}}),
    );
    s.insert("CannedText".into(), json!({"type": "object", "required": ["body"], "properties": {
        "body": {"type": "string", "description": "placeholders filled for the ticket; what the caller may not read is left empty"}}}));
    s.insert("UserErasure".into(), json!({"type": "object", "required": ["id", "sessions_ended", "sign_ins_forgotten"], "properties": {
        "id": {"type": "string", "format": "uuid"},
        "sessions_ended": {"type": "integer"},
        "sign_ins_forgotten": {"type": "integer", "description": "sign-in log entries that no longer name the user or their address"}}}));
    let mut rule_name = text(100, LINE_REQUIRED);
    rule_name["minLength"] = json!(1);
    s.insert("RetentionPolicy".into(), json!({"type": "object", "required": ["rules"], "additionalProperties": false, "properties": {
        "rules": {"type": "array", "maxItems": 50, "items": {"type": "object", "additionalProperties": false,
            "required": ["name", "kind", "action", "unchanged_for_days"],
            "description": "Records of `kind` that, with everything referring to them, are unchanged for `unchanged_for_days` go: `delete` by the reference rules, `erase` with their event history (a contact as an erased person). Names are unique.",
            "properties": {
                "name": rule_name,
                "kind": {"type": "string", "enum": crate::records::retention_policy::KINDS},
                "action": {"type": "string", "enum": ["delete", "erase", "anonymise"], "description": "delete: as a user deletes; erase: as GDPR erasure, history included; anonymise: the record stays for reports, without texts, tags, custom fields, contact references or comments"},
                "unchanged_for_days": {"type": "integer", "minimum": 1, "maximum": 36500},
                "statuses": {"type": "array", "minItems": 1, "items": {"type": "string"}, "description": "tickets only: the workflow statuses the rule applies to"},
                "enabled": {"type": "boolean", "default": true}}}}}}));
    s.insert("RetentionReport".into(), json!({"type": "object", "required": ["at", "rules"], "properties": {
        "at": {"type": "string", "format": "date-time", "description": "the instant ages were counted back from"},
        "rules": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "kind": {"type": "string"}, "action": {"type": "string"}, "enabled": {"type": "boolean"},
            "matched": {"type": "integer", "description": "records the rule removed (or would remove)"},
            "records": {"type": "array", "items": {"type": "string", "format": "uuid"}, "description": "the first 100 of them"},
            "gone": {"description": "everything that went (or would go) with them, per kind", "allOf": [counts.clone()]},
            "cleared": {"description": "records that lost a reference, per kind", "allOf": [counts]},
            "held": {"type": "integer", "description": "matched but under legal hold"},
            "refused": {"type": "integer", "description": "matched but still needed by other records"},
            "truncated": {"type": "boolean", "description": "the dry run stopped counting at 10,000"}}}}}}));
    let export = json!({"type": "object", "required": ["id", "subject_kind", "subject_id", "status", "done", "total", "created_at"], "properties": {
        "id": {"type": "string", "format": "uuid"},
        "subject_kind": {"type": "string", "enum": ["contact", "user"]},
        "subject_id": {"type": "string", "format": "uuid"},
        "requested_by": {"type": ["string", "null"], "format": "uuid"},
        "status": {"type": "string", "enum": ["running", "ready", "failed"]},
        "done": {"type": "integer", "description": "steps done"},
        "total": {"type": "integer", "description": "steps in all"},
        "error": {"type": ["string", "null"]},
        "size": {"type": ["integer", "null"], "description": "the archive's bytes, once ready"},
        "created_at": {"type": "string", "format": "date-time"},
        "finished_at": {"type": ["string", "null"], "format": "date-time"},
        "expires_at": {"type": ["string", "null"], "format": "date-time", "description": "the archive can be fetched until then"}}});
    s.insert("ExportList".into(), json!({"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": export.clone()}}}));
    s.insert("Export".into(), export);
    s.insert("SupportSettings".into(), json!({"type": "object", "additionalProperties": false, "properties": {
        "portal_queue_id": {"type": ["string", "null"], "format": "uuid", "description": "the queue tickets opened in the portals join"}
    }}));
    s.insert("BusinessCalendar".into(), json!({"type": "object", "required": ["time_zone", "hours"], "additionalProperties": false, "properties": {
        "time_zone": {"type": "string", "description": "IANA time zone, e.g. Europe/Berlin"},
        "hours": {"type": "object", "description": "mon…sun → [[\"HH:MM\", \"HH:MM\"], …]",
                  "propertyNames": {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
                  "additionalProperties": {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"}}}},
        "holidays": {"type": "array", "items": {"type": "string", "format": "date"}}}}));
    s
}

/// Single sign-on: the providers an admin configures, the sign-in page's
/// options, the hand-off.
fn sso_schemas(s: &mut Map<String, Value>) {
    let line = text(200, LINE_REQUIRED);
    let domain = json!({"type": "string", "maxLength": 253,
        "pattern": "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$"});
    let props = json!({
        "name": line, "issuer": {"type": "string", "maxLength": 2000, "pattern": "^https://[^?#]*$",
            "description": "the provider's issuer; its /.well-known/openid-configuration must answer. http only to a network in MANDANT_SSO_ALLOW_NETWORKS"},
        "client_id": line,
        "client_secret": {"type": "string", "minLength": 1, "maxLength": 1000, "pattern": LINE, "writeOnly": true},
        "scopes": {"type": "array", "maxItems": 50, "items": {"type": "string", "maxLength": 100, "pattern": "^[\\x21\\x23-\\x5b\\x5d-\\x7e]+$"}},
        "allowed_domains": {"type": "array", "maxItems": 50, "items": domain},
        "role_claim": {"type": "string", "pattern": "^[A-Za-z0-9_:./-]{1,100}$"},
        "role_mappings": {"type": "array", "maxItems": 50, "items": {"type": "object", "required": ["value", "role"], "additionalProperties": false,
            "properties": {"value": line, "role": {"type": "string", "description": "an existing role"}}}},
        "team_mappings": {"type": "array", "maxItems": 50, "items": {"type": "object", "required": ["value", "team_id"], "additionalProperties": false,
            "properties": {"value": line, "team_id": {"type": "string", "format": "uuid"}}}},
        "default_role": {"type": "string", "description": "an existing role, given when no mapping matches"},
        "enabled": {"type": "boolean"},
    });
    s.insert(
        "SsoProviderInput".into(),
        json!({"type": "object", "required": ["name", "issuer", "client_id"],
        "additionalProperties": false, "properties": props.clone()}),
    );
    s.insert(
        "SsoProviderPatch".into(),
        json!({"type": "object", "additionalProperties": false, "properties": props}),
    );
    let provider = json!({"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}, "issuer": {"type": "string"},
        "client_id": {"type": "string"}, "has_client_secret": {"type": "boolean"},
        "scopes": {"type": "array", "items": {"type": "string"}}, "allowed_domains": {"type": "array", "items": {"type": "string"}},
        "role_claim": {"type": "string"}, "role_mappings": {"type": "array"}, "team_mappings": {"type": "array"},
        "default_role": {"type": "string"}, "enabled": {"type": "boolean"},
        "redirect_uri": {"type": "string", "description": "register this at the provider"},
        "created_at": {"type": "string"}, "updated_at": {"type": "string"}}});
    s.insert("SsoProvider".into(), provider);
    s.insert("SsoProviderList".into(), json!({"type": "object", "properties": {"items": {"type": "array", "items": r("SsoProvider")}}}));
    s.insert("SsoOptions".into(), json!({"type": "object", "properties": {
        "providers": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}},
        "sso_required": {"type": "boolean"}}}));
    s.insert("ScimSettings".into(), json!({"type": "object", "properties": {
        "enabled": {"type": "boolean"}, "base_url": {"type": "string", "description": "where the directory sends SCIM 2.0 requests"},
        "default_role": {"type": "string"}, "token_created_at": {"type": ["string", "null"]},
        "token_last_used_at": {"type": ["string", "null"]},
        "token": {"type": "string", "description": "scim_…: only when made; the old one stops"}}}));
    s.insert("ScimSettingsInput".into(), json!({"type": "object", "required": ["default_role"], "additionalProperties": false,
        "properties": {"default_role": {"type": "string", "description": "an existing role, which the admin holds"}}}));
    s.insert("PasskeyCeremony".into(), json!({"type": "object", "properties": {
        "flow_id": {"type": "string", "format": "uuid"},
        "options": {"type": "object", "description": "for navigator.credentials.create() or .get() (publicKey inside)"}}}));
    s.insert("PasskeyAssertion".into(), json!({"type": "object", "required": ["flow_id", "credential"], "additionalProperties": false, "properties": {
        "flow_id": {"type": "string", "format": "uuid"},
        "credential": {"type": "object", "required": ["id", "rawId", "type", "response"],
            "description": "the PublicKeyCredential from navigator.credentials.get(), its binary fields base64url"}}}));
    s.insert("PasskeyRegistration".into(), json!({"type": "object", "required": ["flow_id", "name", "credential"], "additionalProperties": false, "properties": {
        "flow_id": {"type": "string", "format": "uuid"},
        "name": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": LINE_REQUIRED},
        "credential": {"type": "object", "required": ["id", "rawId", "type", "response"],
            "description": "the PublicKeyCredential from navigator.credentials.create(), its binary fields base64url"}}}));
    let passkey = json!({"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "name": {"type": "string"},
        "created_at": {"type": "string"}, "last_used_at": {"type": ["string", "null"]}}});
    s.insert("Passkey".into(), passkey);
    s.insert("PasskeyList".into(), json!({"type": "object", "properties": {"items": {"type": "array", "items": r("Passkey")}}}));
    s.insert("SsoExchange".into(), json!({"type": "object", "required": ["code"], "additionalProperties": false, "properties": {
        "code": {"type": "string", "description": "the one-time code from the sign-in page's fragment"}}}));
}

/// (request schema, response schema, success status) for a route.
fn shapes(method: &str, path: &str) -> (Option<String>, Option<String>, u16) {
    let tail = path.trim_start_matches("/t/{tenant}/api/v1");
    let seg: Vec<&str> = tail.trim_start_matches('/').split('/').collect();
    let s = |x: &str| Some(x.to_owned());
    if let Some(k) = by_path(seg[0]) {
        let name = schema_name(k);
        if seg.get(1) == Some(&"import") {
            return (s("CsvBody"), s("ImportReport"), 200);
        }
        match seg.get(2) {
            Some(&"files") if method == "post" => return (s("FileBody"), s("File"), 201),
            Some(&"files") => return (None, s("FileList"), 200),
            Some(&"tickets") => return (None, s("QueuedTicketPage"), 200),
            Some(&"claim") | Some(&"offer") => return (None, s("Ticket"), 200),
            Some(&"hold") if method == "put" => return (s("HoldInput"), s("Hold"), 200),
            Some(&"hold") => return (None, s("Hold"), 200),
            Some(&"erase") => return (None, s("Erasure"), 200),
            Some(&"export") => return (None, s("Export"), 202),
            Some(&"canned-replies") => return (s("CannedRender"), s("CannedText"), 200),
            _ => {}
        }
        return match (method, seg.len(), seg.get(2)) {
            ("get", 1, _) => (None, Some(format!("{name}Page")), 200),
            ("post", 1, _) => (Some(format!("{name}Input")), Some(name), 201),
            ("get", 3, Some(&"comments")) => (None, s("Page"), 200),
            ("post", 3, Some(&"comments")) => (s("CommentInput"), s("Comment"), 201),
            ("get", _, _) => (None, Some(name), 200),
            ("patch", _, _) => (Some(format!("{name}Patch")), Some(name), 200),
            _ => (None, None, 204),
        };
    }
    match (method, tail) {
        (_, "/auth/login") => (s("LoginRequest"), s("TokenPair"), 200),
        (_, "/auth/refresh") => (s("RefreshRequest"), s("TokenPair"), 200),
        (_, "/auth/password-reset") => (s("ResetRequest"), s("Object"), 202),
        (_, "/auth/set-password") => (s("SetPassword"), None, 204),
        ("get", "/auth/sso/providers") => (None, s("SsoOptions"), 200),
        ("post", "/auth/passkey/start") | ("post", "/me/passkeys/register/start") => {
            (None, s("PasskeyCeremony"), 200)
        }
        ("post", "/auth/passkey/finish") => (s("PasskeyAssertion"), s("TokenPair"), 200),
        ("get", "/me/passkeys") => (None, s("PasskeyList"), 200),
        ("post", "/me/passkeys/register/finish") => (s("PasskeyRegistration"), s("Passkey"), 201),
        ("get", "/auth/sso/{id}/start") | ("get", "/auth/sso/callback") => (None, None, 302),
        ("post", "/auth/sso/exchange") => (s("SsoExchange"), s("TokenPair"), 200),
        ("get", "/sso/providers") => (None, s("SsoProviderList"), 200),
        ("get", "/settings/scim") => (None, s("ScimSettings"), 200),
        ("put", "/settings/scim") => (s("ScimSettingsInput"), s("ScimSettings"), 200),
        ("post", "/settings/scim/token") => (None, s("ScimSettings"), 201),
        ("post", "/sso/providers") => (s("SsoProviderInput"), s("SsoProvider"), 201),
        ("get", "/sso/providers/{id}") => (None, s("SsoProvider"), 200),
        ("patch", "/sso/providers/{id}") => (s("SsoProviderPatch"), s("SsoProvider"), 200),
        ("post", "/users/{id}/invite") => (None, s("Object"), 202),
        ("get", "/mail/outbox") => (None, s("MailOutbox"), 200),
        ("get", "/storage/usage") => (None, s("StorageUsage"), 200),
        ("get", "/settings/mail") => (None, s("MailSettings"), 200),
        ("put", "/settings/mail") => (s("MailSettings"), s("MailSettings"), 200),
        ("get", "/files/{id}") => (None, s("File"), 200),
        ("get", "/files/{id}/content") => (None, None, 200),
        ("post", "/mail/inbound") => (s("RawMessage"), s("Object"), 201),
        (_, "/auth/logout") | (_, "/me/mfa/disable") => (
            if tail.ends_with("disable") {
                s("CodeInput")
            } else {
                None
            },
            None,
            204,
        ),
        ("get", "/me") => (None, s("Me"), 200),
        (_, "/realtime/ticket") => (None, s("Object"), 200),
        (_, "/me/mfa/enroll") => (None, s("Object"), 200),
        (_, "/me/mfa/confirm") => (s("CodeInput"), s("Object"), 200),
        ("get", "/users")
        | ("get", "/teams")
        | ("get", "/roles")
        | ("get", "/api-keys")
        | ("get", "/custom-fields")
        | ("get", "/audit/auth-events")
        | ("get", "/audit/events") => (None, s("Page"), 200),
        ("post", "/users") => (s("UserInput"), s("User"), 201),
        ("post", "/users/{id}/erase") => (None, s("UserErasure"), 200),
        ("get", "/canned-replies") => (None, s("CannedReplies"), 200),
        ("put", "/settings/canned-replies") => (s("CannedReplies"), s("CannedReplies"), 200),
        ("post", "/users/{id}/export") => (None, s("Export"), 202),
        ("get", "/users/{id}") | ("patch", "/users/{id}") => (
            if method == "patch" {
                s("UserPatch")
            } else {
                None
            },
            s("User"),
            200,
        ),
        ("post", "/teams") => (s("TeamInput"), s("Object"), 201),
        ("post", "/roles") => (s("RoleInput"), s("Role"), 201),
        ("get", "/roles/{name}") | ("patch", "/roles/{name}") => (
            if method == "patch" {
                s("RolePatch")
            } else {
                None
            },
            s("Role"),
            200,
        ),
        ("post", "/api-keys") => (s("ApiKeyInput"), s("ApiKey"), 201),
        ("get", "/webhooks") => (None, s("WebhookList"), 200),
        ("post", "/webhooks") => (s("WebhookInput"), s("WebhookWithSecret"), 201),
        ("get", "/webhooks/{id}") => (None, s("Webhook"), 200),
        ("patch", "/webhooks/{id}") => (s("WebhookPatch"), s("Webhook"), 200),
        ("get", "/webhooks/{id}/deliveries") => (None, s("DeliveryPage"), 200),
        ("post", "/webhooks/{id}/ping") => (None, s("Delivery"), 200),
        ("post", "/webhooks/{id}/replay") => (s("ReplayInput"), s("Webhook"), 200),
        ("post", "/webhooks/{id}/rotate-secret") => (None, s("WebhookWithSecret"), 200),
        ("post", "/custom-fields") => (s("CustomFieldInput"), s("CustomField"), 201),
        ("patch", "/custom-fields/{id}") => (s("CustomFieldPatch"), s("CustomField"), 200),
        ("get", "/settings/security") | ("put", "/settings/security") => (
            if method == "put" {
                s("SecuritySettings")
            } else {
                None
            },
            s("SecuritySettings"),
            200,
        ),
        ("get", "/workflows/tickets") | ("put", "/workflows/tickets") => (
            if method == "put" {
                s("TicketWorkflow")
            } else {
                None
            },
            s("TicketWorkflow"),
            200,
        ),
        ("get", "/events") => (None, s("EventPage"), 200),
        ("get", "/settings/events") | ("put", "/settings/events") => (
            if method == "put" {
                s("EventSettings")
            } else {
                None
            },
            s("EventSettings"),
            200,
        ),
        ("get", "/exports") => (None, s("ExportList"), 200),
        ("get", "/exports/{id}") => (None, s("Export"), 200),
        ("get", "/exports/{id}/archive") => (None, None, 200),
        ("get", "/settings/audit") => (None, s("AuditSettings"), 200),
        ("put", "/settings/audit") => (s("AuditSettings"), s("AuditSettings"), 200),
        ("get", "/settings/retention") => (None, s("RetentionPolicy"), 200),
        ("put", "/settings/retention") => (s("RetentionPolicy"), s("RetentionPolicy"), 200),
        ("post", "/settings/retention/dry-run") | ("post", "/settings/retention/run") => {
            (None, s("RetentionReport"), 200)
        }
        ("get", "/branding") => (None, s("Branding"), 200),
        ("get", "/settings/branding") => (None, s("BrandingSettings"), 200),
        ("put", "/settings/branding") => (s("BrandingSettings"), s("BrandingSettings"), 200),
        ("get", "/settings/features") => (None, s("Features"), 200),
        ("put", "/settings/features") => (s("Features"), s("Features"), 200),
        ("get", "/agents") => (None, s("Page"), 200),
        ("patch", "/agents/{id}") => (s("AgentInput"), s("Agent"), 200),
        ("put", "/me/agent") => (s("MyAgentInput"), s("Agent"), 200),
        ("get", "/me/agent") => (None, s("Agent"), 200),
        ("get", "/settings/business-calendar") => (None, s("BusinessCalendar"), 200),
        ("put", "/settings/business-calendar") => {
            (s("BusinessCalendar"), s("BusinessCalendar"), 200)
        }
        ("get", "/settings/support") => (None, s("SupportSettings"), 200),
        ("put", "/settings/support") => (s("SupportSettings"), s("SupportSettings"), 200),
        ("get", "/dashboards/{name}") => (None, s("Object"), 200),
        (_, p) if p.starts_with("/api/v1/tenants") => match method {
            "post" => (s("CreateTenant"), s("Tenant"), 201),
            "patch" => (s("UpdateTenant"), s("Tenant"), 200),
            "delete" => (None, None, 204),
            _ if p.ends_with("{slug}") => (None, s("Tenant"), 200),
            _ => (None, s("Page"), 200),
        },
        ("get", "/healthz") | ("get", "/readyz") | ("get", "/api/openapi.json") => {
            (None, s("Object"), 200)
        }
        // Text bodies: `operation` gives them their media types.
        ("get", "/api/docs") | ("get", "/metrics") => (None, None, 200),
        _ => (None, None, 204),
    }
}

fn problem(desc: &str) -> Value {
    json!({"description": desc, "content": {"application/problem+json": {"schema": r("Problem")}}})
}

fn operation(method: &str, path: &str, security: Value, summary: String, tag: &str) -> Value {
    let (req, res, status) = shapes(method, path);
    let mut params = Vec::new();
    for name in path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
    {
        params.push(
            json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}),
        );
    }
    let tail = path.trim_start_matches("/t/{tenant}/api/v1");
    let list_of = (method == "get" && tail.split('/').count() == 2)
        .then(|| by_path(&tail[1..]))
        .flatten();
    if let Some(kind) = list_of {
        let mut sorts = vec!["id", "created_at", "updated_at"];
        sorts.extend(kind.fields.iter().filter(|f| f.sortable).map(|f| f.key));
        let sorts: Vec<String> = sorts
            .iter()
            .flat_map(|k| [(*k).to_owned(), format!("-{k}")])
            .collect();
        for (n, d, schema) in [
            (
                "limit",
                "default 50",
                json!({"type": "integer", "minimum": 1, "maximum": 200}),
            ),
            (
                "cursor",
                "next_cursor of the previous page",
                json!({"type": "string"}),
            ),
            (
                "sort",
                "a field, or -field for descending; not a field hidden from the caller",
                json!({"type": "string", "enum": sorts}),
            ),
            (
                "q",
                "full-text search (word prefixes; the first 200 characters)",
                json!({"type": "string"}),
            ),
            (
                "format",
                "csv for a CSV export",
                json!({"type": "string", "enum": ["json", "csv"]}),
            ),
        ] {
            params.push(json!({"name": n, "in": "query", "required": false, "description": d, "schema": schema}));
        }
    }
    if tail.ends_with("/{id}/files") && method == "post" {
        params.push(json!({"name": "name", "in": "query", "required": true, "description": "the file's name",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f/\\\\]*[^\\s\\u0000-\\u001f\\u007f-\\u009f/\\\\.][^\\u0000-\\u001f\\u007f-\\u009f/\\\\]*$", "description": "no path, no control characters (C0 or C1), not only dots and spaces"}}));
        params.push(json!({"name": "internal", "in": "query", "required": false,
            "description": "tickets only: hidden from portal users (staff default: true until a public reply carries it)",
            "schema": {"type": "boolean"}}));
    }
    if tail == "/files/{id}/content" {
        params.push(json!({"name": "expires", "in": "query", "required": true, "schema": {"type": "integer"}}));
        params.push(json!({"name": "signature", "in": "query", "required": true, "schema": {"type": "string"}}));
    }
    if tail == "/auth/sso/{id}/start" {
        params.push(json!({"name": "return_to", "in": "query", "required": false,
            "description": "a path of this tenant's app to open after signing in; anything else is ignored",
            "schema": {"type": "string"}}));
    }
    if tail == "/auth/sso/callback" {
        for n in ["state", "code", "error"] {
            params.push(
                json!({"name": n, "in": "query", "required": false, "schema": {"type": "string"}}),
            );
        }
    }
    if tail == "/webhooks/{id}/deliveries" {
        params.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}));
        params.push(json!({"name": "cursor", "in": "query", "schema": {"type": "string", "format": "uuid"}}));
    }
    if tail == "/audit/auth-events" {
        params.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}));
        params.push(json!({"name": "cursor", "in": "query", "schema": {"type": "integer"}}));
    }
    if tail == "/audit/events" {
        let uuid = json!({"type": "string", "format": "uuid"});
        let instant = json!({"type": "string", "format": "date-time"});
        for (n, d, schema) in [
            ("actor", "entries by this user or API key", uuid.clone()),
            ("record", "entries about this record", uuid),
            (
                "kind",
                "entries about this kind (contact, ticket, setting, auth, …)",
                json!({"type": "string", "maxLength": 100}),
            ),
            (
                "action",
                "entries of this action (contact.updated, login.success, …)",
                json!({"type": "string", "maxLength": 100}),
            ),
            ("from", "at or after this instant", instant.clone()),
            ("to", "before this instant", instant),
            (
                "limit",
                "default 50",
                json!({"type": "integer", "minimum": 1, "maximum": 200}),
            ),
            (
                "cursor",
                "next_cursor of the previous page (CSV: the X-Next-Cursor header)",
                json!({"type": "integer", "minimum": 1}),
            ),
            (
                "format",
                "csv for a CSV page",
                json!({"type": "string", "enum": ["json", "csv"]}),
            ),
        ] {
            params.push(json!({"name": n, "in": "query", "required": false, "description": d, "schema": schema}));
        }
    }
    if path == "/api/v1/tenants" && method == "get" {
        params.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}));
        params.push(json!({"name": "cursor", "in": "query", "schema": {"type": "string"}}));
    }
    if tail == "/custom-fields" && method == "get" {
        params.push(json!({"name": "kind", "in": "query", "schema": {"type": "string"}}));
    }
    if tail == "/events" {
        params.push(
            json!({"name": "since", "in": "query", "schema": {"type": "integer", "minimum": 0}}),
        );
        params.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}));
    }
    let mut responses = Map::new();
    let ok = match (&res, path) {
        (Some(name), _) => {
            json!({"description": "success", "content": {"application/json": {"schema": r(name)}}})
        }
        (None, "/metrics") => json!({"description": "Prometheus text format",
            "content": {"text/plain": {"schema": {"type": "string"}}}}),
        (None, "/api/docs") => json!({"description": "the document, browsable",
            "content": {"text/html": {"schema": {"type": "string"}}}}),
        (None, _) if tail == "/files/{id}/content" => json!({
            "description": "the file's bytes, as a download",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}),
        (None, _) if tail == "/exports/{id}/archive" => json!({
            "description": "the archive: README.txt, export.json, a CSV per kind",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}),
        (None, _) if status == 302 => json!({
            "description": "a redirect: to the identity provider (start), or to the app's /t/{tenant}/login/sso with `#code=` or `#error=` (callback)",
            "headers": {"Location": {"schema": {"type": "string"}}}}),
        (None, _) => json!({"description": "success, no content"}),
    };
    let mut ok = ok;
    if list_of.is_some() || tail == "/audit/events" {
        ok["content"]["text/csv"] = json!({"schema": {"type": "string"}});
    }
    responses.insert(status.to_string(), ok);
    responses.insert("400".into(), problem("malformed request or JSON"));
    if !security.as_array().is_some_and(|a| a.is_empty()) {
        responses.insert("401".into(), problem("missing or invalid credentials"));
        responses.insert("403".into(), problem("not permitted, or quota_exceeded"));
        responses.insert(
            "429".into(),
            problem("rate_limited for the tenant's plan; see Retry-After"),
        );
    }
    responses.insert(
        "404".into(),
        problem("unknown tenant or record (also: another tenant's)"),
    );
    let has_query = params.iter().any(|p| p["in"] == "query");
    if req.is_some() {
        responses.insert("413".into(), problem("body too large"));
        responses.insert(
            "415".into(),
            problem("body is not of the documented media type"),
        );
    }
    if req.is_some() || has_query {
        responses.insert(
            "422".into(),
            problem("validation failed; `errors` names the fields"),
        );
    }
    if matches!(method, "post" | "put" | "patch" | "delete") && !tail.starts_with("/auth/") {
        responses.insert(
            "409".into(),
            problem("conflicts with the current state (duplicate, still in use, last owner)"),
        );
    }
    if method == "patch" || method == "delete" {
        responses.insert("412".into(), problem("If-Match names an old version"));
    }
    if tail == "/exports/{id}/archive" {
        responses.insert("409".into(), problem("the export is still being built"));
    }
    if tail == "/files/{id}/content" {
        responses.insert(
            "403".into(),
            problem("the link is not valid or has expired"),
        );
    }
    if tail.ends_with("/{id}/files") && method == "post" {
        responses.insert(
            "403".into(),
            problem("not permitted, or quota_exceeded (the plan's storage is used up)"),
        );
        responses.insert(
            "413".into(),
            problem("payload_too_large: over the largest upload"),
        );
        responses.insert("415".into(), problem("unsupported_media_type: a program or script, or content that is not what it claims"));
        responses.insert("422".into(), problem("validation_failed (name, empty file) or upload_infected (the virus scanner found something)"));
        responses.insert(
            "503".into(),
            problem("the virus scanner cannot check uploads right now"),
        );
    }
    if tail.starts_with("/auth/") {
        responses.insert(
            "401".into(),
            problem("invalid_credentials, mfa_required, mfa_invalid or unauthorized"),
        );
    }
    if tail.starts_with("/auth/") && method == "post" {
        responses.insert("429".into(), problem("too many attempts; see Retry-After"));
    }
    if matches!(
        tail,
        "/auth/login" | "/auth/passkey/start" | "/auth/passkey/finish"
    ) {
        responses.insert(
            "403".into(),
            problem("sso_required: this workspace signs in with its identity provider (or passkeys are not configured)"),
        );
    }
    if tail == "/auth/logout" {
        responses.insert("200".into(), json!({"description": "a session from single sign-on: end the provider's session too",
            "content": {"application/json": {"schema": {"type": "object", "properties": {"end_session_url": {"type": "string"}}}}}}));
    }
    if tail == "/auth/sso/{id}/start" {
        responses.insert(
            "503".into(),
            problem("the identity provider cannot be reached"),
        );
    }
    let mut op = json!({
        "operationId": format!("{method}{}", path.replace(['/', '{', '}', '-'], "_")),
        "summary": summary,
        "tags": [tag],
        "parameters": params,
        "responses": responses,
        "security": security,
    });
    if let Some(name) = req {
        let media = match name.as_str() {
            "CsvBody" => "text/csv",
            "RawMessage" => "message/rfc822",
            "FileBody" => "application/octet-stream",
            _ => "application/json",
        };
        op["requestBody"] = json!({"required": true, "content": {media: {"schema": r(&name)}}});
    }
    op
}

/// The WebSocket as far as OpenAPI can describe one: the upgrade request,
/// its parameters, and the refusals that come before the upgrade. The
/// messages over it are in API.md.
fn socket_operation() -> Value {
    json!({
        "operationId": "get_t__tenant__ws",
        "summary": "the live connection (WebSocket upgrade); its messages are in API.md",
        "tags": ["realtime"],
        "parameters": [
            {"name": "tenant", "in": "path", "required": true, "schema": {"type": "string"}},
            {"name": "ticket", "in": "query", "required": false,
             "description": "a one-time ticket from POST /realtime/ticket (browsers cannot send a header); without it, a bearer header",
             "schema": {"type": "string"}},
            {"name": "coalesce", "in": "query", "required": false,
             "description": "wait up to this many milliseconds for more messages and send them as one frame (a JSON array)",
             "schema": {"type": "integer", "minimum": 1, "maximum": 5}},
        ],
        "responses": {
            "101": {"description": "switching protocols: the socket is open"},
            "400": problem("not a WebSocket upgrade"),
            "401": problem("no credentials, or an unknown, used or expired ticket"),
            "403": problem("an origin that may not connect, or an API key with a ticket"),
            "404": problem("unknown tenant"),
            "422": problem("validation failed; `errors` names the parameter"),
            "429": problem("rate_limited for the tenant's plan; see Retry-After"),
        },
        "security": [{"bearerAuth": []}, {"apiKey": []}],
    })
}

/// Routes mounted outside the tenant route table, as (method, path).
pub fn mounted_elsewhere() -> Vec<(&'static str, &'static str)> {
    health::ROUTES
        .iter()
        .chain(control_plane::ROUTES)
        .chain(ROUTES)
        .copied()
        .collect()
}

pub fn build() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    let mut add = |path: &str, method: &str, op: Value| {
        let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        entry[method] = op;
    };
    for (m, p) in health::ROUTES.iter().chain(ROUTES) {
        // The metrics name tenants, so they sit behind the platform token.
        let security = if *p == "/metrics" {
            json!([{"platformToken": []}])
        } else {
            json!([])
        };
        add(
            p,
            m,
            operation(
                m,
                p,
                security,
                format!("{} {p}", m.to_uppercase()),
                "operations",
            ),
        );
    }
    for (m, p) in control_plane::ROUTES {
        add(
            p,
            m,
            operation(
                m,
                p,
                json!([{"platformToken": []}]),
                format!("{} {p}", m.to_uppercase()),
                "control plane",
            ),
        );
    }
    for route in table() {
        if route.path == SOCKET.path {
            add(route.path, route.method, socket_operation());
            continue;
        }
        let (security, summary) = match route.access {
            Access::Public => (json!([]), "public".to_owned()),
            Access::Authenticated => (
                json!([{"bearerAuth": []}, {"apiKey": []}]),
                "any signed-in user".to_owned(),
            ),
            Access::Permission(p) => (
                json!([{"bearerAuth": []}, {"apiKey": []}]),
                format!("requires {p}"),
            ),
        };
        let tail = route.path.trim_start_matches("/t/{tenant}/api/v1/");
        let tag = tail.split('/').next().unwrap_or("tenant");
        add(
            route.path,
            route.method,
            operation(route.method, route.path, security, summary, tag),
        );
    }
    let mut schemas = common_schemas();
    kind_schemas(&mut schemas);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Mandant API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Multi-tenant real-time CRM. Tenant routes live under /t/{tenant}/api/v1; errors are application/problem+json with a stable `code`. Records carry `version`; responses send it as ETag, and writes accept If-Match. Live updates: the WebSocket at /t/{tenant}/ws (bearer header, or ?ticket= from POST /realtime/ticket) with subscribe/unsubscribe/ping messages; see API.md."
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "access token from /auth/login"},
                "apiKey": {"type": "http", "scheme": "bearer", "description": "an API key (mk_…) from /api-keys"},
                "platformToken": {"type": "http", "scheme": "bearer", "description": "the platform operator's token"}
            }
        }
    })
}

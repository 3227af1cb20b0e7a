//! The OpenAPI 3.1 document, generated from the same sources that mount
//! the routes (the tenant route table, the control-plane and health route
//! lists) and from the record kinds' field definitions, so it cannot drift
//! from what is served. `GET /api/openapi.json`, browsable at `/api/docs`.

use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};

use super::tenant_routes::{Access, table};
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

fn field_schema(ty: &FieldType) -> Value {
    match ty {
        FieldType::Text { max } => json!({"type": "string", "maxLength": max}),
        FieldType::LongText { max } => json!({"type": "string", "maxLength": max}),
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
        FieldType::CurrencyCode => json!({"type": "string", "pattern": "^[A-Z]{3}$"}),
        FieldType::Money => {
            json!({"type": "object", "properties": {"amount": {"type": "number"}, "currency": {"type": "string"}}})
        }
        FieldType::Email => json!({"type": "string", "format": "email"}),
        FieldType::Url => json!({"type": "string", "format": "uri"}),
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
            json!({"type": "array", "items": {"type": "string", "maxLength": 50}, "maxItems": 50})
        }
        FieldType::Stages => json!({"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "probability": {"type": "number"},
            "won": {"type": "boolean"}, "lost": {"type": "boolean"}}, "required": ["name"]}}),
        FieldType::SlaTargets => {
            json!({"type": "object", "additionalProperties": {"type": "object", "properties": {
            "first_response_mins": {"type": "integer"}, "next_response_mins": {"type": "integer"},
            "resolution_mins": {"type": "integer"}}}})
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
        let mut props = Map::new();
        for f in &k.fields {
            props.insert(f.key.into(), field_schema(&f.ty));
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
        "email": {"type": "string"}, "password": {"type": "string"}, "totp_code": {"type": "string"}, "recovery_code": {"type": "string"}}}));
    s.insert("RefreshRequest".into(), json!({"type": "object", "required": ["refresh_token"], "properties": {"refresh_token": {"type": "string"}}}));
    s.insert("TokenPair".into(), json!({"type": "object", "properties": {
        "access_token": {"type": "string"}, "refresh_token": {"type": "string"}, "token_type": {"const": "Bearer"}, "expires_in": {"type": "integer"}}}));
    s.insert("Tenant".into(), json!({"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "slug": {"type": "string", "pattern": "^[a-z][a-z0-9-]{1,62}$"},
        "name": {"type": "string"}, "plan": {"type": "string", "enum": ["free", "standard", "professional", "enterprise"]},
        "shard": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}}}));
    s.insert("CreateTenant".into(), json!({"type": "object", "required": ["slug", "name", "admin"], "additionalProperties": false, "properties": {
        "slug": {"type": "string"}, "name": {"type": "string"}, "plan": {"type": "string"}, "shard": {"type": "string"},
        "admin": {"type": "object", "required": ["email", "password"], "properties": {"email": {"type": "string"}, "password": {"type": "string", "minLength": 12}, "name": {"type": "string"}}}}}));
    s.insert("UpdateTenant".into(), json!({"type": "object", "additionalProperties": false, "properties": {"name": {"type": "string"}, "plan": {"type": "string"}}}));
    s.insert("Page".into(), json!({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}, "next_cursor": {"type": ["string", "null"]}}}));
    s.insert("User".into(), json!({"type": "object", "properties": {
        "id": {"type": "string", "format": "uuid"}, "email": {"type": "string"}, "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["staff", "customer", "supplier"]}, "status": {"type": "string", "enum": ["active", "disabled"]},
        "roles": {"type": "array", "items": {"type": "string"}}, "teams": {"type": "array", "items": {"type": "string", "format": "uuid"}}}}));
    s.insert("UserInput".into(), json!({"type": "object", "additionalProperties": false, "properties": {
        "email": {"type": "string"}, "name": {"type": "string"}, "password": {"type": "string", "minLength": 12},
        "kind": {"type": "string"}, "status": {"type": "string"}, "roles": {"type": "array", "items": {"type": "string"}},
        "teams": {"type": "array", "items": {"type": "string", "format": "uuid"}}}}));
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
        "required": {"type": "boolean"}, "retired": {"type": "boolean"}}}));
    s.insert("TicketWorkflow".into(), json!({"type": "object", "required": ["initial", "statuses", "transitions"], "properties": {
        "initial": {"type": "string"}, "statuses": {"type": "array", "items": {"type": "string"}},
        "transitions": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}));
    s.insert("SecuritySettings".into(), json!({"type": "object", "properties": {"mfa_required_roles": {"type": "array", "items": {"type": "string"}}}}));
    s.insert("Comment".into(), json!({"type": "object", "properties": {
        "id": {"type": "string"}, "body": {"type": "string"}, "internal": {"type": "boolean"}, "author_id": {"type": "string"}}}));
    s.insert("CommentInput".into(), json!({"type": "object", "required": ["body"], "additionalProperties": false, "properties": {
        "body": {"type": "string"}, "internal": {"type": "boolean"}}}));
    s.insert("EventPage".into(), json!({"type": "object", "properties": {
        "items": {"type": "array", "items": {"type": "object", "properties": {
            "seq": {"type": "integer"}, "type": {"type": "string"}, "kind": {"type": "string"}, "record_id": {"type": "string"},
            "at": {"type": "string", "format": "date-time"}, "actor": {"type": ["string", "null"]}, "data": {"type": "object"}}}},
        "next_since": {"type": "integer"}, "head": {"type": "integer"}, "complete": {"type": "boolean"}}}));
    s.insert("Me".into(), json!({"type": "object", "properties": {
        "user": {"type": "object"}, "tenant": {"type": "object"}, "roles": {"type": "array", "items": {"type": "string"}},
        "permissions": {"type": "array", "items": {"type": "object"}}, "mfa_enrollment_required": {"type": "boolean"}}}));
    s.insert("EventSettings".into(), json!({"type": "object", "required": ["retention_days"], "properties": {"retention_days": {"type": "integer", "minimum": 1, "maximum": 3650}}}));
    s.insert("CsvBody".into(), json!({"type": "string", "description": "text/csv: a header row of field keys and custom.<key> columns"}));
    s.insert("ImportReport".into(), json!({"type": "object", "properties": {
        "imported": {"type": "integer"}, "skipped": {"type": "integer"}, "error_count": {"type": "integer"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {"line": {"type": "integer"}, "field": {"type": "string"}, "message": {"type": "string"}}}}}}));
    s.insert("Object".into(), json!({"type": "object"}));
    let colors = json!({"type": "object", "additionalProperties": false, "properties": {
        "primary": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}, "accent": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
        "background": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}, "text": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}}});
    let features = json!({"type": "object", "additionalProperties": {"type": "boolean"},
        "description": "crm, sales, support, dashboards: true when on"});
    s.insert("Branding".into(), json!({"type": "object", "properties": {
        "slug": {"type": "string"}, "name": {"type": "string"}, "logo_url": {"type": ["string", "null"]},
        "colors": colors, "locale": {"type": "string", "enum": ["en", "de"]}, "features": features}}));
    s.insert("BrandingSettings".into(), json!({"type": "object", "additionalProperties": false, "properties": {
        "display_name": {"type": "string", "minLength": 1, "maxLength": 100},
        "logo_url": {"type": "string", "description": "https URL or data:image/…;base64 URL (≤ 100 KiB)"},
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
    s.insert("AgentInput".into(), json!({"type": "object", "additionalProperties": false, "properties": {
        "status": {"type": "string", "enum": ["online", "away", "offline"]},
        "capacity": {"type": "integer", "minimum": 0, "maximum": 1000},
        "skills": {"type": "array", "maxItems": 50, "items": {"type": "string", "minLength": 1, "maxLength": 50}}}}));
    s.insert("SupportSettings".into(), json!({"type": "object", "additionalProperties": false, "properties": {
        "portal_queue_id": {"type": ["string", "null"], "format": "uuid", "description": "the queue tickets opened in the portals join"}
    }}));
    s.insert("BusinessCalendar".into(), json!({"type": "object", "required": ["time_zone", "hours"], "additionalProperties": false, "properties": {
        "time_zone": {"type": "string", "description": "IANA time zone, e.g. Europe/Berlin"},
        "hours": {"type": "object", "description": "mon…sun → [[\"HH:MM\", \"HH:MM\"], …]",
                  "additionalProperties": {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"}}}},
        "holidays": {"type": "array", "items": {"type": "string", "format": "date"}}}}));
    s
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
            Some(&"tickets") => return (None, s("QueuedTicketPage"), 200),
            Some(&"claim") | Some(&"offer") => return (None, s("Ticket"), 200),
            _ => {}
        }
        return match (method, seg.len(), seg.get(2)) {
            ("get", 1, _) => (None, Some(format!("{name}Page")), 200),
            ("post", 1, _) => (Some(format!("{name}Input")), Some(name), 201),
            ("get", 3, Some(&"comments")) => (None, s("Page"), 200),
            ("post", 3, Some(&"comments")) => (s("CommentInput"), s("Comment"), 201),
            ("get", _, _) => (None, Some(name), 200),
            ("patch", _, _) => (Some(format!("{name}Input")), Some(name), 200),
            _ => (None, None, 204),
        };
    }
    match (method, tail) {
        (_, "/auth/login") => (s("LoginRequest"), s("TokenPair"), 200),
        (_, "/auth/refresh") => (s("RefreshRequest"), s("TokenPair"), 200),
        (_, "/auth/logout") | (_, "/me/mfa/disable") => (
            if tail.ends_with("disable") {
                s("Object")
            } else {
                None
            },
            None,
            204,
        ),
        ("get", "/me") => (None, s("Me"), 200),
        (_, "/realtime/ticket") => (None, s("Object"), 200),
        (_, "/me/mfa/enroll") => (None, s("Object"), 200),
        (_, "/me/mfa/confirm") => (s("Object"), s("Object"), 200),
        ("get", "/users")
        | ("get", "/teams")
        | ("get", "/roles")
        | ("get", "/api-keys")
        | ("get", "/custom-fields")
        | ("get", "/audit/auth-events") => (None, s("Page"), 200),
        ("post", "/users") => (s("UserInput"), s("User"), 201),
        ("get", "/users/{id}") | ("patch", "/users/{id}") => (
            if method == "patch" {
                s("UserInput")
            } else {
                None
            },
            s("User"),
            200,
        ),
        ("post", "/teams") => (s("Object"), s("Object"), 201),
        ("post", "/roles") => (s("Role"), s("Role"), 201),
        ("get", "/roles/{name}") | ("patch", "/roles/{name}") => (
            if method == "patch" { s("Role") } else { None },
            s("Role"),
            200,
        ),
        ("post", "/api-keys") => (s("Object"), s("ApiKey"), 201),
        ("post", "/custom-fields") => (s("CustomField"), s("CustomField"), 201),
        ("patch", "/custom-fields/{id}") => (s("CustomField"), s("CustomField"), 200),
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
        ("get", "/branding") => (None, s("Branding"), 200),
        ("get", "/settings/branding") => (None, s("BrandingSettings"), 200),
        ("put", "/settings/branding") => (s("BrandingSettings"), s("BrandingSettings"), 200),
        ("get", "/settings/features") => (None, s("Features"), 200),
        ("put", "/settings/features") => (s("Features"), s("Features"), 200),
        ("get", "/agents") => (None, s("Page"), 200),
        ("patch", "/agents/{id}") | ("put", "/me/agent") => (s("AgentInput"), s("Agent"), 200),
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
        ("get", "/api/docs") => (None, None, 200),
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
    if method == "get" && tail.split('/').count() == 2 && by_path(&tail[1..]).is_some() {
        for (n, d) in [
            ("limit", "1-200, default 50"),
            ("cursor", "next_cursor of the previous page"),
            ("sort", "field or -field"),
            ("q", "full-text search (word prefixes)"),
        ] {
            params.push(json!({"name": n, "in": "query", "required": false, "description": d, "schema": {"type": "string"}}));
        }
    }
    if tail == "/audit/auth-events" || path == "/api/v1/tenants" && method == "get" {
        params.push(
            json!({"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 200}}),
        );
        params.push(json!({"name": "cursor", "in": "query", "schema": {"type": "string"}}));
    }
    if tail == "/custom-fields" && method == "get" {
        params.push(json!({"name": "kind", "in": "query", "schema": {"type": "string"}}));
    }
    if tail == "/events" {
        params.push(json!({"name": "since", "in": "query", "schema": {"type": "integer"}}));
        params.push(
            json!({"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 1000}}),
        );
    }
    let mut responses = Map::new();
    let ok = match &res {
        Some(name) => {
            json!({"description": "success", "content": {"application/json": {"schema": r(name)}}})
        }
        None => json!({"description": "success, no content"}),
    };
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
        responses.insert("415".into(), problem("body is not application/json"));
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
    if tail.starts_with("/auth/") {
        responses.insert(
            "401".into(),
            problem("invalid_credentials, mfa_required, mfa_invalid or unauthorized"),
        );
    }
    if tail == "/auth/login" {
        responses.insert("429".into(), problem("too many attempts; see Retry-After"));
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
        op["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": r(&name)}}});
    }
    op
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

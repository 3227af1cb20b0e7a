//! What the service offers (RFC 7644 §4): its configuration, resource
//! types and schemas, exactly as far as the resources go. A directory
//! reads these to learn which attributes Mandant keeps.

use serde_json::{Value, json};

use super::resources::{GROUP_SCHEMA, USER_SCHEMA};

pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/mandant-crm/mandant/blob/main/README.md#provisioning-scim",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": 200},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "The tenant's SCIM token, made by an admin under Admin › Provisioning",
            "primary": true,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
    })
}

fn resource_type(name: &str, endpoint: &str, schema: &str, base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": name,
        "name": name,
        "endpoint": endpoint,
        "description": if name == "User" { "Staff of the tenant" } else { "Teams of the tenant" },
        "schema": schema,
        "schemaExtensions": [],
        "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{name}")},
    })
}

pub fn resource_types(base: &str) -> Vec<Value> {
    vec![
        resource_type("User", "/Users", USER_SCHEMA, base),
        resource_type("Group", "/Groups", GROUP_SCHEMA, base),
    ]
}

fn attr(name: &str, ty: &str, mutability: &str, extra: Value) -> Value {
    let mut a = json!({
        "name": name, "type": ty, "multiValued": false, "description": name,
        "required": false, "caseExact": false, "mutability": mutability,
        "returned": "default", "uniqueness": "none",
    });
    if let (Some(a), Value::Object(e)) = (a.as_object_mut(), extra) {
        a.extend(e);
    }
    a
}

fn user_schema() -> Value {
    let name_parts: Vec<Value> = [
        "formatted",
        "familyName",
        "givenName",
        "middleName",
        "honorificPrefix",
        "honorificSuffix",
    ]
    .iter()
    .map(|n| attr(n, "string", "readWrite", json!({})))
    .collect();
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "A member of the tenant's staff",
        "attributes": [
            attr("userName", "string", "readWrite", json!({"required": true, "uniqueness": "server",
                "description": "Unique; the e-mail address unless emails names one"})),
            attr("name", "complex", "readWrite", json!({"subAttributes": name_parts})),
            attr("displayName", "string", "readWrite", json!({"description": "The name shown in Mandant"})),
            attr("emails", "complex", "readWrite", json!({"multiValued": true, "required": true,
                "description": "The primary (or first) one is the address Mandant signs in and mails to",
                "subAttributes": [
                    attr("value", "string", "readWrite", json!({"required": true})),
                    attr("type", "string", "readWrite", json!({"canonicalValues": ["work", "home", "other"]})),
                    attr("primary", "boolean", "readWrite", json!({})),
                ]})),
            // Every user has a status: the attribute is always there
            // (a new user without it starts active).
            attr("active", "boolean", "readWrite", json!({"required": true,
                "description": "false ends every session at once"})),
            attr("groups", "complex", "readOnly", json!({"multiValued": true,
                "subAttributes": [
                    attr("value", "string", "readOnly", json!({})),
                    attr("$ref", "reference", "readOnly", json!({"referenceTypes": ["Group"]})),
                    attr("display", "string", "readOnly", json!({})),
                ]})),
        ],
        "meta": {"resourceType": "Schema", "location": format!("/Schemas/{USER_SCHEMA}")},
    })
}

fn group_schema() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "A team of the tenant",
        "attributes": [
            attr("displayName", "string", "readWrite", json!({"required": true, "uniqueness": "server"})),
            attr("members", "complex", "readWrite", json!({"multiValued": true,
                "subAttributes": [
                    attr("value", "string", "immutable", json!({})),
                    attr("$ref", "reference", "immutable", json!({"referenceTypes": ["User"]})),
                    attr("type", "string", "immutable", json!({"canonicalValues": ["User"]})),
                ]})),
        ],
        "meta": {"resourceType": "Schema", "location": format!("/Schemas/{GROUP_SCHEMA}")},
    })
}

pub fn schemas(base: &str) -> Vec<Value> {
    let mut out = vec![user_schema(), group_schema()];
    for s in &mut out {
        let id = s["id"].as_str().unwrap_or_default().to_owned();
        s["meta"]["location"] = json!(format!("{base}/Schemas/{id}"));
    }
    out
}

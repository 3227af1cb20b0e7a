//! The OpenAPI document describes exactly the routes that are mounted.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::{Backend, spawn_app};

fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get("$ref") {
                out.push(r.clone());
            }
            o.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[actix_web::test]
async fn the_document_matches_the_mounted_routes() {
    let app = spawn_app(Backend::Sqlite).await;
    app.create_tenant("acme").await;
    let r = app.get("/api/openapi.json").await;
    assert_eq!(r.status, 200);
    let doc = r.body;
    assert_eq!(doc["openapi"], "3.1.0");

    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.clone(), p.clone()))
        })
        .collect();
    let mut mounted: BTreeSet<(String, String)> = mandant::http::tenant_routes::table()
        .into_iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    mounted.extend(
        mandant::http::openapi::mounted_elsewhere()
            .into_iter()
            .map(|(m, p)| (m.to_owned(), p.to_owned())),
    );
    assert_eq!(documented, mounted);

    // Every reference resolves, every operation documents its errors.
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in &all {
        let name = r.strip_prefix("#/components/schemas/").expect(r);
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "dangling {r}"
        );
    }
    for (method, path) in &documented {
        let op = &doc["paths"][path][method];
        assert!(
            op["responses"]["404"]["content"]["application/problem+json"].is_object(),
            "{method} {path}"
        );
        assert!(op["operationId"].is_string());
    }

    // And each documented operation answers an anonymous caller with one of
    // the statuses it documents: the document tells the truth.
    for (method, path) in &documented {
        if path.contains("/tenants") {
            continue; // control plane: covered by its own tests, needs the token
        }
        let concrete = path
            .replace("{tenant}", "acme")
            .replace("{id}", "0190a0a0-0000-7000-8000-000000000000")
            .replace("{name}", "somerole")
            .replace("{slug}", "acme");
        let body =
            matches!(method.as_str(), "post" | "put" | "patch").then(|| serde_json::json!({}));
        let res = app
            .request(
                &method.to_uppercase(),
                &concrete,
                None,
                body.map(|b| ("application/json", b.to_string().into_bytes())),
            )
            .await;
        let status = res.status.as_u16().to_string();
        assert!(
            doc["paths"][path][method]["responses"]
                .get(&status)
                .is_some(),
            "{method} {path} answered {status}, not documented"
        );
    }
    let page = app.request("GET", "/api/docs", None, None).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .as_str()
            .unwrap_or_default()
            .contains("Mandant API")
    );
    app.stop().await;
}

//! OpenTelemetry: `mandant serve` with `OTEL_EXPORTER_OTLP_ENDPOINT` set
//! exports its spans over OTLP/HTTP to a receiver that decodes them with
//! the protocol's own definitions. A write sent with a W3C `traceparent`
//! is one trace: the request (a child of the caller's span), its commit,
//! and the hub's delivery to a live subscriber.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use serde_json::json;

use crate::cli::{mandant, open_tenant, serve};
use crate::helpers::{Backend, Site, tenant_body};
use crate::realtime::{Ws, subscribe};

/// (trace id, span id, parent span id, name), hex.
type Got = Arc<Mutex<Vec<(String, String, String, String)>>>;

async fn traces(body: web::Bytes, got: web::Data<Got>) -> HttpResponse {
    let Ok(req) = ExportTraceServiceRequest::decode(body) else {
        return HttpResponse::BadRequest().finish();
    };
    let mut got = got.lock().unwrap();
    for rs in req.resource_spans {
        for ss in rs.scope_spans {
            for s in ss.spans {
                got.push((
                    hex::encode(s.trace_id),
                    hex::encode(s.span_id),
                    hex::encode(s.parent_span_id),
                    s.name,
                ));
            }
        }
    }
    HttpResponse::Ok()
        .content_type("application/x-protobuf")
        .finish()
}

#[actix_web::test]
async fn a_write_is_one_trace_from_the_callers_span_to_the_delivery() {
    let got: Got = Arc::default();
    let data = web::Data::new(got.clone());
    let collector = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(16 << 20))
            .route("/v1/traces", web::post().to(traces))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = collector.addrs()[0].port();
    let collector = collector.run();
    let handle = collector.handle();
    actix_web::rt::spawn(collector);

    let site = Site::new(Backend::Sqlite).await;
    let mut cmd = mandant(&site);
    cmd.env(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        format!("http://127.0.0.1:{port}"),
    )
    .env("OTEL_BSP_SCHEDULE_DELAY", "100")
    .env("MANDANT_LOG", "info");
    let (_node, base) = serve(cmd).await;
    let http = awc::Client::default();
    let tok = open_tenant(&base, &site, &tenant_body("traced")).await;
    let mut ws = Ws::connect_url(&base, "traced", &tok).await.unwrap();
    subscribe(&mut ws, "contacts", None).await;

    let (trace, caller) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    let mut r = http
        .post(format!("{base}/t/traced/api/v1/contacts"))
        .bearer_auth(&tok)
        .insert_header(("traceparent", format!("00-{trace}-{caller}-01")))
        .send_json(&json!({"last_name": "Traced"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let _ = r.body().await;
    let e = ws.expect().await;
    assert_eq!(e["data"]["last_name"], "Traced");

    // The batch goes out every 100 ms.
    let mut spans = Vec::new();
    for _ in 0..100 {
        spans = got
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.0 == trace)
            .cloned()
            .collect::<Vec<_>>();
        if spans.iter().any(|s| s.3 == "hub.deliver") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let find = |name: &str| {
        spans
            .iter()
            .find(|s| s.3 == name)
            .unwrap_or_else(|| {
                let all = got.lock().unwrap().clone();
                panic!("no {name} span in trace {trace}: {spans:?}; all: {all:?}")
            })
            .clone()
    };
    let request = find("request");
    assert_eq!(
        request.2, caller,
        "the request is a child of the caller's span"
    );
    let commit = find("db.commit");
    let deliver = find("hub.deliver");
    assert_eq!(commit.2, request.1, "the commit is the request's");
    assert_eq!(deliver.2, request.1, "the delivery is the request's");
    // Other requests are traces of their own.
    assert!(
        got.lock()
            .unwrap()
            .iter()
            .any(|s| s.0 != trace && s.3 == "request"),
        "the sign-in is exported too"
    );
    handle.stop(true).await;
}

//! Logging: `tracing` with an env-style filter, as text or JSON lines; and,
//! when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) is set, the
//! same spans exported as OpenTelemetry traces over OTLP/HTTP (protobuf).
//! The standard `OTEL_*` variables configure the exporter and the batch
//! (`OTEL_SERVICE_NAME`, `OTEL_BSP_SCHEDULE_DELAY`, headers, timeout).

use std::sync::OnceLock;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{Config, LogFormat};

static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// Installs the global subscriber; a second call (tests) is a no-op.
pub fn init(config: &Config) {
    let filter = EnvFilter::try_new(&config.log_filter).unwrap_or_else(|e| {
        eprintln!(
            "MANDANT_LOG {:?} is not a valid filter ({e}); using \"info\"",
            config.log_filter
        );
        EnvFilter::new("info")
    });
    let otel = tracer().map(|t| tracing_opentelemetry::layer().with_tracer(t));
    let registry = tracing_subscriber::registry().with(filter).with(otel);
    let _ = match config.log_format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_target(false),
            )
            .try_init(),
        LogFormat::Text => registry
            .with(tracing_subscriber::fmt::layer().with_target(false))
            .try_init(),
    };
}

fn configured() -> bool {
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|k| std::env::var(k).is_ok_and(|v| !v.trim().is_empty()))
}

fn tracer() -> Option<opentelemetry_sdk::trace::Tracer> {
    if !configured() {
        return None;
    }
    // The exporter's HTTP client is our reqwest, whose TLS takes the
    // process's rustls provider (ring, as everywhere in the server).
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
    // Its blocking HTTP client must not be made on an async worker.
    let built = std::thread::spawn(|| {
        opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()
            .map_err(|e| e.to_string())
    })
    .join();
    let exporter = match built {
        Ok(Ok(e)) => e,
        Ok(Err(e)) => {
            eprintln!("OTLP trace exporter not started: {e}");
            return None;
        }
        Err(_) => {
            eprintln!("OTLP trace exporter not started: its set-up panicked");
            return None;
        }
    };
    let mut resource = opentelemetry_sdk::Resource::builder();
    if std::env::var("OTEL_SERVICE_NAME").is_err() {
        resource = resource.with_service_name("mandant");
    }
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource.build())
        .build();
    let tracer = provider.tracer("mandant");
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    let _ = PROVIDER.set(provider);
    Some(tracer)
}

/// Whether traces are exported (a request's `traceparent` is worth reading).
pub fn exporting() -> bool {
    PROVIDER.get().is_some()
}

/// Sends what is batched (at shutdown).
pub fn flush() {
    if let Some(p) = PROVIDER.get() {
        let _ = p.force_flush();
        let _ = p.shutdown();
    }
}

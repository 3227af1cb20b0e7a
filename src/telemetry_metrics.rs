//! Prometheus metrics (`GET /metrics`, platform token). Tenant labels are
//! bounded: the first [`MAX_TENANT_LABELS`] tenants seen get their slug,
//! the rest share `other`, so a platform with many tenants cannot blow up
//! the series count.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const MAX_TENANT_LABELS: usize = 100;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
static LABELLED: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();

/// Installs the process-wide recorder once (tests start many apps in one
/// process; they share it).
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(
            || match histograms(PrometheusBuilder::new()).install_recorder() {
                Ok(h) => Some(h),
                Err(e) => {
                    tracing::warn!(error = %e, "metrics recorder not installed");
                    None
                }
            },
        )
        .clone()
}

/// Latencies as histograms (not summaries), so they add up across
/// nodes: buckets from 1 ms to 10 s.
fn histograms(b: PrometheusBuilder) -> PrometheusBuilder {
    const SECONDS: &[f64] = &[
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ];
    let mut b = b;
    for name in [
        "mandant_http_request_duration_seconds",
        "mandant_delivery_latency_seconds",
    ] {
        b = match b.set_buckets_for_metric(Matcher::Full(name.to_owned()), SECONDS) {
            Ok(next) => next,
            Err(e) => {
                tracing::warn!(error = %e, metric = name, "histogram buckets not set");
                return PrometheusBuilder::new();
            }
        };
    }
    b
}

/// The label value for a tenant: its slug while under the bound.
pub fn tenant_label(slug: &str) -> String {
    let set = LABELLED.get_or_init(|| Mutex::new(HashSet::new()));
    let mut set = set.lock().unwrap_or_else(|e| e.into_inner());
    if set.contains(slug) || (set.len() < MAX_TENANT_LABELS && set.insert(slug.to_owned())) {
        slug.to_owned()
    } else {
        "other".to_owned()
    }
}

pub fn render() -> String {
    install().map(|h| h.render()).unwrap_or_default()
}

//! Prometheus metrics (`GET /metrics`, platform token). Tenant labels are
//! bounded: the first [`MAX_TENANT_LABELS`] tenants seen get their slug,
//! the rest share `other`, so a platform with many tenants cannot blow up
//! the series count.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

pub const MAX_TENANT_LABELS: usize = 100;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
static LABELLED: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();

/// Installs the process-wide recorder once (tests start many apps in one
/// process; they share it).
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(h) => Some(h),
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder not installed");
                None
            }
        })
        .clone()
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

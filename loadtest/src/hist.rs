//! Latency histograms (µs), shipped between processes as (value, count) pairs.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

pub type Hist = Histogram<u64>;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Buckets(pub Vec<(u64, u64)>);

/// 1 µs to one hour, three significant digits.
pub fn new() -> Hist {
    Histogram::new_with_bounds(1, 3_600_000_000, 3)
        .unwrap_or_else(|e| panic!("constant histogram bounds are valid: {e}"))
}

pub fn record(h: &mut Hist, us: u64) {
    h.saturating_record(us.max(1));
}

pub fn buckets(h: &Hist) -> Buckets {
    Buckets(
        h.iter_recorded()
            .map(|v| (v.value_iterated_to(), v.count_at_value()))
            .collect(),
    )
}

pub fn merge(h: &mut Hist, b: &Buckets) {
    for &(v, c) in &b.0 {
        let _ = h.record_n(v.clamp(1, 3_600_000_000), c);
    }
}

pub fn from(bs: &[&Buckets]) -> Hist {
    let mut h = new();
    for b in bs {
        merge(&mut h, b);
    }
    h
}

/// Percentiles in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Pcts {
    pub count: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

pub fn pcts(h: &Hist) -> Pcts {
    if h.is_empty() {
        return Pcts::default();
    }
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    Pcts {
        count: h.len(),
        mean_ms: h.mean() / 1000.0,
        p50_ms: ms(0.5),
        p90_ms: ms(0.9),
        p99_ms: ms(0.99),
        p999_ms: ms(0.999),
        max_ms: h.max() as f64 / 1000.0,
    }
}

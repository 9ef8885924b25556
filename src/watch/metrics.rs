//! A watch's figures for Prometheus, in the OpenMetrics text format, by the `prometheus-client`
//! crate: TTFT, ITL and total time per target as histograms, requests, errors by kind and cost as
//! counters, and the credits the gateway says are left as a gauge.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::Sample;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TargetLabel {
    pub target: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ErrorLabel {
    pub target: String,
    pub kind: String,
}

type Seconds = Family<TargetLabel, Histogram, fn() -> Histogram>;

fn seconds() -> Histogram {
    // 5 ms to about 41 s.
    Histogram::new(exponential_buckets(0.005, 2.0, 14))
}

pub struct Metrics {
    registry: Registry,
    ttft: Seconds,
    itl: Seconds,
    total: Seconds,
    requests: Family<TargetLabel, Counter>,
    errors: Family<ErrorLabel, Counter>,
    cost: Family<TargetLabel, Counter<f64, AtomicU64>>,
    credits: Gauge<f64, AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("gatebench_watch");
        let ttft = Seconds::new_with_constructor(seconds as fn() -> Histogram);
        let itl = Seconds::new_with_constructor(seconds as fn() -> Histogram);
        let total = Seconds::new_with_constructor(seconds as fn() -> Histogram);
        let requests = Family::<TargetLabel, Counter>::default();
        let errors = Family::<ErrorLabel, Counter>::default();
        let cost = Family::<TargetLabel, Counter<f64, AtomicU64>>::default();
        let credits = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "ttft_seconds",
            "Time to first token of watch probes",
            ttft.clone(),
        );
        registry.register(
            "itl_seconds",
            "Inter-token latency of watch probes",
            itl.clone(),
        );
        registry.register("total_seconds", "Total time of watch probes", total.clone());
        registry.register("requests", "Watch probes sent", requests.clone());
        registry.register(
            "errors",
            "Watch probes that failed, by kind",
            errors.clone(),
        );
        registry.register(
            "cost_usd",
            "What watch probes cost, as priced",
            cost.clone(),
        );
        registry.register(
            "credits_left_usd",
            "Credits or budget left, as the gateway reports them",
            credits.clone(),
        );
        Metrics {
            registry,
            ttft,
            itl,
            total,
            requests,
            errors,
            cost,
            credits,
        }
    }

    /// One probe, under its target's label (scrubbed of the key by the caller).
    pub fn observe(&self, s: &Sample) {
        let t = TargetLabel {
            target: s.target.clone(),
        };
        self.requests.get_or_create(&t).inc();
        if !s.ok {
            let kind = s.error_kind.clone().unwrap_or_else(|| "other".into());
            self.errors
                .get_or_create(&ErrorLabel {
                    target: s.target.clone(),
                    kind,
                })
                .inc();
        }
        for (h, ms) in [
            (&self.ttft, s.ttft_ms),
            (&self.itl, s.itl_ms),
            (&self.total, s.total_ms),
        ] {
            if let Some(ms) = ms.filter(|v| v.is_finite() && *v >= 0.0) {
                h.get_or_create(&t).observe(ms / 1000.0);
            }
        }
        if let Some(usd) = s.cost_usd.filter(|v| v.is_finite() && *v >= 0.0) {
            self.cost.get_or_create(&t).inc_by(usd);
        }
    }

    pub fn credits_left(&self, usd: f64) {
        if usd.is_finite() {
            self.credits.set(usd);
        }
    }

    /// The OpenMetrics text of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The content type Prometheus expects for the text above.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_become_histograms_counters_and_the_credits_gauge() {
        let m = Metrics::new();
        let ok = Sample {
            target: "demo/fast-mini".into(),
            ok: true,
            ttft_ms: Some(150.0),
            itl_ms: Some(6.0),
            total_ms: Some(900.0),
            cost_usd: Some(0.002),
            ..Default::default()
        };
        let failed = Sample {
            target: "demo/flaky".into(),
            ok: false,
            error_kind: Some("rate_limited".into()),
            ttft_ms: Some(f64::NAN),
            ..Default::default()
        };
        m.observe(&ok);
        m.observe(&ok);
        m.observe(&failed);
        m.credits_left(19.5);
        let text = m.encode();
        for want in [
            "gatebench_watch_requests_total{target=\"demo/fast-mini\"} 2",
            "gatebench_watch_errors_total{target=\"demo/flaky\",kind=\"rate_limited\"} 1",
            "gatebench_watch_ttft_seconds_count{target=\"demo/fast-mini\"} 2",
            "gatebench_watch_ttft_seconds_sum{target=\"demo/fast-mini\"} 0.3",
            "gatebench_watch_cost_usd_total{target=\"demo/fast-mini\"} 0.004",
            "gatebench_watch_credits_left_usd 19.5",
            "# EOF",
        ] {
            assert!(text.contains(want), "{want} missing from:\n{text}");
        }
        assert!(
            !text.contains("ttft_seconds_count{target=\"demo/flaky\"}"),
            "NaN is not observed"
        );
    }
}

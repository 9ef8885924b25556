//! The figures a benchmark reports per model or route, derived from its `TargetStats` and named
//! once (serde): the same names are JSON fields, CSV columns, `--fail-if` gates and `--compare`
//! rows. Pure.

use std::collections::BTreeMap;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::stats::TargetStats;
use crate::gateway::ErrorKind;
use crate::metrics::ratio;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub target: String,
    pub requests: u64,
    pub succeeded: u64,
    pub error_rate: Option<f64>,
    pub errors: BTreeMap<ErrorKind, u64>,
    pub p50_ttft_ms: Option<f64>,
    pub p95_ttft_ms: Option<f64>,
    pub p99_ttft_ms: Option<f64>,
    pub p50_itl_ms: Option<f64>,
    pub p95_itl_ms: Option<f64>,
    pub p99_itl_ms: Option<f64>,
    pub p50_total_ms: Option<f64>,
    pub p95_total_ms: Option<f64>,
    pub p99_total_ms: Option<f64>,
    pub p50_decode_tps: Option<f64>,
    pub p95_decode_tps: Option<f64>,
    pub p99_decode_tps: Option<f64>,
    pub mean_input_tokens: Option<f64>,
    pub mean_output_tokens: Option<f64>,
    /// Share of counted requests whose tokens are estimates (the server sent no usage).
    pub tokens_estimated: Option<f64>,
    pub cost_per_request_usd: Option<f64>,
    pub cost_per_1k_usd: Option<f64>,
    /// `gateway`, `models`, `config`, or `mixed`; null when nothing was priced.
    pub cost_source: Option<String>,
    /// Share of requests that had a cost.
    pub priced_rate: Option<f64>,
    pub cost_per_day_usd: Option<f64>,
    pub cost_per_30_days_usd: Option<f64>,
    /// All checks but the judge, passed over run.
    pub pass_rate: Option<f64>,
    /// Answers that parse and validate against their line's schema (its `response_format`'s,
    /// else its `json_schema` check), over those checked.
    #[serde(default)]
    pub schema_valid_rate: Option<f64>,
    pub pass_rates: BTreeMap<String, f64>,
    pub judge_mean: Option<f64>,
    pub judge_scored: u64,
    pub judge_cost_usd: Option<f64>,
    /// Share of successful requests that needed a retry or a fallback.
    pub fallback_rate: Option<f64>,
    pub fallback_added_p50_ms: Option<f64>,
    pub fallback_added_p95_ms: Option<f64>,
    pub served_by: BTreeMap<String, u64>,
    /// Share of successful requests on which the gateway reports a fallback of its own.
    pub gateway_fallback_rate: Option<f64>,
    /// The model the gateway says answered (the response's `model` or LiteLLM's headers).
    pub gateway_served: BTreeMap<String, u64>,
    /// The gateway's bill against tokens x price, in percent, over the answers that had both;
    /// `bill_differs` when they are more than 1% apart.
    #[serde(default)]
    pub gateway_vs_computed_pct: Option<f64>,
    #[serde(default)]
    pub bill_differs: bool,
    /// Successful answers served from the gateway's cache, and whether they count in the
    /// latency figures (by default they do not).
    #[serde(default)]
    pub cached: u64,
    /// Goodput (`--slo`): the share of requests that succeeded within every objective, and
    /// those requests a second and their output tokens a second over the run.
    #[serde(default)]
    pub goodput_rate: Option<f64>,
    #[serde(default)]
    pub goodput_rps: Option<f64>,
    #[serde(default)]
    pub goodput_tok_s: Option<f64>,
    #[serde(default)]
    pub cached_in_latency: bool,
    /// Prompt tokens the server read from its prefix cache, over prompt tokens (null when the
    /// server counted none itself).
    #[serde(default)]
    pub cache_hit_rate: Option<f64>,
    /// Multi-turn conversations: the figures per turn index.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_turn: Vec<super::turns::TurnResult>,
}

fn q_ms(h: &crate::metrics::hist::Hist, q: f64) -> Option<f64> {
    h.quantile(q).map(|v| v as f64 / 1000.0)
}

fn q_tps(h: &crate::metrics::hist::Hist, q: f64) -> Option<f64> {
    h.quantile(q).map(|v| v as f64 / 100.0)
}

/// The figures of one target. `per_day`: requests a day, for the projected bill.
pub fn results(s: &TargetStats, per_day: Option<u64>) -> Results {
    let per_request = (s.priced > 0).then(|| s.cost_usd / s.priced as f64);
    let source = match s.cost_sources.len() {
        0 => None,
        1 => s.cost_sources.keys().next().map(|k| k.label().to_string()),
        _ => Some("mixed".into()),
    };
    let (passed, total) = s
        .checks
        .values()
        .fold((0, 0), |(p, t), x| (p + x.passed, t + x.total));
    let day = per_request.zip(per_day).map(|(c, n)| c * n as f64);
    Results {
        target: s.target.clone(),
        requests: s.requests,
        succeeded: s.succeeded,
        error_rate: ratio(s.requests - s.succeeded, s.requests),
        errors: s.errors.clone(),
        p50_ttft_ms: q_ms(&s.ttft_us, 0.50),
        p95_ttft_ms: q_ms(&s.ttft_us, 0.95),
        p99_ttft_ms: q_ms(&s.ttft_us, 0.99),
        p50_itl_ms: q_ms(&s.itl_us, 0.50),
        p95_itl_ms: q_ms(&s.itl_us, 0.95),
        p99_itl_ms: q_ms(&s.itl_us, 0.99),
        p50_total_ms: q_ms(&s.total_us, 0.50),
        p95_total_ms: q_ms(&s.total_us, 0.95),
        p99_total_ms: q_ms(&s.total_us, 0.99),
        p50_decode_tps: q_tps(&s.decode_tps_x100, 0.50),
        p95_decode_tps: q_tps(&s.decode_tps_x100, 0.95),
        p99_decode_tps: q_tps(&s.decode_tps_x100, 0.99),
        mean_input_tokens: ratio(s.input_tokens, s.counted),
        mean_output_tokens: ratio(s.output_tokens, s.counted),
        tokens_estimated: ratio(s.estimated, s.counted),
        cost_per_request_usd: per_request,
        cost_per_1k_usd: per_request.map(|c| c * 1000.0),
        cost_source: source,
        priced_rate: ratio(s.priced, s.requests),
        cost_per_day_usd: day,
        cost_per_30_days_usd: day.map(|d| d * 30.0),
        pass_rate: ratio(passed, total),
        schema_valid_rate: s
            .checks
            .get(&super::checks::CheckKind::JsonSchema)
            .and_then(|t| ratio(t.passed, t.total)),
        pass_rates: s
            .checks
            .iter()
            .filter_map(|(k, t)| Some((k.name().to_string(), ratio(t.passed, t.total)?)))
            .collect(),
        judge_mean: ratio(s.judge.score_sum, s.judge.scored),
        judge_scored: s.judge.scored,
        judge_cost_usd: (s.judge.scored + s.judge.unscored > 0).then_some(s.judge.cost_usd),
        fallback_rate: ratio(s.fallback_requests, s.succeeded),
        fallback_added_p50_ms: q_ms(&s.fallback_added_us, 0.50),
        fallback_added_p95_ms: q_ms(&s.fallback_added_us, 0.95),
        served_by: s.served_by.clone(),
        gateway_fallback_rate: ratio(s.gateway_fallbacks, s.succeeded),
        gateway_served: s.gateway_served.clone(),
        gateway_vs_computed_pct: s.bill.diff_pct(),
        bill_differs: s.bill.differs(),
        cached: s.cached,
        goodput_rate: s.slo.and_then(|_| ratio(s.slo_met, s.requests)),
        // A second's worth needs the run's length: the summary sets these.
        goodput_rps: None,
        goodput_tok_s: None,
        cached_in_latency: s.cached_in_latency,
        cache_hit_rate: (s.counted > s.estimated)
            .then(|| ratio(s.cached_input_tokens, s.input_tokens))
            .flatten(),
        by_turn: super::turns::results(&s.by_turn),
    }
}

/// A value's fields in their declared order (serde_json's maps sort their keys).
struct Ordered(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some(e) = m.next_entry()? {
                    out.push(e);
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// The numeric figures of `r` in declared order, by their JSON names (null ones included).
pub fn numbers(r: &Results) -> Vec<(String, Option<f64>)> {
    let text = serde_json::to_string(r).unwrap_or_default();
    let Ok(Ordered(fields)) = serde_json::from_str(&text) else {
        return Vec::new();
    };
    fields
        .into_iter()
        .filter(|(_, v)| v.is_number() || v.is_null())
        .filter(|(k, _)| k != "cost_source")
        .map(|(k, v)| (k, v.as_f64()))
        .collect()
}

/// Every name a gate or a comparison may use.
pub fn metric_names() -> Vec<String> {
    numbers(&Results::default())
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

pub fn number(r: &Results, name: &str) -> Option<f64> {
    numbers(r).into_iter().find(|(k, _)| k == name)?.1
}

#[cfg(test)]
#[path = "report_tests.rs"]
pub(crate) mod tests;

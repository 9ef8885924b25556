//! The JSON record of one answer. Its field names are a public interface (`ask --json`, exports):
//! add fields, never rename them.

use serde::Serialize;

use crate::gateway::collect::ToolCall;
use crate::gateway::wire::{ModelInfo, Prices};
use crate::metrics::{self, CostSource};
use crate::run::Outcome;

#[derive(Debug, Clone, Serialize)]
pub struct AnswerRecord {
    pub model: String,
    pub text: String,
    pub reasoning: String,
    pub ttft_ms: Option<f64>,
    pub ttfr_ms: Option<f64>,
    pub total_ms: Option<f64>,
    pub itl_ms: Option<f64>,
    pub input_tokens: Option<u64>,
    pub cached_input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub reasoning_tokens: Option<u64>,
    /// End to end: output tokens / total time.
    pub tokens_per_s: Option<f64>,
    pub decode_tokens_per_s: Option<f64>,
    pub cost_usd: Option<f64>,
    pub cost_source: Option<CostSource>,
    /// True when any token figure rests on an estimate rather than the server's usage.
    pub estimated: bool,
    pub finish_reason: Option<String>,
    pub served_model: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    pub error: Option<String>,
    pub error_kind: Option<&'static str>,
}

/// LiteLLM's cost header on non-streaming responses.
pub fn header_cost(h: &reqwest::header::HeaderMap) -> Option<f64> {
    h.get("x-litellm-response-cost")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The gateway's own cost for a response: `usage.cost`, else LiteLLM's header.
pub fn gateway_cost(o: &Outcome) -> Option<f64> {
    o.collector
        .usage
        .and_then(|u| u.cost_usd)
        .or_else(|| o.headers.as_ref().and_then(header_cost))
}

impl AnswerRecord {
    pub fn from_outcome(o: &Outcome, models: &[ModelInfo], config_prices: Option<&Prices>) -> Self {
        let c = &o.collector;
        let f = c.figures();
        let n = c.output_tokens();
        let listed = models.iter().find(|m| m.id == o.model).map(|m| &m.prices);
        let cost = metrics::cost::resolve(c.usage.as_ref(), gateway_cost(o), listed, config_prices);
        Self {
            model: o.model.clone(),
            text: c.text.clone(),
            reasoning: c.reasoning.clone(),
            ttft_ms: f.ttft_ms,
            ttfr_ms: f.ttfr_ms,
            total_ms: f.total_ms,
            itl_ms: f.itl_ms,
            input_tokens: c.usage.map(|u| u.input_tokens),
            cached_input_tokens: c.usage.map(|u| u.cached_input_tokens),
            output_tokens: n.map(|n| n.value()),
            reasoning_tokens: c.usage.map(|u| u.reasoning_tokens),
            tokens_per_s: f.e2e_tps,
            decode_tokens_per_s: f.decode_tps,
            cost_usd: cost.map(|c| c.usd),
            cost_source: cost.map(|c| c.source),
            estimated: f.estimated,
            finish_reason: c.finish_reason.clone(),
            served_model: c.served_model.clone(),
            tool_calls: c.tool_calls.clone(),
            error: o.error.as_ref().map(ToString::to_string),
            error_kind: o.error.as_ref().map(|e| e.kind()),
        }
    }
}

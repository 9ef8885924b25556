//! The JSON record of one answer. Its field names are a public interface (`ask --json`, exports):
//! add fields, never rename them.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Hop, Outcome, RouteOutcome, ToolCall};
use crate::gateway::said::Said;
use crate::gateway::wire::{FinishReason, ModelInfo, Prices, Usage};
use crate::gateway::{ErrorKind, GatewayError};
use crate::metrics::{self, CostSource};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerRecord {
    pub model: String,
    pub text: String,
    pub reasoning: String,
    /// From the first attempt's send to the first answer token: what the user waited, fallbacks
    /// and backoff included.
    #[serde(serialize_with = "super::round::round_ms")]
    pub ttft_ms: Option<f64>,
    #[serde(serialize_with = "super::round::round_ms")]
    pub ttfr_ms: Option<f64>,
    /// From the first attempt's send to the end.
    #[serde(serialize_with = "super::round::round_ms")]
    pub total_ms: Option<f64>,
    /// The answering attempt's own figures, from its own send (equal to the above without fallback).
    #[serde(serialize_with = "super::round::round_ms")]
    pub served_ttft_ms: Option<f64>,
    #[serde(serialize_with = "super::round::round_ms")]
    pub served_total_ms: Option<f64>,
    #[serde(serialize_with = "super::round::round_ms")]
    pub itl_ms: Option<f64>,
    pub input_tokens: Option<u64>,
    pub cached_input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub reasoning_tokens: Option<u64>,
    /// End to end: output tokens / total time.
    #[serde(serialize_with = "super::round::round_rate")]
    pub tokens_per_s: Option<f64>,
    #[serde(serialize_with = "super::round::round_rate")]
    pub decode_tokens_per_s: Option<f64>,
    #[serde(serialize_with = "super::round::round_usd")]
    pub cost_usd: Option<f64>,
    pub cost_source: Option<CostSource>,
    /// The gateway's own bill for this answer (`usage.cost`, `x-litellm-response-cost`), and
    /// tokens x price as gatebench computes it: both, whichever `cost_usd` is.
    #[serde(default, serialize_with = "super::round::round_usd")]
    pub cost_gateway_usd: Option<f64>,
    #[serde(default, serialize_with = "super::round::round_usd")]
    pub cost_computed_usd: Option<f64>,
    /// Time the gateway says it added itself (`x-litellm-overhead-duration-ms`).
    #[serde(default, serialize_with = "super::round::round_ms")]
    pub gateway_overhead_ms: Option<f64>,
    /// What the key has spent in all, as the gateway says with this answer (`x-litellm-key-spend`).
    #[serde(default, serialize_with = "super::round::round_usd")]
    pub key_spend_usd: Option<f64>,
    /// True when any token figure rests on an estimate rather than the server's usage.
    pub estimated: bool,
    pub finish_reason: Option<FinishReason>,
    /// What the gateway says answered: the response's `model`, else LiteLLM's model headers.
    pub served_model: Option<String>,
    /// The route asked through, when one was.
    pub route: Option<String>,
    /// The route's rule that picked the first model (`[[routes.NAME.rules]]`), when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Every attempt gatebench made, in order, the answering one last.
    pub hops: Vec<Hop>,
    /// Fallbacks the gateway itself reports (`x-litellm-attempted-fallbacks`); null when it reports none.
    pub gateway_fallbacks: Option<u32>,
    /// Which target of the gateway's own config answered (Portkey: `config.targets[1]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_target: Option<String>,
    /// Retries the gateway made itself on the answering target (Portkey).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_retries: Option<u32>,
    /// The gateway's cache verdict (Portkey's `x-portkey-cache-status`: `HIT`, `MISS`, ...); see
    /// `cached()`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_cache: Option<String>,
    /// The provider the gateway says served it (OpenRouter's `/generation` `provider_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_provider: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    /// An agent run's requests, one per step, when tools were answered (`--tools`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<super::steps::AgentStep>,
    /// Why an agent run ended; null for a single answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<super::steps::Stopped>,
    /// Rate-limit headroom from `x-ratelimit-*` headers, when the gateway sends them.
    pub rate_limit: Option<crate::gateway::ratelimit::RateLimit>,
    /// OpenRouter's `X-Generation-Id`, for its `/generation` stats.
    pub generation_id: Option<String>,
    /// The server's own timing report when it sends one (llama-server's `timings`).
    pub server_timings: Option<serde_json::Value>,
    #[serde(serialize_with = "display", deserialize_with = "from_display")]
    pub error: Option<GatewayError>,
    pub error_kind: Option<ErrorKind>,
    /// The model of the attempt that answered (or failed last): the one whose prices apply.
    #[serde(skip)]
    pub hop_model: String,
    /// The gaps between chunks; with the fields above they make `figures()`.
    #[serde(skip)]
    pub gaps: metrics::Gaps,
}

/// An error read back from its text (history): its kind is kept beside it in `error_kind`.
fn from_display<'de, D: Deserializer<'de>>(d: D) -> Result<Option<GatewayError>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(GatewayError::Other))
}

fn display<S: Serializer>(e: &Option<GatewayError>, s: S) -> Result<S::Ok, S::Error> {
    match e {
        Some(e) => s.collect_str(e),
        None => s.serialize_none(),
    }
}

/// Prices per model: those `/v1/models` lists, and those the config sets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceBook {
    pub listed: BTreeMap<String, Prices>,
    pub configured: BTreeMap<String, Prices>,
}

impl PriceBook {
    pub fn new(models: &[ModelInfo], configured: &BTreeMap<String, Prices>) -> Self {
        Self {
            listed: models
                .iter()
                .filter(|m| m.prices.is_known())
                .map(|m| (m.id.clone(), m.prices))
                .collect(),
            configured: configured.clone(),
        }
    }

    /// The prices that apply to `model`: listed first, then configured.
    pub fn get(&self, model: &str) -> Option<Prices> {
        self.listed
            .get(model)
            .or_else(|| self.configured.get(model))
            .copied()
    }
}

/// The gateway's own cost for a response: `usage.cost`, else LiteLLM's header.
fn gateway_cost(o: &Outcome, said: &Said) -> Option<f64> {
    o.collector
        .usage
        .and_then(|u| u.cost_usd)
        .filter(|v| v.is_finite() && *v >= 0.0)
        .or(said.cost_usd)
}

/// The one place an answer is settled: usage (reported or estimated), cost and its source, what
/// served it and every hop. `named`: the request went through a named route, so `model` is the
/// route's name and `route` is set.
pub fn settle(r: &RouteOutcome, named: bool, prices: &PriceBook) -> AnswerRecord {
    let o = &r.last;
    let mut rec = from_attempt(o, prices);
    if !r.hops.is_empty() {
        // Earlier attempts and their backoff are time the user waited too.
        rec.add_wait(r.added_latency_ms());
    }
    rec.hops = r.hops.clone();
    if r.succeeded() {
        rec.hops.push(Hop {
            model: o.model.clone(),
            attempt: r.hops.iter().filter(|h| h.model == o.model).count() as u32,
            error: None,
            brief: None,
            failure: None,
            ms: rec.total_ms.unwrap_or(0.0),
            backoff_ms: None,
            failed_after_content: false,
        });
    }
    rec.rule = r.rule.clone();
    if named {
        rec.route = Some(r.route.clone());
        // Under a route, `model` is the route's name; the hop that answered is in `hops`.
        rec.model = r.route.clone();
    }
    rec
}

fn from_attempt(o: &Outcome, prices: &PriceBook) -> AnswerRecord {
    let c = &o.collector;
    let f = c.figures();
    let counted = c.usage_or_estimate(&o.prompt);
    let usage = counted.map(|(u, _)| u);
    let estimated = f.estimated || counted.is_some_and(|(_, est)| est);
    let (listed, configured) = (prices.listed.get(&o.model), prices.configured.get(&o.model));
    let said = o.headers.as_ref().map(Said::read).unwrap_or_default();
    let cost = metrics::cost::resolve(usage.as_ref(), gateway_cost(o, &said), listed, configured);
    let computed = usage
        .as_ref()
        .and_then(|u| metrics::cost::computed(u, listed, configured));
    AnswerRecord {
        model: o.model.clone(),
        text: c.text.clone(),
        reasoning: c.reasoning.clone(),
        ttft_ms: f.ttft_ms,
        ttfr_ms: f.ttfr_ms,
        total_ms: f.total_ms,
        served_ttft_ms: f.ttft_ms,
        served_total_ms: f.total_ms,
        itl_ms: f.itl_ms,
        input_tokens: usage.map(|u| u.input_tokens),
        cached_input_tokens: usage.map(|u| u.cached_input_tokens),
        output_tokens: usage.map(|u| u.output_tokens),
        reasoning_tokens: usage.map(|u| u.reasoning_tokens),
        tokens_per_s: f.e2e_tps,
        decode_tokens_per_s: f.decode_tps,
        cost_usd: cost.map(|c| c.usd),
        cost_source: cost.map(|c| c.source),
        cost_gateway_usd: gateway_cost(o, &said),
        cost_computed_usd: computed.map(|c| c.usd),
        gateway_overhead_ms: said.overhead_ms,
        key_spend_usd: said.key_spend_usd,
        estimated,
        finish_reason: c.finish_reason.clone(),
        served_model: c.served_model.clone().or(said.served_model),
        route: None,
        rule: None,
        hops: Vec::new(),
        gateway_fallbacks: said.fallbacks,
        gateway_target: said.target,
        gateway_retries: said.retries,
        gateway_cache: said.cache,
        gateway_provider: None,
        tool_calls: c.tool_calls.clone(),
        steps: Vec::new(),
        stopped: None,
        rate_limit: o
            .headers
            .as_ref()
            .and_then(crate::gateway::ratelimit::RateLimit::from_headers),
        generation_id: o
            .headers
            .as_ref()
            .and_then(|h| crate::gateway::said::text(h, "x-generation-id")),
        server_timings: c.llama_timings.clone(),
        error_kind: o.error.as_ref().map(GatewayError::kind),
        error: o.error.clone(),
        hop_model: o.model.clone(),
        gaps: f.gaps(),
    }
}

impl AnswerRecord {
    /// True when the gateway says it answered from its own cache: such an answer's timings say
    /// nothing about the model.
    pub fn cached(&self) -> bool {
        self.gateway_cache
            .as_deref()
            .is_some_and(crate::gateway::said::is_cache_hit)
    }

    /// Count `ms` spent before the answering attempt into every figure measured from the send.
    fn add_wait(&mut self, ms: f64) {
        let shift = |v: &mut Option<f64>| *v = v.map(|x| x + ms);
        shift(&mut self.ttft_ms);
        shift(&mut self.ttfr_ms);
        shift(&mut self.total_ms);
        // End-to-end speed is tokens over what the user waited.
        let e2e = self
            .output_tokens
            .zip(self.total_ms)
            .filter(|(_, t)| *t > 0.0)
            .map(|(n, t)| n as f64 / (t / 1000.0));
        self.tokens_per_s = e2e;
    }

    /// Every timing figure, for session statistics and the history: the record's own fields and
    /// its chunk gaps, so there is one copy of each.
    pub fn figures(&self) -> metrics::Figures {
        let Self {
            ttft_ms,
            ttfr_ms,
            total_ms,
            itl_ms,
            tokens_per_s,
            decode_tokens_per_s,
            estimated,
            gaps,
            ..
        } = self;
        metrics::Figures {
            ttft_ms: *ttft_ms,
            ttfr_ms: *ttfr_ms,
            total_ms: *total_ms,
            itl_ms: *itl_ms,
            decode_tps: *decode_tokens_per_s,
            e2e_tps: *tokens_per_s,
            gap_p50_ms: gaps.p50_ms,
            gap_p95_ms: gaps.p95_ms,
            gap_max_ms: gaps.max_ms,
            estimated: *estimated,
        }
    }

    /// The token counts this record was priced on.
    pub fn usage(&self) -> Option<Usage> {
        Some(Usage {
            input_tokens: self.input_tokens?,
            cached_input_tokens: self.cached_input_tokens.unwrap_or(0),
            output_tokens: self.output_tokens?,
            reasoning_tokens: self.reasoning_tokens.unwrap_or(0),
            cost_usd: None,
        })
    }

    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }

    /// Remove `key` (and any `Bearer` token) from every text of the record. Every field is named,
    /// so a new one is a compile error here until it is scrubbed or said to hold no text.
    pub fn scrub(&mut self, key: Option<&crate::secret::Secret>) {
        let c = crate::secret::Scrubber(key);
        let AnswerRecord {
            model,
            text,
            reasoning,
            ttft_ms: _,
            ttfr_ms: _,
            total_ms: _,
            served_ttft_ms: _,
            served_total_ms: _,
            itl_ms: _,
            input_tokens: _,
            cached_input_tokens: _,
            output_tokens: _,
            reasoning_tokens: _,
            tokens_per_s: _,
            decode_tokens_per_s: _,
            cost_usd: _,
            cost_source: _,
            cost_gateway_usd: _,
            cost_computed_usd: _,
            gateway_overhead_ms: _,
            key_spend_usd: _,
            estimated: _,
            finish_reason,
            served_model,
            route,
            rule,
            hops,
            gateway_fallbacks: _,
            gateway_target,
            gateway_retries: _,
            gateway_cache,
            gateway_provider,
            tool_calls,
            steps,
            stopped: _,
            rate_limit: _,
            generation_id,
            server_timings,
            error,
            error_kind: _,
            hop_model,
            gaps: _,
        } = self;
        for s in [model, text, reasoning, hop_model] {
            c.text(s);
        }
        for s in [
            served_model,
            route,
            rule,
            generation_id,
            gateway_target,
            gateway_cache,
            gateway_provider,
        ] {
            c.opt(s);
        }
        if let Some(FinishReason::Other(s)) = finish_reason {
            c.text(s);
        }
        if let Some(v) = server_timings {
            c.json(v);
        }
        *error = error.take().map(|e| e.scrub(key));
        hops.iter_mut().for_each(|h| h.scrub(c));
        tool_calls.iter_mut().for_each(|t| t.scrub(c));
        steps.iter_mut().for_each(|s| s.scrub(c));
    }
}

#[cfg(test)]
#[path = "record_tests.rs"]
mod tests;

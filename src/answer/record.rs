//! The JSON record of one answer. Its field names are a public interface (`ask --json`, exports):
//! add fields, never rename them.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use super::{Hop, Outcome, RouteOutcome, ToolCall};
use crate::gateway::wire::{FinishReason, ModelInfo, Prices, Usage};
use crate::gateway::{ErrorKind, GatewayError};
use crate::metrics::{self, CostSource};

#[derive(Debug, Clone, Serialize)]
pub struct AnswerRecord {
    pub model: String,
    pub text: String,
    pub reasoning: String,
    /// From the first attempt's send to the first answer token: what the user waited, fallbacks
    /// and backoff included.
    #[serde(serialize_with = "round_ms")]
    pub ttft_ms: Option<f64>,
    #[serde(serialize_with = "round_ms")]
    pub ttfr_ms: Option<f64>,
    /// From the first attempt's send to the end.
    #[serde(serialize_with = "round_ms")]
    pub total_ms: Option<f64>,
    /// The answering attempt's own figures, from its own send (equal to the above without fallback).
    #[serde(serialize_with = "round_ms")]
    pub served_ttft_ms: Option<f64>,
    #[serde(serialize_with = "round_ms")]
    pub served_total_ms: Option<f64>,
    #[serde(serialize_with = "round_ms")]
    pub itl_ms: Option<f64>,
    pub input_tokens: Option<u64>,
    pub cached_input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub reasoning_tokens: Option<u64>,
    /// End to end: output tokens / total time.
    #[serde(serialize_with = "round_rate")]
    pub tokens_per_s: Option<f64>,
    #[serde(serialize_with = "round_rate")]
    pub decode_tokens_per_s: Option<f64>,
    #[serde(serialize_with = "round_usd")]
    pub cost_usd: Option<f64>,
    pub cost_source: Option<CostSource>,
    /// True when any token figure rests on an estimate rather than the server's usage.
    pub estimated: bool,
    pub finish_reason: Option<FinishReason>,
    /// What the gateway says answered: the response's `model`, else LiteLLM's model headers.
    pub served_model: Option<String>,
    /// The route asked through, when one was.
    pub route: Option<String>,
    /// Every attempt gatebench made, in order, the answering one last.
    pub hops: Vec<Hop>,
    /// Fallbacks the gateway itself reports (`x-litellm-attempted-fallbacks`); null when it reports none.
    pub gateway_fallbacks: Option<u32>,
    pub tool_calls: Vec<ToolCall>,
    /// Rate-limit headroom from `x-ratelimit-*` headers, when the gateway sends them.
    pub rate_limit: Option<crate::gateway::ratelimit::RateLimit>,
    /// OpenRouter's `X-Generation-Id`, for its `/generation` stats.
    pub generation_id: Option<String>,
    /// The server's own timing report when it sends one (llama-server's `timings`).
    pub server_timings: Option<serde_json::Value>,
    #[serde(serialize_with = "display")]
    pub error: Option<GatewayError>,
    pub error_kind: Option<ErrorKind>,
    /// The model of the attempt that answered (or failed last): the one whose prices apply.
    #[serde(skip)]
    pub hop_model: String,
    /// Every timing figure, for session statistics.
    #[serde(skip)]
    pub figures: metrics::Figures,
}

/// JSON numbers people read: milliseconds to the microsecond, rates to 0.01, USD to 1e-9.
fn rounded<S: Serializer>(v: &Option<f64>, s: S, scale: f64) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) if x.is_finite() => s.serialize_f64((x * scale).round() / scale),
        _ => s.serialize_none(),
    }
}

pub(crate) fn round_ms<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    rounded(v, s, 1e3)
}

fn round_rate<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    rounded(v, s, 1e2)
}

fn round_usd<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    rounded(v, s, 1e9)
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

/// LiteLLM's cost header on non-streaming responses.
pub fn header_cost(h: &reqwest::header::HeaderMap) -> Option<f64> {
    h.get("x-litellm-response-cost")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn header<'a>(h: Option<&'a reqwest::header::HeaderMap>, name: &str) -> Option<&'a str> {
    h?.get(name)?
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The gateway's own cost for a response: `usage.cost`, else LiteLLM's header.
pub fn gateway_cost(o: &Outcome) -> Option<f64> {
    o.collector
        .usage
        .and_then(|u| u.cost_usd)
        .or_else(|| o.headers.as_ref().and_then(header_cost))
}

/// The one place an answer is settled: usage (reported or estimated), cost and its source, what
/// served it and every hop. `named`: the request went through a named route, so `model` is the
/// route's name and `route` is set.
pub fn settle(r: &RouteOutcome, named: bool, prices: &PriceBook) -> AnswerRecord {
    let o = &r.last;
    let mut rec = from_attempt(o, prices);
    if !r.hops.is_empty() {
        // Earlier attempts and their backoff are time the user waited too.
        let waited = o.collector.sent_at().saturating_duration_since(r.started);
        rec.add_wait(waited.as_secs_f64() * 1000.0);
    }
    rec.hops = r.hops.clone();
    if r.succeeded() {
        rec.hops.push(Hop {
            model: o.model.clone(),
            attempt: r.hops.iter().filter(|h| h.model == o.model).count() as u32,
            error: None,
            failure: None,
            ms: rec.total_ms.unwrap_or(0.0),
            backoff_ms: None,
            failed_after_content: false,
        });
    }
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
    let cost = metrics::cost::resolve(
        usage.as_ref(),
        gateway_cost(o),
        prices.listed.get(&o.model),
        prices.configured.get(&o.model),
    );
    let headers = o.headers.as_ref();
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
        estimated,
        finish_reason: c.finish_reason.clone(),
        served_model: c.served_model.clone().or_else(|| {
            header(headers, "x-litellm-model-group")
                .or(header(headers, "x-litellm-model-id"))
                .map(str::to_string)
        }),
        route: None,
        hops: Vec::new(),
        gateway_fallbacks: header(headers, "x-litellm-attempted-fallbacks")
            .and_then(|v| v.parse().ok()),
        tool_calls: c.tool_calls.clone(),
        rate_limit: headers.and_then(crate::gateway::ratelimit::RateLimit::from_headers),
        generation_id: header(headers, "x-generation-id").map(str::to_string),
        server_timings: c.llama_timings.clone(),
        error_kind: o.error.as_ref().map(GatewayError::kind),
        error: o.error.clone(),
        hop_model: o.model.clone(),
        figures: f,
    }
}

impl AnswerRecord {
    /// Count `ms` spent before the answering attempt into every figure measured from the send.
    fn add_wait(&mut self, ms: f64) {
        let shift = |v: &mut Option<f64>| *v = v.map(|x| x + ms);
        shift(&mut self.ttft_ms);
        shift(&mut self.ttfr_ms);
        shift(&mut self.total_ms);
        shift(&mut self.figures.ttft_ms);
        shift(&mut self.figures.ttfr_ms);
        shift(&mut self.figures.total_ms);
        // End-to-end speed is tokens over what the user waited.
        let e2e = self
            .output_tokens
            .zip(self.total_ms)
            .filter(|(_, t)| *t > 0.0)
            .map(|(n, t)| n as f64 / (t / 1000.0));
        self.tokens_per_s = e2e;
        self.figures.e2e_tps = e2e;
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
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::answer::Collector;
    use crate::gateway::wire::{Chunk, Message};

    fn rec(o: Outcome, listed: &[ModelInfo], config: Option<&Prices>) -> AnswerRecord {
        let configured = config
            .map(|p| [("m".to_string(), *p)].into())
            .unwrap_or_default();
        settle(
            &RouteOutcome::single(o),
            false,
            &PriceBook::new(listed, &configured),
        )
    }

    fn outcome(usage: Option<Usage>, header: Option<&str>) -> Outcome {
        let t0 = Instant::now();
        let mut c = Collector::new(t0);
        c.push(
            t0,
            Chunk {
                content: Some("hello world".into()),
                ..Default::default()
            },
        );
        c.push(
            t0,
            Chunk {
                usage,
                finish_reason: Some(FinishReason::Stop),
                ..Default::default()
            },
        );
        c.finish(t0);
        let headers = header.map(|h| {
            let mut m = reqwest::header::HeaderMap::new();
            m.insert("x-litellm-response-cost", h.parse().unwrap());
            m
        });
        Outcome {
            model: "m".into(),
            prompt: vec![Message::user("say hello world")],
            collector: c,
            headers,
            error: None,
        }
    }

    fn listed() -> Vec<ModelInfo> {
        vec![ModelInfo {
            id: "m".into(),
            prices: Prices {
                input: Some(1.0),
                output: Some(2.0),
                ..Default::default()
            },
            ..Default::default()
        }]
    }

    #[test]
    fn each_cost_source() {
        let u = Usage {
            input_tokens: 1_000_000,
            output_tokens: 1_000_000,
            ..Default::default()
        };
        let gw = Usage {
            cost_usd: Some(0.5),
            ..u
        };
        let r = rec(outcome(Some(gw), None), &listed(), None);
        assert_eq!(
            (r.cost_usd, r.cost_source),
            (Some(0.5), Some(CostSource::Gateway))
        );
        let r = rec(outcome(Some(u), Some("0.25")), &listed(), None);
        assert_eq!(
            (r.cost_usd, r.cost_source),
            (Some(0.25), Some(CostSource::Gateway))
        );
        let r = rec(outcome(Some(u), None), &listed(), None);
        assert_eq!(
            (r.cost_usd, r.cost_source),
            (Some(3.0), Some(CostSource::Models))
        );
        let cfg = Prices {
            input: Some(10.0),
            output: Some(10.0),
            ..Default::default()
        };
        let r = rec(outcome(Some(u), None), &[], Some(&cfg));
        assert_eq!(
            (r.cost_usd, r.cost_source),
            (Some(20.0), Some(CostSource::Config))
        );
        let r = rec(outcome(Some(u), None), &[], None);
        assert_eq!((r.cost_usd, r.cost_source), (None, None));
        assert!(!r.estimated);
    }

    #[test]
    fn estimate_path_is_marked() {
        let r = rec(outcome(None, None), &listed(), None);
        assert!(r.estimated);
        assert_eq!(r.output_tokens, Some(2));
        assert_eq!(
            r.input_tokens,
            Some(crate::metrics::estimate_prompt_tokens(&[Message::user(
                "say hello world"
            )]))
        );
        assert_eq!(r.cost_source, Some(CostSource::Models));
    }

    #[test]
    fn prices_listed_first_then_configured() {
        let cfg = Prices {
            input: Some(9.0),
            output: Some(9.0),
            ..Default::default()
        };
        let book = PriceBook::new(
            &listed(),
            &[("m".to_string(), cfg), ("c".to_string(), cfg)].into(),
        );
        assert_eq!(book.get("m").unwrap().input, Some(1.0));
        assert_eq!(book.get("c").unwrap().input, Some(9.0));
        assert_eq!(book.get("nope"), None);
        // A listed model without prices does not hide the configured ones.
        let unpriced = vec![ModelInfo {
            id: "c".into(),
            ..Default::default()
        }];
        assert_eq!(
            PriceBook::new(&unpriced, &[("c".to_string(), cfg)].into()).get("c"),
            Some(cfg)
        );
    }

    #[test]
    fn gateway_headers_and_routes_settle_into_the_record() {
        let mut o = outcome(None, None);
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("x-litellm-model-group", "backup-model".parse().unwrap());
        h.insert("x-litellm-attempted-fallbacks", "2".parse().unwrap());
        h.insert("x-generation-id", "gen-1".parse().unwrap());
        h.insert("x-litellm-model-id", " ".parse().unwrap());
        o.headers = Some(h);
        let first = Hop {
            model: "m".into(),
            attempt: 0,
            error: Some("boom".into()),
            failure: Some(ErrorKind::ServerError),
            ms: 5.0,
            backoff_ms: Some(10.0),
            failed_after_content: false,
        };
        let other = Hop {
            model: "x".into(),
            ..first.clone()
        };
        let t0 = o.collector.sent_at();
        let r = RouteOutcome {
            route: "r".into(),
            hops: vec![first, other],
            last: o,
            started: t0,
            ended: t0,
        };
        let rec = settle(&r, true, &PriceBook::new(&listed(), &BTreeMap::new()));
        assert_eq!(rec.model, "r");
        assert_eq!(rec.route.as_deref(), Some("r"));
        assert_eq!(rec.hop_model, "m");
        assert_eq!(rec.served_model.as_deref(), Some("backup-model"));
        assert_eq!(rec.gateway_fallbacks, Some(2));
        assert_eq!(rec.generation_id.as_deref(), Some("gen-1"));
        assert_eq!(rec.hops.len(), 3);
        // The answering hop counts the earlier attempts on the same model.
        assert_eq!(rec.hops[2].attempt, 1);
        assert!(rec.hops[2].error.is_none());
        assert!(rec.succeeded());
        let u = rec.usage().unwrap();
        assert_eq!(u.output_tokens, rec.output_tokens.unwrap());
        assert_eq!(u.input_tokens, rec.input_tokens.unwrap());
        // Unnamed: the model is the hop's own.
        let plain = settle(&r, false, &PriceBook::default());
        assert_eq!(plain.model, "m");
        assert_eq!(plain.route, None);
        assert_eq!(plain.cost_usd, None);
    }

    #[test]
    fn failed_answers_and_missing_counts() {
        let mut o = outcome(None, None);
        o.error = Some(GatewayError::Cancelled);
        o.collector = Collector::new(o.collector.sent_at());
        let rec = settle(&RouteOutcome::single(o), false, &PriceBook::default());
        assert!(!rec.succeeded());
        assert_eq!(rec.error_kind, Some(ErrorKind::Cancelled));
        assert_eq!(rec.usage(), None);
        assert!(!rec.estimated);
        assert_eq!(
            rec.hops.len(),
            0,
            "a failed single attempt adds no answering hop"
        );
        let json = serde_json::to_value(&rec).unwrap();
        assert_eq!(json["ttft_ms"], serde_json::Value::Null);
        let mut r2 = rec.clone();
        r2.total_ms = Some(1641.3350799999998);
        r2.cost_usd = Some(0.000_123_456_789_9);
        r2.tokens_per_s = Some(161.234_567);
        let j = serde_json::to_string(&r2).unwrap();
        assert!(j.contains("\"total_ms\":1641.335,"), "{j}");
        assert!(j.contains("\"cost_usd\":0.000123457,"), "{j}");
        assert!(j.contains("\"tokens_per_s\":161.23,"), "{j}");
        assert_eq!(json["error"], "cancelled");
        assert_eq!(json["error_kind"], "cancelled");
        assert!(json.get("hop_model").is_none() && json.get("figures").is_none());
    }
}

//! The simulated models: each has its own latency profile, prices and context length, so that
//! side-by-side comparisons on the demo gateway look like real ones.

use serde::{Deserialize, Serialize};

use crate::rng::SplitMix64;

/// Fault injection for one model. Rates are probabilities per request, drawn from the gateway's
/// seed and the model's request counter, so a run repeats exactly for a seed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultSpec {
    pub rate_429: f64,
    pub retry_after_s: f64,
    pub rate_500: f64,
    pub rate_503: f64,
    /// Cut the connection after `cut_after_tokens` tokens.
    pub rate_cut: f64,
    pub cut_after_tokens: usize,
    /// Wait this long before sending the first byte (on every request).
    pub stall_first_ms: u64,
    /// Stop sending for this long after `stall_after_tokens` tokens (0 = never).
    pub stall_mid_ms: u64,
    pub stall_after_tokens: usize,
    /// Slow drip: multiply the time between tokens by this (1 = normal).
    pub drip_factor: f64,
    /// Answer refused by the content filter (`finish_reason: "content_filter"`, no text).
    pub rate_filter: f64,
    /// Drift: from the model's `drift_after`-th request on, the first token takes `drift_factor`
    /// times as long (0 = never), so `gatebench watch` has something to catch offline.
    pub drift_after: u64,
    pub drift_factor: f64,
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    None,
    Status(u16, Option<f64>),
    Cut(usize),
    /// Abort the connection after N tokens (the chunked body never ends properly).
    Drop(usize),
    /// Stop sending forever after N tokens (until the client gives up).
    Hang(usize),
    /// Stop sending before the first byte, forever.
    HangFirst,
    /// An `error` object mid-stream after N tokens, as OpenAI and OpenRouter send them.
    ErrorMidStream(usize),
    /// A chunk that is not JSON after N tokens.
    Malformed(usize),
    /// The provider's content filter refuses: no text, `finish_reason: "content_filter"`.
    Filter,
}

impl FaultSpec {
    pub fn draw(&self, rng: &mut SplitMix64) -> Fault {
        let x = rng.next_f64();
        let mut edge = 0.0;
        let retry = (self.retry_after_s > 0.0).then_some(self.retry_after_s);
        for (rate, fault) in [
            (self.rate_429, Fault::Status(429, retry)),
            (self.rate_500, Fault::Status(500, None)),
            (self.rate_503, Fault::Status(503, retry)),
            (self.rate_cut, Fault::Cut(self.cut_after_tokens)),
            (self.rate_filter, Fault::Filter),
        ] {
            edge += rate.max(0.0);
            if x < edge {
                return fault;
            }
        }
        Fault::None
    }
}

/// Parse the `x-demo-fault` request header (for tests and for trying error handling by hand):
/// `429`, `500`, `503`, `cut`, `drop`, `hang`, `hang-first`, `error`, `malformed`; `cut`, `drop`, `hang`,
/// `error` and `malformed` take an optional `:N` token count.
pub fn parse_fault(s: &str, retry_after_s: Option<f64>) -> Option<Fault> {
    let (kind, n) = match s.split_once(':') {
        Some((k, n)) => (k, n.trim().parse().ok()?),
        None => (s, 10),
    };
    Some(match kind.trim() {
        "429" => Fault::Status(429, retry_after_s.or(Some(1.0))),
        "500" => Fault::Status(500, None),
        "502" => Fault::Status(502, None),
        "503" => Fault::Status(503, retry_after_s),
        "cut" => Fault::Cut(n),
        "drop" => Fault::Drop(n),
        "hang" => Fault::Hang(n),
        "hang-first" => Fault::HangFirst,
        "error" => Fault::ErrorMidStream(n),
        "malformed" => Fault::Malformed(n),
        "filter" => Fault::Filter,
        _ => return None,
    })
}

/// `MODEL:key=value,key=value` with the keys of `FaultSpec` (as in the config's
/// `[demo.faults."MODEL"]`), e.g. `demo/pro-large:rate_429=0.3,retry_after_s=2`.
pub fn parse_fault_spec(spec: &str) -> Result<(String, FaultSpec), String> {
    let (model, rest) = spec
        .rsplit_once(':')
        .filter(|(m, _)| !m.trim().is_empty())
        .ok_or_else(|| format!("fault spec {spec:?}: expected MODEL:key=value,..."))?;
    let table: String = rest
        .split(',')
        .filter(|kv| !kv.trim().is_empty())
        .map(|kv| format!("{}\n", kv.trim()))
        .collect();
    let f: FaultSpec =
        toml::from_str(&table).map_err(|e| format!("fault spec {spec:?}: {}", e.message()))?;
    Ok((model.trim().to_string(), f))
}

#[derive(Debug, Clone)]
pub struct SimModel {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub ttft_ms: f64,
    pub tokens_per_s: f64,
    /// Relative jitter (0.2 = +-20%) on every delay.
    pub jitter: f64,
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
    pub cached_input_per_mtok: Option<f64>,
    pub context_length: u64,
    /// Prefill: milliseconds added to the first token per 1,000 input tokens.
    pub prefill_ms_per_ktok: f64,
    /// Up to how many input tokens the model still finds a fact in its prompt (the needle of
    /// `gatebench ladder`); beyond that it answers without it.
    pub recall_tokens: u64,
    /// Typical answer length in tokens (before `max_tokens`).
    pub answer_tokens: usize,
    /// Reasoning tokens streamed before the answer (0 = not a reasoning model).
    pub reasoning_tokens: usize,
    pub faults: FaultSpec,
    /// Ways this model differs on purpose, so `gatebench probe` finds something offline.
    pub quirks: Quirks,
}

/// How a simulated model departs from the protocol or its features, on purpose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quirks {
    /// Ignores `tools` (as a local model whose chat template drops them), though the listing
    /// claims it supports them (`demo/local-free`).
    pub no_tools: bool,
    /// Never sends a usage chunk in a stream, asked or not (`demo/long-context`).
    pub no_stream_usage: bool,
    /// About one json_schema answer in ten does not validate: the 1st, 11th, 21st...
    /// (`demo/fast-mini`).
    pub json_breaks: bool,
    /// Sends its finish_reason twice (`demo/flaky`).
    pub repeat_finish: bool,
    /// Refuses parameters outside OpenAI's own, as OpenAI does: `min_tokens`, `ignore_eos`
    /// (`demo/pro-large`).
    pub strict_params: bool,
    /// Takes `min_tokens` and `ignore_eos` without complaint and ends where it likes
    /// (`demo/long-context`).
    pub ignores_length: bool,
}

impl Quirks {
    pub const NONE: Quirks = Quirks {
        no_tools: false,
        no_stream_usage: false,
        json_breaks: false,
        repeat_finish: false,
        strict_params: false,
        ignores_length: false,
    };
}

/// Each simulated model's typical output in tokens (its answer and reasoning), for a spend
/// estimate's likely case before the history has seen it answer.
pub fn typical_output() -> std::collections::BTreeMap<String, u64> {
    catalogue()
        .iter()
        .map(|m| {
            (
                m.id.to_string(),
                (m.answer_tokens + m.reasoning_tokens) as u64,
            )
        })
        .collect()
}

pub fn catalogue() -> Vec<SimModel> {
    vec![
        SimModel {
            id: "demo/fast-mini",
            quirks: Quirks {
                json_breaks: true,
                ..Quirks::NONE
            },
            name: "Fast Mini (simulated)",
            description: "Small and quick: low latency, cheap, short answers.",
            ttft_ms: 150.0,
            tokens_per_s: 160.0,
            jitter: 0.25,
            input_per_mtok: 0.15,
            output_per_mtok: 0.60,
            cached_input_per_mtok: Some(0.075),
            context_length: 128_000,
            prefill_ms_per_ktok: 4.0,
            recall_tokens: 16_000,
            answer_tokens: 220,
            reasoning_tokens: 0,
            faults: FaultSpec::default(),
        },
        SimModel {
            id: "demo/pro-large",
            quirks: Quirks {
                strict_params: true,
                ..Quirks::NONE
            },
            name: "Pro Large (simulated)",
            description: "Large flagship: slower first token, steady stream, premium price.",
            ttft_ms: 550.0,
            tokens_per_s: 70.0,
            jitter: 0.2,
            input_per_mtok: 2.50,
            output_per_mtok: 10.00,
            cached_input_per_mtok: Some(1.25),
            context_length: 200_000,
            prefill_ms_per_ktok: 9.0,
            recall_tokens: 200_000,
            answer_tokens: 360,
            reasoning_tokens: 0,
            faults: FaultSpec::default(),
        },
        SimModel {
            id: "demo/reasoner",
            quirks: Quirks::NONE,
            name: "Reasoner (simulated)",
            description: "Thinks first: streams reasoning_content, then the answer.",
            ttft_ms: 300.0,
            tokens_per_s: 90.0,
            jitter: 0.2,
            input_per_mtok: 1.10,
            output_per_mtok: 4.40,
            cached_input_per_mtok: Some(0.55),
            context_length: 128_000,
            prefill_ms_per_ktok: 6.0,
            recall_tokens: 64_000,
            answer_tokens: 260,
            reasoning_tokens: 120,
            faults: FaultSpec::default(),
        },
        SimModel {
            id: "demo/long-context",
            quirks: Quirks {
                no_stream_usage: true,
                ignores_length: true,
                ..Quirks::NONE
            },
            name: "Long Context (simulated)",
            description: "1M-token window, slow prefill, mid-range price.",
            ttft_ms: 900.0,
            tokens_per_s: 55.0,
            jitter: 0.3,
            input_per_mtok: 1.25,
            output_per_mtok: 5.00,
            cached_input_per_mtok: Some(0.3125),
            context_length: 1_000_000,
            prefill_ms_per_ktok: 2.5,
            recall_tokens: 1_000_000,
            answer_tokens: 300,
            reasoning_tokens: 0,
            faults: FaultSpec::default(),
        },
        SimModel {
            id: "demo/local-free",
            quirks: Quirks {
                no_tools: true,
                ..Quirks::NONE
            },
            name: "Local Free (simulated)",
            description: "Like a local llama.cpp server: instant, free, small context.",
            ttft_ms: 40.0,
            tokens_per_s: 240.0,
            jitter: 0.1,
            input_per_mtok: 0.0,
            output_per_mtok: 0.0,
            cached_input_per_mtok: None,
            context_length: 8_192,
            prefill_ms_per_ktok: 30.0,
            recall_tokens: 8_192,
            answer_tokens: 180,
            reasoning_tokens: 0,
            faults: FaultSpec::default(),
        },
        SimModel {
            id: "demo/flaky",
            quirks: Quirks {
                repeat_finish: true,
                ..Quirks::NONE
            },
            name: "Flaky (simulated)",
            description: "Fails part of the time: 429 with Retry-After, 503, streams cut mid-way.",
            ttft_ms: 250.0,
            tokens_per_s: 100.0,
            jitter: 0.5,
            input_per_mtok: 0.50,
            output_per_mtok: 1.50,
            cached_input_per_mtok: None,
            context_length: 32_000,
            prefill_ms_per_ktok: 5.0,
            recall_tokens: 32_000,
            answer_tokens: 200,
            reasoning_tokens: 0,
            faults: FaultSpec {
                rate_429: 0.2,
                retry_after_s: 1.0,
                rate_503: 0.1,
                rate_cut: 0.15,
                cut_after_tokens: 25,
                drift_after: 10,
                drift_factor: 6.0,
                ..Default::default()
            },
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_draws_follow_rates_and_repeat_for_a_seed() {
        let spec = catalogue()
            .into_iter()
            .find(|m| m.id == "demo/flaky")
            .unwrap()
            .faults;
        let draw = |seed| {
            let mut rng = SplitMix64::new(seed);
            (0..1000).map(|_| spec.draw(&mut rng)).collect::<Vec<_>>()
        };
        let a = draw(1);
        assert_eq!(a, draw(1));
        let n429 = a
            .iter()
            .filter(|f| matches!(f, Fault::Status(429, _)))
            .count();
        let ok = a.iter().filter(|f| **f == Fault::None).count();
        assert!((150..250).contains(&n429), "{n429}");
        assert!((480..620).contains(&ok), "{ok}");
    }

    #[test]
    fn fault_specs() {
        let (m, f) =
            parse_fault_spec("demo/pro-large:rate_429=0.3, retry_after_s=2,cut_after_tokens=5")
                .unwrap();
        assert_eq!(m, "demo/pro-large");
        assert_eq!(f.rate_429, 0.3);
        assert_eq!(f.retry_after_s, 2.0);
        assert_eq!(f.cut_after_tokens, 5);
        assert!(
            parse_fault_spec("demo/x:rate_42=1")
                .unwrap_err()
                .contains("rate_42")
        );
        assert!(parse_fault_spec("nomodel").is_err());
    }

    #[test]
    fn fault_header() {
        assert_eq!(
            parse_fault("429", None),
            Some(Fault::Status(429, Some(1.0)))
        );
        assert_eq!(parse_fault("cut:3", None), Some(Fault::Cut(3)));
        assert_eq!(parse_fault("nope", None), None);
        assert_eq!(parse_fault("cut:x", None), None);
    }
}

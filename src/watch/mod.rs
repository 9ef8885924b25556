//! `gatebench watch`: the routes kept under test after the first sitting. A probe is one small
//! streamed request; its figures are a `Sample`, kept in the history. `drift` compares a target's
//! recent samples with its baseline against `Thresholds`; `alert` turns that into alerts, rate
//! limited per target, with one recovery. Pure: the command does the asking and the timing.

pub mod alert;
pub mod drift;
pub mod metrics;
pub mod report;

use serde::{Deserialize, Serialize};

use crate::answer::AnswerRecord;

/// One probe's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub at_ms: i64,
    pub target: String,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<String>,
    pub ttft_ms: Option<f64>,
    pub itl_ms: Option<f64>,
    pub total_ms: Option<f64>,
    pub tokens_per_s: Option<f64>,
    pub output_tokens: Option<u64>,
    pub cost_usd: Option<f64>,
    /// The model that answered (a route's hop, or what the gateway says served it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served_by: Option<String>,
}

impl Sample {
    pub fn of(target: &str, at_ms: i64, r: &AnswerRecord) -> Sample {
        Sample {
            at_ms,
            target: target.to_string(),
            ok: r.succeeded(),
            error_kind: r.error_kind.map(|k| k.name().to_string()),
            ttft_ms: r.ttft_ms,
            itl_ms: r.itl_ms,
            total_ms: r.total_ms,
            tokens_per_s: r.tokens_per_s,
            output_tokens: r.output_tokens,
            cost_usd: r.cost_usd,
            served_by: r.succeeded().then(|| {
                r.served_model
                    .clone()
                    .filter(|_| r.route.is_none())
                    .unwrap_or_else(|| r.hop_model.clone())
            }),
        }
    }

    /// A benchmark's figures for a target, as one sample a baseline can hold (`bench --out`):
    /// its median TTFT, its end-to-end speed, its cost per 1k output tokens, who served it most.
    pub fn from_bench(r: &crate::bench::report::Results) -> Sample {
        let tok_s = r
            .mean_output_tokens
            .zip(r.p50_total_ms)
            .filter(|(_, t)| *t > 0.0)
            .map(|(n, t)| n / (t / 1000.0));
        Sample {
            target: r.target.clone(),
            ok: true,
            ttft_ms: r.p50_ttft_ms,
            itl_ms: r.p50_itl_ms,
            total_ms: r.p50_total_ms,
            tokens_per_s: tok_s,
            output_tokens: r.cost_per_1k_usd.map(|_| 1000),
            cost_usd: r.cost_per_1k_usd,
            served_by: r
                .served_by
                .iter()
                .max_by_key(|(_, n)| **n)
                .map(|(m, _)| m.clone()),
            ..Default::default()
        }
    }

    /// USD per 1,000 output tokens, where both are known.
    pub fn cost_per_1k(&self) -> Option<f64> {
        let (c, n) = (self.cost_usd?, self.output_tokens?);
        (n > 0).then(|| c * 1000.0 / n as f64)
    }
}

/// What counts as drift, each over the last `window` probes of a target.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    pub p95_ttft_ms: Option<f64>,
    pub error_rate: Option<f64>,
    pub tok_s_drop_pct: Option<f64>,
    pub cost_per_1k_rise_pct: Option<f64>,
    /// Alert when the model that serves a target is not the one its baseline saw.
    pub served_by_changed: bool,
    pub window: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            p95_ttft_ms: None,
            error_rate: Some(0.5),
            tok_s_drop_pct: None,
            cost_per_1k_rise_pct: None,
            served_by_changed: true,
            window: 10,
        }
    }
}

/// The names a threshold list takes.
pub const NAMES: [&str; 6] = [
    "p95_ttft_ms",
    "error_rate",
    "tok_s_drop_pct",
    "cost_per_1k_rise_pct",
    "served_by_changed",
    "window",
];

impl Thresholds {
    /// `p95_ttft_ms=2000,error_rate=0.2,served_by_changed=false,window=20` over `self`.
    pub fn parse_over(mut self, spec: &str) -> Result<Thresholds, String> {
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').unwrap_or((part, "true"));
            let (name, value) = (name.trim(), value.trim());
            let number = || -> Result<f64, String> {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .ok_or_else(|| {
                        format!("threshold {name}: {value:?} is not a number of 0 or more")
                    })
            };
            match name {
                "p95_ttft_ms" => self.p95_ttft_ms = Some(number()?),
                "error_rate" => {
                    let r = number()?;
                    if r > 1.0 {
                        return Err(format!(
                            "threshold error_rate: {value} is more than 1 (a share)"
                        ));
                    }
                    self.error_rate = Some(r);
                }
                "tok_s_drop_pct" => self.tok_s_drop_pct = Some(number()?),
                "cost_per_1k_rise_pct" => self.cost_per_1k_rise_pct = Some(number()?),
                "served_by_changed" => {
                    self.served_by_changed = value.parse().map_err(|_| {
                        format!("threshold served_by_changed: {value:?} is not true or false")
                    })?
                }
                "window" => {
                    let n = number()?;
                    if !(1.0..=10_000.0).contains(&n) {
                        return Err(format!(
                            "threshold window: {value} probes is not between 1 and 10000"
                        ));
                    }
                    self.window = n as usize;
                }
                _ => {
                    return Err(format!(
                        "unknown threshold {name:?}; known: {}",
                        NAMES.join(", ")
                    ));
                }
            }
        }
        Ok(self)
    }
}

/// A target's state, as the alerts and the report say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Ok,
    /// A latency, speed, cost or served-by threshold is crossed.
    Drifting,
    /// The error rate is crossed.
    Failing,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Drifting => "drifting",
            State::Failing => "failing",
        }
    }
}

/// A threshold crossed: what, by how much, and against what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crossed {
    pub threshold: String,
    pub value: f64,
    pub limit: f64,
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_parse_over_the_defaults_and_bad_ones_are_said() {
        let t = Thresholds::default()
            .parse_over("p95_ttft_ms=2000, error_rate=0.2,served_by_changed=false,window=20")
            .unwrap();
        assert_eq!(t.p95_ttft_ms, Some(2000.0));
        assert_eq!(t.error_rate, Some(0.2));
        assert!(!t.served_by_changed);
        assert_eq!(t.window, 20);
        let on = Thresholds::default()
            .parse_over("served_by_changed")
            .unwrap();
        assert!(on.served_by_changed);
        for (bad, says) in [
            ("p95_ttft=1", "unknown threshold \"p95_ttft\""),
            ("p95_ttft_ms=fast", "not a number"),
            ("tok_s_drop_pct=-3", "not a number"),
            ("window=0", "between 1 and 10000"),
            ("error_rate=5", "more than 1"),
            ("served_by_changed=maybe", "not true or false"),
        ] {
            let e = Thresholds::default().parse_over(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}

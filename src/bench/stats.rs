//! What a benchmark keeps per model or route: counts, sums and HDR histograms, never the requests
//! themselves, so memory stays flat however long the run. Serialisable and exactly mergeable
//! (`bench merge` of shards gives the figures of one run). Pure.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::checks::{CheckKind, Verdict};
use crate::answer::AnswerRecord;
use crate::gateway::ErrorKind;
use crate::metrics::CostSource;
use crate::metrics::hist::Hist;

/// How many failed checks are kept, with their line and the answer's start, per target.
pub const KEEP_FAILED: usize = 50;
/// How much of an answer a failed check shows.
pub const ANSWER_START: usize = 120;

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub passed: u64,
    pub total: u64,
}

/// The judge's own spend and its scores, kept apart from the candidate's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JudgeStats {
    pub scored: u64,
    pub score_sum: u64,
    /// Judge calls that failed or whose reply had no score.
    pub unscored: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
}

/// A failed check, to list after the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedCheck {
    pub line: usize,
    pub check: String,
    pub why: String,
    pub answer_start: String,
    /// How many times this line failed this check the same way.
    #[serde(default = "one")]
    pub times: u64,
}

fn one() -> u64 {
    1
}

/// The judge's verdict on one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeVerdict {
    pub score: Option<u8>,
    pub reason: String,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cost_usd: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TargetStats {
    /// The model, or the route's name.
    pub target: String,
    /// The route's models in order; empty for a model asked directly.
    #[serde(default)]
    pub chain: Vec<String>,
    pub requests: u64,
    pub succeeded: u64,
    /// Final failures by kind.
    pub errors: BTreeMap<ErrorKind, u64>,
    pub ttft_us: Hist,
    pub itl_us: Hist,
    pub total_us: Hist,
    /// Decode tokens per second x100.
    pub decode_tps_x100: Hist,
    /// Requests whose tokens were counted, and the sums.
    pub counted: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Of the counted, those whose counts are estimates (the server sent no usage).
    pub estimated: u64,
    /// Prompt tokens the server says it read from its prefix cache
    /// (`usage.prompt_tokens_details.cached_tokens` and the like).
    #[serde(default)]
    pub cached_input_tokens: u64,
    /// Multi-turn conversations: figures per turn index.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_turn: Vec<super::turns::TurnStats>,
    pub priced: u64,
    pub cost_usd: f64,
    pub cost_sources: BTreeMap<CostSource, u64>,
    /// Which model served each successful request.
    pub served_by: BTreeMap<String, u64>,
    /// Requests that succeeded only after a retry or a fallback, and what that added.
    pub fallback_requests: u64,
    pub fallback_added_us: Hist,
    /// Successful requests on which the gateway itself reports a fallback
    /// (`x-litellm-attempted-fallbacks`), and the model it says answered.
    #[serde(default)]
    pub gateway_fallbacks: u64,
    #[serde(default)]
    pub gateway_served: BTreeMap<String, u64>,
    /// Successful answers the gateway served from its own cache (`x-portkey-cache-status: HIT`).
    #[serde(default)]
    pub cached: u64,
    /// Whether cached answers count in the latency histograms (`--cached-in-latency`); by
    /// default they are kept out, since their timings are the cache's, not the model's.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cached_in_latency: bool,
    /// The objectives of `--slo`, and the requests that met them and their output tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<super::slo::Slo>,
    #[serde(default)]
    pub slo_met: u64,
    #[serde(default)]
    pub slo_met_output_tokens: u64,
    pub checks: BTreeMap<CheckKind, Tally>,
    /// Per routing rule of the route (`(no rule)` for the rest); empty without rules.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<String, super::rules::RuleTally>,
    pub judge: JudgeStats,
    pub failed_checks: Vec<FailedCheck>,
    /// The gateway's bill beside tokens x price, over the requests that had both.
    #[serde(default)]
    pub bill: crate::metrics::cost::Bill,
}

fn us(ms: Option<f64>) -> Option<f64> {
    ms.map(|v| v * 1000.0)
}

/// The start of an answer, on one line.
pub fn answer_start(text: &str) -> String {
    let mut s: String = text
        .chars()
        .take(ANSWER_START)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(ANSWER_START).is_some() {
        s.push('…');
    }
    s
}

impl Tally {
    pub fn merge(&mut self, o: &Tally) {
        let Tally { passed, total } = o;
        self.passed += passed;
        self.total += total;
    }
}

impl JudgeStats {
    pub fn merge(&mut self, o: &JudgeStats) {
        let JudgeStats {
            scored,
            score_sum,
            unscored,
            input_tokens,
            output_tokens,
            cost_usd,
        } = o;
        self.scored += scored;
        self.score_sum += score_sum;
        self.unscored += unscored;
        self.input_tokens += input_tokens;
        self.output_tokens += output_tokens;
        self.cost_usd += cost_usd;
    }
}

impl TargetStats {
    pub fn new(target: &str, chain: &[String]) -> Self {
        Self {
            target: target.to_string(),
            chain: chain.to_vec(),
            ..Default::default()
        }
    }

    /// One finished request: its settled record, its checks and the judge's verdict.
    pub fn add(
        &mut self,
        rec: &AnswerRecord,
        line: usize,
        verdicts: &[Verdict],
        judge: Option<&JudgeVerdict>,
    ) {
        self.requests += 1;
        if self.slo.is_some_and(|s| s.met(rec)) {
            self.slo_met += 1;
            self.slo_met_output_tokens += rec.output_tokens.unwrap_or(0);
        }
        if let Some(k) = rec.error_kind.filter(|_| !rec.succeeded()) {
            *self.errors.entry(k).or_default() += 1;
        } else {
            self.succeeded += 1;
            self.cached += u64::from(rec.cached());
            let f = &rec.figures();
            let timed = !rec.cached() || self.cached_in_latency;
            for (h, v) in [
                (&mut self.ttft_us, us(f.ttft_ms)),
                (&mut self.itl_us, us(f.itl_ms)),
                (&mut self.total_us, us(f.total_ms)),
                (&mut self.decode_tps_x100, f.decode_tps.map(|t| t * 100.0)),
            ] {
                if let Some(v) = v.filter(|_| timed) {
                    h.record(v);
                }
            }
            let served = rec.hops.last().map_or(&rec.hop_model, |h| &h.model);
            *self.served_by.entry(served.clone()).or_default() += 1;
            if rec.gateway_fallbacks.is_some_and(|n| n > 0) {
                self.gateway_fallbacks += 1;
            }
            if let Some(m) = &rec.served_model {
                *self.gateway_served.entry(m.clone()).or_default() += 1;
            }
            if rec.hops.len() > 1 {
                self.fallback_requests += 1;
                let added = rec.total_ms.zip(rec.served_total_ms).map(|(a, b)| a - b);
                if let Some(a) = us(added) {
                    self.fallback_added_us.record(a);
                }
            }
        }
        if let (Some(i), Some(o)) = (rec.input_tokens, rec.output_tokens) {
            self.counted += 1;
            self.input_tokens += i;
            self.output_tokens += o;
            self.estimated += u64::from(rec.estimated);
            self.cached_input_tokens += rec.cached_input_tokens.unwrap_or(0).min(i);
        }
        if let (Some(g), Some(c)) = (rec.cost_gateway_usd, rec.cost_computed_usd) {
            self.bill.add(g, c);
        }
        if let (Some(usd), Some(src)) = (rec.cost_usd, rec.cost_source) {
            self.priced += 1;
            self.cost_usd += usd;
            *self.cost_sources.entry(src).or_default() += 1;
        }
        for v in verdicts {
            let t = self.checks.entry(v.check).or_default();
            t.total += 1;
            t.passed += u64::from(v.passed);
            if !v.passed {
                self.failed(
                    line,
                    v.check.name(),
                    v.why.as_deref().unwrap_or(""),
                    &rec.text,
                );
            }
        }
        if let Some(j) = judge {
            self.add_judge(j, line, &rec.text);
        }
    }

    fn add_judge(&mut self, j: &JudgeVerdict, line: usize, text: &str) {
        let s = &mut self.judge;
        match j.score {
            Some(n) => {
                s.scored += 1;
                s.score_sum += u64::from(n);
            }
            None => s.unscored += 1,
        }
        s.input_tokens += j.input_tokens.unwrap_or(0);
        s.output_tokens += j.output_tokens.unwrap_or(0);
        s.cost_usd += j.cost_usd.unwrap_or(0.0);
        if j.score.is_none() {
            self.failed(line, "judge", &j.reason, text);
        }
    }

    /// Keep a failed check to list: a repeat of one already kept is counted on it.
    fn failed(&mut self, line: usize, check: &str, why: &str, text: &str) {
        self.keep_failed(FailedCheck {
            line,
            check: check.into(),
            why: why.into(),
            answer_start: answer_start(text),
            times: 1,
        });
    }

    /// Count `f` on the same failure already kept, else keep it while there is room.
    fn keep_failed(&mut self, f: FailedCheck) {
        let same = |m: &&mut FailedCheck| m.line == f.line && m.check == f.check && m.why == f.why;
        let full = self.failed_checks.len() >= KEEP_FAILED;
        match self.failed_checks.iter_mut().find(same) {
            Some(m) => m.times += f.times,
            None if !full => self.failed_checks.push(f),
            None => {}
        }
    }

    /// Add another run's figures for the same target (a shard): exact, order-free. Every field
    /// is named, so a new one is a compile error here until it is merged.
    pub fn merge(&mut self, o: &TargetStats) {
        use crate::metrics::add_counts;
        let TargetStats {
            target: _,
            chain: _,
            requests,
            succeeded,
            errors,
            ttft_us,
            itl_us,
            total_us,
            decode_tps_x100,
            counted,
            input_tokens,
            output_tokens,
            estimated,
            cached_input_tokens,
            by_turn,
            priced,
            cost_usd,
            cost_sources,
            served_by,
            fallback_requests,
            fallback_added_us,
            gateway_fallbacks,
            gateway_served,
            cached,
            cached_in_latency: _,
            slo: _,
            slo_met,
            slo_met_output_tokens,
            checks,
            rules,
            judge,
            failed_checks,
            bill,
        } = o;
        self.bill.merge(bill);
        self.requests += requests;
        self.succeeded += succeeded;
        add_counts(&mut self.errors, errors);
        self.ttft_us.merge(ttft_us);
        self.itl_us.merge(itl_us);
        self.total_us.merge(total_us);
        self.decode_tps_x100.merge(decode_tps_x100);
        self.counted += counted;
        self.input_tokens += input_tokens;
        self.output_tokens += output_tokens;
        self.estimated += estimated;
        self.cached_input_tokens += cached_input_tokens;
        super::turns::merge(&mut self.by_turn, by_turn);
        self.priced += priced;
        self.cost_usd += cost_usd;
        add_counts(&mut self.cost_sources, cost_sources);
        add_counts(&mut self.served_by, served_by);
        self.fallback_requests += fallback_requests;
        self.fallback_added_us.merge(fallback_added_us);
        self.gateway_fallbacks += gateway_fallbacks;
        add_counts(&mut self.gateway_served, gateway_served);
        self.cached += cached;
        self.slo_met += slo_met;
        self.slo_met_output_tokens += slo_met_output_tokens;
        for (k, t) in checks {
            self.checks.entry(*k).or_default().merge(t);
        }
        self.judge.merge(judge);
        for f in failed_checks {
            self.keep_failed(f.clone());
        }
        for (k, r) in rules {
            self.rules.entry(k.clone()).or_default().merge(r);
        }
    }

    /// A request of a multi-turn conversation: counted under its turn too.
    pub fn add_turn(&mut self, turn: u32, rec: &AnswerRecord) {
        super::turns::add(&mut self.by_turn, turn, rec);
    }

    /// A request of a route with rules: counted under the rule that picked its first model.
    pub fn add_rule(&mut self, rec: &AnswerRecord, primary_cost: Option<f64>) {
        let rule = rec.rule.as_deref().unwrap_or(super::rules::NO_RULE);
        self.rules
            .entry(rule.to_string())
            .or_default()
            .add(rec, primary_cost);
    }
}

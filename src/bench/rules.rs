//! Routing rules in a benchmark: per rule of a target's route, how many requests it took, which
//! model served them, their mean TTFT and cost, and what the same tokens would have cost on the
//! route's first model alone.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::answer::{AnswerRecord, PriceBook};

/// Requests no rule matched.
pub const NO_RULE: &str = "(no rule)";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleTally {
    pub requests: u64,
    pub succeeded: u64,
    pub served_by: BTreeMap<String, u64>,
    pub ttft_ms_sum: f64,
    pub ttft_n: u64,
    pub priced: u64,
    pub cost_usd: f64,
    /// Of the priced, those the route's first model could be priced for too, and that cost.
    pub primary_priced: u64,
    pub primary_cost_usd: f64,
}

/// What the same tokens would have cost on `primary`, by its listed or configured prices.
pub fn primary_cost(rec: &AnswerRecord, primary: &str, prices: &PriceBook) -> Option<f64> {
    let usage = rec.usage()?;
    crate::metrics::cost::resolve(
        Some(&usage),
        None,
        prices.listed.get(primary),
        prices.configured.get(primary),
    )
    .map(|c| c.usd)
}

impl RuleTally {
    pub fn add(&mut self, rec: &AnswerRecord, primary: Option<f64>) {
        self.requests += 1;
        if !rec.succeeded() {
            return;
        }
        self.succeeded += 1;
        let served = rec.hops.last().map_or(&rec.hop_model, |h| &h.model);
        *self.served_by.entry(served.clone()).or_default() += 1;
        if let Some(t) = rec.ttft_ms {
            self.ttft_ms_sum += t;
            self.ttft_n += 1;
        }
        if let Some(c) = rec.cost_usd {
            self.priced += 1;
            self.cost_usd += c;
            if let Some(p) = primary {
                self.primary_priced += 1;
                self.primary_cost_usd += p;
            }
        }
    }

    pub fn merge(&mut self, o: &RuleTally) {
        self.requests += o.requests;
        self.succeeded += o.succeeded;
        super::stats::add_counts(&mut self.served_by, &o.served_by);
        self.ttft_ms_sum += o.ttft_ms_sum;
        self.ttft_n += o.ttft_n;
        self.priced += o.priced;
        self.cost_usd += o.cost_usd;
        self.primary_priced += o.primary_priced;
        self.primary_cost_usd += o.primary_cost_usd;
    }
}

/// The rules table of a run, or nothing when no target has rules: one row per target and rule.
pub fn table(targets: &[crate::bench::stats::TargetStats]) -> String {
    let mut rows = vec![
        [
            "target",
            "rule",
            "requests",
            "served by",
            "ttft mean",
            "cost / req",
            "first model alone",
        ]
        .map(String::from),
    ];
    for t in targets {
        for (rule, r) in &t.rules {
            let served: Vec<String> = r
                .served_by
                .iter()
                .map(|(m, n)| format!("{m} {n}"))
                .collect();
            let mean = |sum: f64, n: u64| (n > 0).then(|| sum / n as f64);
            let alone = match (t.chain.first(), mean(r.primary_cost_usd, r.primary_priced)) {
                (Some(m), Some(c)) => format!("{m} {}", crate::format::fmt_usd(Some(c))),
                (Some(m), None) => format!("{m} ?"),
                _ => "-".into(),
            };
            rows.push([
                t.target.clone(),
                rule.clone(),
                r.requests.to_string(),
                served.join(", "),
                crate::format::fmt_ms(mean(r.ttft_ms_sum, r.ttft_n)),
                crate::format::fmt_usd(mean(r.cost_usd, r.priced)),
                alone,
            ]);
        }
    }
    if rows.len() == 1 {
        return String::new();
    }
    let w: Vec<usize> = (0..7)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::from("\nRouting rules\n");
    for r in &rows {
        let cells: Vec<String> = r.iter().zip(&w).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

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

    /// Every field named, so a new one is a compile error here until it is merged.
    pub fn merge(&mut self, o: &RuleTally) {
        let RuleTally {
            requests,
            succeeded,
            served_by,
            ttft_ms_sum,
            ttft_n,
            priced,
            cost_usd,
            primary_priced,
            primary_cost_usd,
        } = o;
        self.requests += requests;
        self.succeeded += succeeded;
        crate::metrics::add_counts(&mut self.served_by, served_by);
        self.ttft_ms_sum += ttft_ms_sum;
        self.ttft_n += ttft_n;
        self.priced += priced;
        self.cost_usd += cost_usd;
        self.primary_priced += primary_priced;
        self.primary_cost_usd += primary_cost_usd;
    }
}

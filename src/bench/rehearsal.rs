//! A rehearsal's report: what a fallback route bought (success rates, added latency, cost), from
//! settled answers. Pure; the CLI prints it and the workbench overlays it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::answer::{PriceBook, settle};
use crate::format::{fmt_ms, fmt_usd};
use crate::gateway::ErrorKind;
use crate::metrics::cost;
use crate::metrics::timing::percentile;
use crate::route::{Route, RouteOutcome};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HopReport {
    pub model: String,
    pub attempts: u64,
    pub served: u64,
    /// Failed attempts by kind (`rate_limited`, `server_error`, `cut`, ...).
    pub errors: BTreeMap<ErrorKind, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub route: String,
    pub chain: Vec<String>,
    pub requests: usize,
    pub succeeded: usize,
    /// Answered by the first hop (with its own retries): what you would get without fallback.
    pub success_rate_primary_only: f64,
    pub success_rate_with_fallback: f64,
    /// Requests that needed a retry or a fallback to succeed.
    pub fallback_requests: usize,
    /// Extra time those requests spent on failed attempts and backoff.
    pub added_latency_p50_ms: Option<f64>,
    pub added_latency_p95_ms: Option<f64>,
    pub cost_usd: Option<f64>,
    /// What the route cost minus what the same answers would have cost on the primary's prices.
    pub cost_delta_usd: Option<f64>,
    pub hops: Vec<HopReport>,
    /// Why requests ultimately failed, by error kind.
    pub failures: BTreeMap<ErrorKind, u64>,
}

/// The numbers, from finished route runs. Pure.
pub fn report(route: &Route, outcomes: &[RouteOutcome], prices: &PriceBook) -> Report {
    let n = outcomes.len();
    let mut hops: Vec<HopReport> = route
        .chain
        .iter()
        .map(|m| HopReport {
            model: m.clone(),
            ..Default::default()
        })
        .collect();
    let mut failures = BTreeMap::new();
    let mut added = Vec::new();
    let (mut succeeded, mut primary, mut fallbacks) = (0, 0, 0);
    let (mut cost_total, mut cost_known) = (0.0, true);
    let mut delta = 0.0;
    let primary_prices = prices.get(&route.chain[0]);
    for o in outcomes {
        for h in &o.hops {
            if let Some(r) = hops.iter_mut().find(|r| r.model == h.model) {
                r.attempts += 1;
                if let Some(f) = h.failure {
                    *r.errors.entry(f).or_default() += 1;
                }
            }
        }
        if !o.succeeded() {
            let kind = o.last.error.as_ref().map_or(ErrorKind::Other, |e| e.kind());
            *failures.entry(kind).or_default() += 1;
            continue;
        }
        succeeded += 1;
        let model = &o.last.model;
        if let Some(r) = hops.iter_mut().find(|r| &r.model == model) {
            r.attempts += 1;
            r.served += 1;
        }
        if model == &route.chain[0] {
            primary += 1;
        }
        if !o.hops.is_empty() {
            fallbacks += 1;
            added.push((o.added_latency_ms() * 1000.0).round() as u32);
        }
        let rec = settle(o, false, prices);
        let usage = rec.usage();
        match rec.cost_usd {
            Some(usd) => {
                cost_total += usd;
                let on_primary = usage
                    .as_ref()
                    .zip(primary_prices.as_ref())
                    .and_then(|(u, p)| cost::priced(u, p));
                match on_primary {
                    Some(p) => delta += usd - p,
                    None => cost_known = false,
                }
            }
            None => cost_known = false,
        }
    }
    added.sort_unstable();
    let pct = |q| percentile(&added, q).map(|us| us as f64 / 1000.0);
    let rate = |k: usize| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    Report {
        route: route.name.clone(),
        chain: route.chain.clone(),
        requests: n,
        succeeded,
        success_rate_primary_only: rate(primary),
        success_rate_with_fallback: rate(succeeded),
        fallback_requests: fallbacks,
        added_latency_p50_ms: pct(0.5),
        added_latency_p95_ms: pct(0.95),
        cost_usd: cost_known.then_some(cost_total),
        cost_delta_usd: cost_known.then_some(delta),
        hops,
        failures,
    }
}

impl Report {
    /// The report as text, for the terminal and the workbench overlay alike.
    pub fn table(&self) -> String {
        let r = self;
        let mut out = format!("route {}: {}\n", r.route, r.chain.join(" -> "));
        out.push_str(&format!(
            "requests {}, succeeded {}\n",
            r.requests, r.succeeded
        ));
        out.push_str(&format!(
            "success rate: primary only {:.1}%, with fallback {:.1}%\n",
            r.success_rate_primary_only * 100.0,
            r.success_rate_with_fallback * 100.0
        ));
        out.push_str(&format!(
            "added latency from retries and fallbacks ({} requests): p50 {}, p95 {}\n",
            r.fallback_requests,
            fmt_ms(r.added_latency_p50_ms),
            fmt_ms(r.added_latency_p95_ms)
        ));
        let delta = match r.cost_delta_usd {
            Some(d) if d >= 0.0 => format!("+{}", fmt_usd(Some(d))),
            Some(d) => format!("-{}", fmt_usd(Some(-d))),
            None => "?".into(),
        };
        out.push_str(&format!(
            "cost: {} in all, {delta} against the primary alone\n\n",
            fmt_usd(r.cost_usd)
        ));
        let mut rows = vec![["hop", "attempts", "served", "errors"].map(String::from)];
        for h in &r.hops {
            let errors = h
                .errors
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", ");
            rows.push([
                h.model.clone(),
                h.attempts.to_string(),
                h.served.to_string(),
                errors,
            ]);
        }
        use crate::format::Align::{Left, Right};
        out.push_str(&crate::format::text_table(
            &rows,
            &[Left, Right, Right, Left],
        ));
        if !r.failures.is_empty() {
            let f = r
                .failures
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", ");
            out.push_str(&format!("\nfailed requests by final error: {f}\n"));
        }
        out
    }
}

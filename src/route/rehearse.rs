//! Rehearsal: send a workload through a route N times and report what the fallback bought.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::{Route, RouteOutcome};
use crate::gateway::Client;
use crate::gateway::wire::{ChatRequest, Message, Prices};
use crate::metrics::cost;
use crate::metrics::timing::percentile;

/// One request of a workload file: a plain line is a prompt; a JSON line may add more.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WorkItem {
    pub prompt: String,
    #[serde(default)]
    pub system: Option<String>,
    #[serde(default)]
    pub max_tokens: Option<u32>,
}

/// Read a workload: one prompt per line, or JSON lines `{"prompt": ..., "system": ..., "max_tokens": ...}`.
/// Blank lines and lines starting with `#` are skipped.
pub fn parse_workload(text: &str) -> Result<Vec<WorkItem>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if l.starts_with('{') {
            out.push(serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1))?);
        } else {
            out.push(WorkItem {
                prompt: l.to_string(),
                system: None,
                max_tokens: None,
            });
        }
    }
    if out.is_empty() {
        return Err("the workload has no prompts".into());
    }
    Ok(out)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HopReport {
    pub model: String,
    pub attempts: u64,
    pub served: u64,
    /// Failed attempts by kind (`429`, `5xx`, `cut`, ...).
    pub errors: BTreeMap<String, u64>,
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
    pub failures: BTreeMap<String, u64>,
}

/// How many requests, how many at a time, and the seed for backoff jitter.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub requests: usize,
    pub concurrency: usize,
    pub seed: u64,
}

/// Prices for a model, from `/v1/models` or the config.
pub type PriceLookup = Arc<dyn Fn(&str) -> Option<Prices> + Send + Sync>;

pub async fn rehearse(
    client: &Client,
    route: &Route,
    items: &[WorkItem],
    plan: Plan,
    prices: PriceLookup,
    cancel: CancellationToken,
) -> Report {
    let Plan {
        requests,
        concurrency,
        seed,
    } = plan;
    let next = Arc::new(AtomicUsize::new(0));
    let items = Arc::new(items.to_vec());
    let mut workers = Vec::new();
    for _ in 0..concurrency.clamp(1, requests.max(1)) {
        let (client, route, next, items, cancel) = (
            client.clone(),
            route.clone(),
            next.clone(),
            items.clone(),
            cancel.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= requests || cancel.is_cancelled() {
                    return done;
                }
                let item = &items[i % items.len()];
                let mut messages = Vec::new();
                if let Some(s) = &item.system {
                    messages.push(Message::new("system", s.clone()));
                }
                messages.push(Message::new("user", item.prompt.clone()));
                let req = ChatRequest {
                    messages,
                    max_tokens: item.max_tokens,
                    ..Default::default()
                };
                let o = super::run(
                    &client,
                    &route,
                    req,
                    cancel.clone(),
                    seed.wrapping_add(i as u64),
                    |_| {},
                )
                .await;
                done.push(o);
            }
        }));
    }
    let mut outcomes = Vec::new();
    for w in workers {
        if let Ok(mut v) = w.await {
            outcomes.append(&mut v);
        }
    }
    report(route, &outcomes, &*prices)
}

/// The numbers, from finished route runs. Pure.
pub fn report(
    route: &Route,
    outcomes: &[RouteOutcome],
    prices: &dyn Fn(&str) -> Option<Prices>,
) -> Report {
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
    let primary_prices = prices(&route.chain[0]);
    for o in outcomes {
        for h in &o.hops {
            if let Some(r) = hops.iter_mut().find(|r| r.model == h.model) {
                r.attempts += 1;
                if let Some(f) = h.failure {
                    *r.errors.entry(f.name().to_string()).or_default() += 1;
                }
            }
        }
        if !o.succeeded() {
            let kind = o.last.error.as_ref().map_or("unknown", |e| e.kind());
            *failures.entry(kind.to_string()).or_default() += 1;
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
        let usage = o
            .last
            .collector
            .usage_or_estimate(&o.last.prompt)
            .map(|(u, _)| u);
        let gw = o.last.collector.usage.and_then(|u| u.cost_usd);
        match cost::resolve(usage.as_ref(), gw, prices(model).as_ref(), None) {
            Some(c) => {
                cost_total += c.usd;
                let on_primary = usage
                    .as_ref()
                    .zip(primary_prices.as_ref())
                    .and_then(|(u, p)| cost::priced(u, p));
                match on_primary {
                    Some(p) => delta += c.usd - p,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workloads() {
        let w = parse_workload("# comment\nfirst prompt\n\n{\"prompt\":\"second\",\"system\":\"be brief\",\"max_tokens\":50}\n").unwrap();
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].prompt, "first prompt");
        assert_eq!(w[1].system.as_deref(), Some("be brief"));
        assert_eq!(w[1].max_tokens, Some(50));
        assert!(parse_workload("{broken").unwrap_err().contains("line 1"));
        assert!(parse_workload("\n# only comments\n").is_err());
    }
}

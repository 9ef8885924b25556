//! The notes under a bench result's table: errors, routes, goodput, caching, conversations, the
//! projected bill, checks and the judge's spend, then each failed check. One place for the
//! table, Markdown and the HTML page.

use super::summary::Summary;
use crate::format::fmt_usd;

/// Milliseconds with the precision a benchmark needs: `0.42 ms`, `8.1 ms`, `320 ms`, `1.25 s`.
pub(super) fn fmt_ms(v: Option<f64>) -> String {
    match v {
        Some(ms) if ms < 1.0 => format!("{ms:.2} ms"),
        Some(ms) if ms < 10.0 => format!("{ms:.1} ms"),
        other => crate::format::fmt_ms(other),
    }
}

pub(super) fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |r| format!("{:.1}%", r * 100.0))
}

/// Each turn index's TTFT, requests and prefix-cache share, on one line.
fn turns(by_turn: &[super::turns::TurnResult]) -> String {
    let each: Vec<String> = by_turn
        .iter()
        .map(|t| {
            format!(
                "{} ({} req) TTFT p50 {} p95 {}, cached {}",
                t.turn,
                t.requests,
                fmt_ms(t.p50_ttft_ms),
                fmt_ms(t.p95_ttft_ms),
                pct(t.cache_hit_rate)
            )
        })
        .collect();
    each.join("; ")
}

/// The notes under the table: errors, routes, the projected bill, checks and the judge's spend,
/// then each failed check.
pub(crate) fn notes(s: &Summary) -> Vec<String> {
    let mut out = figure_notes(s);
    out.extend(failed_lines(s));
    out
}

/// The notes but the failed checks (the HTML report lists those in a table of their own).
pub(crate) fn figure_notes(s: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    for r in &s.results {
        if !r.errors.is_empty() {
            let kinds: Vec<String> = r
                .errors
                .iter()
                .map(|(k, n)| format!("{} {n}", k.name()))
                .collect();
            out.push(format!("{} errors: {}", r.target, kinds.join(", ")));
        }
        if r.served_by.len() > 1 || r.fallback_rate.is_some_and(|f| f > 0.0) {
            let by = counted(&r.served_by);
            out.push(format!(
                "{} served by: {}; retry or fallback on {} of answers, adding {} p50, {} p95",
                r.target,
                by,
                pct(r.fallback_rate),
                fmt_ms(r.fallback_added_p50_ms),
                fmt_ms(r.fallback_added_p95_ms)
            ));
        }
        if let Some(rate) = r.goodput_rate {
            out.push(format!(
                "{} goodput: {} of requests met every objective; {:.2} requests/s, {:.1} output tokens/s",
                r.target,
                pct(Some(rate)),
                r.goodput_rps.unwrap_or(0.0),
                r.goodput_tok_s.unwrap_or(0.0)
            ));
        }
        if r.cached > 0 {
            out.push(format!(
                "{}: {} answer(s) came from the gateway's cache; {}",
                r.target,
                r.cached,
                if r.cached_in_latency {
                    "counted in the latency figures (--cached-in-latency)"
                } else {
                    "kept out of the latency figures (--cached-in-latency counts them)"
                }
            ));
        }
        if let Some(rate) = r.cache_hit_rate.filter(|c| *c > 0.0) {
            out.push(format!(
                "{}: {} of prompt tokens came from the server's prefix cache (priced at the cached-input price where one is listed)",
                r.target,
                pct(Some(rate))
            ));
        }
        if r.by_turn.len() > 1 {
            out.push(format!("{} by turn: {}", r.target, turns(&r.by_turn)));
        }
        if r.gateway_fallback_rate.is_some_and(|f| f > 0.0) {
            let by = counted(&r.gateway_served);
            out.push(format!(
                "{}: the gateway fell back on {} of answers; it says these answered: {}",
                r.target,
                pct(r.gateway_fallback_rate),
                by
            ));
        }
        if let (Some(day), Some(n)) = (r.cost_per_day_usd, s.per_day) {
            out.push(format!(
                "{} at {n} requests a day: {} a day, {} per 30 days ({} a request)",
                r.target,
                fmt_usd(Some(day)),
                fmt_usd(r.cost_per_30_days_usd),
                fmt_usd(r.cost_per_request_usd)
            ));
        }
        if !r.pass_rates.is_empty() {
            let each: Vec<String> = r
                .pass_rates
                .iter()
                .map(|(k, p)| format!("{k} {}", pct(Some(*p))))
                .collect();
            out.push(format!("{} checks passed: {}", r.target, each.join(", ")));
        }
        if let Some(c) = r.judge_cost_usd {
            out.push(format!(
                "{} judge: mean {} over {} answers; the judge's own cost {} (not in the figures above)",
                r.target,
                r.judge_mean.map_or("-".into(), |j| format!("{j:.2}")),
                r.judge_scored,
                fmt_usd(Some(c))
            ));
        }
    }
    out
}

/// One line per failed check kept.
fn failed_lines(s: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    for t in &s.targets {
        for f in &t.failed_checks {
            let times = if f.times > 1 {
                format!(" ({} times)", f.times)
            } else {
                String::new()
            };
            out.push(format!(
                "failed {} on line {} ({}){times}: {}; answer: {:?}",
                f.check, f.line, t.target, f.why, f.answer_start
            ));
        }
    }
    out
}

/// Models and how many answers each gave: `a 3, b 1`.
fn counted(by: &std::collections::BTreeMap<String, u64>) -> String {
    let parts: Vec<String> = by.iter().map(|(m, n)| format!("{m} {n}")).collect();
    parts.join(", ")
}

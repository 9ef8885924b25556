//! A summary as a terminal table, Markdown or CSV, and the comparison with an earlier run. Pure.

use std::fmt::Write;

use super::report::{Results, numbers};
use super::summary::Summary;
use crate::format::{Align, fmt_usd, trim_float};

/// Milliseconds with the precision a benchmark needs: `0.42 ms`, `8.1 ms`, `320 ms`, `1.25 s`.
fn fmt_ms(v: Option<f64>) -> String {
    match v {
        Some(ms) if ms < 1.0 => format!("{ms:.2} ms"),
        Some(ms) if ms < 10.0 => format!("{ms:.1} ms"),
        other => crate::format::fmt_ms(other),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Md,
}

const HEADERS: [&str; 10] = [
    "target",
    "requests",
    "errors",
    "TTFT p50/p95/p99",
    "ITL p50/p95",
    "total p50/p95",
    "tok/s p50",
    "tokens in/out",
    "cost / 1k req",
    "checks",
];

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |r| format!("{:.1}%", r * 100.0))
}

fn num(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{x:.0}"))
}

fn row(r: &Results) -> [String; 10] {
    let est = if r.tokens_estimated.unwrap_or(0.0) > 0.0 {
        " ~"
    } else {
        ""
    };
    let cost = match &r.cost_source {
        Some(src) => format!("{} ({src})", fmt_usd(r.cost_per_1k_usd)),
        None => "?".into(),
    };
    let mut checks = r
        .pass_rate
        .map_or(String::new(), |p| format!("pass {}", pct(Some(p))));
    if let Some(j) = r.judge_mean {
        let sep = if checks.is_empty() { "" } else { ", " };
        let _ = write!(checks, "{sep}judge {j:.2}");
    }
    [
        r.target.clone(),
        r.requests.to_string(),
        pct(r.error_rate),
        format!(
            "{} / {} / {}",
            fmt_ms(r.p50_ttft_ms),
            fmt_ms(r.p95_ttft_ms),
            fmt_ms(r.p99_ttft_ms)
        ),
        format!("{} / {}", fmt_ms(r.p50_itl_ms), fmt_ms(r.p95_itl_ms)),
        format!("{} / {}", fmt_ms(r.p50_total_ms), fmt_ms(r.p95_total_ms)),
        num(r.p50_decode_tps),
        format!(
            "{}/{}{est}",
            num(r.mean_input_tokens),
            num(r.mean_output_tokens)
        ),
        cost,
        if checks.is_empty() {
            "-".into()
        } else {
            checks
        },
    ]
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
            let by: Vec<String> = r
                .served_by
                .iter()
                .map(|(m, n)| format!("{m} {n}"))
                .collect();
            out.push(format!(
                "{} served by: {}; retry or fallback on {} of answers, adding {} p50, {} p95",
                r.target,
                by.join(", "),
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
            let by: Vec<String> = r
                .gateway_served
                .iter()
                .map(|(m, n)| format!("{m} {n}"))
                .collect();
            out.push(format!(
                "{}: the gateway fell back on {} of answers; it says these answered: {}",
                r.target,
                pct(r.gateway_fallback_rate),
                by.join(", ")
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

fn heading(s: &Summary) -> String {
    let mut h = format!("{} on {}, {}", s.workload, s.base_url, s.load);
    if let Some(sh) = &s.shard {
        let _ = write!(h, ", shard {sh}");
    }
    if !s.merged.is_empty() {
        let _ = write!(h, ", merged from {}", s.merged.join(" + "));
    }
    let _ = write!(h, ", {:.1} s", s.elapsed_s);
    if s.interrupted {
        h.push_str(" (interrupted: what finished)");
    }
    h
}

pub fn table(s: &Summary) -> String {
    let mut rows = vec![HEADERS.map(String::from)];
    rows.extend(s.results.iter().map(row));
    let mut align = [Align::Right; 10];
    align[0] = Align::Left;
    let mut out = heading(s) + "\n\n";
    out += &crate::format::text_table(&rows, &align);
    let notes = notes(s);
    if !notes.is_empty() {
        out.push('\n');
        for n in notes {
            out += &crate::clean::terminal_safe(&n);
            out.push('\n');
        }
    }
    out
}

/// The rules table of a run, or nothing when no target has rules: one row per target and rule.
pub fn rules_table(targets: &[super::stats::TargetStats]) -> String {
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
    String::from("\nRouting rules\n") + &crate::format::text_table(&rows, &[])
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(s: &Summary) -> String {
    let mut out = format!("## Benchmark\n\n{}\n\n", md_cell(&heading(s)));
    out += &format!("| {} |\n", HEADERS.join(" | "));
    out += &format!("|{}\n", "---|".repeat(HEADERS.len()));
    for r in &s.results {
        let cells: Vec<String> = row(r).iter().map(|c| md_cell(c)).collect();
        out += &format!("| {} |\n", cells.join(" | "));
    }
    let notes = notes(s);
    if !notes.is_empty() {
        out.push('\n');
        for n in notes {
            out += &format!("- {}\n", md_cell(&n));
        }
    }
    out
}

/// One row per target: its name, cost source, then every numeric figure by its JSON name.
pub fn csv(s: &Summary) -> String {
    let names: Vec<String> = super::report::metric_names();
    let mut out = format!("target,cost_source,{}\n", names.join(","));
    for r in &s.results {
        let mut cells = vec![r.target.clone(), r.cost_source.clone().unwrap_or_default()];
        cells.extend(
            numbers(r)
                .into_iter()
                .map(|(_, v)| v.map(trim_float).unwrap_or_default()),
        );
        out += &crate::format::csv_line(&cells);
    }
    out
}

pub fn render(s: &Summary, f: Format) -> String {
    match f {
        Format::Table => table(s) + &rules_table(&s.targets) + &bills(&s.targets),
        Format::Md => markdown(s),
        Format::Csv => csv(s),
        Format::Json => serde_json::to_string_pretty(s).unwrap_or_default() + "\n",
    }
}

/// A line per target whose gateway billed more than 1% apart from tokens x price.
fn bills(targets: &[super::stats::TargetStats]) -> String {
    use crate::format::fmt_money;
    let mut out = String::new();
    for t in targets.iter().filter(|t| t.bill.differs()) {
        let b = &t.bill;
        let _ = writeln!(
            out,
            "note: {}: the gateway billed {} for {} answers; tokens x price give {} ({:+.1}%)",
            t.target,
            fmt_money(b.gateway_usd),
            b.requests,
            fmt_money(b.computed_usd),
            b.diff_pct().unwrap_or(0.0)
        );
    }
    out
}

/// Every figure of every target present in both runs: old, new, and the change.
pub fn compare(old: &Summary, new: &Summary) -> String {
    let mut out = String::new();
    for r in &new.results {
        let Some(o) = old.results.iter().find(|o| o.target == r.target) else {
            let _ = writeln!(out, "{}: not in the earlier run", r.target);
            continue;
        };
        let _ = writeln!(out, "{}:", r.target);
        let before = numbers(o);
        for ((name, new_v), (_, old_v)) in numbers(r).into_iter().zip(before) {
            let change = match (old_v, new_v) {
                (Some(a), Some(b)) if a == b => "=".into(),
                (Some(a), Some(b)) if a != 0.0 => format!("{:+.1}%", (b - a) / a.abs() * 100.0),
                (Some(_), Some(_)) => "from 0".into(),
                (None, None) => continue,
                (None, Some(_)) => "new".into(),
                (Some(_), None) => "gone".into(),
            };
            let show = |v: Option<f64>| v.map_or("-".into(), trim_float);
            let _ = writeln!(
                out,
                "  {name:<24} {:>14} -> {:<14} {change}",
                show(old_v),
                show(new_v)
            );
        }
    }
    for o in &old.results {
        if !new.results.iter().any(|r| r.target == o.target) {
            let _ = writeln!(out, "{}: only in the earlier run", o.target);
        }
    }
    out
}

#[cfg(test)]
#[path = "output_tests.rs"]
mod tests;

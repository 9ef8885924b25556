//! A summary as a terminal table, Markdown or CSV, and the comparison with an earlier run. Pure.

use std::fmt::Write;

use super::notes::{fmt_ms, notes, pct};
use super::report::{Results, numbers};
use super::summary::Summary;
use crate::format::{Align, fmt_usd, trim_float};

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

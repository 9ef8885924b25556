//! A bench run as a page: its settings, the summary table, latency distributions from the HDR
//! data, the cost / latency frontier, checks and the judge, goodput and prefix caching, turn by
//! turn figures, and deltas against an earlier run. Aggregates only, so the page's size does not
//! grow with the number of requests.

use serde::Serialize;

use super::charts::{self, Point, Series};
use super::{Head, render};
use crate::bench::report::Results;
use crate::bench::summary::Summary;
use crate::format::{fmt_ms, fmt_usd};
use crate::secret::{Secret, keyless};

#[derive(Serialize)]
struct Cell {
    text: String,
    /// The number it sorts by.
    v: Option<f64>,
    class: &'static str,
}

fn cell(text: impl Into<String>, v: Option<f64>) -> Cell {
    Cell {
        text: text.into(),
        v,
        class: "",
    }
}

#[derive(Serialize)]
struct Turns {
    target: String,
    rows: Vec<Vec<Cell>>,
}

#[derive(Serialize)]
struct Failed {
    target: String,
    line: usize,
    check: String,
    why: String,
    answer_start: String,
    times: u64,
}

#[derive(Serialize)]
struct Page {
    head: Head,
    settings: Vec<(String, String)>,
    columns: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
    charts: Vec<String>,
    frontier: Vec<Point2>,
    notes: Vec<String>,
    checks: Vec<(String, Vec<(String, String)>)>,
    failed: Vec<Failed>,
    failed_capped: bool,
    turns: Vec<Turns>,
    compared: Vec<super::compare::Compared>,
    compared_with: Option<String>,
}

#[derive(Serialize)]
struct Point2 {
    name: String,
    cost_per_1k: String,
    p50_total: String,
    quality: String,
    on_frontier: bool,
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |r| format!("{:.1}%", r * 100.0))
}

fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".into(), |x| format!("{x:.digits$}"))
}

const COLUMNS: [&str; 16] = [
    "target",
    "requests",
    "errors",
    "TTFT p50",
    "TTFT p95",
    "TTFT p99",
    "ITL p50",
    "ITL p95",
    "total p50",
    "total p95",
    "decode tok/s p50",
    "tokens in / out",
    "cost / request",
    "cost / 1k",
    "checks",
    "goodput",
];

fn row(r: &Results) -> Vec<Cell> {
    let ms = |v: Option<f64>| cell(fmt_ms(v), v);
    let mut checks = pct(r.pass_rate);
    if let Some(j) = r.judge_mean {
        checks = format!("{checks}, judge {j:.2}");
    }
    let goodput = match r.goodput_rate {
        Some(g) => format!("{} ({:.2}/s)", pct(Some(g)), r.goodput_rps.unwrap_or(0.0)),
        None => "-".into(),
    };
    vec![
        Cell {
            class: "text",
            ..cell(r.target.clone(), None)
        },
        cell(r.requests.to_string(), Some(r.requests as f64)),
        Cell {
            class: if r.error_rate.unwrap_or(0.0) > 0.0 {
                "bad"
            } else {
                ""
            },
            ..cell(pct(r.error_rate), r.error_rate)
        },
        ms(r.p50_ttft_ms),
        ms(r.p95_ttft_ms),
        ms(r.p99_ttft_ms),
        ms(r.p50_itl_ms),
        ms(r.p95_itl_ms),
        ms(r.p50_total_ms),
        ms(r.p95_total_ms),
        cell(num(r.p50_decode_tps, 1), r.p50_decode_tps),
        cell(
            format!(
                "{} / {}",
                num(r.mean_input_tokens, 0),
                num(r.mean_output_tokens, 0)
            ),
            r.mean_output_tokens,
        ),
        cell(fmt_usd(r.cost_per_request_usd), r.cost_per_request_usd),
        cell(fmt_usd(r.cost_per_1k_usd), r.cost_per_1k_usd),
        cell(checks, r.pass_rate),
        cell(goodput, r.goodput_rate),
    ]
}

fn settings(s: &Summary) -> Vec<(String, String)> {
    let mut out = vec![
        ("workload".to_string(), s.workload.clone()),
        ("load".into(), s.load.clone()),
        (
            "targets".into(),
            s.results
                .iter()
                .map(|r| r.target.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("gateway".into(), s.base_url.clone()),
        ("started".into(), crate::clock::fmt_utc(s.started_unix_ms)),
        ("length".into(), format!("{:.1} s", s.elapsed_s)),
        ("gatebench".into(), s.gatebench_version.clone()),
    ];
    if let Some(sh) = &s.shard {
        out.push(("shard".into(), sh.clone()));
    }
    if !s.merged.is_empty() {
        out.push(("merged from".into(), s.merged.join(", ")));
    }
    if let Some(n) = s.per_day {
        out.push(("requests a day".into(), n.to_string()));
    }
    if s.bad_lines > 0 {
        out.push(("bad workload lines".into(), s.bad_lines.to_string()));
    }
    if s.interrupted {
        out.push((
            "interrupted".into(),
            "yes: the figures cover what finished".into(),
        ));
    }
    out
}

fn latency_charts(s: &Summary) -> Vec<String> {
    let of = |pick: fn(&crate::bench::stats::TargetStats) -> &crate::metrics::hist::Hist,
              scale: f64| {
        s.targets
            .iter()
            .map(|t| Series {
                name: t.target.clone(),
                points: charts::cdf_points(pick(t), scale),
            })
            .filter(|x| !x.points.is_empty())
            .collect::<Vec<_>>()
    };
    [
        charts::cdf("time to first token", "ms", &of(|t| &t.ttft_us, 1000.0)),
        charts::cdf("inter-token latency", "ms", &of(|t| &t.itl_us, 1000.0)),
        charts::cdf("total time", "ms", &of(|t| &t.total_us, 1000.0)),
        charts::cdf(
            "decode speed",
            "tokens/s",
            &of(|t| &t.decode_tps_x100, 100.0),
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn frontier(s: &Summary) -> (Option<String>, Vec<Point2>) {
    let mut points: Vec<Point> = s
        .results
        .iter()
        .filter_map(|r| {
            Some(Point {
                name: r.target.clone(),
                cost_per_1k_usd: r.cost_per_1k_usd?,
                p50_total_ms: r.p50_total_ms?,
                quality: r
                    .judge_mean
                    .map(|j| format!("judge {j:.2}"))
                    .or(r.pass_rate.map(|p| format!("pass {}", pct(Some(p))))),
                on_frontier: false,
            })
        })
        .collect();
    charts::frontier(&mut points);
    let rows = points
        .iter()
        .map(|p| Point2 {
            name: p.name.clone(),
            cost_per_1k: fmt_usd(Some(p.cost_per_1k_usd)),
            p50_total: fmt_ms(Some(p.p50_total_ms)),
            quality: p.quality.clone().unwrap_or_else(|| "-".into()),
            on_frontier: p.on_frontier,
        })
        .collect();
    (charts::scatter(&points), rows)
}

/// The page for a bench run, with deltas against `compare` when given. Every text is scrubbed
/// of `key` and of anything that looks like a key.
pub fn bench(s: &Summary, compare_with: Option<(&Summary, &str)>, key: Option<&Secret>) -> String {
    let (scatter, frontier_rows) = frontier(s);
    let mut charts = latency_charts(s);
    charts.extend(scatter);
    let failed: Vec<Failed> = s
        .targets
        .iter()
        .flat_map(|t| {
            t.failed_checks.iter().map(|f| Failed {
                target: t.target.clone(),
                line: f.line,
                check: f.check.clone(),
                why: keyless(&f.why, key),
                answer_start: keyless(&f.answer_start, key),
                times: f.times,
            })
        })
        .collect();
    let page = Page {
        head: Head::new(format!("Benchmark: {}", keyless(&s.workload, key))),
        settings: settings(s)
            .into_iter()
            .map(|(k, v)| (k, keyless(&v, key)))
            .collect(),
        columns: COLUMNS.to_vec(),
        rows: s.results.iter().map(row).collect(),
        charts,
        frontier: frontier_rows,
        notes: crate::bench::notes::figure_notes(s)
            .iter()
            .map(|n| keyless(n, key))
            .collect(),
        checks: s
            .results
            .iter()
            .filter(|r| !r.pass_rates.is_empty())
            .map(|r| {
                let rates = r
                    .pass_rates
                    .iter()
                    .map(|(k, v)| (k.clone(), pct(Some(*v))))
                    .collect();
                (r.target.clone(), rates)
            })
            .collect(),
        failed_capped: s
            .targets
            .iter()
            .any(|t| t.failed_checks.len() >= crate::bench::stats::KEEP_FAILED),
        failed,
        turns: s
            .results
            .iter()
            .filter(|r| r.by_turn.len() > 1)
            .map(|r| Turns {
                target: r.target.clone(),
                rows: r
                    .by_turn
                    .iter()
                    .map(|t| {
                        vec![
                            cell(t.turn.to_string(), Some(f64::from(t.turn))),
                            cell(t.requests.to_string(), Some(t.requests as f64)),
                            cell(pct(t.error_rate), t.error_rate),
                            cell(fmt_ms(t.p50_ttft_ms), t.p50_ttft_ms),
                            cell(fmt_ms(t.p95_ttft_ms), t.p95_ttft_ms),
                            cell(fmt_ms(t.p50_total_ms), t.p50_total_ms),
                            cell(num(t.mean_input_tokens, 0), t.mean_input_tokens),
                            cell(pct(t.cache_hit_rate), t.cache_hit_rate),
                        ]
                    })
                    .collect(),
            })
            .collect(),
        compared: compare_with.map_or_else(Vec::new, |(old, _)| super::compare::compare(old, s)),
        compared_with: compare_with.map(|(_, name)| keyless(name, key)),
    };
    render("bench.html", &page)
}

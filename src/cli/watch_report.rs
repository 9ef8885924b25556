//! `gatebench watch report`: what the watch saw, per target, from the history.

use std::collections::BTreeMap;
use std::time::Duration;

use clap::Args;

use crate::format::{fmt_ms, fmt_usd};
use crate::session::Session;
use crate::watch::Sample;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// How far back (`24h`, `7d`).
    #[arg(long, value_name = "D", value_parser = super::bench::args::parse_duration, default_value = "24h")]
    pub since: Duration,
    #[arg(long)]
    pub json: bool,
}

fn quantile(mut v: Vec<f64>, q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1;
    Some(v[i])
}

/// One target's lines: totals, TTFT by hour as a text chart, and who served it when.
fn target_text(target: &str, s: &[Sample]) -> String {
    let errors = s.iter().filter(|x| !x.ok).count();
    let ttfts = |xs: &[&Sample]| {
        xs.iter()
            .filter(|x| x.ok)
            .filter_map(|x| x.ttft_ms)
            .collect::<Vec<_>>()
    };
    let all: Vec<&Sample> = s.iter().collect();
    let cost: f64 = s.iter().filter_map(|x| x.cost_usd).sum();
    let mut out = format!(
        "{target}: {} probes, {} failed ({:.1}%), TTFT p50 {} p95 {}, cost {}\n",
        s.len(),
        errors,
        100.0 * errors as f64 / s.len().max(1) as f64,
        fmt_ms(quantile(ttfts(&all), 0.5)),
        fmt_ms(quantile(ttfts(&all), 0.95)),
        fmt_usd(Some(cost))
    );
    let mut hours: BTreeMap<i64, Vec<&Sample>> = BTreeMap::new();
    for x in s {
        hours
            .entry(x.at_ms.div_euclid(3_600_000))
            .or_default()
            .push(x);
    }
    let top = hours
        .values()
        .filter_map(|h| quantile(ttfts(h), 0.95))
        .fold(1.0_f64, f64::max);
    for (h, xs) in &hours {
        let (p50, p95) = (quantile(ttfts(xs), 0.5), quantile(ttfts(xs), 0.95));
        let bar = "█".repeat((p95.unwrap_or(0.0) / top * 30.0).round() as usize);
        let failed = xs.iter().filter(|x| !x.ok).count();
        out.push_str(&format!(
            "  {}  {:>4} probes {:>3} failed  p50 {:>8}  p95 {:>8}  {bar}\n",
            &crate::clock::fmt_utc(h * 3_600_000)[..16],
            xs.len(),
            failed,
            fmt_ms(p50),
            fmt_ms(p95)
        ));
    }
    let mut last: Option<&str> = None;
    for x in s {
        if let Some(by) = x.served_by.as_deref() {
            if last.is_some_and(|l| l != by) {
                out.push_str(&format!(
                    "  served by {by} from {} (was {})\n",
                    crate::clock::fmt_utc(x.at_ms),
                    last.unwrap_or("")
                ));
            }
            last = Some(by);
        }
    }
    out
}

pub fn run(
    session: &Session,
    r: &ReportArgs,
    history: Option<&crate::history::Writer>,
) -> anyhow::Result<i32> {
    let Some(w) = history else {
        anyhow::bail!("watch report reads the history, which is off");
    };
    let since = crate::clock::now_ms() - r.since.as_millis() as i64;
    let store = crate::history::Store::open(&w.path)?;
    let samples = store.watch_samples(&session.gateway_id(), since, 1_000_000)?;
    let mut by: BTreeMap<String, Vec<Sample>> = BTreeMap::new();
    for s in samples {
        by.entry(s.target.clone()).or_default().push(s);
    }
    if r.json {
        println!("{}", serde_json::to_string_pretty(&by)?);
        return Ok(0);
    }
    if by.is_empty() {
        println!("No watch probes on {} in that time.", session.gateway_id());
    }
    for (t, s) in &by {
        print!("{}", crate::clean::terminal_safe(&target_text(t, s)));
    }
    Ok(0)
}

//! `bench --sweep`: open-loop rates rising, each for --duration, until every target crosses a
//! --sweep-limit; a table of the steps and the knee per target.

use std::fmt::Write;

use super::{Plan, RunArgs, run_once};
use crate::bench::gate;
use crate::bench::schedule::Load;
use crate::bench::summary::Summary;
use crate::bench::sweep::{Knee, go_on, knees};
use crate::format::{fmt_ms, fmt_usd};
use crate::session::Session;

/// Each step's length when --duration is not given.
const STEP: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(serde::Serialize)]
struct SweepOut<'a> {
    limits: &'a str,
    knees: &'a [Knee],
    steps: &'a [Summary],
}

pub(crate) async fn run(
    session: &Session,
    a: &RunArgs,
    plan: &mut Plan,
    rates: &str,
    stop: &crate::cli::Stop,
    history: Option<&crate::history::Writer>,
) -> anyhow::Result<i32> {
    let rates = super::args::parse_sweep(rates).map_err(anyhow::Error::msg)?;
    let limits = gate::parse(&a.sweep_limit).map_err(|e| anyhow::anyhow!("--sweep-limit: {e}"))?;
    plan.requests = None;
    plan.duration = Some(a.duration.unwrap_or(STEP));
    let knees_of = |steps: &[(f64, Summary)]| {
        let results: Vec<_> = steps.iter().map(|(r, s)| (*r, s.results.clone())).collect();
        knees(&results, &limits)
    };
    let mut steps: Vec<(f64, Summary)> = Vec::new();
    let mut table = String::new();
    for per_s in rates {
        plan.sweep_step = Some(per_s);
        eprintln!(
            "sweep: {per_s}/s for {:.0}s",
            plan.duration.unwrap_or(STEP).as_secs_f64()
        );
        let load = Load::Open {
            per_s,
            poisson: a.poisson,
        };
        let s = run_once(session, a, plan, load, stop).await?;
        for r in &s.results {
            let _ = write!(
                table,
                "{per_s:>8}/s  {:<28} {:>6.1} req/s  TTFT p95 {:>9}  errors {:>5.1}%  {}/1k",
                r.target,
                r.requests as f64 / s.elapsed_s.max(1e-9),
                fmt_ms(r.p95_ttft_ms),
                r.error_rate.unwrap_or(0.0) * 100.0,
                fmt_usd(r.cost_per_1k_usd),
            );
            let _ = match r.goodput_rps {
                Some(g) => writeln!(table, "  goodput {g:>6.2} req/s"),
                None => writeln!(table),
            };
        }
        if let Some(w) = history {
            w.send(crate::history::Record::Bench(Box::new(s.clone())));
        }
        steps.push((per_s, s));
        let k = knees_of(&steps);
        if !go_on(&k) || stop.code().is_some() {
            break;
        }
    }
    let k = knees_of(&steps);
    println!(
        "sweep of {} (limits {}):\n\n{table}",
        plan.workload, a.sweep_limit
    );
    for x in &k {
        let knee = x
            .knee_per_s
            .map_or("below the first rate".into(), |r| format!("{r}/s"));
        match x.crossed_at_per_s {
            Some(c) => println!(
                "{}: knee {knee}; at {c}/s: {}",
                x.target,
                x.crossed.join("; ")
            ),
            None => println!(
                "{}: knee {knee}; no limit crossed up to the last rate",
                x.target
            ),
        }
        if let (Some(at), Some(g)) = (x.goodput_knee_per_s, x.goodput_peak_rps) {
            println!(
                "{}: knee by goodput {at}/s ({g:.2} requests/s within --slo)",
                x.target
            );
        }
    }
    if let Some(path) = &a.report.out {
        let summaries: Vec<Summary> = steps.into_iter().map(|(_, s)| s).collect();
        let out = SweepOut {
            limits: &a.sweep_limit,
            knees: &k,
            steps: &summaries,
        };
        std::fs::write(path, serde_json::to_string_pretty(&out)? + "\n")
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(stop.code().unwrap_or(0))
}

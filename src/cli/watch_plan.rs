//! What `gatebench watch` is asked to do: its flags, and the plan they make over the config's
//! `[watch]` table, with the cost a day said first.

use std::time::Duration;

use clap::{Args, Subcommand};

use crate::answer::PriceBook;
use crate::bench::run::Target;
use crate::session::Session;
use crate::watch::Thresholds;

#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(subcommand)]
    pub command: Option<WatchCommand>,
    /// A model to watch (repeatable; the config's `[watch] targets` otherwise).
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub models: Vec<String>,
    /// A route to watch (repeatable).
    #[arg(short = 'r', long = "route", value_name = "ROUTE")]
    pub routes: Vec<String>,
    /// Time between two probes of a target (`30s`, `5m`; default 5m).
    #[arg(long, value_name = "D", value_parser = super::bench::args::parse_duration)]
    pub every: Option<Duration>,
    /// What each probe asks (default: a one-word answer).
    #[arg(long, conflicts_with = "workload")]
    pub prompt: Option<String>,
    /// A workload file (as `bench --workload` reads it): each probe of a target asks its next line.
    #[arg(long, value_name = "FILE")]
    pub workload: Option<std::path::PathBuf>,
    /// Output tokens a probe asks for at most (default 16).
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u32>,
    /// What counts as drift, over the defaults and the config's:
    /// `p95_ttft_ms=2000,error_rate=0.2,tok_s_drop_pct=30,cost_per_1k_rise_pct=20,served_by_changed,window=10`.
    #[arg(long, value_name = "LIST")]
    pub thresholds: Option<String>,
    /// One round: every target probed once, then exit (1 with --fail-if when one is crossed).
    #[arg(long)]
    pub once: bool,
    /// Thresholds whose crossing makes `--once` exit 1 (as --thresholds).
    #[arg(long, value_name = "LIST", requires = "once")]
    pub fail_if: Option<String>,
    /// Stop after N rounds (for trying it out; a watch runs until stopped otherwise).
    #[arg(long, value_name = "N")]
    pub rounds: Option<u64>,
    /// How far back the history gives each target's baseline (default 7d).
    #[arg(long, value_name = "D", value_parser = super::bench::args::parse_duration)]
    pub baseline: Option<Duration>,
    /// A pinned baseline instead of the history's: a `bench --out` file of the same targets.
    #[arg(long, value_name = "FILE")]
    pub baseline_file: Option<std::path::PathBuf>,
    /// Refuse to start (exit 3) when the watch could spend more than this a day (USD).
    #[arg(long, value_name = "USD", value_parser = super::bench::args::parse_money)]
    pub max_spend_per_day: Option<f64>,
    /// A command run with each alert as JSON on its standard input (killed after 10 s).
    #[arg(long, value_name = "CMD")]
    pub on_alert: Option<String>,
    /// A URL each alert is POSTed to as JSON.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
    /// How long the hook command and the webhook may take before they are given up (default 10s).
    #[arg(long, value_name = "D", value_parser = super::bench::args::parse_duration)]
    pub hook_timeout: Option<Duration>,
    /// Serve `/metrics` (OpenMetrics) for Prometheus on this address, e.g. 127.0.0.1:9464.
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,
    /// Probes and alerts as JSON lines.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum WatchCommand {
    /// Per target: probes, error rate, TTFT by hour, served-by changes, cost, alerts.
    Report(super::watch_report::ReportArgs),
}

/// What the watch runs, from the flags over the config.
pub(super) struct Plan {
    pub(super) targets: Vec<Target>,
    pub(super) every: Duration,
    /// What the probes ask, in turn (a prompt is a workload of one).
    pub(super) items: Vec<crate::bench::workload::Item>,
    pub(super) max_tokens: u32,
    pub(super) thresholds: Thresholds,
    pub(super) fail_if: Option<Thresholds>,
    pub(super) baseline: Duration,
    /// Prices for each probe's cost: `/v1/models`' and the config's (set once the list is in).
    pub(super) prices: PriceBook,
}

pub(super) fn plan(
    session: &Session,
    a: &WatchArgs,
    w: &crate::config::WatchSection,
) -> anyhow::Result<Plan> {
    let (mut models, mut routes) = (a.models.clone(), a.routes.clone());
    if models.is_empty() && routes.is_empty() {
        for t in &w.targets {
            match t.strip_prefix("route:") {
                Some(r) => routes.push(r.to_string()),
                None => models.push(t.clone()),
            }
        }
    }
    let every = match (a.every, &w.interval) {
        (Some(d), _) => d,
        (None, Some(s)) => super::bench::args::parse_duration(s)
            .map_err(|e| anyhow::anyhow!("[watch] interval: {e}"))?,
        (None, None) => Duration::from_secs(300),
    };
    if every < Duration::from_millis(10) || every > Duration::from_secs(7 * 86_400) {
        anyhow::bail!("the interval must be between 10ms and 7 days (got {every:?})");
    }
    let base = match &w.thresholds {
        Some(t) => Thresholds::default()
            .parse_over(t)
            .map_err(|e| anyhow::anyhow!("[watch] thresholds: {e}"))?,
        None => Thresholds::default(),
    };
    let thresholds = match &a.thresholds {
        Some(t) => base
            .clone()
            .parse_over(t)
            .map_err(|e| anyhow::anyhow!("--thresholds: {e}"))?,
        None => base.clone(),
    };
    let fail_if = match &a.fail_if {
        Some(t) => Some(
            base.parse_over(t)
                .map_err(|e| anyhow::anyhow!("--fail-if: {e}"))?,
        ),
        None => None,
    };
    let baseline = match (a.baseline, &w.baseline) {
        (Some(d), _) => d,
        (None, Some(s)) => super::bench::args::parse_duration(s)
            .map_err(|e| anyhow::anyhow!("[watch] baseline: {e}"))?,
        (None, None) => Duration::from_secs(7 * 86_400),
    };
    Ok(Plan {
        targets: session.targets(&models, &routes)?,
        every,
        items: match &a.workload {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("--workload {}: {e}", path.display()))?;
                let (items, bad) = crate::bench::workload::parse(&text);
                if let Some(b) = bad.first() {
                    anyhow::bail!("--workload {}: {b}", path.display());
                }
                if items.is_empty() {
                    anyhow::bail!("--workload {}: no prompts in it", path.display());
                }
                items
            }
            None if a.prompt.is_none() && !w.prompts.is_empty() => w
                .prompts
                .iter()
                .enumerate()
                .map(|(i, p)| crate::bench::workload::Item::prompt(i + 1, p.clone()))
                .collect(),
            None => vec![crate::bench::workload::Item::prompt(
                1,
                a.prompt
                    .clone()
                    .or_else(|| w.prompt.clone())
                    .unwrap_or_else(|| "Reply with the single word: ok".into()),
            )],
        },
        max_tokens: a.max_tokens.or(w.max_tokens).unwrap_or(16).max(1),
        thresholds: fail_if.clone().unwrap_or(thresholds),
        fail_if,
        baseline,
        prices: PriceBook::new(&[], &session.config.prices),
    })
}

/// What the watch spends a day at most (every probe's input and `max_tokens` out), said first
/// and refused above `max_spend_per_day`.
pub(super) async fn check_spend(
    session: &Session,
    a: &WatchArgs,
    p: &Plan,
    listed: &[crate::gateway::wire::ModelInfo],
) -> Option<i32> {
    use crate::bench::estimate::{Known, estimate_shapes};
    let known = Known::new(p.prices.clone(), listed, session.typical_output(None));
    let per_day = (86_400.0 / p.every.as_secs_f64()).ceil() as u64;
    let input = p
        .items
        .iter()
        .map(crate::bench::estimate::input_tokens)
        .max()
        .unwrap_or(0);
    let spend = estimate_shapes(
        &[(input, Some(u64::from(p.max_tokens)))],
        per_day,
        &p.targets,
        &known,
    );
    eprintln!(
        "watch: {} target(s) every {}: {} probes a day, {} a day at most{}",
        p.targets.len(),
        crate::format::fmt_ms(Some(p.every.as_secs_f64() * 1000.0)),
        per_day * p.targets.len() as u64,
        crate::format::fmt_money(spend.worst_usd),
        if spend.unpriced.is_empty() {
            String::new()
        } else {
            format!(" (no price known for {})", spend.unpriced.join(", "))
        }
    );
    let limit = a
        .max_spend_per_day
        .or(session.config.watch.max_spend_per_day)?;
    (spend.worst_usd > limit).then(|| {
        eprintln!(
            "refused: the watch could spend {} a day, more than max_spend_per_day {}",
            crate::format::fmt_money(spend.worst_usd),
            crate::format::fmt_money(limit)
        );
        super::spend::REFUSED
    })
}

//! `gatebench watch`: each target probed on its own schedule (one small streamed request), every
//! probe kept in the history, drift against the baseline turned into alerts; `--once` for cron and
//! CI. `watch report` looks back.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use clap::{Args, Subcommand};
use tokio::sync::mpsc;

use crate::answer::{PriceBook, settle};
use crate::bench::run::Target;
use crate::gateway::wire::ChatRequest;
use crate::session::Session;
use crate::watch::alert::Alerter;
use crate::watch::{Sample, Thresholds, drift};

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

/// How long probes in flight may finish after SIGTERM or Ctrl-C before they are cancelled.
pub const GRACE: Duration = Duration::from_secs(10);

/// A probe loop's two ends: `stop` starts no new probe, `cancel` ends the one in flight.
struct Stops {
    stop: tokio_util::sync::CancellationToken,
    cancel: tokio_util::sync::CancellationToken,
}

#[derive(Debug, Subcommand)]
pub enum WatchCommand {
    /// Per target: probes, error rate, TTFT by hour, served-by changes, cost, alerts.
    Report(super::watch_report::ReportArgs),
}

/// What the watch runs, from the flags over the config.
struct Plan {
    targets: Vec<Target>,
    every: Duration,
    /// What the probes ask, in turn (a prompt is a workload of one).
    items: Vec<crate::bench::workload::Item>,
    max_tokens: u32,
    thresholds: Thresholds,
    fail_if: Option<Thresholds>,
    baseline: Duration,
}

fn plan(session: &Session, a: &WatchArgs, w: &crate::config::WatchSection) -> anyhow::Result<Plan> {
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
    })
}

/// What the watch spends a day at most (every probe's input and `max_tokens` out), said first
/// and refused above `max_spend_per_day`.
async fn check_spend(session: &Session, a: &WatchArgs, p: &Plan) -> Option<i32> {
    use crate::bench::estimate::{Known, estimate_shapes};
    let listed = session.client.models().await.unwrap_or_default();
    let prices = PriceBook::new(&listed, &session.config.prices);
    let known = Known::new(prices, &listed, session.typical_output(None));
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

/// One target's probes, on its own schedule: `offset` into the interval first (jitter), then
/// every `every` on the monotonic clock; a slow probe delays the next, never bursts.
async fn probe_loop(
    session: &Session,
    t: Target,
    p: &Plan,
    offset: Duration,
    rounds: Option<u64>,
    tx: mpsc::Sender<Sample>,
    stops: Stops,
) {
    let Stops { stop, cancel } = stops;
    let start = tokio::time::Instant::now() + offset;
    let mut tick = tokio::time::interval_at(start, p.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let prices = PriceBook::new(&[], &session.config.prices);
    for n in 0.. {
        if rounds.is_some_and(|r| n >= r) {
            break;
        }
        // A stop starts no new probe; the one in flight finishes (until `cancel`).
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tick.tick() => {}
        }
        let item = &p.items[n as usize % p.items.len()];
        let req = ChatRequest {
            model: t.route.chain[0].clone(),
            messages: item.messages.clone(),
            max_tokens: Some(item.max_tokens.unwrap_or(p.max_tokens).min(p.max_tokens)),
            tools: item.tools.clone(),
            response_format: item.response_format.clone(),
            ..Default::default()
        };
        let out =
            crate::route::run(&session.client, &t.route, req, cancel.clone(), n, |_| {}).await;
        let rec = settle(&out, t.named, &prices);
        if rec.error_kind == Some(crate::gateway::ErrorKind::Cancelled) {
            break;
        }
        if tx
            .send(Sample::of(t.name(), crate::clock::now_ms(), &rec))
            .await
            .is_err()
        {
            break;
        }
    }
}

/// A target's place in the interval: spread by its name, the same every run.
fn jitter(name: &str, every: Duration) -> Duration {
    let r = crate::rng::SplitMix64::from_parts(&[name.as_bytes()]).next_f64();
    every.mul_f64(r)
}

/// What lasts across a reload: where alerts go, each target's alerts and recent probes.
struct Folding<'a> {
    history: Option<&'a crate::history::Writer>,
    gateway: String,
    baseline: BTreeMap<String, Vec<Sample>>,
    out: super::watch_out::Out,
    metrics: Option<std::sync::Arc<crate::watch::metrics::Metrics>>,
    alerter: Alerter,
    windows: BTreeMap<String, VecDeque<Sample>>,
    crossed_any: bool,
}

impl Folding<'_> {
    /// One probe: kept, shown, counted, and compared with the baseline.
    async fn fold(&mut self, s: Sample, t: &Thresholds) {
        if let Some(w) = self.history {
            w.send(crate::history::Record::Watch {
                gateway: self.gateway.clone(),
                sample: Box::new(s.clone()),
            });
        }
        self.out.probe(&s);
        if let Some(m) = &self.metrics {
            m.observe(&self.out.scrubbed(&s));
        }
        let window = self.windows.entry(s.target.clone()).or_default();
        window.push_back(s.clone());
        while window.len() > t.window {
            window.pop_front();
        }
        let recent: Vec<Sample> = window.iter().cloned().collect();
        let base = self
            .baseline
            .get(&s.target)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let crossed = drift::evaluate(&recent, base, t);
        self.crossed_any |= !crossed.is_empty();
        if let Some(alert) = self.alerter.step(&s.target, s.at_ms, crossed) {
            self.out.alert(&alert).await;
        }
    }
}

/// A `bench --out` file as each target's baseline.
fn pinned(path: &std::path::Path) -> anyhow::Result<BTreeMap<String, Vec<Sample>>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("--baseline-file {}: {e}", path.display()))?;
    let s = crate::bench::summary::Summary::from_json(&text).map_err(|e| {
        anyhow::anyhow!(
            "--baseline-file {}: not a bench --out file: {e}",
            path.display()
        )
    })?;
    Ok(s.results
        .iter()
        .map(|r| (r.target.clone(), vec![Sample::from_bench(r)]))
        .collect())
}

/// SIGHUP, as a stream of reload requests (never on other systems).
async fn hangup(h: &mut Option<tokio::signal::unix::Signal>) {
    match h.as_mut() {
        Some(h) => {
            h.recv().await;
        }
        None => std::future::pending().await,
    }
}

/// Run the watch until its rounds end or a signal stops it; SIGHUP reloads `[watch]` from the
/// config file (`reload`) and starts the targets' schedules again.
pub async fn run(
    session: &Session,
    a: &WatchArgs,
    history: Option<&crate::history::Writer>,
    reload: impl Fn() -> anyhow::Result<crate::config::Config>,
) -> anyhow::Result<i32> {
    if let Some(WatchCommand::Report(r)) = &a.command {
        return super::watch_report::run(session, r, history);
    }
    let mut p = plan(session, a, &session.config.watch)?;
    if let Some(code) = check_spend(session, a, &p).await {
        return Ok(code);
    }
    let gateway = session.gateway_id();
    let since = crate::clock::now_ms() - p.baseline.as_millis() as i64;
    let earlier = history
        .and_then(|w| crate::history::Store::open(&w.path).ok())
        .and_then(|s| s.watch_samples(&gateway, since, 100_000).ok())
        .unwrap_or_default();
    let metrics = match a.metrics_addr {
        Some(addr) => Some(super::watch_out::serve_metrics(addr, session).await?),
        None => None,
    };
    let stop = super::Stop::listen();
    // After a stop, probes in flight get `GRACE` to finish, then are cancelled.
    let hard = tokio_util::sync::CancellationToken::new();
    {
        let (stop, hard) = (stop.cancel.clone(), hard.clone());
        tokio::spawn(async move {
            stop.cancelled().await;
            tokio::time::sleep(GRACE).await;
            hard.cancel();
        });
    }
    let baseline = match &a.baseline_file {
        Some(path) => pinned(path)?,
        None => crate::watch::report::by_target(earlier),
    };
    let mut f = Folding {
        history,
        gateway,
        baseline,
        out: super::watch_out::Out::new(
            a.json,
            (
                a.on_alert.clone(),
                a.webhook.clone(),
                a.hook_timeout.unwrap_or(super::watch_out::HOOK_TIMEOUT),
            ),
            session,
        ),
        metrics,
        alerter: Alerter::new((p.every.as_millis() as i64 * 6).max(60_000)),
        windows: BTreeMap::new(),
        crossed_any: false,
    };
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    loop {
        // This round's schedules end on a stop, or on SIGHUP to start again with the new config.
        let again = {
            let round = stop.cancel.child_token();
            let (tx, mut rx) = mpsc::channel(256);
            let rounds = if a.once { Some(1) } else { a.rounds };
            let loops = futures_util::future::join_all(p.targets.iter().map(|t| {
                let offset = if a.once {
                    Duration::ZERO
                } else {
                    jitter(t.name(), p.every)
                };
                let stops = Stops {
                    stop: round.clone(),
                    cancel: hard.clone(),
                };
                probe_loop(session, t.clone(), &p, offset, rounds, tx.clone(), stops)
            }));
            drop(tx);
            let fold = async {
                while let Some(s) = rx.recv().await {
                    f.fold(s, &p.thresholds).await;
                }
            };
            let work = async { tokio::join!(loops, fold) };
            tokio::pin!(work);
            let again = tokio::select! {
                _ = &mut work => false,
                _ = hangup(&mut hup) => true,
            };
            if again {
                // New probes stop; those in flight finish and are kept, as on a stop.
                round.cancel();
                (&mut work).await;
            }
            again
        };
        if !again || stop.cancel.is_cancelled() {
            break;
        }
        match reload().and_then(|cfg| plan(session, a, &cfg.watch)) {
            Ok(next) => {
                p = next;
                eprintln!(
                    "watch: the config is reloaded ({} target(s) every {})",
                    p.targets.len(),
                    crate::format::fmt_ms(Some(p.every.as_secs_f64() * 1000.0))
                );
            }
            Err(e) => {
                eprintln!("warning: the config was not reloaded, the watch goes on as it was: {e}")
            }
        }
    }
    stop.done();
    if let Some(code) = stop.code() {
        return Ok(code);
    }
    Ok(i32::from(p.fail_if.is_some() && f.crossed_any))
}

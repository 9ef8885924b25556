//! `gatebench watch`: each target probed on its own schedule (one small streamed request), every
//! probe kept in the history, drift against the baseline turned into alerts; `--once` for cron and
//! CI. `watch report` looks back.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::answer::{PriceBook, settle};
use crate::bench::run::Target;
use crate::gateway::wire::ChatRequest;
use crate::session::Session;
use crate::watch::alert::Alerter;
use crate::watch::{Sample, Thresholds, drift};

use super::watch_plan::{Plan, check_spend, plan};
pub use super::watch_plan::{WatchArgs, WatchCommand};

/// How long probes in flight may finish after SIGTERM or Ctrl-C before they are cancelled.
pub const GRACE: Duration = Duration::from_secs(10);

/// A probe loop's two ends: `stop` starts no new probe, `cancel` ends the one in flight.
struct Stops {
    stop: tokio_util::sync::CancellationToken,
    cancel: tokio_util::sync::CancellationToken,
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
        let rec = settle(&out, t.named, &p.prices);
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
    let listed = session.client.models().await.unwrap_or_default();
    let priced = |mut p: Plan| {
        p.prices = PriceBook::new(&listed, &session.config.prices);
        p
    };
    let mut p = priced(plan(session, a, &session.config.watch)?);
    if let Some(code) = check_spend(session, a, &p, &listed).await {
        return Ok(code);
    }
    let gateway = session.gateway_id();
    let since = crate::clock::now_ms() - p.baseline.as_millis() as i64;
    let earlier = history
        .and_then(crate::history::Writer::reader)
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
                p = priced(next);
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

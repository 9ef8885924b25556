//! The one consumer of finished requests: folds each into its target's statistics, streams its
//! record to the requests file, and shows progress (a live view on a terminal, plain lines
//! otherwise).

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::mpsc;

use crate::answer::AnswerRecord;
use crate::bench::checks::Verdict;
use crate::bench::run::{Counters, Done};
use crate::bench::stats::{JudgeVerdict, TargetStats};
use crate::format::fmt_ms;
use crate::secret::Secret;

/// Longest answer text kept in a request record.
const RECORD_TEXT: usize = 4000;

#[derive(Serialize)]
struct RecordLine<'a> {
    target: &'a str,
    job: usize,
    line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    turn: Option<u32>,
    tags: &'a [String],
    request_id: &'a str,
    sent_unix_us: i64,
    #[serde(flatten)]
    record: &'a AnswerRecord,
    text_truncated: bool,
    checks: &'a [Verdict],
    judge: Option<&'a JudgeVerdict>,
}

/// Where per-request records go, one JSON line each, scrubbed of the key.
pub struct Records {
    out: std::io::BufWriter<std::fs::File>,
    key: Option<Secret>,
    pub error: Option<String>,
}

impl Records {
    pub fn create(path: &std::path::Path, key: Option<Secret>) -> anyhow::Result<Records> {
        let f = std::fs::File::create(path)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        Ok(Records {
            out: std::io::BufWriter::new(f),
            key,
            error: None,
        })
    }

    fn write(&mut self, target: &str, d: &mut Done) {
        if self.error.is_some() {
            return;
        }
        d.record.scrub(self.key.as_ref());
        if let Some(j) = d.judge.as_mut() {
            j.reason = crate::secret::scrub(&j.reason, self.key.as_ref()).into_owned();
        }
        let truncated = d.record.text.chars().nth(RECORD_TEXT).is_some();
        if truncated {
            d.record.text = d.record.text.chars().take(RECORD_TEXT).collect();
        }
        let line = RecordLine {
            target,
            job: d.job,
            line: d.line,
            turn: d.turn,
            tags: &d.tags,
            request_id: &d.request_id,
            sent_unix_us: d.sent_unix_us,
            record: &d.record,
            text_truncated: truncated,
            checks: &d.verdicts,
            judge: d.judge.as_ref(),
        };
        let text = serde_json::to_string(&line).unwrap_or_default();
        if let Err(e) = writeln!(self.out, "{text}") {
            self.error = Some(e.to_string());
        }
    }

    pub fn finish(mut self) -> Option<String> {
        if let Err(e) = self.out.flush() {
            self.error.get_or_insert(e.to_string());
        }
        self.error
    }
}

/// How progress is shown: redrawn on a terminal, a plain line every 5 s, or not at all (the
/// workbench, which draws its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    Live,
    Plain,
    Quiet,
}

pub struct Progress {
    show: Show,
    started: Instant,
    /// Requests the run will make in all, when known (not under --duration alone).
    pub total: Option<u64>,
    done: u64,
    drawn: usize,
    last_plain: Instant,
}

impl Progress {
    /// Live on a terminal unless `no_live`, plain lines otherwise.
    pub fn for_terminal(no_live: bool, total: Option<u64>) -> Self {
        let tty = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
        Self::new(
            if tty && !no_live {
                Show::Live
            } else {
                Show::Plain
            },
            total,
        )
    }

    pub fn new(show: Show, total: Option<u64>) -> Self {
        Self {
            show,
            started: Instant::now(),
            total,
            done: 0,
            drawn: 0,
            last_plain: Instant::now(),
        }
    }

    fn lines(&self, stats: &[TargetStats], c: &Counters) -> Vec<String> {
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = self.done as f64 / secs;
        let errors: u64 = stats.iter().map(|s| s.requests - s.succeeded).sum();
        let head = match self.total {
            Some(t) if t > 0 => {
                let share = (self.done as f64 / t as f64).min(1.0);
                let filled = (share * 24.0) as usize;
                let eta = (rate > 0.0).then(|| (t.saturating_sub(self.done)) as f64 / rate);
                format!(
                    "[{}{}] {}/{t} {:.0}%  ETA {}",
                    "#".repeat(filled),
                    "-".repeat(24 - filled),
                    self.done,
                    share * 100.0,
                    eta.map_or("-".into(), |e| format!("{e:.0}s"))
                )
            }
            _ => format!("{} done, {secs:.0}s", self.done),
        };
        let mut out = vec![format!(
            "{head}  {rate:.1} req/s  {} in flight  {errors} errors",
            c.in_flight.load(Ordering::Relaxed)
        )];
        for s in stats {
            let kinds: Vec<String> = s
                .errors
                .iter()
                .map(|(k, n)| format!("{} {n}", k.name()))
                .collect();
            let q = |p| s.ttft_us.quantile(p).map(|v| v as f64 / 1000.0);
            out.push(format!(
                "  {}: {} done, TTFT p50 {} p95 {}{}",
                s.target,
                s.requests,
                fmt_ms(q(0.5)),
                fmt_ms(q(0.95)),
                if kinds.is_empty() {
                    String::new()
                } else {
                    format!(", errors {}", kinds.join(" "))
                }
            ));
        }
        out
    }

    fn show(&mut self, stats: &[TargetStats], c: &Counters) {
        if self.show == Show::Quiet {
            return;
        }
        let lines = self.lines(stats, c);
        let mut err = std::io::stderr().lock();
        if self.show == Show::Live {
            // Up over what was drawn, then each line cleared and written again.
            if self.drawn > 0 {
                let _ = write!(err, "\x1b[{}A", self.drawn);
            }
            for l in &lines {
                let _ = writeln!(err, "\x1b[2K{}", crate::clean::terminal_safe(l));
            }
            self.drawn = lines.len();
        } else if self.last_plain.elapsed() >= Duration::from_secs(5) {
            self.last_plain = Instant::now();
            let _ = writeln!(err, "bench: {}", lines[0]);
        }
    }

    /// Take the live view off the screen before the result is printed.
    fn clear(&mut self) {
        if self.show == Show::Live && self.drawn > 0 {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\x1b[{}A\x1b[J", self.drawn);
            self.drawn = 0;
        }
    }
}

/// Fold every finished request until the run ends; the statistics per target.
pub async fn collect(
    mut rx: mpsc::Receiver<Done>,
    mut stats: Vec<TargetStats>,
    mut records: Option<&mut Records>,
    mut progress: Progress,
    counters: Arc<Counters>,
) -> Vec<TargetStats> {
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            d = rx.recv() => {
                let Some(mut d) = d else { break };
                progress.done += 1;
                if d.warm {
                    continue;
                }
                let s = &mut stats[d.target];
                s.add(&d.record, d.line, &d.verdicts, d.judge.as_ref());
                if let Some(turn) = d.turn {
                    s.add_turn(turn, &d.record);
                }
                if d.ruled {
                    s.add_rule(&d.record, d.primary_cost);
                }
                if let Some(r) = records.as_deref_mut() {
                    r.write(&s.target, &mut d);
                }
            }
            _ = tick.tick() => progress.show(&stats, &counters),
        }
    }
    progress.clear();
    stats
}

/// Everything one run needs.
pub struct Job {
    pub client: crate::gateway::Client,
    pub targets: Vec<crate::bench::run::Target>,
    pub items: Vec<crate::bench::workload::Item>,
    pub prices: crate::answer::PriceBook,
    pub settings: crate::bench::run::Settings,
    pub base_url: String,
    pub workload: String,
    pub per_day: Option<u64>,
    pub bad_lines: u64,
    /// Scrubbed from the summary and the records.
    pub key: Option<Secret>,
}

/// Run `job` to its end (or `cancel`): every target's statistics, as a summary. The one place a
/// run is started, folded and summed up, for `bench` and the workbench alike.
pub async fn execute(
    job: Job,
    records: Option<&mut Records>,
    progress: Progress,
    cancel: tokio_util::sync::CancellationToken,
) -> crate::bench::summary::Summary {
    use crate::bench::summary::{ClientFigures, FORMAT, Summary, peak_rss_kib};
    let stats: Vec<TargetStats> = job
        .targets
        .iter()
        .map(|t| TargetStats {
            cached_in_latency: job.settings.cached_in_latency,
            slo: job.settings.slo,
            ..TargetStats::new(t.name(), if t.named { &t.route.chain } else { &[] })
        })
        .collect();
    let (tx, rx) = mpsc::channel(1024);
    let counters = Arc::new(Counters::default());
    let started = Instant::now();
    let started_unix_ms = crate::clock::now_ms();
    let load = job.settings.load.to_string();
    let shard = job.settings.shard.map(|s| s.to_string());
    let shared = crate::bench::run::Shared {
        client: job.client,
        items: job.items,
        prices: job.prices,
        settings: job.settings,
        tx,
        counters: counters.clone(),
        cancel,
        tag: format!("{started_unix_ms:x}"),
    };
    let runner = tokio::spawn(crate::bench::run::run(shared, job.targets));
    let targets = collect(rx, stats, records, progress, counters.clone()).await;
    let _ = runner.await;
    let elapsed_s = started.elapsed().as_secs_f64();
    let chunks = counters.chunks.load(Ordering::Relaxed);
    let mut s = Summary {
        format: FORMAT.into(),
        gatebench_version: env!("CARGO_PKG_VERSION").into(),
        started_unix_ms,
        elapsed_s,
        base_url: job.base_url,
        workload: job.workload,
        load,
        shard,
        merged: Vec::new(),
        per_day: job.per_day,
        bad_lines: job.bad_lines,
        interrupted: false,
        results: Vec::new(),
        targets,
        client: Some(ClientFigures {
            chunks,
            chunks_per_s: chunks as f64 / elapsed_s.max(1e-9),
            peak_in_flight: counters.peak_in_flight.load(Ordering::Relaxed),
            peak_rss_kib: peak_rss_kib(),
        }),
    };
    s.scrub(job.key.as_ref());
    s.derive();
    s
}

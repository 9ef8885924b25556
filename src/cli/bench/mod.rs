//! `gatebench bench`: read the workload, run it against every model and route, and report;
//! `gatebench bench merge`: combine shards.

pub mod args;
mod before;
mod source;
pub mod spend;
pub mod sweep;
mod trace;

use std::path::{Path, PathBuf};

pub use args::{BenchArgs, BenchCommand, MergeArgs, ReportArgs, RunArgs};

use crate::answer::PriceBook;
use crate::bench::collect;
use crate::bench::gate;
use crate::bench::output;
use crate::bench::run::{Settings, Shard, Target};
use crate::bench::schedule::Load;
use crate::bench::summary::Summary;
use crate::bench::workload::Item;
use crate::session::Session;

/// Where the per-request records of `out` go: `run.json` -> `run.requests.jsonl`.
pub fn records_path(out: &Path) -> PathBuf {
    let stem = out.to_string_lossy();
    let base = stem.strip_suffix(".json").unwrap_or(&stem);
    PathBuf::from(format!("{base}.requests.jsonl"))
}

fn read_summary(p: &Path) -> anyhow::Result<Summary> {
    let text = std::fs::read_to_string(p)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
    Summary::from_json(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
}

/// Checks that need nothing from the network, done before anything is sent.
struct Prepared {
    gates: Option<Vec<gate::Gate>>,
    old: Option<Summary>,
}

fn prepare(r: &ReportArgs) -> anyhow::Result<Prepared> {
    let gates = r
        .fail_if
        .as_deref()
        .map(gate::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--fail-if: {e}"))?;
    let old = r.compare.as_deref().map(read_summary).transpose()?;
    Ok(Prepared { gates, old })
}

/// Print, write, compare and gate a finished result; the exit status.
fn finish(
    s: &Summary,
    r: &ReportArgs,
    p: &Prepared,
    key: Option<&crate::secret::Secret>,
) -> anyhow::Result<i32> {
    if let Some(path) = &r.out {
        let json = serde_json::to_string_pretty(s)?;
        std::fs::write(path, json + "\n")
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    let old_name = r.compare.as_deref().unwrap_or(Path::new("?")).display();
    let Some(format) = r.format.text() else {
        // The page holds the comparison itself.
        let old = p.old.as_ref().map(|o| (o, old_name.to_string()));
        let with = old.as_ref().map(|(o, n)| (*o, n.as_str()));
        print!("{}", crate::report::bench(s, with, key));
        return Ok(gates(s, p));
    };
    print!("{}", output::render(s, format));
    if let Some(old) = &p.old {
        let text = format!("\nagainst {old_name}:\n{}", output::compare(old, s));
        // JSON and CSV stay parseable on stdout: the comparison then goes to stderr.
        match format {
            output::Format::Json | output::Format::Csv => eprint!("{text}"),
            output::Format::Table | output::Format::Md => print!("{text}"),
        }
    }
    Ok(gates(s, p))
}

/// Say each gate crossed; the exit status (1 when one was).
fn gates(s: &Summary, p: &Prepared) -> i32 {
    let crossed = p
        .gates
        .as_deref()
        .map(|g| gate::evaluate(g, &s.results))
        .unwrap_or_default();
    for c in &crossed {
        eprintln!("gate crossed: {c}");
    }
    i32::from(!crossed.is_empty())
}

pub fn merge(a: &MergeArgs) -> anyhow::Result<i32> {
    let p = prepare(&a.report)?;
    let mut parts = Vec::new();
    for f in &a.files {
        parts.push((f.display().to_string(), read_summary(f)?));
    }
    let mut s = Summary::merge(&parts).map_err(anyhow::Error::msg)?;
    if a.report.per_day.is_some() {
        s.per_day = a.report.per_day;
        s.derive();
    }
    finish(&s, &a.report, &p, None)
}

fn load(a: &RunArgs) -> anyhow::Result<Load> {
    Ok(match (a.rate, a.concurrency) {
        (Some(per_s), _) => Load::Open {
            per_s,
            poisson: a.poisson,
        },
        (None, Some(0)) => anyhow::bail!("--concurrency must be at least 1"),
        (None, c) => Load::Closed {
            concurrency: c.unwrap_or(1),
        },
    })
}

/// One run of the workload under `load`: the summary, stopped early by a signal if one came.
pub(crate) async fn run_once(
    session: &Session,
    a: &RunArgs,
    plan: &Plan,
    load: Load,
    stop: &super::Stop,
) -> anyhow::Result<Summary> {
    let settings = Settings {
        load,
        requests: plan.requests,
        duration: plan.duration,
        warmup: a.warmup,
        max_tokens: a.max_tokens,
        seed: a.seed,
        shard: plan.shard,
        judge_model: a.judge_model.clone(),
        cached_in_latency: a.cached_in_latency,
        slo: a.slo,
        think_time: a.think_time.unwrap_or_default(),
        replay: plan.replay.clone(),
    };
    // Requests, not jobs: a conversation makes one a turn.
    let total = plan.requests.map(|n| {
        let shard = plan.shard.unwrap_or(Shard { index: 0, count: 1 });
        let of = |j: usize| {
            plan.items
                .get(j % plan.items.len().max(1))
                .map_or(1, crate::bench::workload::Item::requests)
        };
        let measured: usize = (0..shard.share(n)).map(|k| of(shard.global(k))).sum();
        let warm: usize = (0..a.warmup).map(of).sum();
        ((measured + warm) * plan.targets.len()) as u64
    });
    let progress = collect::Progress::for_terminal(a.no_live, total);
    let mut records = match a
        .report
        .out
        .as_deref()
        .filter(|_| plan.sweep_step.is_none())
    {
        Some(out) => Some(collect::Records::create(
            &records_path(out),
            session.key.clone(),
        )?),
        None => None,
    };
    let job = collect::Job {
        client: session.client.clone(),
        targets: plan.targets.clone(),
        items: plan.items.clone(),
        prices: plan.prices.clone(),
        settings,
        base_url: session.base_url.clone(),
        workload: plan.workload.clone(),
        per_day: a.report.per_day,
        bad_lines: plan.bad_lines,
        key: session.key.clone(),
    };
    let mut s = collect::execute(job, records.as_mut(), progress, stop.cancel.clone()).await;
    if let Some(r) = &plan.replay {
        s.load = r.load();
    }
    if let Some(e) = records.and_then(collect::Records::finish) {
        eprintln!("warning: the request records could not all be written: {e}");
    }
    s.interrupted = stop.code().is_some();
    Ok(s)
}

/// Everything a run needs that does not change between sweep steps.
pub(crate) struct Plan {
    pub targets: Vec<Target>,
    pub items: Vec<Item>,
    pub prices: PriceBook,
    pub workload: String,
    pub bad_lines: u64,
    pub requests: Option<usize>,
    pub duration: Option<std::time::Duration>,
    pub shard: Option<Shard>,
    pub sweep_step: Option<f64>,
    /// `--trace`: the trace to replay instead of the workload.
    pub replay: Option<crate::bench::trace::Replay>,
}

pub async fn run(
    session: &Session,
    a: &RunArgs,
    history: Option<&crate::history::Writer>,
) -> anyhow::Result<i32> {
    let prepared = prepare(&a.report)?;
    let read = source::read(a)?;
    let (items, workload, bad_lines) = (read.items, read.name, read.bad_lines);
    before::judge_model_given(&items, a)?;
    let shard = a
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let targets = session.targets(&a.models, &a.routes)?;
    let load = load(a)?;
    if a.repeat == Some(0) {
        anyhow::bail!("--repeat must be at least 1");
    }
    let requests = match (a.repeat, a.duration, read.trace_requests) {
        (_, _, Some(n)) => Some(n),
        (None, Some(_), _) => None,
        (r, _, _) => Some(items.len() * r.unwrap_or(1)),
    };
    let listed = before::listed(session, &targets).await;
    let mut plan = Plan {
        prices: PriceBook::new(&listed, &session.config.prices),
        targets,
        items,
        workload,
        bad_lines,
        requests,
        duration: a.duration,
        shard,
        sweep_step: None,
        replay: a.trace.clone().map(|path| crate::bench::trace::Replay {
            path,
            time_scale: a.time_scale.unwrap_or(1.0),
            exact: Vec::new(),
        }),
    };
    let estimate = match before::spend(session, a, &plan, &listed, history).await {
        Ok(e) => e,
        Err(code) => return Ok(code),
    };
    for line in before::probe_warnings(session, &plan, history) {
        eprintln!("{}", crate::clean::terminal_safe(&line));
    }
    if let Some(r) = plan.replay.as_mut() {
        r.exact = trace::exactness(&session.client, &plan.targets, &plan.prices).await;
    }
    let stop = super::Stop::listen();
    if let Some(rates) = &a.sweep {
        let code = sweep::run(session, a, &mut plan, rates, &stop, history).await;
        stop.done();
        return code;
    }
    eprintln!(
        "bench: {} against {} target(s), {}{}",
        plan.workload,
        plan.targets.len(),
        plan.replay.as_ref().map_or(load.to_string(), |r| r.load()),
        shard.map_or(String::new(), |s| format!(", shard {s}"))
    );
    let summary = run_once(session, a, &plan, load, &stop).await?;
    stop.done();
    if let Some(w) = history {
        w.send(crate::history::Record::Bench(Box::new(summary.clone())));
    }
    let code = finish(&summary, &a.report, &prepared, session.key.as_ref())?;
    eprintln!("{}", spend::against_actual(&estimate, &summary));
    Ok(stop.code().unwrap_or(code))
}

/// The subcommands that need no gateway: merge, and reading the stored runs.
pub fn command(g: &super::GlobalArgs, c: &BenchCommand) -> anyhow::Result<i32> {
    match c {
        BenchCommand::Merge(a) => merge(a),
        BenchCommand::List { limit } => {
            let store = open_store(g)?;
            let rows = store.bench_runs(*limit)?;
            if rows.is_empty() {
                println!("no benchmark runs stored yet: `gatebench bench` stores each run here");
            }
            for r in rows {
                println!(
                    "{:>5}  {}  {}  {}",
                    r.id,
                    crate::clock::fmt_utc(r.started_ms),
                    crate::clean::terminal_safe(&r.workload),
                    crate::clean::terminal_safe(&r.targets)
                );
            }
            Ok(0)
        }
        BenchCommand::Show { id, report } => {
            let p = prepare(report)?;
            let store = open_store(g)?;
            let json = store.bench_run(*id)?.ok_or_else(|| {
                anyhow::anyhow!("no stored benchmark run {id} (see `gatebench bench list`)")
            })?;
            let mut s = Summary::from_json(&json).map_err(anyhow::Error::msg)?;
            if report.per_day.is_some() {
                s.per_day = report.per_day;
                s.derive();
            }
            finish(&s, report, &p, None)
        }
    }
}

fn open_store(g: &super::GlobalArgs) -> anyhow::Result<crate::history::Store> {
    let path = crate::history::db_path(g.data_dir.as_deref())
        .ok_or_else(|| anyhow::anyhow!("no data dir on this platform (pass --data-dir)"))?;
    if !path.exists() {
        anyhow::bail!("no history at {} yet", crate::history::display_path(&path));
    }
    Ok(crate::history::Store::open(&path)?)
}

//! `gatebench bench` flags, and reading the values they take.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub command: Option<BenchCommand>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Combine the --out files of shards of one workload into one result (exact: the HDR
    /// histograms merge without loss).
    Merge(MergeArgs),
    /// The runs stored in the history, newest first.
    List {
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// A stored run, by the id `bench list` shows.
    Show {
        id: i64,
        #[command(flatten)]
        report: ReportArgs,
    },
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' summary files (written with --out).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// How a result is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
    Md,
    /// One self-contained HTML page.
    Html,
}

impl ReportFormat {
    /// The text format, or `None` for the HTML page.
    pub fn text(self) -> Option<crate::bench::output::Format> {
        use crate::bench::output::Format;
        match self {
            ReportFormat::Table => Some(Format::Table),
            ReportFormat::Json => Some(Format::Json),
            ReportFormat::Csv => Some(Format::Csv),
            ReportFormat::Md => Some(Format::Md),
            ReportFormat::Html => None,
        }
    }
}

/// What to do with a finished result; shared by a run and a merge.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// Write the result (JSON, mergeable) to FILE; a run also streams one JSON line per request
    /// to FILE with `.requests.jsonl` in place of `.json`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// `html` writes one self-contained page (charts, sortable tables; redirect it to a file).
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Exit with status 1 when a gate is crossed, e.g. 'p95_ttft_ms>800,error_rate>0.01,cost_per_1k_usd>2'.
    #[arg(long, value_name = "EXPR")]
    pub fail_if: Option<String>,
    /// Print the change of every figure against an earlier run's --out file.
    #[arg(long, value_name = "OLD.json")]
    pub compare: Option<PathBuf>,
    /// Requests a day, for the projected cost per day and per 30 days.
    #[arg(long, value_name = "N")]
    pub per_day: Option<u64>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The workload: JSON lines of chat requests (`messages` or `prompt`, `max_tokens`, `tools`,
    /// `tags`, checks) or conversations (`turns`), or one prompt per line.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["synthetic", "prompt"])]
    pub workload: Option<PathBuf>,
    /// Seeded synthetic prompts: `in=512,out=256[,n=100]` (tokens in, tokens out, prompts).
    #[arg(long, value_name = "SPEC", conflicts_with = "prompt")]
    pub synthetic: Option<String>,
    /// One prompt as the whole workload.
    #[arg(long)]
    pub prompt: Option<String>,
    /// Replay a trace in the Mooncake format (JSON lines of `timestamp` ms, `input_length`,
    /// `output_length`, `hash_ids`): each request at its time, prompts built to the lengths
    /// with equal `hash_ids` giving equal prefixes, the output length asked for.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["workload", "synthetic", "prompt", "repeat", "sweep", "rate", "concurrency", "warmup"]
    )]
    pub trace: Option<PathBuf>,
    /// With --trace: multiply every timestamp by F (0.5 replays twice as fast, 2 half as fast).
    #[arg(
        long,
        value_name = "F",
        requires = "trace",
        allow_hyphen_values = true,
        value_parser = parse_time_scale
    )]
    pub time_scale: Option<f64>,
    /// A model to benchmark (repeatable).
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub models: Vec<String>,
    /// A route to benchmark (repeatable): `[routes.NAME]` in the config.
    #[arg(short = 'r', long = "route", value_name = "ROUTE")]
    pub routes: Vec<String>,
    /// Send the whole workload N times to each target.
    #[arg(long, value_name = "N")]
    pub repeat: Option<usize>,
    /// Closed loop: K requests in flight per target (the default, with K = 1).
    #[arg(long, value_name = "K", conflicts_with = "rate")]
    pub concurrency: Option<usize>,
    /// Open loop: R requests a second per target (`10` or `10/s`), on schedule whatever is in flight.
    #[arg(long, value_name = "R", value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// With --rate or --sweep: Poisson arrivals instead of evenly spaced ones.
    #[arg(long)]
    pub poisson: bool,
    /// Stop starting requests after D (`90s`, `5m`); cycles through the workload until then.
    #[arg(long, value_name = "D", value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// In a conversation (a workload line with `turns`), wait D between an answer and the next
    /// turn, as a user reading it would (`2s`, `500ms`).
    #[arg(long, value_name = "D", value_parser = parse_duration)]
    pub think_time: Option<Duration>,
    /// Requests per target sent first and left out of the figures.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub warmup: usize,
    /// max_tokens for requests whose line sets none.
    #[arg(long, value_name = "M")]
    pub max_tokens: Option<u32>,
    /// Lines of the workload that cannot be read are fatal (otherwise reported and skipped).
    #[arg(long)]
    pub strict: bool,
    /// The model that grades `judge` rubrics (through the same gateway).
    #[arg(long, value_name = "MODEL")]
    pub judge_model: Option<String>,
    /// Run shard I of N: every N-th request from the I-th (a Kubernetes Indexed Job or a CI matrix
    /// starts N copies); combine their --out files with `gatebench bench merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Open-loop rates to step through (`1,2,4,8` or `1..64`, doubling), each for --duration
    /// (default 10s), until a --sweep-limit is crossed; reports the knee per target.
    #[arg(long, value_name = "RATES", conflicts_with_all = ["rate", "concurrency"])]
    pub sweep: Option<String>,
    /// Where a sweep stops, as gates.
    #[arg(
        long,
        value_name = "EXPR",
        default_value = "error_rate>0.05,p95_ttft_ms>5000"
    )]
    pub sweep_limit: String,
    /// Objectives for goodput: `ttft_ms<=500,itl_ms<=50,total_ms<=8000`. Each target reports the
    /// share of requests that succeeded within all of them (`goodput_rate`), and those requests
    /// and their output tokens a second (`goodput_rps`, `goodput_tok_s`).
    #[arg(long, value_name = "LIST", value_parser = crate::bench::slo::Slo::parse)]
    pub slo: Option<crate::bench::slo::Slo>,
    /// Count answers served from the gateway's own cache (Portkey's `x-portkey-cache-status: HIT`)
    /// in the latency figures; by default they are counted apart and kept out.
    #[arg(long)]
    pub cached_in_latency: bool,
    /// Seed for synthetic prompts, arrival times and backoff jitter.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Plain progress lines even on a terminal.
    #[arg(long)]
    pub no_live: bool,
    /// Refuse the run (exit 3) when its worst-case spend is more than this many USD.
    #[arg(long, value_name = "USD", value_parser = parse_money)]
    pub max_spend: Option<f64>,
    /// Run without asking when the worst case is more than the credits the gateway says are left.
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// An amount of USD: a finite number, 0 or more.
pub fn parse_money(s: &str) -> Result<f64, String> {
    match s.trim().trim_start_matches('$').parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!(
            "{s:?} is not an amount of USD (a number, 0 or more)"
        )),
    }
}

/// `10`, `10/s`, `2.5/s`: a positive rate.
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let t = t.strip_suffix("/s").unwrap_or(t);
    t.trim()
        .parse::<f64>()
        .ok()
        .filter(|r| r.is_finite() && *r > 0.0)
        .ok_or_else(|| format!("{s:?} is not a positive rate (e.g. 10 or 10/s)"))
}

/// A positive, finite factor.
pub fn parse_time_scale(s: &str) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0 && *v <= 1e6)
        .ok_or_else(|| format!("{s:?} is not a time scale: a number above 0, e.g. 0.5"))
}

/// `500ms`, `30s`, `5m`, `1h`, or seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (n, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (t, 1.0)
    };
    n.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0 && v * scale < 1e9)
        .map(|v| Duration::from_secs_f64(v * scale))
        .ok_or_else(|| format!("{s:?} is not a duration (e.g. 30s, 5m, 500ms)"))
}

/// `1,2,4,8` or `1..64` (doubling from the first to the last).
pub fn parse_sweep(s: &str) -> Result<Vec<f64>, String> {
    let rates: Vec<f64> = match s.split_once("..") {
        Some((a, b)) => {
            let (a, b) = (parse_rate(a)?, parse_rate(b)?);
            if b < a {
                return Err(format!("--sweep {s:?}: the last rate is below the first"));
            }
            let mut v = vec![a];
            while v.last().is_some_and(|r| r * 2.0 <= b) && v.len() < 64 {
                v.push(v[v.len() - 1] * 2.0);
            }
            v
        }
        None => s.split(',').map(parse_rate).collect::<Result<_, _>>()?,
    };
    if rates.windows(2).any(|w| w[1] <= w[0]) {
        return Err(format!("--sweep {s:?}: rates must rise"));
    }
    Ok(rates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_durations_and_sweeps() {
        assert_eq!(parse_rate("10/s"), Ok(10.0));
        assert_eq!(parse_rate(" 2.5 "), Ok(2.5));
        assert!(parse_rate("0").is_err() && parse_rate("-1").is_err() && parse_rate("x").is_err());
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("0s").is_err() && parse_duration("soon").is_err());
        assert!(parse_duration("1e300h").is_err());
        assert_eq!(parse_sweep("1..10"), Ok(vec![1.0, 2.0, 4.0, 8.0]));
        assert_eq!(parse_sweep("1,3,9"), Ok(vec![1.0, 3.0, 9.0]));
        assert!(parse_sweep("4,2").is_err());
        assert!(parse_sweep("8..2").is_err());
        assert!(parse_sweep("1,x").is_err());
    }
}

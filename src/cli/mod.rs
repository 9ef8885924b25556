//! Command-line interface: flags shared by every command, and the headless commands.

pub mod account;
pub mod agent;
pub mod ask;
pub mod ask_args;
pub mod ask_record;
pub mod ask_text;
pub mod bench;
pub mod context;
pub mod demo_gateway;
mod generation;
pub mod history;
pub mod ladder;
pub mod leaderboard;
pub mod models;
pub mod page;
pub mod probe;
pub mod rehearse;
pub mod shell;
pub mod spend;
pub mod watch;
mod watch_out;
mod watch_plan;
pub mod watch_report;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{self, Config, Selection};
use crate::demo::DemoConfig;

#[derive(Debug, Parser)]
#[command(
    name = "gatebench",
    version,
    about = "A terminal workbench for OpenAI-compatible LLM gateways",
    long_about = "A terminal workbench for OpenAI-compatible LLM gateways: pick models, send one prompt \
to several at once, watch them stream side by side with latency and cost, and run the same work headless.\n\n\
With no INFERGATE_API_KEY set it runs on a built-in demo gateway with simulated models."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Models to open the workbench with (repeatable).
    #[arg(short = 'm', long = "model", global = false)]
    pub models: Vec<String>,
    /// Reopen the last workbench session where it was (its panes, answers and figures).
    #[arg(long)]
    pub resume: bool,
    /// Colour theme for the workbench (dark, light, high-contrast, or a file in the config dir).
    #[arg(long)]
    pub theme: Option<String>,
    /// Show answers as the model wrote them instead of rendered markdown (`t` switches a pane).
    #[arg(long)]
    pub raw: bool,
    #[command(flatten)]
    pub agent: agent::ToolArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Config file (default: the platform config dir, e.g. ~/.config/gatebench/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Profile to use: infergate, openai, openrouter, litellm, portkey, ollama, llamacpp, demo, or one of yours.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Gateway base URL, e.g. http://127.0.0.1:4000/v1 (overrides the profile's).
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// Environment variable holding the API key (overrides the profile's).
    #[arg(long, global = true, value_name = "VAR")]
    pub api_key_env: Option<String>,
    /// API to use: `chat` (/v1/chat/completions, the default) or `responses` (/v1/responses).
    #[arg(long, global = true, value_name = "API", value_parser = parse_api)]
    pub api: Option<crate::gateway::Api>,
    /// Use the built-in demo gateway whatever else is set.
    #[arg(long, global = true)]
    pub demo: bool,
    /// Demo gateway speed factor: 10 runs ten times faster with the same timing shape, inf sends at once.
    #[arg(
        long,
        global = true,
        env = "GATEBENCH_DEMO_SPEED",
        value_name = "FACTOR"
    )]
    pub demo_speed: Option<f64>,
    /// The demo gateway's trial credits in USD (default 20): each answer's cost comes off them.
    #[arg(
        long,
        global = true,
        env = "GATEBENCH_DEMO_CREDITS",
        value_name = "USD"
    )]
    pub demo_credits: Option<f64>,
    /// Demo gateway seed: the same seed gives the same answers, timings and faults.
    #[arg(long, global = true, env = "GATEBENCH_DEMO_SEED", value_name = "N")]
    pub demo_seed: Option<u64>,
    /// Demo gateway fault injection for one model (repeatable), e.g.
    /// `demo/pro-large:rate_429=0.3,retry_after_s=2`; also GATEBENCH_DEMO_FAULTS, `;`-separated.
    #[arg(long = "demo-fault", global = true, value_name = "MODEL:SPEC")]
    pub demo_faults: Vec<String>,
    /// Where the history database lives (default: the platform data dir, e.g.
    /// ~/.local/share/gatebench).
    #[arg(long, global = true, value_name = "PATH", env = "GATEBENCH_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Record nothing in the history this time (the config's `history = false` does it always).
    #[arg(long, global = true)]
    pub no_history: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the models the gateway offers for this key, with context length and prices.
    Models(models::ModelsArgs),
    /// What the gateway says about this key's account: credits or budget left, spend today and
    /// this month, limits, free tier, expiry (OpenRouter's /key and /credits, LiteLLM's /key/info).
    Account(account::AccountArgs),
    /// Send one prompt to one or more models at once and report the answers, latency and cost.
    Ask(ask::AskArgs),
    /// Send N requests through a route and report what its fallbacks bought: success rates,
    /// added latency, which hop served, cost against the primary alone.
    Rehearse(rehearse::RehearseArgs),
    /// What each model or route really supports (tools, JSON schemas, logprobs, seeds, stop
    /// sequences, usage in the stream, the Responses API...), with the wire checked and the
    /// gateway's own claims beside the results
    Probe(probe::ProbeArgs),
    /// Keep testing models and routes on a schedule and say when one drifts (latency, errors,
    /// speed, cost, who serves it); `--once` for cron and CI; `watch report` looks back
    Watch(watch::WatchArgs),
    /// Benchmark a workload across models and routes side by side: closed or open loop, HDR
    /// percentiles, checks and a judge, cost per request and per day, CI gates, --compare, shards
    /// and `bench merge`; `bench list` and `bench show` read the runs stored in the history.
    Bench(Box<bench::BenchArgs>),
    /// The context ladder: one question with growing context (filler with a needle in it) per
    /// model: TTFT, total, cost and whether the needle was found, as a table and charts or JSON.
    Ladder(ladder::LadderArgs),
    /// The history: with no subcommand, the workbench opens on it; `list`, `search`, `show`,
    /// `stats` and `prune` are for scripts.
    History(history::HistoryArgs),
    /// Export a stored session as Markdown, JSON or CSV.
    Export(history::ExportArgs),
    /// Blind-vote standings per model (Bradley-Terry rating, win rate with its interval) beside
    /// median TTFT and cost per 1k output tokens, and the models the frontier rules out.
    Leaderboard(leaderboard::LeaderboardArgs),
    /// Serve the built-in demo gateway on 127.0.0.1 until interrupted.
    DemoGateway(demo_gateway::DemoGatewayArgs),
    /// Where the config is, and a check of everything in it.
    #[command(subcommand)]
    Config(shell::ConfigCommand),
    /// Shell completions: `gatebench completions bash > ~/.local/share/bash-completion/completions/gatebench`.
    Completions(shell::CompletionsArgs),
    /// The man page (roff): `gatebench man > gatebench.1 && man ./gatebench.1`.
    Man,
}

impl GlobalArgs {
    pub fn load_config(&self) -> anyhow::Result<Config> {
        Ok(config::load(self.config.as_deref())?.0)
    }

    /// Why nothing is recorded this time, if it is not.
    pub fn history_off(&self, cfg: &Config) -> Option<String> {
        if self.no_history {
            Some("history off (--no-history)".into())
        } else if cfg.history == Some(false) {
            Some("history off (history = false in the config)".into())
        } else {
            None
        }
    }

    /// The history writer for a command that records, or why there is none.
    pub fn history_writer(
        &self,
        cfg: &Config,
        key: Option<crate::secret::Secret>,
        on_error: Box<dyn Fn(String) + Send>,
    ) -> Result<crate::history::Writer, String> {
        if let Some(why) = self.history_off(cfg) {
            return Err(why);
        }
        crate::history::start(self.data_dir.as_deref(), key, on_error)
    }

    pub fn selection(&self) -> Selection {
        Selection {
            profile: self.profile.clone(),
            base_url: self.base_url.clone(),
            api_key_env: self.api_key_env.clone(),
            demo: self.demo,
            api: self.api,
        }
    }

    pub fn demo_config(&self, cfg: &Config) -> anyhow::Result<DemoConfig> {
        let speed = self.demo_speed.or(cfg.demo.speed).unwrap_or(1.0);
        if speed.is_nan() || speed <= 0.0 {
            anyhow::bail!("the demo speed factor must be a positive number (got {speed})");
        }
        // Config first, then the environment, then flags: the most specific wins per model.
        let mut faults: std::collections::HashMap<_, _> =
            cfg.demo.faults.clone().into_iter().collect();
        let from_env = std::env::var("GATEBENCH_DEMO_FAULTS").unwrap_or_default();
        let specs = from_env
            .split(';')
            .map(str::to_string)
            .chain(self.demo_faults.iter().cloned());
        for spec in specs.filter(|s| !s.trim().is_empty()) {
            let (model, f) =
                crate::demo::models::parse_fault_spec(&spec).map_err(anyhow::Error::msg)?;
            faults.insert(model, f);
        }
        let credits_usd = self
            .demo_credits
            .unwrap_or(crate::demo::server::DEMO_CREDITS_USD);
        if !credits_usd.is_finite() || credits_usd < 0.0 {
            anyhow::bail!(
                "the demo credits must be a number of dollars, 0 or more (got {credits_usd})"
            );
        }
        Ok(DemoConfig {
            seed: self.demo_seed.or(cfg.demo.seed).unwrap_or(1),
            speed,
            faults,
            credits_usd,
            ..Default::default()
        })
    }
}

pub use crate::format::{fmt_ms, fmt_usd};

fn parse_api(s: &str) -> Result<crate::gateway::Api, String> {
    crate::gateway::Api::parse(s)
}

/// Stopping a headless command: Ctrl-C or SIGTERM cancel the token, and `code` says which exit
/// status that means (130 for Ctrl-C, 143 for SIGTERM, as shells report them).
pub struct Stop {
    pub cancel: tokio_util::sync::CancellationToken,
    signal: std::sync::Arc<std::sync::atomic::AtomicI32>,
    task: tokio::task::JoinHandle<()>,
}

impl Stop {
    pub fn listen() -> Self {
        use std::sync::atomic::Ordering;
        let cancel = tokio_util::sync::CancellationToken::new();
        let signal = std::sync::Arc::new(std::sync::atomic::AtomicI32::new(0));
        let (c, sig) = (cancel.clone(), signal.clone());
        let task = tokio::spawn(async move {
            #[cfg(unix)]
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            #[cfg(unix)]
            let terminated = async {
                match term.as_mut() {
                    Some(t) => t.recv().await,
                    None => std::future::pending().await,
                }
            };
            #[cfg(not(unix))]
            let terminated = std::future::pending::<Option<()>>();
            let code = tokio::select! {
                _ = tokio::signal::ctrl_c() => 130,
                _ = terminated => 143,
            };
            sig.store(code, Ordering::SeqCst);
            c.cancel();
        });
        Self {
            cancel,
            signal,
            task,
        }
    }

    /// The exit status a signal asks for, if one came.
    pub fn code(&self) -> Option<i32> {
        match self.signal.load(std::sync::atomic::Ordering::SeqCst) {
            0 => None,
            c => Some(c),
        }
    }

    /// Stop listening (the command finished on its own).
    pub fn done(&self) {
        self.task.abort();
    }
}

/// How long a command waits for `/v1/models` (for prices) once its answers are in.
pub const PRICE_LIST_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// The price list fetched beside the answers: taken if it is there within a short grace, never
/// waited on longer (nor past a stop); without it, costs come from the gateway or the config.
pub async fn price_list(
    listing: tokio::task::JoinHandle<Vec<crate::gateway::wire::ModelInfo>>,
    stop: &Stop,
) -> Vec<crate::gateway::wire::ModelInfo> {
    tokio::select! {
        r = listing => r.unwrap_or_default(),
        _ = tokio::time::sleep(PRICE_LIST_GRACE) => {
            eprintln!("note: /v1/models did not answer in time: costs come from the gateway or the config only");
            Vec::new()
        }
        _ = stop.cancel.cancelled() => Vec::new(),
    }
}

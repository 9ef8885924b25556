//! The flags of `ask` (and the agent-loop flags it shares with the workbench), apart from the
//! runners that read them, so `ask` and `agent` both depend on this file and not on each other.

use clap::Args;

#[derive(Debug, Args)]
pub struct AskArgs {
    /// Model to ask (repeatable; all are asked at once). Default: the profile's default models.
    #[arg(short = 'm', long = "model")]
    pub models: Vec<String>,
    /// Route to ask through (repeatable): a `[routes.NAME]` of the config, or `demo-fallback`.
    #[arg(short = 'r', long = "route")]
    pub routes: Vec<String>,
    /// System prompt.
    #[arg(long)]
    pub system: Option<String>,
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_tokens: Option<u32>,
    /// Sampling temperature, 0 to 2.
    #[arg(long, value_parser = temperature)]
    pub temperature: Option<f32>,
    /// Print a JSON array, one object per model.
    #[arg(long)]
    pub json: bool,
    /// Where the metrics table goes in text mode: `stderr` (the default, so `> answer.md` holds
    /// only the answers), `stdout`, or `none`.
    #[arg(long, value_name = "WHERE", default_value = "stderr", value_parser = ["stderr", "stdout", "none"])]
    pub metrics: String,
    /// Ask for whole answers instead of streams (no time to first token then: it equals the total).
    #[arg(long, conflicts_with_all = ["routes", "tools"])]
    pub no_stream: bool,
    /// Attach a text file or a folder's text files to the prompt (repeatable). The prompt's
    /// tokens are checked against each model's context window before anything is sent.
    #[arg(long = "attach", value_name = "PATH")]
    pub attach: Vec<String>,
    /// Attach a large folder without asking.
    #[arg(long)]
    pub yes: bool,
    /// Send even to models whose context window the prompt does not fit.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub agent: ToolArgs,
    /// The prompt; `-` reads it from standard input.
    pub prompt: String,
}

fn temperature(s: &str) -> Result<f32, String> {
    s.trim()
        .parse::<f32>()
        .ok()
        .filter(|t| (0.0..=2.0).contains(t))
        .ok_or_else(|| format!("{s:?} is not a temperature: a number from 0 to 2"))
}

/// The agent-loop flags of `ask` and the workbench.
#[derive(Debug, Clone, clap::Args)]
pub struct ToolArgs {
    /// Offer these tools (a JSON or TOML file of function definitions; default: the config's
    /// `[tools]`) and run an agent loop: tool calls are checked against their schema and answered
    /// from --tool-stubs (or, in the workbench, typed in with `T`) until the model answers.
    #[arg(long, value_name = "FILE")]
    pub tools: Option<String>,
    /// Canned tool results by tool name (JSON or TOML; `*` answers any other tool).
    #[arg(long, value_name = "FILE")]
    pub tool_stubs: Option<String>,
    /// At most this many requests per model (and turn) in an agent loop.
    #[arg(long, default_value_t = crate::tools::agent::DEFAULT_MAX_STEPS,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_steps: u32,
}

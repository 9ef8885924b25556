//! `gatebench probe`: what a model or route really supports, asked cheaply and judged from the
//! answers, with the wire itself checked on every streamed probe. The capabilities and verdicts
//! are here; `cases` makes the requests and judges them, `conform` checks the wire, `claims` reads
//! what the gateway says the model supports, `run` asks, `report` prints.

pub mod cases;
pub mod claims;
pub mod conform;
pub mod diff;
pub mod judge;
pub mod report;
pub mod run;
mod scrub;

use serde::{Deserialize, Serialize};

/// One thing a target may or may not do. Names (serde and `--only`) are the snake-case variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    Streaming,
    UsageAsked,
    UsageUnasked,
    Tools,
    ParallelTools,
    ToolChoiceRequired,
    ToolChoiceNone,
    JsonObject,
    JsonSchema,
    Logprobs,
    Seed,
    Stop,
    MaxTokens,
    N,
    SystemRole,
    Reasoning,
    ResponsesApi,
}

impl Capability {
    /// Every capability, in the matrix's order.
    pub const ALL: [Capability; 17] = [
        Capability::Streaming,
        Capability::UsageAsked,
        Capability::UsageUnasked,
        Capability::Tools,
        Capability::ParallelTools,
        Capability::ToolChoiceRequired,
        Capability::ToolChoiceNone,
        Capability::JsonObject,
        Capability::JsonSchema,
        Capability::Logprobs,
        Capability::Seed,
        Capability::Stop,
        Capability::MaxTokens,
        Capability::N,
        Capability::SystemRole,
        Capability::Reasoning,
        Capability::ResponsesApi,
    ];

    /// The serde name: `json_schema`.
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    pub fn parse(s: &str) -> Option<Capability> {
        serde_json::from_value(serde_json::Value::String(s.trim().to_string())).ok()
    }

    /// What the cell asks, for the help and the README.
    pub fn question(self) -> &'static str {
        match self {
            Capability::Streaming => "answers a stream request as an event stream",
            Capability::UsageAsked => "sends usage in the stream when include_usage is asked",
            Capability::UsageUnasked => "sends usage in the stream even unasked (informational)",
            Capability::Tools => "calls the one tool offered, with arguments that parse",
            Capability::ParallelTools => "calls two tools in one answer",
            Capability::ToolChoiceRequired => "calls a tool when tool_choice is required",
            Capability::ToolChoiceNone => "calls no tool when tool_choice is none",
            Capability::JsonObject => "answers a JSON object with response_format json_object",
            Capability::JsonSchema => "answers JSON that validates against a strict json_schema",
            Capability::Logprobs => "returns logprobs and top_logprobs",
            Capability::Seed => "gives the same answer twice at temperature 0 with a seed",
            Capability::Stop => "stops at a stop sequence",
            Capability::MaxTokens => "honours max_tokens with finish_reason length",
            Capability::N => "returns n = 2 choices",
            Capability::SystemRole => "accepts a system message",
            Capability::Reasoning => "streams reasoning separately from the answer",
            Capability::ResponsesApi => "serves the Responses API (/v1/responses), streamed",
        }
    }

    /// The mark the model picker shows for a capability the last probe found (tools, schema,
    /// reasoning), and what it means.
    pub const MARKS: [(Capability, char); 3] = [
        (Capability::Tools, 'T'),
        (Capability::JsonSchema, 'S'),
        (Capability::Reasoning, 'R'),
    ];
}

/// A cell of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Yes,
    No,
    Partial,
    Error,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Yes => "yes",
            Verdict::No => "no",
            Verdict::Partial => "partial",
            Verdict::Error => "error",
        }
    }
}

/// What the verdict rests on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The request body sent (the last one, for capabilities that take several).
    pub request: serde_json::Value,
    /// The first bytes of the answer: its text, tool calls, or the error.
    pub answer_start: String,
    /// Tries that passed, of those made (json_schema over N tries, seed over two runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<(u32, u32)>,
}

/// One capability of one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub capability: Capability,
    pub verdict: Verdict,
    pub reason: String,
    pub evidence: Evidence,
    /// What the gateway claims for the model (OpenRouter `supported_parameters`, LiteLLM
    /// `/model/info`), when it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed: Option<bool>,
    /// Claimed, and the probe says no.
    #[serde(default)]
    pub refuted: bool,
}

/// A break of the protocol, with the line that showed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    /// The rule broken: `role_first`, `same_id`, `same_model`, `one_finish`, `after_finish`,
    /// `usage_chunk`, `done`, `tool_index`, `tool_id_once`, `tool_arguments`, `responses_order`,
    /// `responses_completed`, `bad_json`.
    pub rule: String,
    pub what: String,
    /// The offending line (its start).
    pub line: String,
    /// The probe that showed it first, and how many streams showed it.
    pub probe: Capability,
    pub times: u32,
}

/// What the wire carried that is allowed but worth knowing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Tolerated {
    pub keep_alive_comments: u64,
    pub empty_deltas: u64,
}

/// Every cell of one target, and the wire's checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetProbe {
    pub target: String,
    pub cells: Vec<Cell>,
    pub violations: Vec<Violation>,
    pub tolerated: Tolerated,
    /// Streamed probes whose wire was checked.
    pub streams_checked: u32,
}

impl TargetProbe {
    pub fn cell(&self, c: Capability) -> Option<&Cell> {
        self.cells.iter().find(|x| x.capability == c)
    }

    /// The picker's marks: the letter of each of `Capability::MARKS` the probe found (`TS`).
    pub fn marks(&self) -> String {
        Capability::MARKS
            .iter()
            .filter(|(c, _)| self.cell(*c).is_some_and(|x| x.verdict == Verdict::Yes))
            .map(|(_, m)| *m)
            .collect()
    }

    /// The capabilities the probe found missing or broken (`no` or `error`).
    pub fn failed(&self, c: Capability) -> bool {
        self.cell(c)
            .is_some_and(|x| matches!(x.verdict, Verdict::No | Verdict::Error))
    }
}

/// A whole probe: when, where, and every target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    pub format: String,
    pub gatebench_version: String,
    pub at_unix_ms: i64,
    pub base_url: String,
    pub targets: Vec<TargetProbe>,
}

pub const FORMAT: &str = "gatebench-probe/1";

/// The start of a text, on one line, at most `n` characters.
pub fn start(text: &str, n: usize) -> String {
    let one = crate::clean::plain_line(text, n);
    one.chars().take(n).collect()
}

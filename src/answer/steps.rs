//! What an agent run records: its steps (each request's figures and tool calls) and why it ended.
//! The loop that makes them is `tools::agent`; they live here, with the record that holds them.

use serde::{Deserialize, Serialize};

/// One tool call of a step: what the model asked, whether it matches the tool's schema, and the
/// result sent back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallReport {
    pub id: String,
    pub name: String,
    /// The arguments as the model wrote them.
    pub arguments: String,
    /// Why the arguments do not fit the tool's schema (or are not JSON); null when they do.
    pub invalid: Option<String>,
    /// The result sent back; null while it is still awaited.
    pub result: Option<String>,
}

impl CallReport {
    /// The arguments as indented JSON, or as written when they are not JSON.
    pub fn pretty_arguments(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.arguments)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| self.arguments.clone())
    }
}

/// One request of an agent run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentStep {
    pub step: u32,
    #[serde(serialize_with = "super::round::round_ms")]
    pub ttft_ms: Option<f64>,
    #[serde(serialize_with = "super::round::round_ms")]
    pub total_ms: Option<f64>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    #[serde(serialize_with = "super::round::round_usd")]
    pub cost_usd: Option<f64>,
    pub finish_reason: Option<String>,
    pub tool_calls: Vec<CallReport>,
    pub error: Option<String>,
}

/// Why an agent run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stopped {
    /// The model answered without asking for a tool.
    Answered,
    /// The step limit was reached while the model still asked for tools.
    StepLimit,
    /// A tool call has no stub and no one typed its result.
    NoResult,
    /// A request failed.
    Error,
}

impl Stopped {
    pub fn label(&self) -> &'static str {
        match self {
            Stopped::Answered => "answered",
            Stopped::StepLimit => "step limit reached",
            Stopped::NoResult => "waiting for a tool result",
            Stopped::Error => "failed",
        }
    }
}

impl AgentStep {
    pub fn scrub(&mut self, c: crate::secret::Scrubber) {
        let AgentStep {
            step: _,
            ttft_ms: _,
            total_ms: _,
            input_tokens: _,
            output_tokens: _,
            cost_usd: _,
            finish_reason,
            tool_calls,
            error,
        } = self;
        c.opt(finish_reason);
        c.opt(error);
        for call in tool_calls {
            let CallReport {
                id,
                name,
                arguments,
                invalid,
                result,
            } = call;
            for s in [id, name, arguments] {
                c.text(s);
            }
            for s in [invalid, result] {
                c.opt(s);
            }
        }
    }
}

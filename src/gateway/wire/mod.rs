//! Wire types for OpenAI-compatible servers, lenient on purpose: every field is optional, numbers may
//! arrive as strings, unknown fields are ignored. Gateways disagree on details, and one odd field
//! must never cost the user a whole answer.

mod models;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

pub use models::{ModelInfo, Prices, RawModel, RawModelList};

/// Accepts a number, a numeric string, or null/anything else (as `None`).
pub(crate) fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

pub(crate) fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(lenient_f64(d)?.filter(|v| *v >= 0.0).map(|v| v as u64))
}

// ---------------------------------------------------------------------------------------------
// /v1/chat/completions

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    Developer,
    User,
    Assistant,
    Tool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
    /// An assistant turn's tool calls, sent back so the model sees what it asked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<WireToolCall>,
    /// A tool result's answer to this call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

/// A tool call as a request carries it: `{"id","type":"function","function":{name, arguments}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireToolCall {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub function: WireFunction,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireFunction {
    pub name: String,
    /// The arguments as the model wrote them: a JSON text.
    pub arguments: String,
}

impl Message {
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
    /// The assistant's turn that asked for tools.
    pub fn tool_request(content: impl Into<String>, calls: Vec<WireToolCall>) -> Self {
        Self {
            tool_calls: calls,
            ..Self::new(Role::Assistant, content)
        }
    }
    /// A tool's result, answering call `id`.
    pub fn tool_result(id: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            tool_call_id: Some(id.into()),
            ..Self::new(Role::Tool, content)
        }
    }
    pub fn system(content: impl Into<String>) -> Self {
        Self::new(Role::System, content)
    }
    pub fn user(content: impl Into<String>) -> Self {
        Self::new(Role::User, content)
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new(Role::Assistant, content)
    }
}

/// Why the model stopped. Unknown reasons are kept as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinishReason {
    Stop,
    /// `max_tokens` (or the context) ran out.
    Length,
    ToolCalls,
    ContentFilter,
    Other(String),
}

impl FinishReason {
    pub fn as_str(&self) -> &str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::ToolCalls => "tool_calls",
            FinishReason::ContentFilter => "content_filter",
            FinishReason::Other(s) => s,
        }
    }
}

impl From<String> for FinishReason {
    fn from(s: String) -> Self {
        match s.as_str() {
            "stop" | "end_turn" | "completed" => FinishReason::Stop,
            "length" | "max_tokens" | "max_output_tokens" => FinishReason::Length,
            "tool_calls" | "function_call" | "tool_use" => FinishReason::ToolCalls,
            "content_filter" => FinishReason::ContentFilter,
            _ => FinishReason::Other(s),
        }
    }
}

impl std::fmt::Display for FinishReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FinishReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FinishReason {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(FinishReason::from)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<Message>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    pub stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    /// Tool definitions offered to the model, sent as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<serde_json::Value>,
    /// Structured output (`{"type": "json_schema", ...}` or `json_object`), sent as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<serde_json::Value>,
    /// Ask for exactly `max_tokens` (vLLM's `min_tokens`, vLLM's and llama-server's
    /// `ignore_eos`), for trace replay; not every server takes them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_eos: Option<bool>,
    /// Sent as the `x-request-id` header (not in the body), to match a request in server logs.
    #[serde(skip)]
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamOptions {
    pub include_usage: bool,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawChunk {
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub choices: Option<Vec<RawChoice>>,
    #[serde(default)]
    pub usage: Option<RawUsage>,
    #[serde(default)]
    pub error: Option<Value>,
    /// llama-server's own timing report.
    #[serde(default)]
    pub timings: Option<Value>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawChoice {
    #[serde(default)]
    pub delta: Option<RawDelta>,
    /// Non-streaming responses carry `message` instead of `delta`.
    #[serde(default)]
    pub message: Option<RawDelta>,
    #[serde(default)]
    pub finish_reason: Option<FinishReason>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawDelta {
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub reasoning: Option<String>,
    #[serde(default)]
    pub reasoning_content: Option<String>,
    #[serde(default)]
    pub tool_calls: Option<Vec<RawToolCall>>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawToolCall {
    #[serde(default)]
    pub index: Option<usize>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub function: Option<RawFunction>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawFunction {
    #[serde(default)]
    pub name: Option<String>,
    /// Usually a string fragment; Ollama may send a whole JSON object.
    #[serde(default)]
    pub arguments: Option<Value>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawUsage {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub prompt_tokens: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub completion_tokens: Option<u64>,
    #[serde(default)]
    pub prompt_tokens_details: Option<RawPromptDetails>,
    #[serde(default)]
    pub completion_tokens_details: Option<RawCompletionDetails>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub cost: Option<f64>,
    /// Cached prompt tokens under other names: DeepSeek's, and Anthropic's as LiteLLM passes it.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub prompt_cache_hit_tokens: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub cache_read_input_tokens: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawPromptDetails {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub cached_tokens: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
pub struct RawCompletionDetails {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub reasoning_tokens: Option<u64>,
}

/// Token counts as the server reported them.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cached_input_tokens: u64,
    pub reasoning_tokens: u64,
    /// The gateway's own cost for this response, in USD (OpenRouter, LiteLLM `usage.cost`).
    pub cost_usd: Option<f64>,
}

impl From<RawUsage> for Usage {
    fn from(u: RawUsage) -> Self {
        Self {
            input_tokens: u.prompt_tokens.unwrap_or(0),
            output_tokens: u.completion_tokens.unwrap_or(0),
            cached_input_tokens: u
                .prompt_tokens_details
                .and_then(|d| d.cached_tokens)
                .or(u.prompt_cache_hit_tokens)
                .or(u.cache_read_input_tokens)
                .unwrap_or(0),
            reasoning_tokens: u
                .completion_tokens_details
                .and_then(|d| d.reasoning_tokens)
                .unwrap_or(0),
            cost_usd: u.cost,
        }
    }
}

/// One fragment of a streamed tool call; fragments with the same `index` belong together.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolCallFragment {
    pub index: usize,
    pub id: Option<String>,
    pub name: Option<String>,
    pub arguments: String,
}

/// A decoded chunk: what the first choice added, plus stream-level fields.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chunk {
    pub model: Option<String>,
    pub content: Option<String>,
    pub reasoning: Option<String>,
    pub tool_calls: Vec<ToolCallFragment>,
    pub finish_reason: Option<FinishReason>,
    pub usage: Option<Usage>,
    pub timings: Option<Value>,
}

/// The human message inside an error value: `{"error":{"message":..}}`, `{"message":..}` or a
/// plain string.
pub fn error_message(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(o) => {
            if let Some(inner) = o.get("error") {
                return error_message(inner);
            }
            let msg = o.get("message").and_then(Value::as_str);
            let code = ["code", "type"]
                .iter()
                .filter_map(|k| o.get(*k))
                .find(|c| !c.is_null());
            match (msg, code) {
                (Some(m), Some(c)) => {
                    format!("{m} ({})", c.as_str().map_or(c.to_string(), str::to_string))
                }
                (Some(m), _) => m.to_string(),
                _ => v.to_string(),
            }
        }
        other => other.to_string(),
    }
}

impl RawChunk {
    /// Flatten the first choice. A chunk carrying an `error` is the caller's to turn into an error.
    pub fn into_chunk(self) -> Chunk {
        let mut usage = self.usage.map(Usage::from);
        // llama-server's `timings.cache_n` counts the prompt tokens it reused, where its usage
        // does not say.
        let cache_n = self.timings.as_ref().and_then(|t| t["cache_n"].as_u64());
        if let (Some(u), Some(n)) = (usage.as_mut(), cache_n)
            && u.cached_input_tokens == 0
        {
            u.cached_input_tokens = n.min(u.input_tokens);
        }
        let mut out = Chunk {
            model: self.model,
            usage,
            timings: self.timings,
            ..Default::default()
        };
        if let Some(choice) = self.choices.and_then(|c| c.into_iter().next()) {
            out.finish_reason = choice.finish_reason;
            if let Some(d) = choice.delta.or(choice.message) {
                out.content = d.content;
                out.reasoning = d.reasoning.or(d.reasoning_content);
                out.tool_calls = d
                    .tool_calls
                    .unwrap_or_default()
                    .into_iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let f = t.function.unwrap_or_default();
                        ToolCallFragment {
                            index: t.index.unwrap_or(i),
                            id: t.id,
                            name: f.name,
                            arguments: match f.arguments {
                                Some(Value::String(s)) => s,
                                Some(Value::Null) | None => String::new(),
                                Some(other) => other.to_string(),
                            },
                        }
                    })
                    .collect();
            }
        }
        out
    }
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;

//! A chat request as the demo gateway reads it, and its errors in OpenAI's shape. Pure.

use serde_json::{Value, json};

use super::models::SimModel;

/// An error answer in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    pub kind: &'static str,
    pub code: Option<&'static str>,
}

impl ApiError {
    pub fn new(status: u16, message: &str, kind: &'static str, code: Option<&'static str>) -> Self {
        Self {
            status,
            message: message.to_string(),
            kind,
            code,
        }
    }

    pub fn body(&self) -> Value {
        json!({"error": {"message": self.message, "type": self.kind, "param": null, "code": self.code}})
    }
}

/// The parts of a chat request the simulator uses.
#[derive(Debug)]
pub struct Ask {
    pub model: SimModel,
    pub prompt: String,
    pub prompt_tokens: usize,
    pub max_tokens: Option<usize>,
    pub stream: bool,
    pub include_usage: bool,
    /// Tools offered, and the results of those already called this turn.
    pub tools: super::tools::Offered,
    /// `tool_choice`, `response_format`, `stop`, `logprobs`.
    pub extras: super::formats::Extras,
    /// This request's number among the model's (1 for the first), for faults that drift.
    pub nth: u64,
    /// The prompt's blocks for the prefix cache, and the prompt tokens it served.
    pub blocks: super::prefix::Blocks,
    pub cached_tokens: usize,
}

fn message_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        // Content parts: [{"type":"text","text":...}, ...]
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// Read a chat request; an error comes back in OpenAI's shape.
pub fn parse_ask(models: &[SimModel], body: &[u8]) -> Result<Ask, ApiError> {
    let bad = |m: &str| ApiError::new(400, m, "invalid_request_error", None);
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| bad(&format!("The request body is not valid JSON: {e}")))?;
    let model_id = v
        .get("model")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("Missing required parameter: 'model'."))?;
    let model = models
        .iter()
        .find(|m| m.id == model_id)
        .cloned()
        .ok_or_else(|| {
            ApiError::new(
                404,
                &format!("The model `{model_id}` does not exist or you do not have access to it."),
                "invalid_request_error",
                Some("model_not_found"),
            )
        })?;
    let messages = v
        .get("messages")
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| bad("Missing required parameter: 'messages'."))?;
    let texts: Vec<String> = messages
        .iter()
        .map(|m| message_text(m.get("content").unwrap_or(&Value::Null)))
        .collect();
    let roles = messages
        .iter()
        .map(|m| m.get("role").and_then(Value::as_str).unwrap_or(""));
    let blocks = super::prefix::blocks(model.id, roles.zip(texts.iter().map(String::as_str)));
    // Counted as a real server would, with a real tokenizer (o200k), framing included.
    let prompt_tokens = texts
        .iter()
        .map(|t| crate::metrics::estimate_tokens(t) as usize + 4)
        .sum::<usize>()
        + 3;
    // The answer follows the last user message; earlier turns only count as input.
    let prompt = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .map(|m| message_text(m.get("content").unwrap_or(&Value::Null)))
        .unwrap_or_default();
    let max_tokens = v
        .get("max_completion_tokens")
        .or_else(|| v.get("max_tokens"))
        .and_then(Value::as_u64)
        .map(|n| n as usize);
    let stream = v.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let include_usage = v
        .pointer("/stream_options/include_usage")
        .and_then(Value::as_bool)
        .unwrap_or(false)
        && !model.quirks.no_stream_usage;
    if model.quirks.strict_params
        && let Some(k) = ["min_tokens", "ignore_eos"]
            .iter()
            .find(|k| v.get(**k).is_some())
    {
        return Err(bad(&format!("Unrecognized request argument supplied: {k}")));
    }
    let mut extras = super::formats::read(&v).map_err(|m| {
        ApiError::new(
            400,
            m,
            "invalid_request_error",
            Some("unsupported_parameter"),
        )
    })?;
    if model.quirks.ignores_length {
        (extras.min_tokens, extras.ignore_eos) = (None, false);
    }
    let tools = if model.quirks.no_tools {
        Default::default()
    } else {
        super::tools::offered(&v)
    };
    Ok(Ask {
        model,
        prompt,
        prompt_tokens,
        max_tokens,
        stream,
        include_usage,
        tools,
        extras,
        nth: 0,
        blocks,
        cached_tokens: 0,
    })
}

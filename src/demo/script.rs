//! The demo gateway's pure core: reading a chat request, the seeded script of its answer (text,
//! reasoning, timing), and the JSON it is sent in. No IO, no clock but `unix_now` for `created`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::text;
use crate::rng::SplitMix64;

pub use super::ask::{ApiError, Ask, parse_ask};

/// `[[NAME=N]]` in the prompt: `tokens` asks for an answer of about N tokens, `tps` for N tokens
/// a second. Handy for long-response tests and benchmarks.
pub fn directive(prompt: &str, name: &str) -> Option<f64> {
    let open = format!("[[{name}=");
    let start = prompt.find(&open)? + open.len();
    let end = prompt[start..].find("]]")? + start;
    prompt[start..end]
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| *v > 0.0)
}

/// Everything the stream will say, decided up front from the seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub reasoning: Vec<String>,
    pub answer: Vec<String>,
    /// Tool calls, streamed after any reasoning, instead of an answer.
    pub tool_parts: Vec<super::tools::ToolPart>,
    pub finish_reason: &'static str,
    /// Delay before the first token, then before each following token.
    pub first_delay: Duration,
    pub gaps: Vec<Duration>,
}

/// The answer to `ask`, decided by the seed alone; `speed` divides every delay.
pub fn script(seed: u64, speed: f64, ask: &Ask) -> Script {
    let m = &ask.model;
    let seed = seed.to_le_bytes();
    let mut rng = SplitMix64::from_parts(&[&seed, m.id.as_bytes(), ask.prompt.as_bytes()]);
    let natural = (m.answer_tokens as f64 * (0.7 + 0.6 * rng.next_f64())) as usize;
    // Asked for one word, a model answers in one.
    let natural = if ask.prompt == crate::protocol::ONE_WORD_PROMPT {
        1
    } else {
        natural
    };
    let asked = &ask.extras;
    let want_answer = directive(&ask.prompt, "tokens")
        .map_or(natural, |n| n as usize)
        .max(asked.min_tokens.unwrap_or(1))
        .max(if asked.ignore_eos {
            ask.max_tokens.unwrap_or(1)
        } else {
            1
        });
    let want_reasoning = if m.reasoning_tokens > 0 {
        (m.reasoning_tokens as f64 * (0.7 + 0.6 * rng.next_f64())) as usize
    } else {
        0
    };
    // Generated text ends at a natural boundary (a little past the wanted length); only
    // `max_tokens` cuts it short, with finish_reason "length" as real servers do.
    let tokens = |text: String| -> Vec<String> {
        text::tokenize(&text)
            .into_iter()
            .map(str::to_string)
            .collect()
    };
    let mut reasoning = if want_reasoning > 0 {
        tokens(text::reasoning(&mut rng, &ask.prompt, want_reasoning))
    } else {
        Vec::new()
    };
    let turn = ask.tools.results.len() as u64 + 1;
    let first_tool = ask.tools.tools.first().map(|(n, _)| n.as_str());
    let tool_prompt = super::formats::tool_prompt(&ask.prompt, ask.extras.tool_choice, first_tool);
    let plan = super::tools::plan(&ask.tools, &tool_prompt, m.id == "demo/pro-large", turn);
    let (mut answer, tool_parts) = match plan {
        super::tools::Plan::Call(calls) => (Vec::new(), super::tools::parts(&calls, &mut rng)),
        _ if ask.prompt.contains(crate::protocol::JUDGE_REPLY_FORM) => {
            // Asked to grade: a deterministic score and reason, as a judge model would reply.
            (tokens(text::verdict(&mut rng)), Vec::new())
        }
        _ if ask.extras.format.is_some() => {
            let json = super::formats::json_text(&ask.extras, m.id, &mut rng).unwrap_or_default();
            (tokens(json), Vec::new())
        }
        plan => {
            let used = match plan {
                super::tools::Plan::Answer(s) => s,
                _ => String::new(),
            };
            // A fact the prompt asks back comes first, if the model still "sees" it at this length.
            let recalled = (ask.prompt_tokens as u64 <= m.recall_tokens)
                .then(|| text::recall(&ask.prompt))
                .flatten()
                .map_or(String::new(), |f| f + "\n\n");
            let body = text::answer(&mut rng, &ask.prompt, want_answer);
            (tokens(used + &recalled + &body), Vec::new())
        }
    };
    // A stop sequence ends the answer with finish_reason "stop", as it ends without one.
    super::formats::cut_at_stop(&mut answer, &ask.extras.stop);
    let budget = ask.max_tokens.unwrap_or(usize::MAX);
    let full = reasoning.len() + answer.len();
    reasoning.truncate(budget);
    answer.truncate(budget - reasoning.len());
    let finish_reason = if !tool_parts.is_empty() {
        "tool_calls"
    } else if reasoning.len() + answer.len() < full {
        "length"
    } else {
        "stop"
    };

    let scale = |ms: f64, rng: &mut SplitMix64| {
        let j = 1.0 + m.jitter * (2.0 * rng.next_f64() - 1.0);
        let ms = (ms * j / speed).max(0.0);
        if ms.is_finite() {
            Duration::from_secs_f64(ms / 1000.0)
        } else {
            Duration::ZERO
        }
    };
    let drip = if m.faults.drip_factor > 0.0 {
        m.faults.drip_factor
    } else {
        1.0
    };
    // A prefix read from cache needs no prefill.
    let prefill =
        m.prefill_ms_per_ktok * ask.prompt_tokens.saturating_sub(ask.cached_tokens) as f64 / 1000.0;
    let drifted = m.faults.drift_after > 0 && ask.nth >= m.faults.drift_after;
    let drift = if drifted {
        m.faults.drift_factor.max(0.0)
    } else {
        1.0
    };
    let first_delay = scale((m.ttft_ms + prefill) * drift, &mut rng)
        + Duration::from_secs_f64(m.faults.stall_first_ms as f64 / 1000.0 / speed);
    let tps = directive(&ask.prompt, "tps").unwrap_or(m.tokens_per_s);
    let per_token_ms = 1000.0 / tps * drip;
    let total = reasoning.len() + answer.len() + tool_parts.len();
    let gaps = (0..total)
        .map(|i| {
            let mut g = if i == 0 {
                Duration::ZERO
            } else {
                scale(per_token_ms, &mut rng)
            };
            if m.faults.stall_mid_ms > 0 && i == m.faults.stall_after_tokens && i > 0 {
                g += Duration::from_secs_f64(m.faults.stall_mid_ms as f64 / 1000.0 / speed);
            }
            g
        })
        .collect();
    Script {
        reasoning,
        answer,
        tool_parts,
        finish_reason,
        first_delay,
        gaps,
    }
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Output tokens of an answer: reasoning, text and tool-call fragments.
pub fn completion_tokens(s: &Script) -> usize {
    s.reasoning.len() + s.answer.len() + s.tool_parts.len()
}

/// What an answer of `output_tokens` to `ask` costs at its model's listed prices: what the demo
/// account is charged, and the `usage.cost` it reports (as OpenRouter does).
pub fn cost(ask: &Ask, output_tokens: usize) -> f64 {
    let m = &ask.model;
    let cached = ask.cached_tokens.min(ask.prompt_tokens);
    let fresh = ask.prompt_tokens - cached;
    (fresh as f64 * m.input_per_mtok
        + cached as f64 * m.cached_input_per_mtok.unwrap_or(m.input_per_mtok)
        + output_tokens as f64 * m.output_per_mtok)
        / 1e6
}

pub fn usage_json(ask: &Ask, s: &Script) -> Value {
    let completion = completion_tokens(s);
    json!({
        "cost": cost(ask, completion),
        "prompt_tokens": ask.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": ask.prompt_tokens + completion,
        "prompt_tokens_details": {"cached_tokens": ask.cached_tokens},
        "completion_tokens_details": {"reasoning_tokens": s.reasoning.len()},
    })
}

/// Per-token price as OpenRouter writes it: a decimal string, no exponent.
pub fn per_token(per_mtok: f64) -> String {
    let s = format!("{:.12}", per_mtok / 1_000_000.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() { "0".into() } else { s.into() }
}

/// The longest answer the demo gateway writes, in tokens.
pub const MAX_ANSWER_TOKENS: usize = 200_000;

/// A `[[tokens=N]]` above `MAX_ANSWER_TOKENS`, refused in OpenAI's shape.
pub fn too_long(ask: &Ask) -> Option<ApiError> {
    let want = directive(&ask.prompt, "tokens")?;
    (want > MAX_ANSWER_TOKENS as f64).then(|| {
        ApiError::new(
            400,
            &format!(
                "[[tokens={want}]] asks for more than the demo gateway writes: at most {MAX_ANSWER_TOKENS} tokens per answer."
            ),
            "invalid_request_error",
            Some("answer_too_long"),
        )
    })
}

/// A prompt longer than the model's window, refused as OpenAI does.
pub fn context_error(ask: &Ask) -> Option<ApiError> {
    (ask.prompt_tokens as u64 > ask.model.context_length).then(|| {
        ApiError::new(
            400,
            &format!(
                "This model's maximum context length is {} tokens. However, your messages resulted in {} tokens.",
                ask.model.context_length, ask.prompt_tokens
            ),
            "invalid_request_error",
            Some("context_length_exceeded"),
        )
    })
}

/// An injected HTTP failure with the message a provider sends for it.
pub fn status_error(code: u16) -> ApiError {
    let (msg, kind) = match code {
        429 => (
            "Rate limit reached for this model. Please retry later.",
            "rate_limit_error",
        ),
        503 => (
            "The model is overloaded. Please try again later.",
            "server_error",
        ),
        _ => (
            "The server had an error while processing your request.",
            "server_error",
        ),
    };
    ApiError::new(code, msg, kind, None)
}

/// `Retry-After` (whole seconds, rounded up) and `retry-after-ms` for a wait of `secs`.
pub fn retry_headers(secs: f64) -> Vec<(&'static str, String)> {
    vec![
        ("retry-after", format!("{}", secs.ceil() as u64)),
        (
            "retry-after-ms",
            format!("{}", (secs * 1000.0).round() as u64),
        ),
    ]
}

/// A whole (non-streamed) chat completion.
pub fn whole_response(ask: &Ask, s: &Script, n: u64) -> Value {
    let mut message = json!({"role": "assistant", "content": s.answer.concat()});
    if !s.reasoning.is_empty() {
        message["reasoning_content"] = json!(s.reasoning.concat());
    }
    if !s.tool_parts.is_empty() {
        message["content"] = Value::Null;
        message["tool_calls"] = json!(super::tools::whole(&s.tool_parts));
    }
    json!({
        "id": format!("chatcmpl-demo-{n}"),
        "object": "chat.completion",
        "created": unix_now(),
        "model": ask.model.id,
        "choices": [{"index": 0, "message": message,
            "logprobs": ask.extras.logprobs.map(|top| super::formats::logprobs(&s.answer, top)),
            "finish_reason": s.finish_reason}],
        "usage": usage_json(ask, s),
    })
}

#[cfg(test)]
#[path = "script_tests.rs"]
mod tests;

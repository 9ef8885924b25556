//! A benchmark's workload: JSON lines of chat requests (with optional checks) or of whole
//! conversations (`turns`), plain prompts one per line, or seeded synthetic prompts. Every bad
//! line is reported with its number.

use serde::Deserialize;
use serde_json::Value;

use super::checks::Checks;
use crate::gateway::wire::{Message, Role};
use crate::rng::SplitMix64;

/// One request of the workload, and the line it came from (0 for synthetic ones).
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub line: usize,
    pub messages: Vec<Message>,
    pub max_tokens: Option<u32>,
    pub tools: Option<Value>,
    /// Structured output asked for (`json_schema` or `json_object`), sent as given; its schema is
    /// the line's `json_schema` check unless the line sets one.
    pub response_format: Option<Value>,
    pub tags: Vec<String>,
    pub checks: Checks,
    /// A conversation: each turn is sent after the previous answer, with the whole history
    /// (`messages` then the opening context). Empty for a single request.
    pub turns: Vec<Turn>,
}

/// One user turn of a conversation, with its own bound and checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub prompt: String,
    pub max_tokens: Option<u32>,
    pub checks: Checks,
}

/// Most turns a conversation may hold.
pub const MAX_TURNS: usize = 64;

impl Item {
    /// A workload of one user prompt.
    pub fn prompt(line: usize, text: impl Into<String>) -> Item {
        Item {
            line,
            messages: vec![Message::user(text)],
            max_tokens: None,
            tools: None,
            response_format: None,
            tags: Vec::new(),
            checks: Checks::default(),
            turns: Vec::new(),
        }
    }

    /// Requests one pass of this line makes: a turn each, or one.
    pub fn requests(&self) -> usize {
        self.turns.len().max(1)
    }
}

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct BadLine {
    pub line: usize,
    pub why: String,
}

impl std::fmt::Display for BadLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.why)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    #[serde(default)]
    messages: Option<Vec<RawMessage>>,
    /// The short form: a user prompt, with an optional system prompt.
    #[serde(default)]
    prompt: Option<String>,
    #[serde(default)]
    system: Option<String>,
    #[serde(default, alias = "max_completion_tokens")]
    max_tokens: Option<u32>,
    #[serde(default)]
    tools: Option<Value>,
    #[serde(default)]
    response_format: Option<Value>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default, deserialize_with = "super::checks::one_or_many")]
    expect: Vec<String>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    json_schema: Option<Value>,
    #[serde(default)]
    max_output_tokens: Option<u64>,
    #[serde(default)]
    judge: Option<String>,
    /// A conversation: user turns, each a prompt or `{"prompt": ..., checks...}`.
    #[serde(default)]
    turns: Option<Vec<Value>>,
}

/// The line's checks, taken out of it and compiled; `schema` is the check's schema when the line
/// sets none (its `response_format`'s).
fn take_checks(l: &mut Line, schema: Option<Value>) -> Result<Checks, String> {
    let mut checks = Checks {
        expect: std::mem::take(&mut l.expect),
        regex: l.regex.take(),
        json_schema: l.json_schema.take().or(schema),
        max_output_tokens: l.max_output_tokens.take(),
        judge: l.judge.take(),
        compiled: None,
        schema: None,
    };
    checks.prepare()?;
    Ok(checks)
}

fn has_checks(l: &Line) -> bool {
    !l.expect.is_empty()
        || l.regex.is_some()
        || l.json_schema.is_some()
        || l.max_output_tokens.is_some()
        || l.judge.is_some()
}

/// A turn: a prompt, or an object of a prompt, its `max_tokens` and its checks.
fn turn(n: usize, v: Value) -> Result<Turn, String> {
    let mut t: Line = match v {
        Value::String(prompt) => Line {
            prompt: Some(prompt),
            ..Default::default()
        },
        v @ Value::Object(_) => serde_json::from_value(v).map_err(|e| format!("turn {n}: {e}"))?,
        other => {
            return Err(format!(
                "turn {n} must be a prompt or an object, not {other}"
            ));
        }
    };
    if t.messages.is_some()
        || t.system.is_some()
        || t.tools.is_some()
        || t.response_format.is_some()
        || t.turns.is_some()
        || !t.tags.is_empty()
    {
        return Err(format!(
            "turn {n} may hold only `prompt`, `max_tokens` and checks"
        ));
    }
    let prompt = t.prompt.take().unwrap_or_default();
    if prompt.trim().is_empty() {
        return Err(format!("turn {n} has an empty prompt"));
    }
    Ok(Turn {
        prompt,
        max_tokens: t.max_tokens,
        checks: take_checks(&mut t, None).map_err(|e| format!("turn {n}: {e}"))?,
    })
}

/// The turns of a conversation line, with its opening `messages` (which need no user message).
fn conversation(l: &mut Line, turns: Vec<Value>) -> Result<Vec<Turn>, String> {
    if l.prompt.is_some() {
        return Err("give `turns` or `prompt`, not both".into());
    }
    if has_checks(l) {
        return Err(
            "with `turns`, put checks on a turn (`{\"prompt\": ..., \"expect\": ...}`)".into(),
        );
    }
    if turns.is_empty() || turns.len() > MAX_TURNS {
        return Err(format!(
            "`turns` must hold 1 to {MAX_TURNS} turns, not {}",
            turns.len()
        ));
    }
    l.messages.get_or_insert_with(Vec::new);
    turns
        .into_iter()
        .enumerate()
        .map(|(i, v)| turn(i + 1, v))
        .collect()
}

#[derive(Debug, Deserialize)]
struct RawMessage {
    role: Role,
    content: Value,
}

/// Text of a message's content: a string, or the text parts of an array of content parts.
fn content_text(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Array(parts) => Ok(parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n")),
        Value::Null => Ok(String::new()),
        other => Err(format!("a message's content must be text, not {other}")),
    }
}

fn item(line: usize, mut l: Line) -> Result<Item, String> {
    let turns = match l.turns.take() {
        Some(t) => conversation(&mut l, t)?,
        None => Vec::new(),
    };
    let mut messages = Vec::new();
    if let Some(s) = l.system.take() {
        messages.push(Message::system(s));
    }
    match (l.messages.take(), l.prompt.take()) {
        (Some(_), Some(_)) => return Err("give `messages` or `prompt`, not both".into()),
        (None, None) => return Err("a request needs `messages` or `prompt`".into()),
        (Some(ms), None) => {
            for m in ms {
                messages.push(Message::new(m.role, content_text(&m.content)?));
            }
        }
        (None, Some(p)) => messages.push(Message::user(p)),
    }
    if turns.is_empty() && !messages.iter().any(|m| m.role == Role::User) {
        return Err("the messages have no user message".into());
    }
    if let Some(t) = &l.tools
        && !t.is_array()
    {
        return Err("`tools` must be an array of tool definitions".into());
    }
    let asked = structured(l.response_format.as_ref())?;
    let checks = take_checks(&mut l, asked)?;
    Ok(Item {
        line,
        messages,
        max_tokens: l.max_tokens,
        tools: l.tools,
        response_format: l.response_format,
        tags: l.tags,
        checks,
        turns,
    })
}

/// The schema a `response_format` asks answers to follow: its `json_schema.schema`, or any
/// object for `json_object`; a format gatebench cannot check is refused.
fn structured(rf: Option<&Value>) -> Result<Option<Value>, String> {
    let Some(rf) = rf else { return Ok(None) };
    match rf["type"].as_str() {
        Some("json_schema") => match rf["json_schema"].get("schema") {
            Some(s) => Ok(Some(s.clone())),
            None => Err("`response_format` json_schema needs `json_schema.schema`".into()),
        },
        Some("json_object") => Ok(Some(serde_json::json!({"type": "object"}))),
        Some("text") => Ok(None),
        _ => Err(format!(
            "`response_format` must be {{\"type\": \"json_schema\", ...}}, json_object or text, not {rf}"
        )),
    }
}

/// Read a workload. Blank lines and lines starting with `#` are comments; a line starting with
/// `{` is a JSON request, any other line a prompt. Returns the good items and every bad line.
pub fn parse(text: &str) -> (Vec<Item>, Vec<BadLine>) {
    let (mut items, mut bad) = (Vec::new(), Vec::new());
    for (i, raw) in text.lines().enumerate() {
        let (line, l) = (i + 1, raw.trim());
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if !l.starts_with('{') {
            items.push(Item::prompt(line, l));
            continue;
        }
        let parsed = serde_json::from_str::<Line>(l)
            .map_err(|e| e.to_string())
            .and_then(|v| item(line, v));
        match parsed {
            Ok(it) => items.push(it),
            Err(why) => bad.push(BadLine { line, why }),
        }
    }
    (items, bad)
}

/// `in=512,out=256[,n=100]`: the synthetic workload's shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Synthetic {
    pub input_tokens: u32,
    pub output_tokens: u32,
    pub prompts: usize,
}

pub fn parse_synthetic(spec: &str) -> Result<Synthetic, String> {
    let mut s = Synthetic {
        input_tokens: 512,
        output_tokens: 256,
        prompts: 100,
    };
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| format!("`{part}`: expected key=value (in=512,out=256,n=100)"))?;
        let n: u32 = v
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("`{part}`: {v} is not a positive whole number"))?;
        match k.trim() {
            "in" => s.input_tokens = n,
            "out" => s.output_tokens = n,
            "n" => s.prompts = n as usize,
            other => return Err(format!("unknown synthetic key `{other}` (in, out, n)")),
        }
    }
    Ok(s)
}

const WORDS: &[&str] = &[
    "gateway", "latency", "budget", "route", "model", "token", "stream", "cache", "region",
    "retry", "quota", "window", "schema", "payload", "queue", "burst", "metric", "cost",
];

/// `prompts` seeded prompts of about `input_tokens` tokens each (one short word is one token in
/// common tokenizers), each asking for about `output_tokens` tokens.
pub fn synthetic(s: Synthetic, seed: u64) -> Vec<Item> {
    (0..s.prompts)
        .map(|i| {
            let mut rng = SplitMix64::from_parts(&[&seed.to_le_bytes(), &(i as u64).to_le_bytes()]);
            let ask = format!(
                "Request {i}. Answer in about {} tokens. Notes:",
                s.output_tokens
            );
            let filler = s.input_tokens.saturating_sub(16) as usize;
            let mut text = String::with_capacity(ask.len() + filler * 8);
            text.push_str(&ask);
            for _ in 0..filler {
                text.push(' ');
                text.push_str(WORDS[rng.next_u64() as usize % WORDS.len()]);
            }
            Item {
                line: 0,
                messages: vec![Message::user(text)],
                max_tokens: Some(s.output_tokens),
                tools: None,
                response_format: None,
                tags: vec!["synthetic".into()],
                checks: Checks::default(),
                turns: Vec::new(),
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "workload_tests.rs"]
mod tests;

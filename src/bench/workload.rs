//! A benchmark's workload: JSON lines of chat requests (with optional checks), plain prompts one
//! per line, or seeded synthetic prompts. Every bad line is reported with its number.

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
}

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
        }
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

#[derive(Debug, Deserialize)]
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

fn item(line: usize, l: Line) -> Result<Item, String> {
    let mut messages = Vec::new();
    if let Some(s) = l.system {
        messages.push(Message::system(s));
    }
    match (l.messages, l.prompt) {
        (Some(_), Some(_)) => return Err("give `messages` or `prompt`, not both".into()),
        (None, None) => return Err("a request needs `messages` or `prompt`".into()),
        (Some(ms), None) => {
            for m in ms {
                messages.push(Message::new(m.role, content_text(&m.content)?));
            }
        }
        (None, Some(p)) => messages.push(Message::user(p)),
    }
    if !messages.iter().any(|m| m.role == Role::User) {
        return Err("the messages have no user message".into());
    }
    if let Some(t) = &l.tools
        && !t.is_array()
    {
        return Err("`tools` must be an array of tool definitions".into());
    }
    let asked = structured(l.response_format.as_ref())?;
    let mut checks = Checks {
        expect: l.expect,
        regex: l.regex,
        json_schema: l.json_schema.or(asked),
        max_output_tokens: l.max_output_tokens,
        judge: l.judge,
        compiled: None,
        schema: None,
    };
    checks.prepare()?;
    Ok(Item {
        line,
        messages,
        max_tokens: l.max_tokens,
        tools: l.tools,
        response_format: l.response_format,
        tags: l.tags,
        checks,
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
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_lines_of_every_form() {
        let text = r#"# a comment

plain prompt here
{"prompt":"short form","system":"be brief","max_tokens":50,"tags":["a","b"]}
{"messages":[{"role":"system","content":"sys"},{"role":"user","content":[{"type":"text","text":"part one"},{"type":"text","text":"part two"}]}],"max_completion_tokens":7,"tools":[{"type":"function","function":{"name":"f"}}]}
{"prompt":"checked","expect":"Paris","regex":"^[A-Z]","max_output_tokens":30,"judge":"Is it correct?","json_schema":{"type":"object"}}
"#;
        let (items, bad) = parse(text);
        assert_eq!(bad, vec![]);
        assert_eq!(items.len(), 4);
        assert_eq!(items[0].line, 3);
        assert_eq!(items[0].messages, vec![Message::user("plain prompt here")]);
        assert_eq!(items[1].line, 4);
        assert_eq!(
            items[1].messages,
            vec![Message::system("be brief"), Message::user("short form")]
        );
        assert_eq!(items[1].max_tokens, Some(50));
        assert_eq!(items[1].tags, vec!["a", "b"]);
        assert_eq!(items[2].messages[1].content, "part one\npart two");
        assert_eq!(items[2].max_tokens, Some(7));
        assert!(items[2].tools.as_ref().unwrap().is_array());
        let c = &items[3].checks;
        assert_eq!(c.expect, vec!["Paris".to_string()]);
        assert_eq!(c.regex.as_deref(), Some("^[A-Z]"));
        assert_eq!(c.max_output_tokens, Some(30));
        assert_eq!(c.judge.as_deref(), Some("Is it correct?"));
        assert!(c.json_schema.is_some());
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let text = "ok prompt\n{broken\n{\"prompt\":\"x\",\"expext\":\"typo\"}\n{\"messages\":[]}\n\
                    {\"prompt\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"b\"}]}\n\
                    {\"messages\":[{\"role\":\"wizard\",\"content\":\"b\"}]}\n\
                    {\"prompt\":\"x\",\"regex\":\"(unclosed\"}\n\
                    {\"prompt\":\"x\",\"tools\":{\"not\":\"a list\"}}\n\
                    {\"messages\":[{\"role\":\"system\",\"content\":\"only\"}]}\n";
        let (items, bad) = parse(text);
        assert_eq!(items.len(), 1);
        let lines: Vec<usize> = bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6, 7, 8, 9]);
        assert!(bad[1].why.contains("expext"), "{}", bad[1].why);
        assert!(bad[2].why.contains("no user message"), "{}", bad[2].why);
        assert!(bad[3].why.contains("not both"), "{}", bad[3].why);
        assert!(bad[5].why.contains("regex"), "{}", bad[5].why);
        assert!(bad[6].why.contains("tools"), "{}", bad[6].why);
        assert!(bad[0].to_string().starts_with("line 2: "));
    }

    #[test]
    fn synthetic_prompts_are_seeded_and_sized() {
        let s = parse_synthetic("in=200, out=64,n=3").unwrap();
        assert_eq!(
            s,
            Synthetic {
                input_tokens: 200,
                output_tokens: 64,
                prompts: 3
            }
        );
        let a = synthetic(s, 7);
        assert_eq!(a, synthetic(s, 7));
        assert_ne!(a, synthetic(s, 8));
        assert_eq!(a.len(), 3);
        assert_ne!(a[0].messages, a[1].messages);
        assert_eq!(a[0].max_tokens, Some(64));
        let n = crate::metrics::estimate_tokens(&a[0].messages[0].content);
        assert!((180..=240).contains(&n), "about 200 tokens, got {n}");
        for bad in ["in=0", "in=x", "out", "size=3"] {
            assert!(parse_synthetic(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_synthetic("").unwrap().input_tokens, 512);
    }
}

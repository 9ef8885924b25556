//! The wire itself: an answer assembled from the events as sent, and every break of the protocol
//! found on the way, with the line that showed it. Keep-alive comments and empty deltas are
//! allowed and counted. Pure.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Capability, Tolerated, Violation};
use crate::gateway::raw::Exchange;

/// An answer put together from its events (or its whole JSON).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assembled {
    pub text: String,
    pub reasoning: String,
    /// `(name, arguments)` of each tool call, by index.
    pub tools: Vec<(String, String)>,
    /// Every finish_reason sent, in order.
    pub finish: Vec<String>,
    pub usage: Option<Value>,
    /// Chunks that carried answer text or tool calls.
    pub chunks: u32,
    /// Choices in a whole answer.
    pub choices: usize,
    pub logprobs: bool,
    pub top_logprobs: bool,
    /// A Responses stream ended with `response.completed`.
    pub completed: bool,
    /// How the stream ended badly, if it did.
    pub error: Option<String>,
}

impl Assembled {
    /// What the cell shows of the answer: its text, else its tool calls, else the error.
    pub fn shown(&self) -> String {
        let s = if !self.text.trim().is_empty() {
            self.text.clone()
        } else if !self.tools.is_empty() {
            let calls: Vec<String> = self
                .tools
                .iter()
                .map(|(n, a)| format!("{n}({a})"))
                .collect();
            calls.join(" ")
        } else {
            self.error.clone().unwrap_or_default()
        };
        super::start(&s, 160)
    }

    pub fn output_tokens(&self) -> Option<u64> {
        self.usage.as_ref()?.get("completion_tokens")?.as_u64()
    }
}

/// Text of a delta or message field that may be a string.
fn text_of(v: &Value, keys: &[&str]) -> String {
    keys.iter()
        .filter_map(|k| v.get(*k).and_then(Value::as_str))
        .collect()
}

/// A whole (non-streamed) chat completion.
pub fn assemble_whole(v: &Value) -> Assembled {
    let choices = v["choices"].as_array().cloned().unwrap_or_default();
    let c = choices.first().cloned().unwrap_or_default();
    let m = &c["message"];
    let lp = &c["logprobs"]["content"];
    Assembled {
        text: text_of(m, &["content"]),
        reasoning: text_of(m, &["reasoning_content", "reasoning"]),
        tools: m["tool_calls"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| {
                let f = &t["function"];
                (text_of(f, &["name"]), text_of(f, &["arguments"]))
            })
            .collect(),
        finish: c["finish_reason"]
            .as_str()
            .map(str::to_string)
            .into_iter()
            .collect(),
        usage: v.get("usage").filter(|u| u.is_object()).cloned(),
        chunks: 1,
        choices: choices.len(),
        logprobs: lp.as_array().is_some_and(|a| !a.is_empty()),
        top_logprobs: lp[0]["top_logprobs"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        completed: false,
        error: None,
    }
}

/// Put a streamed answer together, chat completions or Responses events alike.
pub fn assemble(x: &Exchange) -> Assembled {
    if let Some(c) = &x.whole {
        return Assembled {
            text: c.content.clone().unwrap_or_default(),
            reasoning: c.reasoning.clone().unwrap_or_default(),
            finish: c
                .finish_reason
                .iter()
                .map(|f| f.as_str().to_string())
                .collect(),
            chunks: 1,
            choices: 1,
            ..Default::default()
        };
    }
    let mut a = Assembled {
        error: x.error.as_ref().map(|e| e.brief()),
        ..Default::default()
    };
    let mut calls: BTreeMap<u64, (String, String)> = BTreeMap::new();
    for (_, ev) in &x.events {
        let Ok(v) = serde_json::from_str::<Value>(&ev.data) else {
            continue;
        };
        if let Some(t) = v["type"].as_str().filter(|t| t.starts_with("response.")) {
            responses_event(&mut a, t, &v);
            continue;
        }
        if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
            a.usage = Some(u.clone());
        }
        for c in v["choices"].as_array().into_iter().flatten() {
            let d = &c["delta"];
            let text = text_of(d, &["content"]);
            let tool_parts = d["tool_calls"].as_array().cloned().unwrap_or_default();
            let reasoning = text_of(d, &["reasoning_content", "reasoning"]);
            a.chunks +=
                u32::from(!text.is_empty() || !tool_parts.is_empty() || !reasoning.is_empty());
            a.text.push_str(&text);
            a.reasoning.push_str(&reasoning);
            for t in &tool_parts {
                let e = calls.entry(t["index"].as_u64().unwrap_or(0)).or_default();
                e.0.push_str(&text_of(&t["function"], &["name"]));
                e.1.push_str(&text_of(&t["function"], &["arguments"]));
            }
            if let Some(f) = c["finish_reason"].as_str() {
                a.finish.push(f.to_string());
            }
        }
    }
    a.tools = calls.into_values().collect();
    a.choices = 1;
    a
}

fn responses_event(a: &mut Assembled, t: &str, v: &Value) {
    match t {
        "response.output_text.delta" => {
            a.text.push_str(v["delta"].as_str().unwrap_or(""));
            a.chunks += 1;
        }
        "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => {
            a.reasoning.push_str(v["delta"].as_str().unwrap_or(""));
            a.chunks += 1;
        }
        "response.completed" | "response.incomplete" => {
            a.completed = true;
            a.usage = v["response"]
                .get("usage")
                .filter(|u| u.is_object())
                .cloned();
        }
        _ => {}
    }
}

/// Checks the wire of one streamed probe: what broke, and what was tolerated.
pub fn check(x: &Exchange, probe: Capability, asked_usage: bool) -> (Vec<Violation>, Tolerated) {
    let mut out = Vec::new();
    let mut tol = Tolerated {
        keep_alive_comments: x.comments,
        ..Default::default()
    };
    if x.whole.is_some() {
        return (out, tol);
    }
    let mut say = |rule: &str, what: &str, line: &str| {
        if !out.iter().any(|v: &Violation| v.rule == rule) {
            out.push(Violation {
                rule: rule.into(),
                what: what.into(),
                line: super::start(line, 200),
                probe,
                times: 1,
            });
        }
    };
    let responses = x.events.iter().any(|(_, e)| {
        e.event
            .as_deref()
            .is_some_and(|n| n.starts_with("response."))
            || e.data.contains("\"type\":\"response.")
    });
    if responses {
        check_responses(x, &mut say);
        return (out, tol);
    }
    let mut w = Walk::default();
    for (_, ev) in &x.events {
        let data = ev.data.trim();
        if data == "[DONE]" {
            w.done = true;
            continue;
        }
        let Ok(v) = serde_json::from_str::<Value>(data) else {
            say("bad_json", "a data line that is not JSON", data);
            continue;
        };
        w.chunk(&v, data, &mut say, &mut tol);
    }
    if x.error.is_none() {
        if w.finishes == 0 {
            say("one_finish", "no finish_reason in the whole stream", "");
        }
        if !w.done {
            say("done", "no [DONE] terminator", "");
        }
        if asked_usage && !w.usage {
            say(
                "usage_chunk",
                "include_usage was asked and no usage chunk came",
                "",
            );
        }
    }
    (out, tol)
}

/// What a walk over a chat stream has seen so far.
#[derive(Default)]
struct Walk {
    first: bool,
    id: Option<String>,
    model: Option<String>,
    finishes: u32,
    usage: bool,
    done: bool,
    tool_ids: BTreeMap<u64, u32>,
    tool_args: BTreeMap<u64, String>,
}

impl Walk {
    fn chunk(
        &mut self,
        v: &Value,
        line: &str,
        say: &mut impl FnMut(&str, &str, &str),
        tol: &mut Tolerated,
    ) {
        for (field, seen, rule) in [
            ("id", &mut self.id, "same_id"),
            ("model", &mut self.model, "same_model"),
        ] {
            if let Some(now) = v[field].as_str() {
                match seen {
                    Some(s) if s != now => {
                        say(rule, &format!("the {field} changed mid-stream"), line)
                    }
                    Some(_) => {}
                    None => *seen = Some(now.to_string()),
                }
            }
        }
        let choices = v["choices"].as_array().cloned().unwrap_or_default();
        if v.get("usage").is_some_and(Value::is_object) {
            self.usage = true;
        }
        if choices.is_empty() {
            return;
        }
        // The usage chunk may carry an empty delta as its choice (LiteLLM's does): it is still
        // the usage chunk.
        let only_usage = v.get("usage").is_some_and(Value::is_object)
            && choices.iter().all(|c| {
                c["finish_reason"].is_null() && c["delta"].as_object().is_none_or(|d| d.is_empty())
            });
        if self.finishes > 0 && !only_usage {
            say(
                "after_finish",
                "a chunk with choices after the finish_reason (only usage may follow)",
                line,
            );
        }
        if !self.first {
            self.first = true;
            if choices[0]["delta"]["role"].as_str().is_none() {
                say(
                    "role_first",
                    "the first chunk does not carry the role",
                    line,
                );
            }
        }
        for c in &choices {
            let d = &c["delta"];
            if d.as_object().is_some_and(|o| o.is_empty()) && c["finish_reason"].is_null() {
                tol.empty_deltas += 1;
            }
            for t in d["tool_calls"].as_array().into_iter().flatten() {
                let Some(i) = t["index"].as_u64() else {
                    say("tool_index", "a tool-call delta without an index", line);
                    continue;
                };
                if t["id"].as_str().is_some() {
                    let n = self.tool_ids.entry(i).or_default();
                    *n += 1;
                    if *n > 1 {
                        say(
                            "tool_id_once",
                            "a tool call's id was sent more than once",
                            line,
                        );
                    }
                }
                if let Some(a) = t["function"]["arguments"].as_str() {
                    self.tool_args.entry(i).or_default().push_str(a);
                }
            }
            if !c["finish_reason"].is_null() {
                self.finishes += 1;
                if self.finishes > 1 {
                    say("one_finish", "a second finish_reason", line);
                }
                for args in self.tool_args.values() {
                    if serde_json::from_str::<Value>(args).is_err() {
                        say(
                            "tool_arguments",
                            "tool-call arguments that do not join into JSON",
                            args,
                        );
                    }
                }
            }
        }
    }
}

fn check_responses(x: &Exchange, say: &mut impl FnMut(&str, &str, &str)) {
    let kinds: Vec<(String, &str)> = x
        .events
        .iter()
        .filter_map(|(_, e)| {
            let v: Value = serde_json::from_str(&e.data).ok()?;
            Some((v["type"].as_str()?.to_string(), e.data.as_str()))
        })
        .collect();
    if let Some((k, line)) = kinds.first()
        && k != "response.created"
    {
        say(
            "responses_order",
            "the first event is not response.created",
            line,
        );
    }
    let end = kinds.iter().position(|(k, _)| {
        matches!(
            k.as_str(),
            "response.completed" | "response.incomplete" | "response.failed"
        )
    });
    match end {
        None if x.error.is_none() => say(
            "responses_completed",
            "no response.completed (or incomplete, failed) event",
            "",
        ),
        Some(i) if i + 1 < kinds.len() => say(
            "responses_order",
            "events after the response ended",
            kinds[i + 1].1,
        ),
        _ => {}
    }
}

#[cfg(test)]
#[path = "conform_tests.rs"]
mod tests;

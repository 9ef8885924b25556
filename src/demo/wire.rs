//! What the demo gateway writes on a stream, in the two shapes it speaks: chat-completion chunks
//! (`data:` lines ending in `[DONE]`) and Responses API events (`event:` + `data:`). Pure.

use serde_json::{Value, json};

use super::script::{Ask, Script, unix_now, usage_json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Chat,
    Responses,
}

/// Formats the events of one streamed answer.
pub struct Writer {
    shape: Shape,
    id: String,
    created: u64,
    model: String,
}

impl Writer {
    pub fn new(shape: Shape, n: u64, model: &str) -> Self {
        let id = match shape {
            Shape::Chat => format!("chatcmpl-demo-{n}"),
            Shape::Responses => format!("resp_demo_{n}"),
        };
        Self {
            shape,
            id,
            created: unix_now(),
            model: model.to_string(),
        }
    }

    fn chunk(&self, delta: Value, finish: Option<&str>) -> String {
        let v = json!({
            "id": self.id, "object": "chat.completion.chunk", "created": self.created,
            "model": self.model, "system_fingerprint": null,
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
            "usage": null,
        });
        format!("data: {v}\n\n")
    }

    fn event(&self, ty: &str, mut v: Value) -> String {
        v["type"] = json!(ty);
        format!("event: {ty}\ndata: {v}\n\n")
    }

    fn response(&self, status: &str) -> Value {
        json!({"id": self.id, "object": "response", "created_at": self.created, "status": status,
               "model": self.model, "output": []})
    }

    pub fn start(&self) -> String {
        match self.shape {
            Shape::Chat => self.chunk(json!({"role": "assistant", "content": ""}), None),
            Shape::Responses => self.event(
                "response.created",
                json!({"response": self.response("in_progress")}),
            ),
        }
    }

    pub fn token(&self, reasoning: bool, tok: &str) -> String {
        match (self.shape, reasoning) {
            (Shape::Chat, true) => self.chunk(json!({"reasoning_content": tok}), None),
            (Shape::Chat, false) => self.chunk(json!({"content": tok}), None),
            (Shape::Responses, true) => self.event(
                "response.reasoning_summary_text.delta",
                json!({"item_id": format!("rs_{}", self.id), "output_index": 0, "summary_index": 0, "delta": tok}),
            ),
            (Shape::Responses, false) => self.event(
                "response.output_text.delta",
                json!({"item_id": format!("msg_{}", self.id), "output_index": 0, "content_index": 0, "delta": tok}),
            ),
        }
    }

    /// One piece of a tool call: its head (id and name) or a fragment of its arguments.
    pub fn tool(&self, p: &super::tools::ToolPart) -> String {
        match (self.shape, &p.head) {
            (Shape::Chat, Some((id, name))) => self.chunk(
                json!({"tool_calls": [{"index": p.index, "id": id, "type": "function",
                    "function": {"name": name, "arguments": p.arguments}}]}),
                None,
            ),
            (Shape::Chat, None) => self.chunk(
                json!({"tool_calls": [{"index": p.index, "function": {"arguments": p.arguments}}]}),
                None,
            ),
            (Shape::Responses, Some((id, name))) => self.event(
                "response.output_item.added",
                json!({"output_index": p.index, "item": {"type": "function_call", "id": format!("fc_{id}"),
                    "call_id": id, "name": name, "arguments": ""}}),
            ),
            (Shape::Responses, None) => self.event(
                "response.function_call_arguments.delta",
                json!({"item_id": format!("fc_{}", self.id), "output_index": p.index, "delta": p.arguments}),
            ),
        }
    }

    /// The end of a complete answer: finish reason, usage, and the stream's terminator.
    pub fn end(&self, ask: &Ask, s: &Script) -> String {
        match self.shape {
            Shape::Chat => {
                let mut out = self.chunk(json!({}), Some(s.finish_reason));
                if ask.model.quirks.repeat_finish {
                    out.push_str(&self.chunk(json!({}), Some(s.finish_reason)));
                }
                if ask.include_usage {
                    let v = json!({
                        "id": self.id, "object": "chat.completion.chunk", "created": self.created,
                        "model": self.model, "system_fingerprint": null, "choices": [],
                        "usage": usage_json(ask, s),
                    });
                    out.push_str(&format!("data: {v}\n\n"));
                }
                out.push_str("data: [DONE]\n\n");
                out
            }
            Shape::Responses => {
                let whole = whole_response(ask, s, &self.id, self.created);
                let ty = if whole["status"] == "incomplete" {
                    "response.incomplete"
                } else {
                    "response.completed"
                };
                self.event(ty, json!({"response": whole}))
            }
        }
    }

    /// The provider's filter refused: no text.
    pub fn filtered(&self) -> String {
        match self.shape {
            Shape::Chat => {
                self.start() + &self.chunk(json!({}), Some("content_filter")) + "data: [DONE]\n\n"
            }
            Shape::Responses => {
                let mut r = self.response("incomplete");
                r["incomplete_details"] = json!({"reason": "content_filter"});
                self.start() + &self.event("response.incomplete", json!({"response": r}))
            }
        }
    }

    /// An error reported inside a stream that had started well.
    pub fn error(&self) -> String {
        let e = json!({"message": "The server had an error while streaming. Please retry.",
                       "type": "server_error", "param": null, "code": null});
        match self.shape {
            Shape::Chat => format!("data: {}\n\n", json!({ "error": e })),
            Shape::Responses => self.event("error", e),
        }
    }
}

/// A whole Responses API answer.
pub fn whole_response(ask: &Ask, s: &Script, id: &str, created: u64) -> Value {
    let mut output = Vec::new();
    if !s.reasoning.is_empty() {
        output.push(json!({"type": "reasoning", "id": format!("rs_{id}"),
            "summary": [{"type": "summary_text", "text": s.reasoning.concat()}]}));
    }
    if s.tool_parts.is_empty() {
        output.push(
            json!({"type": "message", "id": format!("msg_{id}"), "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": s.answer.concat(), "annotations": []}]}),
        );
    }
    for c in super::tools::whole(&s.tool_parts) {
        output.push(json!({"type": "function_call", "id": format!("fc_{}", c["id"].as_str().unwrap_or("")),
            "call_id": c["id"], "name": c["function"]["name"], "arguments": c["function"]["arguments"],
            "status": "completed"}));
    }
    let completion = s.reasoning.len() + s.answer.len() + s.tool_parts.len();
    let incomplete = s.finish_reason == "length";
    json!({
        "id": id, "object": "response", "created_at": created,
        "status": if incomplete { "incomplete" } else { "completed" },
        "incomplete_details": if incomplete { json!({"reason": "max_output_tokens"}) } else { Value::Null },
        "model": ask.model.id, "output": output,
        "usage": {
            "input_tokens": ask.prompt_tokens,
            "input_tokens_details": {"cached_tokens": ask.cached_tokens},
            "output_tokens": completion,
            "output_tokens_details": {"reasoning_tokens": s.reasoning.len()},
            "total_tokens": ask.prompt_tokens + completion,
        },
    })
}

/// A Responses API request as the chat request the simulator reads: `instructions` become a
/// system message, `input` (a string or a list of messages) the rest.
pub fn responses_as_chat(v: &Value) -> Value {
    let mut messages = Vec::new();
    if let Some(i) = v.get("instructions").and_then(Value::as_str) {
        messages.push(json!({"role": "system", "content": i}));
    }
    match v.get("input") {
        Some(Value::String(s)) => messages.push(json!({"role": "user", "content": s})),
        Some(Value::Array(items)) => {
            for it in items {
                let text = |k: &str| it.get(k).cloned().unwrap_or(Value::Null);
                messages.push(match it.get("type").and_then(Value::as_str) {
                    Some("function_call") => json!({"role": "assistant", "content": null,
                        "tool_calls": [{"id": text("call_id"), "type": "function",
                            "function": {"name": text("name"), "arguments": text("arguments")}}]}),
                    Some("function_call_output") => {
                        json!({"role": "tool", "tool_call_id": text("call_id"), "content": text("output")})
                    }
                    _ => {
                        let role = it.get("role").and_then(Value::as_str).unwrap_or("user");
                        json!({"role": role, "content": text("content")})
                    }
                });
            }
        }
        _ => {}
    }
    // Flat Responses tools back in the chat shape.
    let tools: Vec<Value> = v["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| json!({"type": "function", "function": t}))
        .collect();
    json!({
        "model": v.get("model").cloned().unwrap_or(Value::Null),
        "messages": messages,
        "tools": tools,
        "max_tokens": v.get("max_output_tokens").cloned().unwrap_or(Value::Null),
        "stream": v.get("stream").and_then(Value::as_bool).unwrap_or(false),
        "stream_options": {"include_usage": true},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::models::catalogue;
    use crate::demo::script::{parse_ask, script};
    use crate::gateway::responses;
    use crate::gateway::sse::SseParser;

    #[test]
    fn responses_events_decode_with_our_own_client_decoder() {
        let req = json!({"model": "demo/reasoner", "instructions": "be brief",
                         "input": [{"role": "user", "content": [{"type": "input_text", "text": "why?"}]}],
                         "max_output_tokens": 40, "stream": true});
        let chat = responses_as_chat(&req);
        let ask = parse_ask(&catalogue(), chat.to_string().as_bytes()).unwrap();
        assert_eq!(ask.prompt, "why?");
        assert_eq!(ask.max_tokens, Some(40));
        let s = script(1, f64::INFINITY, &ask);
        let w = Writer::new(Shape::Responses, 7, ask.model.id);
        let mut body = w.start();
        for t in &s.reasoning {
            body.push_str(&w.token(true, t));
        }
        for t in &s.answer {
            body.push_str(&w.token(false, t));
        }
        body.push_str(&w.end(&ask, &s));
        let mut p = SseParser::new();
        let (mut text, mut reasoning, mut usage, mut finish) =
            (String::new(), String::new(), None, None);
        for ev in p.feed(body.as_bytes()) {
            if let Some(c) = responses::decode(&ev).unwrap() {
                text.push_str(c.content.as_deref().unwrap_or(""));
                reasoning.push_str(c.reasoning.as_deref().unwrap_or(""));
                usage = c.usage.or(usage);
                finish = c.finish_reason.or(finish);
            }
        }
        assert_eq!(text, s.answer.concat());
        assert_eq!(reasoning, s.reasoning.concat());
        assert_eq!(
            usage.unwrap().output_tokens as usize,
            s.reasoning.len() + s.answer.len()
        );
        assert_eq!(
            finish.unwrap().as_str(),
            if s.finish_reason == "length" {
                "length"
            } else {
                "stop"
            }
        );
        let whole = responses::decode_whole(&whole_response(&ask, &s, "r", 0)).unwrap();
        assert_eq!(whole.content.unwrap(), s.answer.concat());
        // A filtered answer ends incomplete, with no text.
        let mut p = SseParser::new();
        let evs = p.feed(w.filtered().as_bytes());
        let last = responses::decode(evs.last().unwrap()).unwrap().unwrap();
        assert_eq!(last.finish_reason.unwrap().as_str(), "length");
        assert!(responses::decode(&p.feed(w.error().as_bytes())[0]).is_err());
    }
}

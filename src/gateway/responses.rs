//! The Responses API (`/v1/responses`): request bodies and stream events, decoded into the same
//! `Chunk`s as chat completions so every metric works the same way.

use serde_json::{Value, json};

use super::error::GatewayError;
use super::sse::SseEvent;
use super::wire::{ChatRequest, Chunk, FinishReason, Role, ToolCallFragment, Usage, error_message};

/// Which endpoint a profile talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    #[default]
    Chat,
    Responses,
}

impl Api {
    pub fn path(self) -> &'static str {
        match self {
            Api::Chat => "/chat/completions",
            Api::Responses => "/responses",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim() {
            "chat" | "chat-completions" | "chat_completions" => Ok(Api::Chat),
            "responses" => Ok(Api::Responses),
            other => Err(format!(
                "unknown api {other:?}: use \"chat\" or \"responses\""
            )),
        }
    }
}

/// A Responses request: system messages become `instructions`, the rest `input`.
pub fn body(req: &ChatRequest, stream: bool) -> Value {
    let mut instructions = Vec::new();
    let mut input = Vec::new();
    for m in &req.messages {
        if matches!(m.role, Role::System | Role::Developer) {
            instructions.push(m.content.as_str());
        } else if let Some(id) = &m.tool_call_id {
            input.push(json!({"type": "function_call_output", "call_id": id, "output": m.content}));
        } else {
            if !m.content.is_empty() || m.tool_calls.is_empty() {
                input.push(json!({"role": m.role, "content": m.content}));
            }
            for c in &m.tool_calls {
                input.push(json!({"type": "function_call", "call_id": c.id,
                    "name": c.function.name, "arguments": c.function.arguments}));
            }
        }
    }
    let mut b = json!({"model": req.model, "input": input, "stream": stream});
    if !instructions.is_empty() {
        b["instructions"] = json!(instructions.join("\n\n"));
    }
    if let Some(n) = req.max_tokens {
        b["max_output_tokens"] = json!(n);
    }
    if let Some(t) = req.temperature {
        b["temperature"] = json!(t);
    }
    if let Some(tools) = req.tools.as_ref().and_then(Value::as_array) {
        b["tools"] = Value::Array(tools.iter().map(responses_tool).collect());
    }
    b
}

/// A chat tool (`{"type":"function","function":{name, description, parameters}}`) in the
/// Responses API's flat shape (`{"type":"function", name, description, parameters}`); any other
/// tool is sent as given.
fn responses_tool(t: &Value) -> Value {
    match (t.get("type").and_then(Value::as_str), t.get("function")) {
        (Some("function"), Some(Value::Object(f))) => {
            let mut flat = f.clone();
            flat.insert("type".into(), json!("function"));
            Value::Object(flat)
        }
        _ => t.clone(),
    }
}

fn num(v: &Value, path: &str) -> u64 {
    v.pointer(path).and_then(Value::as_u64).unwrap_or(0)
}

fn usage(u: &Value) -> Option<Usage> {
    if !u.is_object() {
        return None;
    }
    Some(Usage {
        input_tokens: num(u, "/input_tokens"),
        output_tokens: num(u, "/output_tokens"),
        cached_input_tokens: num(u, "/input_tokens_details/cached_tokens"),
        reasoning_tokens: num(u, "/output_tokens_details/reasoning_tokens"),
        cost_usd: u.get("cost").and_then(Value::as_f64),
    })
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// The end of a response: usage, model, and how it ended.
fn finished(resp: &Value, ev: &Value, incomplete: bool) -> Chunk {
    Chunk {
        model: text(resp, "model"),
        usage: usage(&resp["usage"]),
        finish_reason: Some(if incomplete {
            FinishReason::Length
        } else if calls_tools(resp) {
            // The Responses API has no `tool_calls` reason: a completed response that ends in
            // function calls is one, as chat completions say.
            FinishReason::ToolCalls
        } else {
            FinishReason::Stop
        }),
        // llama-server puts its timings beside the response.
        timings: ev.get("timings").cloned(),
        ..Default::default()
    }
}

fn calls_tools(resp: &Value) -> bool {
    resp["output"]
        .as_array()
        .is_some_and(|o| o.iter().any(|i| i["type"] == "function_call"))
}

/// One streamed event. `Ok(None)` for lifecycle events that carry nothing we use.
pub fn decode(ev: &SseEvent) -> Result<Option<Chunk>, GatewayError> {
    let v: Value = serde_json::from_str(&ev.data).map_err(|e| GatewayError::Malformed {
        reason: format!(
            "{e} in event {:?}",
            ev.data.chars().take(120).collect::<String>()
        ),
    })?;
    let ty = v
        .get("type")
        .and_then(Value::as_str)
        .or(ev.event.as_deref())
        .unwrap_or("");
    let index = v.get("output_index").and_then(Value::as_u64).unwrap_or(0) as usize;
    let chunk = match ty {
        "response.output_text.delta" | "response.refusal.delta" => Chunk {
            content: text(&v, "delta"),
            ..Default::default()
        },
        "response.reasoning_text.delta"
        | "response.reasoning_summary_text.delta"
        | "response.reasoning.delta" => Chunk {
            reasoning: text(&v, "delta"),
            ..Default::default()
        },
        "response.output_item.added" if v["item"]["type"] == "function_call" => Chunk {
            tool_calls: vec![ToolCallFragment {
                index,
                id: text(&v["item"], "call_id").or_else(|| text(&v["item"], "id")),
                name: text(&v["item"], "name"),
                arguments: String::new(),
            }],
            ..Default::default()
        },
        "response.function_call_arguments.delta" => Chunk {
            tool_calls: vec![ToolCallFragment {
                index,
                arguments: text(&v, "delta").unwrap_or_default(),
                ..Default::default()
            }],
            ..Default::default()
        },
        "response.completed" => finished(&v["response"], &v, false),
        "response.incomplete" => finished(&v["response"], &v, true),
        "response.failed" => {
            let e = &v["response"]["error"];
            return Err(GatewayError::Upstream {
                message: if e.is_null() {
                    "the response failed".into()
                } else {
                    error_message(e)
                },
            });
        }
        "error" => {
            return Err(GatewayError::Upstream {
                message: error_message(v.get("error").unwrap_or(&v)),
            });
        }
        _ => return Ok(None),
    };
    Ok(Some(chunk))
}

/// A whole (non-streaming) response.
pub fn decode_whole(v: &Value) -> Result<Chunk, GatewayError> {
    if let Some(e) = v.get("error").filter(|e| !e.is_null()) {
        return Err(GatewayError::Upstream {
            message: error_message(e),
        });
    }
    let mut c = finished(v, v, v["status"] == "incomplete");
    let (mut content, mut reasoning) = (String::new(), String::new());
    for (i, item) in v["output"].as_array().into_iter().flatten().enumerate() {
        match item["type"].as_str() {
            Some("message") => {
                for part in item["content"].as_array().into_iter().flatten() {
                    content.push_str(part["text"].as_str().unwrap_or(""));
                }
            }
            Some("reasoning") => {
                for part in ["summary", "content"]
                    .iter()
                    .flat_map(|k| item[*k].as_array().into_iter().flatten())
                {
                    reasoning.push_str(part["text"].as_str().unwrap_or(""));
                }
            }
            Some("function_call") => c.tool_calls.push(ToolCallFragment {
                index: i,
                id: text(item, "call_id"),
                name: text(item, "name"),
                arguments: text(item, "arguments").unwrap_or_default(),
            }),
            _ => {}
        }
    }
    c.content = Some(content);
    c.reasoning = (!reasoning.is_empty()).then_some(reasoning);
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::wire::Message;

    fn ev(data: &str) -> SseEvent {
        SseEvent {
            data: data.into(),
            ..Default::default()
        }
    }

    #[test]
    fn request_body() {
        let req = ChatRequest {
            model: "m".into(),
            messages: vec![Message::system("be brief"), Message::user("hi")],
            max_tokens: Some(10),
            ..Default::default()
        };
        let b = body(&req, true);
        assert_eq!(b["instructions"], "be brief");
        assert_eq!(b["input"][0]["content"], "hi");
        assert_eq!(b["max_output_tokens"], 10);
        assert_eq!(b["stream"], true);
        assert_eq!(Api::parse("responses"), Ok(Api::Responses));
        assert!(Api::parse("grpc").is_err());
        assert!(b.get("tools").is_none());
        // Chat tools go flat; other tools as given.
        let with_tools = ChatRequest {
            tools: Some(serde_json::json!([
                {"type": "function", "function": {"name": "get", "parameters": {"type": "object"}}},
                {"type": "web_search"}
            ])),
            ..req
        };
        assert_eq!(
            body(&with_tools, true)["tools"],
            serde_json::json!([
                {"type": "function", "name": "get", "parameters": {"type": "object"}},
                {"type": "web_search"}
            ])
        );
    }

    #[test]
    fn events() {
        let c = decode(&ev(
            r#"{"type":"response.output_text.delta","delta":"Hel"}"#,
        ))
        .unwrap()
        .unwrap();
        assert_eq!(c.content.as_deref(), Some("Hel"));
        let c = decode(&ev(
            r#"{"type":"response.reasoning_summary_text.delta","delta":"think"}"#,
        ))
        .unwrap()
        .unwrap();
        assert_eq!(c.reasoning.as_deref(), Some("think"));
        assert!(
            decode(&ev(r#"{"type":"response.created","response":{}}"#))
                .unwrap()
                .is_none()
        );
        let c = decode(&ev(r#"{"type":"response.output_item.added","output_index":1,"item":{"type":"function_call","call_id":"c1","name":"get_weather","arguments":""}}"#)).unwrap().unwrap();
        assert_eq!(c.tool_calls[0].name.as_deref(), Some("get_weather"));
        assert_eq!(c.tool_calls[0].index, 1);
        let c = decode(&ev(r#"{"type":"response.function_call_arguments.delta","output_index":1,"delta":"{\"city\""}"#)).unwrap().unwrap();
        assert_eq!(c.tool_calls[0].arguments, "{\"city\"");
        let c = decode(&ev(r#"{"type":"response.completed","response":{"model":"m","usage":{"input_tokens":5,"output_tokens":7,"input_tokens_details":{"cached_tokens":2},"output_tokens_details":{"reasoning_tokens":3}}}}"#)).unwrap().unwrap();
        let u = c.usage.unwrap();
        assert_eq!(
            (
                u.input_tokens,
                u.output_tokens,
                u.cached_input_tokens,
                u.reasoning_tokens
            ),
            (5, 7, 2, 3)
        );
        assert_eq!(c.finish_reason, Some(FinishReason::Stop));
        let c = decode(&ev(
            r#"{"type":"response.incomplete","response":{"usage":{"output_tokens":1}}}"#,
        ))
        .unwrap()
        .unwrap();
        assert_eq!(c.finish_reason, Some(FinishReason::Length));
        let e = decode(&ev(r#"{"type":"response.failed","response":{"error":{"code":"server_error","message":"boom"}}}"#)).unwrap_err();
        assert!(e.to_string().contains("boom"));
        let e = decode(&ev(
            r#"{"type":"error","code":"rate_limit_exceeded","message":"slow down"}"#,
        ))
        .unwrap_err();
        assert!(e.to_string().contains("slow down"));
        assert!(matches!(
            decode(&ev("{nope")),
            Err(GatewayError::Malformed { .. })
        ));
    }

    #[test]
    fn whole_response() {
        let v: Value = serde_json::from_str(r#"{"model":"m","status":"completed","output":[{"type":"reasoning","summary":[{"type":"summary_text","text":"plan"}]},{"type":"message","content":[{"type":"output_text","text":"Hi!"}]},{"type":"function_call","call_id":"c","name":"f","arguments":"{}"}],"usage":{"input_tokens":1,"output_tokens":2}}"#).unwrap();
        let c = decode_whole(&v).unwrap();
        assert_eq!(c.content.as_deref(), Some("Hi!"));
        assert_eq!(c.reasoning.as_deref(), Some("plan"));
        assert_eq!(c.tool_calls[0].name.as_deref(), Some("f"));
        assert_eq!(c.usage.unwrap().output_tokens, 2);
    }
}

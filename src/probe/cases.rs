//! Each capability's requests (small: a few tokens out). Pure: `run` sends what `asks` makes
//! and hands the answers to `judge`.

use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use super::{Capability, Verdict};
use crate::gateway::GatewayError;
use crate::gateway::raw::Exchange;

/// Output tokens a probe asks for at most by default (`--max-tokens`); the worst case of the
/// spend estimate.
pub const MAX_TOKENS: u32 = 48;

/// One request to make.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub path: &'static str,
    pub body: Value,
    pub stream: bool,
}

/// An answer as the judge sees it.
#[derive(Debug)]
pub enum Got {
    Stream(Box<Exchange>),
    Whole(HeaderMap, Value),
    Failed(GatewayError),
}

/// A judgement: the verdict, why, the answer's start, and a rate where tries were counted.
pub type Judged = (Verdict, String, String, Option<(u32, u32)>);

fn chat(model: &str, prompt: &str, stream: bool, extra: Value) -> Ask {
    let mut body = json!({
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": MAX_TOKENS,
        "stream": stream,
    });
    if stream {
        body["stream_options"] = json!({"include_usage": true});
    }
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    Ask {
        path: "/chat/completions",
        body,
        stream,
    }
}

fn tool(name: &str, what: &str, param: &str) -> Value {
    json!({"type": "function", "function": {
        "name": name,
        "description": what,
        "parameters": {"type": "object", "properties": {param: {"type": "string"}},
                       "required": [param]}
    }})
}

fn weather() -> Value {
    tool("get_weather", "The current weather in a city", "city")
}

fn time() -> Value {
    tool("get_time", "The local time in a city", "city")
}

/// The strict schema the json_schema probe asks for.
pub fn person_schema() -> Value {
    json!({
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
        "additionalProperties": false
    })
}

/// The requests that probe `cap` on `model`; `tries` for the capabilities judged over several,
/// `max_tokens` out at most (the max_tokens probe asks for 5 whatever it is).
pub fn asks(cap: Capability, model: &str, tries: u32, max_tokens: u32) -> Vec<Ask> {
    let mut asks = asks_of(cap, model, tries);
    for a in &mut asks {
        for k in ["max_tokens", "max_output_tokens"] {
            if a.body.get(k).is_some() && cap != Capability::MaxTokens {
                a.body[k] = json!(max_tokens);
            }
        }
    }
    asks
}

fn asks_of(cap: Capability, model: &str, tries: u32) -> Vec<Ask> {
    use Capability as C;
    let say = "Say hello in three words.";
    match cap {
        C::Streaming | C::UsageAsked => vec![chat(model, say, true, json!({}))],
        C::UsageUnasked => {
            let mut a = chat(model, say, true, json!({}));
            if let Some(b) = a.body.as_object_mut() {
                b.remove("stream_options");
            }
            vec![a]
        }
        C::Tools => vec![chat(
            model,
            "What is the weather in Paris? Use get_weather.",
            true,
            json!({"tools": [weather()], "tool_choice": "auto"}),
        )],
        C::ParallelTools => vec![chat(
            model,
            "Use get_weather for Paris and get_time for Tokyo, both at once.",
            true,
            json!({"tools": [weather(), time()], "parallel_tool_calls": true}),
        )],
        C::ToolChoiceRequired => vec![chat(
            model,
            say,
            true,
            json!({"tools": [weather()], "tool_choice": "required"}),
        )],
        C::ToolChoiceNone => vec![chat(
            model,
            "What is the weather in Paris? Use get_weather.",
            true,
            json!({"tools": [weather()], "tool_choice": "none"}),
        )],
        C::JsonObject => vec![chat(
            model,
            "Give a JSON object with the keys name and age for a person.",
            false,
            json!({"response_format": {"type": "json_object"}}),
        )],
        C::JsonSchema => (0..tries.max(1))
            .map(|i| {
                chat(
                    model,
                    &format!(
                        "Describe person number {} as JSON: a name and an age.",
                        i + 1
                    ),
                    false,
                    json!({"response_format": {"type": "json_schema", "json_schema": {
                        "name": "person", "strict": true, "schema": person_schema()}}}),
                )
            })
            .collect(),
        C::Logprobs => vec![chat(
            model,
            say,
            false,
            json!({"logprobs": true, "top_logprobs": 2}),
        )],
        C::Seed => {
            let a = chat(
                model,
                "Name three colours.",
                false,
                json!({"temperature": 0, "seed": 42}),
            );
            vec![a.clone(), a]
        }
        C::Stop => vec![chat(
            model,
            "Write the words red green blue, separated by spaces.",
            false,
            json!({"stop": [" "]}),
        )],
        C::MaxTokens => {
            let mut a = chat(model, "Write a long story about the sea.", false, json!({}));
            a.body["max_tokens"] = json!(5);
            vec![a]
        }
        C::N => vec![chat(model, say, false, json!({"n": 2}))],
        C::SystemRole => {
            let mut a = chat(model, "ping", false, json!({}));
            a.body["messages"] = json!([
                {"role": "system", "content": "Answer every message with the single word pong."},
                {"role": "user", "content": "ping"}
            ]);
            vec![a]
        }
        C::Reasoning => vec![chat(
            model,
            "Is 17 a prime number? Think, then answer yes or no.",
            true,
            json!({}),
        )],
        C::ResponsesApi => vec![Ask {
            path: "/responses",
            body: json!({"model": model, "input": say, "max_output_tokens": MAX_TOKENS,
                         "stream": true}),
            stream: true,
        }],
    }
}

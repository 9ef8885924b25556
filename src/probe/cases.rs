//! Each capability's requests (small: a few tokens out) and how their answers are judged. Pure:
//! `run` sends what `asks` makes and hands the answers to `judge`.

use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use super::conform::{Assembled, assemble, assemble_whole};
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

/// The first failure among the answers, as an `error` cell, or every answer assembled.
fn assembled(got: &[Got]) -> Result<Vec<Assembled>, Judged> {
    got.iter()
        .map(|g| match g {
            Got::Stream(x) => Ok(assemble(x)),
            Got::Whole(_, v) => Ok(assemble_whole(v)),
            Got::Failed(e) => Err((
                Verdict::Error,
                super::start(&e.brief(), 300),
                super::start(&e.brief(), 160),
                None,
            )),
        })
        .collect()
}

/// Judge `cap` from its answers (in the order `asks` made them).
pub fn judge(cap: Capability, got: &[Got]) -> Judged {
    use Capability as C;
    // A refusal of the parameter itself is a "no", not an error: that is the answer.
    if let [
        Got::Failed(GatewayError::Http {
            status, message, ..
        }),
    ] = got
        && (400..500).contains(status)
        && *status != 401
        && *status != 429
        && !matches!(cap, C::Streaming | C::SystemRole)
    {
        let why = format!("refused with HTTP {status}: {}", super::start(message, 120));
        return (Verdict::No, why.clone(), why, None);
    }
    let a = match assembled(got) {
        Ok(a) => a,
        Err(j) => return j,
    };
    let first = &a[0];
    let shown = first.shown();
    // Cut off before any answer (a reasoning model thinking through its max_tokens): the probe
    // did not reach the capability, so it says so instead of "no".
    let needs_text = matches!(
        cap,
        C::JsonObject | C::JsonSchema | C::Stop | C::Logprobs | C::Seed
    );
    if needs_text
        && a.iter().any(|x| {
            x.text.trim().is_empty() && x.tools.is_empty() && x.finish.iter().any(|f| f == "length")
        })
    {
        let why = "no answer within max_tokens (reasoning may have used them): raise --max-tokens";
        return (
            Verdict::Error,
            why.into(),
            super::start(&first.reasoning, 160),
            None,
        );
    }
    let v = |verdict: Verdict, why: &str| (verdict, why.to_string(), shown.clone(), None);
    match cap {
        C::Streaming => match got.first() {
            Some(Got::Stream(x)) if x.whole.is_some() => v(
                Verdict::Partial,
                "answered a stream request with one whole JSON answer",
            ),
            Some(Got::Stream(x)) if first.chunks > 0 && x.error.is_none() => {
                v(Verdict::Yes, "an event stream of answer chunks")
            }
            Some(Got::Stream(x)) => match &x.error {
                Some(e) => v(Verdict::Error, &e.brief()),
                None => v(Verdict::No, "the stream carried no answer chunks"),
            },
            _ => v(Verdict::Error, "no stream"),
        },
        C::UsageAsked | C::UsageUnasked => match &first.usage {
            Some(_) => v(Verdict::Yes, "a usage chunk in the stream"),
            None => v(Verdict::No, "no usage in the stream"),
        },
        C::Tools => match first.tools.as_slice() {
            [] => v(Verdict::No, "answered in text; no tool call"),
            [(name, args), ..] if name == "get_weather" && parses_with(args, "city") => {
                v(Verdict::Yes, "called get_weather with arguments that parse")
            }
            [(name, _), ..] => v(
                Verdict::Partial,
                &format!("called {name:?} with arguments that do not parse as asked"),
            ),
        },
        C::ParallelTools => match first.tools.len() {
            0 => v(Verdict::No, "no tool call"),
            1 => v(
                Verdict::Partial,
                "one tool call where two were asked for at once",
            ),
            n => v(Verdict::Yes, &format!("{n} tool calls in one answer")),
        },
        C::ToolChoiceRequired => match first.tools.len() {
            0 => v(
                Verdict::No,
                "answered in text although a tool call was required",
            ),
            _ => v(Verdict::Yes, "called a tool as required"),
        },
        C::ToolChoiceNone => match first.tools.len() {
            0 => v(Verdict::Yes, "answered in text, no tool call"),
            _ => v(Verdict::No, "called a tool although tool_choice was none"),
        },
        C::JsonObject => match serde_json::from_str::<Value>(first.text.trim()) {
            Ok(Value::Object(_)) => v(Verdict::Yes, "a JSON object"),
            Ok(_) => v(Verdict::Partial, "JSON, but not an object"),
            Err(e) => v(Verdict::No, &format!("not JSON: {e}")),
        },
        C::JsonSchema => schema_rate(&a),
        C::Logprobs => match (first.logprobs, first.top_logprobs) {
            (true, true) => v(Verdict::Yes, "logprobs with top_logprobs"),
            (true, false) => v(Verdict::Partial, "logprobs without top_logprobs"),
            _ => v(Verdict::No, "no logprobs in the answer"),
        },
        C::Seed => {
            let same = a.len() == 2 && a[0].text == a[1].text;
            let rate = Some((u32::from(same), 1));
            match same {
                true => (Verdict::Yes, "the same answer twice".into(), shown, rate),
                false => (
                    Verdict::No,
                    "two different answers at temperature 0 with one seed".into(),
                    shown,
                    rate,
                ),
            }
        }
        C::Stop => match (
            first.text.contains(' '),
            first.finish.first().map(String::as_str),
        ) {
            (false, Some("stop")) => v(Verdict::Yes, "stopped at the stop sequence"),
            (false, f) => v(
                Verdict::Partial,
                &format!("no stop sequence in the answer, but finish_reason {f:?}"),
            ),
            (true, _) => v(Verdict::No, "the answer runs past the stop sequence"),
        },
        C::MaxTokens => {
            let out = first.output_tokens();
            match (first.finish.first().map(String::as_str), out) {
                (Some("length"), Some(n)) if n <= 5 => v(
                    Verdict::Yes,
                    &format!("finish_reason length after {n} tokens"),
                ),
                (Some("length"), Some(n)) => v(
                    Verdict::Partial,
                    &format!("finish_reason length, but {n} tokens for max_tokens 5"),
                ),
                (Some("length"), None) => v(
                    Verdict::Partial,
                    "finish_reason length; no usage to count the tokens",
                ),
                (f, _) => v(
                    Verdict::No,
                    &format!("finish_reason {f:?} with max_tokens 5"),
                ),
            }
        }
        C::N => match first.choices {
            2 => v(Verdict::Yes, "two choices"),
            n => v(Verdict::No, &format!("{n} choice(s) for n = 2")),
        },
        C::SystemRole => v(Verdict::Yes, "accepted a system message"),
        C::Reasoning => match first.reasoning.trim().is_empty() {
            false => v(Verdict::Yes, "reasoning streamed apart from the answer"),
            true => v(Verdict::No, "no reasoning field in the stream"),
        },
        C::ResponsesApi => match (first.chunks, first.completed) {
            (n, true) if n > 0 => v(Verdict::Yes, "output_text deltas and response.completed"),
            (_, true) => v(
                Verdict::Partial,
                "response.completed without output_text deltas",
            ),
            _ => v(Verdict::No, "no response.completed event"),
        },
    }
}

/// Arguments that parse as a JSON object holding `field`.
fn parses_with(args: &str, field: &str) -> bool {
    serde_json::from_str::<Value>(args).is_ok_and(|v| v.get(field).is_some())
}

/// json_schema over N tries: the share of answers that parse and validate.
fn schema_rate(a: &[Assembled]) -> Judged {
    let schema = person_schema();
    let mut failed = None;
    let mut good = 0u32;
    for x in a {
        let check = serde_json::from_str::<Value>(x.text.trim())
            .map_err(|e| format!("not JSON: {e}"))
            .and_then(|v| crate::jsonschema::validate(&v, &schema));
        match check {
            Ok(()) => good += 1,
            Err(e) => {
                failed.get_or_insert((e, x.shown()));
            }
        }
    }
    let n = a.len() as u32;
    let rate = Some((good, n));
    match (good, failed) {
        (g, None) => (
            Verdict::Yes,
            format!("{g} of {n} answers validate"),
            a[0].shown(),
            rate,
        ),
        (0, Some((e, shown))) => (
            Verdict::No,
            format!("no answer validates: {e}"),
            shown,
            rate,
        ),
        (g, Some((e, shown))) => (
            Verdict::Partial,
            format!("{g} of {n} validate; one failed: {e}"),
            shown,
            rate,
        ),
    }
}

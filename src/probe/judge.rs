//! How each capability's answers are judged: a verdict, why, and what of the answer to show.

use serde_json::Value;

use super::cases::{Got, Judged, person_schema};
use super::conform::{Assembled, assemble, assemble_whole};
use super::{Capability, Verdict};
use crate::gateway::GatewayError;

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

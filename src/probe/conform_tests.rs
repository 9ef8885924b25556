//! The wire checks, on hand-written event lists.

use super::*;
use crate::gateway::sse::SseEvent;

fn x(lines: &[&str]) -> Exchange {
    Exchange {
        status: 200,
        events: lines
            .iter()
            .map(|l| {
                (
                    0.0,
                    SseEvent {
                        data: l.to_string(),
                        ..Default::default()
                    },
                )
            })
            .collect(),
        ..Default::default()
    }
}

const ROLE: &str =
    r#"{"id":"a","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#;
const HI: &str = r#"{"id":"a","model":"m","choices":[{"index":0,"delta":{"content":"hi"}}]}"#;
const FIN: &str =
    r#"{"id":"a","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#;
const USAGE: &str =
    r#"{"id":"a","model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}"#;

fn rules(lines: &[&str], usage: bool) -> Vec<String> {
    check(&x(lines), Capability::Streaming, usage)
        .0
        .into_iter()
        .map(|v| v.rule)
        .collect()
}

#[test]
fn a_good_stream_breaks_nothing_and_assembles() {
    assert!(rules(&[ROLE, HI, FIN, USAGE, "[DONE]"], true).is_empty());
    let a = assemble(&x(&[ROLE, HI, FIN, USAGE, "[DONE]"]));
    assert_eq!(
        (a.text.as_str(), a.finish.as_slice(), a.chunks),
        ("hi", &["stop".to_string()][..], 1)
    );
    assert_eq!(a.output_tokens(), Some(1));
}

#[test]
fn each_rule_is_caught_with_its_line() {
    assert_eq!(rules(&[HI, FIN, "[DONE]"], false), ["role_first"]);
    assert_eq!(
        rules(&[ROLE, HI, FIN, FIN, "[DONE]"], false),
        ["after_finish", "one_finish"]
    );
    assert_eq!(
        rules(&[ROLE, HI, FIN, HI, "[DONE]"], false),
        ["after_finish"]
    );
    assert_eq!(rules(&[ROLE, HI], false), ["one_finish", "done"]);
    assert_eq!(rules(&[ROLE, HI, FIN, "[DONE]"], true), ["usage_chunk"]);
    assert_eq!(
        rules(&[ROLE, "{not json", FIN, "[DONE]"], false),
        ["bad_json"]
    );
    let other_id = HI.replace("\"a\"", "\"b\"");
    let other_model = HI.replace("\"m\"", "\"n\"");
    assert_eq!(rules(&[ROLE, &other_id, FIN, "[DONE]"], false), ["same_id"]);
    assert_eq!(
        rules(&[ROLE, &other_model, FIN, "[DONE]"], false),
        ["same_model"]
    );
    let v = check(
        &x(&[ROLE, HI, FIN, FIN, "[DONE]"]),
        Capability::Tools,
        false,
    )
    .0;
    assert_eq!(v[1].line, super::super::start(FIN, 200));
    assert_eq!(v[1].probe, Capability::Tools);
}

#[test]
fn a_usage_chunk_with_an_empty_delta_is_still_the_usage_chunk() {
    let litellm = r#"{"id":"a","model":"m","choices":[{"index":0,"delta":{}}],"usage":{"completion_tokens":1}}"#;
    assert!(rules(&[ROLE, HI, FIN, litellm, "[DONE]"], true).is_empty());
    let with_text =
        r#"{"id":"a","model":"m","choices":[{"index":0,"delta":{"content":"x"}}],"usage":{}}"#;
    assert_eq!(
        rules(&[ROLE, HI, FIN, with_text, "[DONE]"], true),
        ["after_finish"]
    );
}

#[test]
fn tool_call_deltas_must_assemble() {
    let t = |i: &str| {
        format!(r#"{{"id":"a","choices":[{{"index":0,"delta":{{"tool_calls":[{i}]}}}}]}}"#)
    };
    let head = t(r#"{"index":0,"id":"c1","function":{"name":"f","arguments":"{\"a\""}}"#);
    let tail = t(r#"{"index":0,"function":{"arguments":":1}"}}"#);
    let again = t(r#"{"index":0,"id":"c1","function":{"arguments":":1}"}}"#);
    let no_index = t(r#"{"id":"c2","function":{"name":"g","arguments":"{}"}}"#);
    let broken = t(r#"{"index":0,"function":{"arguments":":1"}}"#);
    let fin = FIN.replace("stop", "tool_calls");
    assert!(rules(&[ROLE, &head, &tail, &fin, "[DONE]"], false).is_empty());
    let a = assemble(&x(&[ROLE, &head, &tail, &fin]));
    assert_eq!(a.tools, [("f".to_string(), "{\"a\":1}".to_string())]);
    assert_eq!(
        rules(&[ROLE, &head, &again, &fin, "[DONE]"], false),
        ["tool_id_once"]
    );
    assert_eq!(
        rules(&[ROLE, &no_index, &fin, "[DONE]"], false),
        ["tool_index"]
    );
    assert_eq!(
        rules(&[ROLE, &head, &broken, &fin, "[DONE]"], false),
        ["tool_arguments"]
    );
}

#[test]
fn empty_deltas_and_keep_alives_are_tolerated_and_counted() {
    let empty = r#"{"id":"a","choices":[{"index":0,"delta":{}}]}"#;
    let mut ex = x(&[ROLE, empty, HI, empty, FIN, "[DONE]"]);
    ex.comments = 3;
    let (v, tol) = check(&ex, Capability::Streaming, false);
    assert!(v.is_empty(), "{v:?}");
    assert_eq!((tol.keep_alive_comments, tol.empty_deltas), (3, 2));
}

#[test]
fn responses_events_must_start_created_and_end_completed() {
    let ev = |t: &str| format!(r#"{{"type":"{t}","delta":"x"}}"#);
    let good = [
        ev("response.created"),
        ev("response.output_text.delta"),
        ev("response.completed"),
    ];
    let g: Vec<&str> = good.iter().map(String::as_str).collect();
    assert!(rules(&g, false).is_empty());
    let a = assemble(&x(&g));
    assert!(a.completed && a.text == "x");
    assert_eq!(rules(&g[1..], false), ["responses_order"]);
    assert_eq!(rules(&g[..2], false), ["responses_completed"]);
    let late = [g[0], g[2], g[1]];
    assert_eq!(rules(&late, false), ["responses_order"]);
}

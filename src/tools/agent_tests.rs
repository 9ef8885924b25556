use super::*;
use crate::answer::ToolCall;
use crate::bench::report::tests::rec;
use crate::gateway::wire::Role;
use crate::metrics::CostSource;

fn tools() -> ToolSet {
    ToolSet::from_json(include_str!("../../tests/fixtures/tools/weather.json")).unwrap()
}

fn stubs() -> Stubs {
    Stubs::parse(r#"{"get_weather": "sunny, 21 C"}"#, false).unwrap()
}

fn asking(calls: &[(&str, &str, Option<&str>)]) -> AnswerRecord {
    let mut r = rec(100.0, 400.0, (50, 10), Some((0.001, CostSource::Models)));
    r.text = String::new();
    r.tool_calls = calls
        .iter()
        .map(|(name, args, id)| ToolCall {
            id: id.map(str::to_string),
            name: name.to_string(),
            arguments: args.to_string(),
        })
        .collect();
    r
}

#[test]
fn an_answer_without_calls_ends_the_run_and_a_failure_stops_it() {
    let (calls, next) = after_step(&tools(), &stubs(), 1, 8, &asking(&[]));
    assert!(calls.is_empty());
    assert_eq!(next, Next::Stop(Stopped::Answered));
    let mut failed = asking(&[("get_weather", "{}", None)]);
    failed.error = Some(crate::gateway::GatewayError::Cancelled);
    assert_eq!(
        after_step(&tools(), &stubs(), 1, 8, &failed).1,
        Next::Stop(Stopped::Error)
    );
}

#[test]
fn stubbed_calls_continue_with_the_assistant_turn_and_every_result() {
    let r = asking(&[("get_weather", r#"{"city":"Paris"}"#, Some("call_a"))]);
    let (calls, next) = after_step(&tools(), &stubs(), 1, 8, &r);
    assert_eq!(calls[0].result.as_deref(), Some("sunny, 21 C"));
    assert_eq!(calls[0].invalid, None);
    let Next::Continue(msgs) = next else {
        panic!("{next:?}")
    };
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0].role, Role::Assistant);
    assert_eq!(msgs[0].tool_calls[0].id, "call_a");
    assert_eq!(
        msgs[0].tool_calls[0].function.arguments,
        r#"{"city":"Paris"}"#
    );
    assert_eq!(msgs[1].role, Role::Tool);
    assert_eq!(msgs[1].tool_call_id.as_deref(), Some("call_a"));
    assert_eq!(msgs[1].content, "sunny, 21 C");
    // The JSON a server gets: OpenAI's shape.
    let v = serde_json::to_value(&msgs).unwrap();
    assert_eq!(v[0]["tool_calls"][0]["type"], "function");
    assert_eq!(v[1]["tool_call_id"], "call_a");
}

#[test]
fn a_call_without_a_result_waits_and_the_limit_stops() {
    // Parallel calls: one stubbed, one not; a server that sent no id gets one of ours.
    let r = asking(&[
        ("get_weather", r#"{"city":"Paris"}"#, Some("a")),
        ("get_time", r#"{"city":"Paris"}"#, None),
    ]);
    let (calls, next) = after_step(&tools(), &stubs(), 2, 8, &r);
    assert_eq!(next, Next::Await);
    assert_eq!(calls[1].id, "call_2_1");
    assert_eq!(calls[1].result, None);
    // Typed in, the run goes on.
    let mut typed = calls.clone();
    typed[1].result = Some("14:05".into());
    assert_eq!(continue_with("", &typed).unwrap().len(), 3);
    assert_eq!(continue_with("", &calls), None);
    let (_, next) = after_step(&tools(), &stubs(), 8, 8, &r);
    assert_eq!(next, Next::Stop(Stopped::StepLimit));
}

#[test]
fn invalid_arguments_are_answered_with_the_reason() {
    let r = asking(&[("get_weather", r#"{"town":"Paris"}"#, Some("a"))]);
    let (calls, next) = after_step(&tools(), &stubs(), 1, 8, &r);
    let why = calls[0].invalid.as_deref().unwrap();
    assert!(why.contains("city"), "{why}");
    assert!(
        calls[0]
            .result
            .as_deref()
            .unwrap()
            .starts_with("error: invalid arguments for get_weather")
    );
    assert!(matches!(next, Next::Continue(_)));
    assert_eq!(calls[0].pretty_arguments(), "{\n  \"town\": \"Paris\"\n}");
    let bad = CallReport {
        arguments: "{oops".into(),
        ..calls[0].clone()
    };
    assert_eq!(bad.pretty_arguments(), "{oops");
}

#[test]
fn a_run_adds_up_time_tokens_and_cost_and_keeps_each_step() {
    let first = asking(&[("get_weather", r#"{"city":"Paris"}"#, Some("a"))]);
    let mut last = rec(200.0, 600.0, (80, 30), Some((0.002, CostSource::Gateway)));
    last.text = "It is sunny.".into();
    let steps = vec![
        step_of(1, &first, Vec::new()),
        step_of(2, &last, Vec::new()),
    ];
    let all = combine(&[first.clone(), last.clone()], steps, Stopped::Answered).unwrap();
    assert_eq!(all.text, "It is sunny.");
    assert_eq!(all.ttft_ms, Some(100.0));
    assert_eq!(all.total_ms, Some(1000.0));
    assert_eq!((all.input_tokens, all.output_tokens), (Some(130), Some(40)));
    assert!((all.cost_usd.unwrap() - 0.003).abs() < 1e-12);
    assert_eq!(
        all.cost_source,
        Some(CostSource::Models),
        "the weaker of the two"
    );
    assert_eq!(all.tokens_per_s, Some(40.0));
    let three = combine(
        &[first.clone(), last.clone(), last.clone()],
        Vec::new(),
        Stopped::Answered,
    )
    .unwrap();
    assert_eq!(
        three.tokens_per_s,
        Some(70.0 / 1.6),
        "tokens over the run's seconds"
    );
    let mut instant = last.clone();
    instant.total_ms = Some(0.0);
    let none = combine(&[instant], Vec::new(), Stopped::Answered).unwrap();
    assert_eq!(none.tokens_per_s, None, "no time, no speed");
    assert_eq!(all.steps.len(), 2);
    assert_eq!(all.steps[1].total_ms, Some(600.0));
    assert_eq!(all.stopped, Some(Stopped::Answered));
    // One unpriced step: the run has no cost, rather than a wrong one.
    let mut unpriced = last.clone();
    unpriced.cost_usd = None;
    unpriced.cost_source = None;
    let all = combine(&[first, unpriced.clone()], Vec::new(), Stopped::Answered).unwrap();
    assert_eq!((all.cost_usd, all.cost_source), (None, None));
    assert!(combine(&[], Vec::new(), Stopped::Error).is_none());
    // A step that only called tools has no first token: the answer's counts from the start.
    let mut silent = asking(&[("get_weather", "{}", None)]);
    silent.ttft_ms = None;
    let all = combine(
        &[silent.clone(), silent, last.clone()],
        Vec::new(),
        Stopped::Answered,
    )
    .unwrap();
    assert_eq!(all.ttft_ms, Some(1000.0));
    let v = serde_json::to_value(&all).unwrap();
    assert_eq!(v["stopped"], "answered");
}

//! The workbench's agent loop: calls shown and checked, answered from stubs or typed in (`T`),
//! the conversation resent, and one record for the whole run.

use std::time::{Duration, Instant};

use super::*;
use crate::gateway::wire::{Role, ToolCallFragment};
use crate::tools::{Stubs, ToolSet};

fn with_tools(stubs: &str) -> State {
    let mut s = state(&["a/fast"]);
    s.tools = Some(crate::app::agent::Tools {
        set: ToolSet::from_json(include_str!("../../../tests/fixtures/tools/weather.json"))
            .unwrap(),
        stubs: Stubs::parse(stubs, false).unwrap(),
        max_steps: 4,
    });
    s
}

/// A step that calls `name` with `args`, its arguments split over two chunks.
fn call(s: &mut State, id: u64, t0: Instant, name: &str, args: &str) -> Vec<Effect> {
    let mut r = Req::start(s, id, t0);
    r.attempt(s, "a/fast", t0);
    let (a, b) = args.split_at(args.len() / 2);
    let frag = |first: bool, part: &str| Chunk {
        tool_calls: vec![ToolCallFragment {
            index: 0,
            id: first.then(|| format!("call_{id}")),
            name: first.then(|| name.to_string()),
            arguments: part.into(),
        }],
        ..Default::default()
    };
    r.chunk(s, t0 + Duration::from_millis(50), frag(true, a));
    r.chunk(s, t0 + Duration::from_millis(60), frag(false, b));
    r.chunk(
        s,
        t0 + Duration::from_millis(70),
        Chunk {
            finish_reason: Some(crate::gateway::wire::FinishReason::ToolCalls),
            usage: Some(Usage {
                input_tokens: 40,
                output_tokens: 8,
                ..Default::default()
            }),
            ..Default::default()
        },
    );
    r.end(s, t0 + Duration::from_millis(80))
}

#[test]
fn stubbed_calls_go_back_and_the_final_answer_sums_the_run() {
    let mut s = with_tools(r#"{"get_weather": "sunny, 21 C"}"#);
    let sent = {
        typed(&mut s, "weather in Paris?");
        sends(&update(&mut s, ctrl('s')))
    };
    let (id, req) = &sent[0];
    assert_eq!(
        req.tools.as_ref().unwrap()[0]["function"]["name"],
        "get_weather",
        "offered"
    );
    let t0 = Instant::now();
    let next = sends(&call(&mut s, *id, t0, "get_weather", r#"{"city":"Paris"}"#));
    assert_eq!(next.len(), 1, "the result goes straight back");
    let msgs = &next[0].1.messages;
    let tail: Vec<Role> = msgs.iter().rev().take(2).map(|m| m.role).collect();
    assert_eq!(tail, [Role::Tool, Role::Assistant]);
    assert_eq!(msgs.last().unwrap().content, "sunny, 21 C");
    let rows = texts(&s.panes[0]).join("\n");
    assert!(rows.contains("⚙ get_weather"), "{rows}");
    assert!(
        rows.contains("\"city\": \"Paris\""),
        "pretty arguments: {rows}"
    );
    assert!(rows.contains("← sunny, 21 C"), "{rows}");
    assert!(rows.contains("── step 2 ──"), "{rows}");
    answer(
        &mut s,
        next[0].0,
        t0 + Duration::from_secs(1),
        "It is sunny.",
        Some(Usage {
            input_tokens: 60,
            output_tokens: 4,
            ..Default::default()
        }),
    );
    let p = &s.panes[0];
    assert_eq!(p.status, Status::Done);
    let rec = p.answer.as_ref().unwrap();
    assert_eq!(rec.steps.len(), 2);
    assert_eq!((rec.input_tokens, rec.output_tokens), (Some(100), Some(12)));
    assert_eq!(rec.stopped, Some(crate::tools::agent::Stopped::Answered));
    assert_eq!(p.state_label(), "done · 2 steps");
    // The tool turns stay in the conversation for the next prompt.
    let roles: Vec<Role> = p.history.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [Role::User, Role::Assistant, Role::Tool, Role::Assistant]
    );
}

#[test]
fn a_call_without_a_stub_waits_for_a_typed_result_and_bad_arguments_say_why() {
    let mut s = with_tools("{}");
    typed(&mut s, "weather?");
    let id = sends(&update(&mut s, ctrl('s')))[0].0;
    let t0 = Instant::now();
    assert!(sends(&call(&mut s, id, t0, "get_weather", r#"{"city":"Paris"}"#)).is_empty());
    assert_eq!(s.panes[0].status, Status::Tool);
    assert_eq!(s.panes[0].state_label(), "step 1 · tool result?");
    assert!(s.status_msg.as_deref().unwrap().contains("press T"));
    update(&mut s, key(KeyCode::Tab)); // out of the editor, to the panes
    while s.focus != Focus::Panes {
        update(&mut s, key(KeyCode::Tab));
    }
    update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::Char('T'), KeyModifiers::SHIFT)),
    );
    assert!(matches!(
        s.overlay,
        Overlay::ToolResult(ToolResultBar { pane: 0, .. })
    ));
    typed(&mut s, "rain");
    let next = sends(&update(&mut s, key(KeyCode::Enter)));
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].1.messages.last().unwrap().content, "rain");
    assert_eq!(s.panes[0].state_label(), "step 2 · waiting");
    // Arguments that break the schema are answered with why, and shown.
    let bad = sends(&call(
        &mut s,
        next[0].0,
        t0,
        "get_weather",
        r#"{"town":"Paris"}"#,
    ));
    assert!(
        bad[0]
            .1
            .messages
            .last()
            .unwrap()
            .content
            .starts_with("error: invalid arguments")
    );
    let rows = texts(&s.panes[0]).join("\n");
    assert!(rows.contains("✗ arguments do not fit the schema"), "{rows}");
}

#[test]
fn the_step_limit_ends_the_run() {
    let mut s = with_tools(r#"{"*": "ok"}"#);
    typed(&mut s, "loop");
    let mut id = sends(&update(&mut s, ctrl('s')))[0].0;
    let t0 = Instant::now();
    for _ in 0..3 {
        id = sends(&call(&mut s, id, t0, "get_time", r#"{"city":"X"}"#))[0].0;
    }
    assert!(sends(&call(&mut s, id, t0, "get_time", r#"{"city":"X"}"#)).is_empty());
    let rec = s.panes[0].answer.as_ref().unwrap();
    assert_eq!(rec.steps.len(), 4);
    assert_eq!(rec.stopped, Some(crate::tools::agent::Stopped::StepLimit));
    assert!(
        texts(&s.panes[0])
            .join("\n")
            .contains("[stopped: step limit reached]")
    );
}

#[test]
fn the_pane_says_which_rule_chose_the_model() {
    let mut s = state(&["a/fast"]);
    let id = send_ids(&mut s, "prove it")[0];
    let mut rec = crate::bench::report::tests::rec(10.0, 20.0, (5, 5), None);
    rec.rule = Some("prompt~/prove/".into());
    rec.hops[0].model = "b/large".into();
    s.panes[0].request_id = id;
    s.panes[0].on_ended(rec);
    let rows = texts(&s.panes[0]).join("\n");
    assert!(rows.contains("rule prompt~/prove/ chose b/large"), "{rows}");
}

#[test]
fn the_pane_says_what_the_gateway_says_and_marks_a_cached_answer() {
    let mut s = state(&["a/fast"]);
    let id = send_ids(&mut s, "hello")[0];
    let mut rec = crate::bench::report::tests::rec(10.0, 20.0, (5, 5), None);
    rec.served_model = Some("b/large".into());
    rec.gateway_target = Some("config.targets[1]".into());
    rec.gateway_cache = Some("HIT".into());
    s.panes[0].request_id = id;
    s.panes[0].on_ended(rec);
    let rows = texts(&s.panes[0]).join("\n");
    assert!(
        rows.contains("gateway: served by b/large via config.targets[1]"),
        "{rows}"
    );
    assert!(rows.contains("from its cache (HIT)"), "{rows}");
    assert_eq!(s.panes[0].state_label(), "done · cached");
}

/// A probe of `model` that found these capabilities yes and tools `tools`.
fn probed(model: &str, tools: crate::probe::Verdict) -> crate::probe::TargetProbe {
    use crate::probe::{Capability, Cell, TargetProbe, Verdict};
    let cell = |capability, verdict| Cell {
        capability,
        verdict,
        reason: String::new(),
        evidence: Default::default(),
        claimed: None,
        refuted: false,
    };
    TargetProbe {
        target: model.into(),
        cells: vec![
            cell(Capability::Tools, tools),
            cell(Capability::JsonSchema, Verdict::Yes),
            cell(Capability::Reasoning, Verdict::No),
        ],
        violations: vec![],
        tolerated: Default::default(),
        streams_checked: 0,
    }
}

#[test]
fn the_picker_marks_what_the_last_probe_found_and_a_send_with_tools_warns() {
    use crate::probe::Verdict;
    let mut s = with_tools("{}");
    s.probes = [("a/fast".to_string(), probed("a/fast", Verdict::No))].into();
    s.probes
        .insert("b/large".into(), probed("b/large", Verdict::Yes));
    update(&mut s, Action::Resize(160, 48));
    update(&mut s, Action::ModelsLoaded(Ok(models())));
    let screen = super::judging::screen(&s);
    let row = |id: &str| {
        let item = format!("] {id}");
        screen
            .lines()
            .find(|l| l.contains(&item))
            .unwrap_or("")
            .to_string()
    };
    assert!(row("b/large").contains(" TS "), "{screen}");
    assert!(row("a/fast").contains(" S "), "{screen}");
    assert_eq!(s.probe_marks("c/unprobed"), "");
    send_ids(&mut s, "weather in Paris?");
    let screen = super::judging::screen(&s);
    assert!(
        screen.contains("warning: tools offered, and the last probe found a/fast calls none"),
        "{screen}"
    );
}
